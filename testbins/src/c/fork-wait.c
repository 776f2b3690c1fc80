/* fork, vfork, wait4/waitpid/waitid, exit statuses, SIGCHLD, pipes between processes,
 * process groups: prints what the kernel answered, so the output can be compared with the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t sigchld_count;

static void on_sigchld(int sig) {
    (void) sig;
    sigchld_count++;
}

static void show_status(const char *what, int status) {
    if (WIFEXITED(status))
        printf("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by signal %d%s\n", what, WTERMSIG(status), WCOREDUMP(status) ? " (core)" : "");
    else
        printf("%s: status 0x%x\n", what, status);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t self = getpid();

    /* A child that exits with a code, seen by waitpid. */
    pid_t c = fork();
    if (c == 0) {
        printf("child: parent matches %d, own pid differs %d\n", getppid() == self, getpid() != self);
        _exit(7);
    }
    int status;
    pid_t w = waitpid(c, &status, 0);
    printf("waitpid returned the child %d\n", w == c);
    show_status("child 1", status);

    /* Memory is copied: the child's writes are not seen by the parent. */
    static int shared_value = 1;
    c = fork();
    if (c == 0) {
        shared_value = 2;
        _exit(shared_value);
    }
    waitpid(c, &status, 0);
    printf("after child wrote: parent sees %d, child exited %d\n", shared_value, WEXITSTATUS(status));

    /* A pipe between parent and child. */
    int p[2];
    if (pipe(p) != 0) return 1;
    c = fork();
    if (c == 0) {
        close(p[0]);
        const char msg[] = "hello through a pipe";
        write(p[1], msg, sizeof msg);
        _exit(0);
    }
    close(p[1]);
    char buf[64] = {0};
    ssize_t n = read(p[0], buf, sizeof buf);
    printf("read %zd bytes: %s\n", n, buf);
    n = read(p[0], buf, sizeof buf);
    printf("then read %zd (EOF once the child is gone)\n", n);
    close(p[0]);
    waitpid(c, &status, 0);
    show_status("pipe child", status);

    /* Killed by a signal. */
    c = fork();
    if (c == 0) {
        raise(SIGTERM);
        _exit(99);
    }
    waitpid(c, &status, 0);
    show_status("raised SIGTERM", status);

    c = fork();
    if (c == 0) {
        *(volatile int *) 0 = 1;
        _exit(98);
    }
    waitpid(c, &status, 0);
    show_status("null write", status);

    /* kill() from the parent, the child blocked in pause(). */
    c = fork();
    if (c == 0) {
        for (;;) pause();
    }
    printf("kill: %d\n", kill(c, SIGKILL));
    waitpid(c, &status, 0);
    show_status("killed with SIGKILL", status);

    /* WNOHANG before the child is done, then a blocking wait. */
    if (pipe(p) != 0) return 1;
    c = fork();
    if (c == 0) {
        close(p[1]);
        char x;
        read(p[0], &x, 1); /* wait for the parent's go */
        _exit(3);
    }
    close(p[0]);
    printf("WNOHANG while running: %d\n", waitpid(c, &status, WNOHANG));
    write(p[1], "g", 1);
    close(p[1]);
    printf("blocking wait: %d\n", waitpid(c, &status, 0) == c);
    show_status("after go", status);

    /* SIGCHLD handler and waitid. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sigaction(SIGCHLD, &sa, NULL);
    c = fork();
    if (c == 0) _exit(5);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, c, &si, WEXITED);
    printf("waitid: %d signo=%d code=%d pid-matches=%d status=%d\n", r, si.si_signo, si.si_code, si.si_pid == c,
           si.si_status);
    printf("SIGCHLD handled: %d\n", sigchld_count >= 1);

    /* Several children, reaped in any order with wait(). */
    int sum = 0;
    for (int i = 1; i <= 4; i++) {
        if (fork() == 0) _exit(10 * i);
    }
    for (int i = 0; i < 4; i++) {
        if (wait(&status) > 0) sum += WEXITSTATUS(status);
    }
    printf("sum of 4 exit codes: %d\n", sum);

    /* No children left. */
    errno = 0;
    r = wait(&status);
    printf("wait with no children: %d errno=%s\n", r, strerror(errno));
    r = waitpid(-1, &status, WNOHANG);
    printf("WNOHANG with no children: %d errno=%s\n", r, strerror(errno));

    /* vfork: the parent sleeps until the child exits; the child shares the memory. */
    static volatile int vfork_mark;
    c = vfork();
    if (c == 0) {
        vfork_mark = 42;
        _exit(9);
    }
    printf("vfork: parent sees %d\n", vfork_mark);
    waitpid(c, &status, 0);
    show_status("vfork child", status);

    /* Process groups. */
    c = fork();
    if (c == 0) {
        int a = setpgid(0, 0);
        printf("child setpgid: %d, leads its group: %d\n", a, getpgrp() == getpid());
        _exit(0);
    }
    waitpid(c, &status, 0);
    printf("getpgid(0) == getpgrp(): %d\n", getpgid(0) == getpgrp());
    r = setpgid(1, 1);
    printf("setpgid of a non-child: %d %s\n", r, strerror(errno));
    r = kill(999999, 0);
    printf("kill of no such process: %d %s\n", r, strerror(errno));
    printf("kill(0, 0) reaches the own group: %d\n", kill(0, 0));

    struct rusage ru;
    printf("getrusage(RUSAGE_CHILDREN): %d\n", getrusage(RUSAGE_CHILDREN, &ru));
    return 0;
}
