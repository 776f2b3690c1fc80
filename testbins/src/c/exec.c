/* execve and execveat with good and bad arguments: what the kernel answers, and what the new
 * image inherits (argv, environment, close-on-exec descriptors, signal dispositions, mask and
 * pending signals, the task name, #! interpreters). The program re-executes itself in different
 * roles; paths are printed by their last component so the output does not depend on where the
 * test runs. Works in a fresh directory of /tmp. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static char self[PATH_MAX];

static void r(const char *what, long rc) {
    if (rc == -1) printf("%-44s = -1 %s\n", what, strerrorname_np(errno));
    else printf("%-44s = %ld\n", what, rc);
}

static const char *base(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The role of a re-executed image: prints what it inherited, then exits. */
static int child_role(int argc, char **argv) {
    printf("  new image: argc %d:", argc);
    for (int i = 0; i < argc; i++) printf(" [%s]", base(argv[i]));
    printf("\n");
    const char *v = getenv("EXEC_TEST");
    printf("  EXEC_TEST=%s, environ entries %d\n", v ? v : "(unset)", (int) (environ ? ({int n = 0; while (environ[n]) n++; n;}) : -1));
    printf("  fd 5 %s, fd 6 %s\n", fcntl(5, F_GETFD) == -1 ? "closed" : "open", fcntl(6, F_GETFD) == -1 ? "closed" : "open");
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    printf("  SIGUSR1 %s\n", sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "handled");
    sigaction(SIGUSR2, NULL, &sa);
    printf("  SIGUSR2 %s\n", sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "handled");
    sigset_t mask, pend;
    sigprocmask(SIG_SETMASK, NULL, &mask);
    sigpending(&pend);
    printf("  SIGTERM blocked %d pending %d\n", sigismember(&mask, SIGTERM), sigismember(&pend, SIGTERM));
    char comm[32] = {0};
    int fd = open("/proc/self/comm", O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, comm, sizeof comm - 1);
        if (n > 0 && comm[n - 1] == '\n') comm[n - 1] = 0;
        close(fd);
    }
    printf("  comm %s\n", comm);
    const char *fn = (const char *) getauxval(AT_EXECFN);
    printf("  AT_EXECFN %s\n", fn == NULL ? "(none)" : strncmp(fn, "/dev/fd/", 8) == 0 ? fn : base(fn));
    fflush(stdout);
    return 7;
}

static void on_usr1(int sig) { (void) sig; }

/* Runs fn in a forked child (which is expected to exec) and prints how it ended. */
static void run(const char *name, void (*fn)(void)) {
    printf("-- %s\n", name);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        printf("  still the old image\n");
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st)) printf("  exit %d\n", WEXITSTATUS(st));
    else printf("  signal %d\n", WTERMSIG(st));
}

static void plain(void) {
    char *argv[] = {self, "--child", "one", "two", NULL};
    char *envp[] = {"EXEC_TEST=plain", "OTHER=1", NULL};
    int keep = open(".", O_RDONLY), gone = open(".", O_RDONLY | O_CLOEXEC);
    dup2(keep, 5);
    dup2(gone, 6);
    fcntl(6, F_SETFD, FD_CLOEXEC);
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, SIG_IGN);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGTERM);
    sigprocmask(SIG_BLOCK, &m, NULL);
    kill(getpid(), SIGTERM);
    execve(self, argv, envp);
    r("execve", -1);
}

static void empty_argv(void) {
    char *envp[] = {"EXEC_TEST=empty-argv", NULL};
    char *argv[] = {NULL};
    execve(self, argv, envp); /* Linux passes argc 1 with an empty argv[0] since 5.18 */
    r("execve empty argv", -1);
}

static void at_empty_path(void) {
    int fd = open(self, O_RDONLY);
    char *argv[] = {"renamed", "--child", NULL};
    char *envp[] = {"EXEC_TEST=fexecve", NULL};
    syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
    r("execveat AT_EMPTY_PATH", -1);
}

static void via_dirfd(void) {
    char dir[PATH_MAX];
    strcpy(dir, self);
    *strrchr(dir, '/') = 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    char *argv[] = {"x", "--child", NULL};
    char *envp[] = {"EXEC_TEST=dirfd", NULL};
    syscall(SYS_execveat, dfd, base(self), argv, envp, 0);
    r("execveat dirfd + name", -1);
}

static void script(void) {
    char *argv[] = {"ignored-name", "arg1", NULL};
    char *envp[] = {"EXEC_TEST=script", NULL};
    execve("./interp.sh", argv, envp);
    r("execve #! script", -1);
}

static void script_of_script(void) {
    char *argv[] = {"s2", NULL};
    char *envp[] = {"EXEC_TEST=script-of-script", NULL};
    execve("./nested.sh", argv, envp);
    r("execve #! script of a #! script", -1);
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--child") == 0) return child_role(argc, argv);
    if (argc >= 1 && argv[0][0] == 0) return child_role(argc, argv); /* the empty argv case */
    if (argc >= 4 && strcmp(argv[2], "--child") == 0) return child_role(argc, argv); /* #! interp-arg */
    setvbuf(stdout, NULL, _IONBF, 0);
    if (!realpath("/proc/self/exe", self)) return 1;
    char dir[] = "/tmp/exec-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) < 0) { perror("setup"); return 1; }

    char *none[] = {NULL};
    r("execve(nonexistent)", execve("./no-such-program", none, none));
    r("execve(directory)", execve(".", none, none));
    int fd = open("plain.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    write(fd, "hello\n", 6);
    close(fd);
    r("execve(file without x bit)", execve("./plain.txt", none, none));
    chmod("plain.txt", 0755);
    r("execve(text file with x bit)", execve("./plain.txt", none, none));
    fd = open("empty.bin", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    close(fd);
    r("execve(empty file)", execve("./empty.bin", none, none));
    fd = open("missing-interp.sh", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    write(fd, "#!/no/such/interpreter\n", 23);
    close(fd);
    r("execve(#! missing interpreter)", execve("./missing-interp.sh", none, none));
    char longname[PATH_MAX + 10];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    r("execve(path longer than PATH_MAX)", execve(longname, none, none));
    r("execve(NULL path)", syscall(SYS_execve, 0, none, none));
    r("execve(bad argv pointer)", syscall(SYS_execve, self, 8, none));
    char *bad_argv[] = {self, (char *) 8, NULL};
    r("execve(bad string in argv)", execve(self, bad_argv, none));
    r("execveat(bad flags)", syscall(SYS_execveat, AT_FDCWD, self, none, none, 0x4));
    r("execveat(bad dirfd)", syscall(SYS_execveat, 99, "x", none, none, 0));
    r("execveat(empty path without flag)", syscall(SYS_execveat, AT_FDCWD, "", none, none, 0));
    r("execveat(AT_SYMLINK_NOFOLLOW, symlink)", (symlink(self, "link-to-self"),
        syscall(SYS_execveat, AT_FDCWD, "./link-to-self", none, none, AT_SYMLINK_NOFOLLOW)));

    /* #! scripts whose interpreter is this program, with an argument. */
    fd = open("interp.sh", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    dprintf(fd, "#!%s --child\nnot read by the interpreter\n", self);
    close(fd);
    fd = open("nested.sh", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    dprintf(fd, "#!./interp.sh\n");
    close(fd);

    run("plain execve", plain);
    run("empty argv", empty_argv);
    run("execveat AT_EMPTY_PATH (fexecve)", at_empty_path);
    run("execveat dirfd + name", via_dirfd);
    run("#! script", script);
    run("#! script of a #! script", script_of_script);
    unlink("plain.txt");
    unlink("empty.bin");
    unlink("missing-interp.sh");
    unlink("interp.sh");
    unlink("nested.sh");
    unlink("link-to-self");
    chdir("/");
    rmdir(dir);
    return 0;
}
