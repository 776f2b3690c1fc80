/* The identity, resource-limit, system-information, random, prctl and scheduling syscalls with
 * good and bad arguments: prints what the kernel answered (results and errno), so the output can
 * be compared with the host's. Only values that are the same on any Linux run are printed (the
 * kernel's release, the host name and the free memory are not: their shape is checked instead).
 * The credential changes run in forked children, which print their view and exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static void r(const char *what, long rc) {
    if (rc == -1) printf("%-48s = -1 %s\n", what, strerrorname_np(errno));
    else printf("%-48s = %ld\n", what, rc);
}

/* Raw syscall, so glibc's wrappers (which set all threads' ids, or check arguments) stay out. */
static long sys(long nr, long a, long b, long c) {
    return syscall(nr, a, b, c);
}

static void ids(const char *when) {
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    getresuid(&ru, &eu, &su);
    getresgid(&rg, &eg, &sg);
    printf("%s: uid %u/%u/%u gid %u/%u/%u fsuid %ld fsgid %ld\n", when, ru, eu, su, rg, eg, sg,
           sys(SYS_setfsuid, -1, 0, 0), sys(SYS_setfsgid, -1, 0, 0));
}

static void groups(const char *when) {
    gid_t g[16];
    int n = getgroups(16, g);
    printf("%s: %d groups:", when, n);
    for (int i = 0; i < n; i++) printf(" %u", g[i]);
    printf("\n");
}

/* Runs body in a child and waits, so each credential experiment starts from the parent's ids. */
static void in_child(const char *name, void (*body)(void)) {
    printf("-- %s\n", name);
    pid_t pid = fork();
    if (pid == 0) {
        body();
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("child status 0x%x\n", st);
}

static void drop_to_user(void) {
    r("setgroups(1, {100})", setgroups(1, (gid_t[]){100}));
    groups("after setgroups");
    r("setresgid(1000, 1001, 1002)", sys(SYS_setresgid, 1000, 1001, 1002));
    r("setresuid(1000, 1001, 1002)", sys(SYS_setresuid, 1000, 1001, 1002));
    ids("after setres*id");
    r("setuid(0) unprivileged", sys(SYS_setuid, 0, 0, 0));
    r("setuid(1002) (the saved uid)", sys(SYS_setuid, 1002, 0, 0));
    ids("after setuid(1002)");
    r("seteuid via setreuid(-1, 1000)", sys(SYS_setreuid, -1, 1000, 0));
    ids("after setreuid(-1, 1000)");
    r("setreuid(1000, 5) not allowed", sys(SYS_setreuid, 1000, 5, 0));
    r("setgid(1000) (the real gid)", sys(SYS_setgid, 1000, 0, 0));
    r("setgid(7) unprivileged", sys(SYS_setgid, 7, 0, 0));
    r("setgroups unprivileged", setgroups(0, NULL));
    r("setresuid(-1, -1, -1)", sys(SYS_setresuid, -1, -1, -1));
    r("setfsuid(1000) returns the old fsuid", sys(SYS_setfsuid, 1000, 0, 0));
    r("setfsuid(77) not allowed: old fsuid", sys(SYS_setfsuid, 77, 0, 0));
    ids("at the end");
    r("prctl(PR_GET_DUMPABLE) after the change", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    r("getrlimit still works", getrlimit(RLIMIT_NOFILE, &(struct rlimit){0}));
    struct rlimit big = {RLIM_INFINITY, RLIM_INFINITY};
    r("setrlimit raise hard limit unprivileged", setrlimit(RLIMIT_NOFILE, &big));
    int nice = getpriority(PRIO_PROCESS, 0);
    r("setpriority lower nice unprivileged", setpriority(PRIO_PROCESS, 0, nice - 1));
    r("setpriority raise nice unprivileged", setpriority(PRIO_PROCESS, 0, nice + 1));
    r("setpriority(PRIO_PROCESS, 1) another user's", setpriority(PRIO_PROCESS, getppid(), 0));
    struct sched_param sp = {10};
    r("sched_setscheduler(SCHED_RR) unprivileged", sched_setscheduler(0, SCHED_RR, &sp));
}

static void root_changes(void) {
    r("setgroups(-1)", sys(SYS_setgroups, -1, 0, 0));
    r("setgroups(65537)", sys(SYS_setgroups, 65537, 0, 0));
    r("setgroups bad pointer", sys(SYS_setgroups, 2, 8, 0));
    r("setgroups(3, {5, 3, 5})", setgroups(3, (gid_t[]){5, 3, 5}));
    groups("after setgroups(3)");
    r("getgroups(1) too small", getgroups(1, (gid_t[1]){0}));
    r("getgroups(-1)", sys(SYS_getgroups, -1, 0, 0));
    r("getgroups(0) counts", getgroups(0, NULL));
    r("getgroups bad pointer", sys(SYS_getgroups, 3, 8, 0));
    r("setuid(0) as root", sys(SYS_setuid, 0, 0, 0));
    r("setreuid(10, 20)", sys(SYS_setreuid, 10, 20, 0));
    ids("after setreuid(10, 20)");
    r("setreuid(-1, 0) back (saved uid is 0?)", sys(SYS_setreuid, -1, 0, 0));
    ids("after setreuid(-1, 0)");
    r("setregid(30, 40)", sys(SYS_setregid, 30, 40, 0));
    ids("after setregid(30, 40)");
    r("setresuid(-2 as 4294967294)", sys(SYS_setresuid, 4294967294L, -1, -1));
    ids("after setresuid(65534 style)");
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);

    /* Identity: jvisor runs the guest as the user that started it, as the host does. */
    printf("uid==getuid of host view: %d\n", getuid() == geteuid());
    ids("start");
    groups("start");
    r("getresuid bad pointer", sys(SYS_getresuid, 8, 8, 8));
    if (getuid() == 0) {
        in_child("root changes", root_changes);
        in_child("drop to an unprivileged user", drop_to_user);
    } else {
        printf("(not root: the credential changes need root, skipped)\n");
    }
    ids("parent unchanged");

    /* Resource limits. */
    struct rlimit rl;
    r("getrlimit(RLIMIT_NOFILE)", getrlimit(RLIMIT_NOFILE, &rl));
    struct rlimit lower = {64, rl.rlim_max};
    r("setrlimit(RLIMIT_NOFILE, 64)", setrlimit(RLIMIT_NOFILE, &lower));
    getrlimit(RLIMIT_NOFILE, &rl);
    printf("RLIMIT_NOFILE soft now %llu\n", (unsigned long long) rl.rlim_cur);
    struct rlimit bad = {100, 50};
    r("setrlimit soft > hard", setrlimit(RLIMIT_NOFILE, &bad));
    r("getrlimit(99) bad resource", sys(SYS_getrlimit, 99, (long) &rl, 0));
    r("getrlimit bad pointer", sys(SYS_getrlimit, RLIMIT_NOFILE, 8, 0));
    struct rlimit old;
    r("prlimit64(0, RLIMIT_CORE, NULL, &old)", syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &old));
    r("prlimit64(no such pid)", syscall(SYS_prlimit64, 999999, RLIMIT_CORE, NULL, &old));
    r("prlimit64(getpid(), RLIMIT_STACK)", syscall(SYS_prlimit64, getpid(), RLIMIT_STACK, NULL, &old));
    struct rlimit stack = {8 << 20, old.rlim_max};
    r("setrlimit(RLIMIT_STACK, 8 MiB)", setrlimit(RLIMIT_STACK, &stack));
    getrlimit(RLIMIT_STACK, &rl);
    printf("RLIMIT_STACK soft now %llu\n", (unsigned long long) rl.rlim_cur);
    /* An open past the lowered descriptor limit. */
    lower.rlim_cur = 5;
    setrlimit(RLIMIT_NOFILE, &lower);
    int last = -1;
    for (int i = 0; i < 10; i++) {
        int fd = dup(0);
        if (fd < 0) {
            printf("dup #%d = -1 %s (limit 5)\n", i, strerrorname_np(errno));
            break;
        }
        last = fd;
    }
    printf("highest fd %d\n", last);
    r("dup2(0, 7) beyond the limit", dup2(0, 7));
    r("fcntl(F_DUPFD, 9) beyond the limit", fcntl(0, F_DUPFD, 9));
    for (int fd = 3; fd <= last; fd++) close(fd);
    lower.rlim_cur = 1024;
    setrlimit(RLIMIT_NOFILE, &lower);

    /* System information: the parts that match on every Linux machine. */
    struct utsname u;
    r("uname", uname(&u));
    printf("sysname %s machine %s release starts with a digit %d nodename nonempty %d\n", u.sysname, u.machine,
           u.release[0] >= '0' && u.release[0] <= '9', u.nodename[0] != 0);
    r("uname bad pointer", sys(SYS_uname, 8, 0, 0));
    struct sysinfo si;
    r("sysinfo", sysinfo(&si));
    printf("mem_unit %u totalram>freeram %d procs>0 %d uptime>0 %d\n", si.mem_unit, si.totalram > si.freeram,
           si.procs > 0, si.uptime > 0);
    r("sysinfo bad pointer", sys(SYS_sysinfo, 8, 0, 0));

    /* getrandom: the count, the flags, the errors (not the bytes). */
    unsigned char buf[300];
    r("getrandom(16)", getrandom(buf, 16, 0));
    r("getrandom(300, GRND_NONBLOCK)", getrandom(buf, 300, GRND_NONBLOCK));
    r("getrandom(8, GRND_RANDOM)", getrandom(buf, 8, GRND_RANDOM));
    r("getrandom(0)", getrandom(buf, 0, 0));
    r("getrandom bad flags", getrandom(buf, 8, 0x40));
    r("getrandom bad pointer", sys(SYS_getrandom, 8, 8, 0));
    unsigned char a[32], b[32];
    getrandom(a, 32, 0);
    getrandom(b, 32, 0);
    printf("two draws differ %d\n", memcmp(a, b, 32) != 0);

    /* prctl. */
    char name[32] = {0};
    r("prctl(PR_SET_NAME, \"renamed-task\")", prctl(PR_SET_NAME, "renamed-task-with-a-long-name", 0, 0, 0));
    r("prctl(PR_GET_NAME)", prctl(PR_GET_NAME, name, 0, 0, 0));
    printf("name \"%s\"\n", name);
    r("prctl(PR_GET_DUMPABLE)", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    r("prctl(PR_SET_DUMPABLE, 5)", prctl(PR_SET_DUMPABLE, 5, 0, 0, 0));
    r("prctl(PR_SET_PDEATHSIG, SIGTERM)", prctl(PR_SET_PDEATHSIG, 15, 0, 0, 0));
    int sig = -1;
    r("prctl(PR_GET_PDEATHSIG)", prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0));
    printf("pdeathsig %d\n", sig);
    r("prctl(PR_SET_PDEATHSIG, 99)", prctl(PR_SET_PDEATHSIG, 99, 0, 0, 0));
    r("prctl(PR_GET_NO_NEW_PRIVS)", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    r("prctl(PR_SET_NO_NEW_PRIVS, 1)", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    r("prctl(PR_GET_NO_NEW_PRIVS) again", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    r("prctl(PR_SET_NO_NEW_PRIVS, 0) cannot undo", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
    r("prctl(PR_GET_CHILD_SUBREAPER)", prctl(PR_GET_CHILD_SUBREAPER, &sig, 0, 0, 0));
    printf("subreaper %d\n", sig);
    r("prctl(12345) unknown option", prctl(12345, 0, 0, 0, 0));

    /* Scheduling. */
    cpu_set_t set;
    r("sched_getaffinity(0) (bytes)", sys(SYS_sched_getaffinity, 0, sizeof set, (long) &set));
    printf("CPU_COUNT == sysconf(_SC_NPROCESSORS_ONLN) %d\n", CPU_COUNT(&set) == sysconf(_SC_NPROCESSORS_ONLN));
    r("sched_getaffinity size 7", sys(SYS_sched_getaffinity, 0, 7, (long) &set));
    r("sched_getaffinity no such pid", sys(SYS_sched_getaffinity, 999999, sizeof set, (long) &set));
    r("sched_getaffinity bad pointer", sys(SYS_sched_getaffinity, 0, sizeof set, 8));
    CPU_ZERO(&set);
    r("sched_setaffinity(empty set)", sched_setaffinity(0, sizeof set, &set));
    r("sched_yield", sched_yield());
    unsigned cpu = 999, node = 999;
    r("getcpu", sys(SYS_getcpu, (long) &cpu, (long) &node, 0));
    printf("cpu < nprocs %d node %u\n", cpu < (unsigned) sysconf(_SC_NPROCESSORS_ONLN), node);
    /* Nice values, relative to the one the test started with (a CI runner may start it niced). */
    errno = 0;
    int base = getpriority(PRIO_PROCESS, 0);
    printf("getpriority errno %s\n", errno ? strerrorname_np(errno) : "0");
    r("setpriority(PRIO_PROCESS, 0, base + 3)", setpriority(PRIO_PROCESS, 0, base + 3));
    printf("nice now base + %d\n", getpriority(PRIO_PROCESS, 0) - base);
    r("raw getpriority = 20 - nice, minus base", sys(SYS_getpriority, PRIO_PROCESS, 0, 0) + base);
    r("setpriority(PRIO_PROCESS, 0, 100) clamps", setpriority(PRIO_PROCESS, 0, 100));
    printf("nice now %d\n", getpriority(PRIO_PROCESS, 0));
    r("getpriority(PRIO_PROCESS, no such pid)", sys(SYS_getpriority, PRIO_PROCESS, 999999, 0));
    r("getpriority(7, 0) bad which", sys(SYS_getpriority, 7, 0, 0));
    r("setpriority(7, 0, 0) bad which", setpriority(7, 0, 0));

    /* Scheduling policies (no real-time policy is set: it would change how the host runs this test). */
    struct sched_param sp = {0};
    r("sched_get_priority_max(SCHED_FIFO)", sched_get_priority_max(SCHED_FIFO));
    r("sched_get_priority_min(SCHED_RR)", sched_get_priority_min(SCHED_RR));
    r("sched_get_priority_max(SCHED_BATCH)", sched_get_priority_max(SCHED_BATCH));
    r("sched_get_priority_max(42)", sched_get_priority_max(42));
    r("sched_getscheduler(0)", sched_getscheduler(0));
    r("sched_getscheduler(-1)", sched_getscheduler(-1));
    r("sched_getscheduler(no such pid)", sched_getscheduler(999999));
    r("sched_setscheduler(0, SCHED_BATCH, {0})", sched_setscheduler(0, SCHED_BATCH, &sp));
    r("sched_getscheduler(0) after", sched_getscheduler(0));
    r("sched_getparam(0)", sched_getparam(0, &sp));
    printf("priority %d\n", sp.sched_priority);
    sp.sched_priority = 5;
    r("sched_setscheduler(SCHED_OTHER, priority 5)", sched_setscheduler(0, SCHED_OTHER, &sp));
    sp.sched_priority = 0;
    r("sched_setscheduler(SCHED_FIFO, priority 0)", sched_setscheduler(0, SCHED_FIFO, &sp));
    r("sched_setscheduler(policy 9)", sched_setscheduler(0, 9, &sp));
    r("sched_setscheduler(NULL param)", sys(SYS_sched_setscheduler, 0, SCHED_OTHER, 0));
    r("sched_setparam(0, {0})", sched_setparam(0, &sp));
    r("sched_setscheduler(0, SCHED_OTHER, {0})", sched_setscheduler(0, SCHED_OTHER, &sp));

    /* lseek(SEEK_END) in /proc: a seq_file refuses it; cmdline seeks as a file of size 0. */
    int pf = open("/proc/self/status", O_RDONLY);
    r("lseek(/proc/self/status, 0, SEEK_END)", lseek(pf, 0, SEEK_END));
    r("lseek(/proc/self/status, 0, SEEK_CUR)", lseek(pf, 0, SEEK_CUR));
    close(pf);
    pf = open("/proc/self/cmdline", O_RDONLY);
    r("lseek(/proc/self/cmdline, 0, SEEK_END)", lseek(pf, 0, SEEK_END));
    char first;
    r("read(/proc/self/cmdline) after it", read(pf, &first, 1));
    close(pf);
    return 0;
}
