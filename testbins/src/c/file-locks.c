/* Advisory file locks between processes: POSIX record locks (F_SETLK, F_SETLKW, F_GETLK,
 * release on any close, not inherited by fork, EDEADLK), open file description locks
 * (F_OFD_*) and flock(2). Prints what the kernel answered; pids are printed as who they are
 * (parent, child), not as numbers. Works in a fresh directory of /tmp. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static void r(const char *who, const char *what, long rc) {
    if (rc == -1) printf("%s: %-40s = -1 %s\n", who, what, strerrorname_np(errno));
    else printf("%s: %-40s = %ld\n", who, what, rc);
}

static int setlk(int fd, int cmd, short type, long start, long len) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

/* F_GETLK / F_OFD_GETLK for a write lock on [start, start+len): prints the blocking lock. */
static void getlk(const char *who, int fd, int cmd, long start, long len, pid_t parent, pid_t child) {
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    if (fcntl(fd, cmd, &fl) == -1) {
        printf("%s: getlk = -1 %s\n", who, strerrorname_np(errno));
        return;
    }
    const char *owner = fl.l_pid == parent ? "parent" : fl.l_pid == child ? "child" : fl.l_pid == -1 ? "-1 (ofd)"
                      : fl.l_pid == 0 ? "0" : "someone else";
    if (fl.l_type == F_UNLCK) printf("%s: getlk [%ld,+%ld) free\n", who, start, len);
    else printf("%s: getlk [%ld,+%ld) blocked by %s lock [%ld,+%ld) of %s\n", who, start, len,
                fl.l_type == F_RDLCK ? "read" : "write", (long) fl.l_start, (long) fl.l_len, owner);
}

static int to_child[2], to_parent[2];
static void tell(int fd) { char c = 'x'; if (write(fd, &c, 1) != 1) _exit(3); }
static void hear(int fd) { char c; if (read(fd, &c, 1) != 1) _exit(4); }

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *path = "locks.dat";
    char dir[] = "/tmp/file-locks-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) < 0) { perror("setup"); return 1; }
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (write(fd, "0123456789abcdefghij", 20) != 20) return 1;
    pid_t parent = getpid();
    if (pipe(to_child) || pipe(to_parent)) return 1;

    /* The parent's locks: write on [0,10), read on [10,20). */
    r("parent", "F_SETLK write [0,10)", setlk(fd, F_SETLK, F_WRLCK, 0, 10));
    r("parent", "F_SETLK read [10,20)", setlk(fd, F_SETLK, F_RDLCK, 10, 10));
    getlk("parent", fd, F_GETLK, 0, 20, parent, -2); /* its own locks never block it */

    pid_t child = fork();
    if (child == 0) {
        child = getpid();
        int cfd = open(path, O_RDWR);
        getlk("child", cfd, F_GETLK, 5, 1, parent, child);
        getlk("child", cfd, F_GETLK, 12, 3, parent, child);
        getlk("child", cfd, F_GETLK, 20, 0, parent, child);
        r("child", "inherited fd: F_SETLK write [0,1)", setlk(fd, F_SETLK, F_WRLCK, 0, 1));
        r("child", "F_SETLK read [12,15) shares", setlk(cfd, F_SETLK, F_RDLCK, 12, 3));
        r("child", "F_SETLK write [15,16)", setlk(cfd, F_SETLK, F_WRLCK, 15, 1));
        r("child", "F_SETLK write [30,40) past the end", setlk(cfd, F_SETLK, F_WRLCK, 30, 10));
        tell(to_parent[1]);
        /* Blocks until the parent unlocks [0,10). */
        r("child", "F_SETLKW write [2,4)", setlk(cfd, F_SETLKW, F_WRLCK, 2, 2));
        tell(to_parent[1]);
        hear(to_child[0]);
        /* Deadlock: the parent waits for [2,4) (ours) while we ask for [50,51) (the parent's). */
        usleep(300 * 1000);
        r("child", "F_SETLKW write [50,51) deadlock", setlk(cfd, F_SETLKW, F_WRLCK, 50, 1));
        /* Printed only after the parent, which this unlock wakes, has printed its line. */
        int unlocked = setlk(cfd, F_SETLK, F_UNLCK, 2, 2);
        hear(to_child[0]);
        r("child", "F_SETLK unlock [2,4) (earlier)", unlocked);
        tell(to_parent[1]);
        hear(to_child[0]);
        /* After the parent closed a second descriptor of the file, all its locks are gone. */
        getlk("child", cfd, F_GETLK, 0, 0, parent, child);
        /* OFD locks: held by the open file description. */
        int o1 = open(path, O_RDWR), o2 = open(path, O_RDWR);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
        r("child", "F_OFD_SETLK write [0,5) on o1", fcntl(o1, F_OFD_SETLK, &fl));
        r("child", "F_OFD_SETLK write [0,5) on o2", fcntl(o2, F_OFD_SETLK, &fl));
        getlk("child", o2, F_OFD_GETLK, 0, 5, parent, child);
        fl.l_pid = 7;
        r("child", "F_OFD_SETLK with l_pid set", fcntl(o2, F_OFD_SETLK, &fl));
        r("child", "POSIX F_SETLK vs OFD lock", setlk(cfd, F_SETLK, F_WRLCK, 0, 1));
        close(o1);
        fl.l_pid = 0;
        r("child", "F_OFD_SETLK on o2 after closing o1", fcntl(o2, F_OFD_SETLK, &fl));
        close(o2);
        /* flock: per open file description; a dup or a forked copy shares it. */
        int f1 = open(path, O_RDONLY), f2 = open(path, O_RDONLY);
        r("child", "flock(f1, LOCK_EX)", flock(f1, LOCK_EX));
        r("child", "flock(f2, LOCK_SH|LOCK_NB)", flock(f2, LOCK_SH | LOCK_NB));
        int f3 = dup(f1);
        r("child", "flock(dup of f1, LOCK_EX|LOCK_NB)", flock(f3, LOCK_EX | LOCK_NB));
        r("child", "flock(f1, LOCK_SH) converts", flock(f1, LOCK_SH));
        r("child", "flock(f2, LOCK_SH|LOCK_NB) now", flock(f2, LOCK_SH | LOCK_NB));
        r("child", "flock(f2, LOCK_EX|LOCK_NB)", flock(f2, LOCK_EX | LOCK_NB));
        r("child", "POSIX write lock beside flock", setlk(cfd, F_SETLK, F_WRLCK, 0, 1));
        r("child", "flock bad operation", flock(f2, 3));
        r("child", "flock(f1, LOCK_UN)", flock(f1, LOCK_UN));
        close(f3);
        r("child", "flock(f2, LOCK_EX|LOCK_NB) after unlock", flock(f2, LOCK_EX | LOCK_NB));
        _exit(0);
    }

    hear(to_parent[0]);
    getlk("parent", fd, F_GETLK, 15, 1, parent, child);
    getlk("parent", fd, F_GETLK, 10, 10, parent, child);
    r("parent", "F_SETLK write [12,13) (child reads it)", setlk(fd, F_SETLK, F_WRLCK, 12, 1));
    usleep(200 * 1000);
    printf("parent: unlocking [0,10)\n"); /* before: the child it wakes prints at once */
    if (setlk(fd, F_SETLK, F_UNLCK, 0, 10) != 0) printf("parent: unlock failed %s\n", strerrorname_np(errno));
    hear(to_parent[0]);
    r("parent", "F_SETLK write [50,51)", setlk(fd, F_SETLK, F_WRLCK, 50, 1));
    tell(to_child[1]);
    /* Waits for the child's [2,4); the child's request for [50,51) is the deadlock. */
    r("parent", "F_SETLKW write [2,4)", setlk(fd, F_SETLKW, F_WRLCK, 2, 2));
    tell(to_child[1]);
    hear(to_parent[0]);
    int other = open(path, O_RDONLY);
    close(other); /* releases every lock of this process on the file */
    tell(to_child[1]);
    int st;
    waitpid(child, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));
    unlink(path);
    chdir("/");
    rmdir(dir);
    return 0;
}
