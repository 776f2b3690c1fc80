/* signals-handler: SA_SIGINFO handlers, the siginfo of kill/tgkill/sigqueue, the interrupted
 * context seen and changed by a handler, masks, pending sets, queueing, SA_NODEFER,
 * SA_RESETHAND, and errnos of bad arguments. Pids and addresses are normalized. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include <xmmintrin.h>

#define T(name, expr) do { errno = 0; long r_ = (expr); \
        printf("%s = %ld %s\n", name, r_, r_ < 0 ? strerror(errno) : "ok"); } while (0)

static volatile int count;
static int order[16];

static const char *code(int c) {
    switch (c) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_KERNEL: return "SI_KERNEL";
    case SI_TIMER: return "SI_TIMER";
    default: return "other";
    }
}

static void show_mask(const char *what) {
    sigset_t m;
    sigprocmask(SIG_SETMASK, NULL, &m);
    printf("%s: mask", what);
    for (int s = 1; s < 65; s++)
        if (sigismember(&m, s)) printf(" %d", s);
    printf("\n");
}

static void info_handler(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    printf("handler sig=%d si_signo=%d code=%s pid_ok=%d uid_ok=%d value=%d\n", sig, si->si_signo,
           code(si->si_code), si->si_pid == getpid(), si->si_uid == getuid(),
           si->si_code == SI_QUEUE ? si->si_value.sival_int : -1);
    /* uc_stack.ss_flags, trapno, err and cr2 are inherited from the parent (fork keeps them,
     * execve does not reset them): not printed here, see signals-faults and signals-altstack. */
    printf("  uc%%16=%d info%%16=%d uc_flags&6=%#lx\n", (int) ((uintptr_t) uc % 16), (int) ((uintptr_t) si % 16),
           uc->uc_flags & 6);
    show_mask("  in handler");
    count++;
}

static void order_handler(int sig, siginfo_t *si, void *ctx) {
    (void) ctx;
    order[count++] = sig * 100 + (si->si_code == SI_QUEUE ? si->si_value.sival_int : 0);
}

static volatile int depth, maxdepth, calls;
static void nodefer_handler(int sig) {
    depth++;
    if (depth > maxdepth) maxdepth = depth;
    if (++calls < 3) raise(sig);
    depth--;
}

/* Sees the registers of the interrupted code and changes them. */
static void ctx_handler(int sig, siginfo_t *si, void *ctx) {
    (void) sig; (void) si;
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    printf("ctx: r12=%#llx r13=%#llx r14=%#llx r15=%#llx rbx=%#llx rax=%lld\n", (long long) g[REG_R12],
           (long long) g[REG_R13], (long long) g[REG_R14], (long long) g[REG_R15], (long long) g[REG_RBX],
           (long long) g[REG_RAX]);
    printf("ctx: saved mxcsr=%#x, in handler mxcsr=%#x, fp cwd=%#x\n", uc->uc_mcontext.fpregs->mxcsr,
           _mm_getcsr(), uc->uc_mcontext.fpregs->cwd);
    g[REG_R12] = 0x1234;
    g[REG_RBX] = 0x5678;
    uc->uc_mcontext.fpregs->mxcsr = 0x1f80 | (1 << 13); /* round down */
}

static void set(int sig, void *h, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sig == SIGUSR1) sigaddset(&sa.sa_mask, SIGWINCH);
    if (sigaction(sig, &sa, NULL) != 0) perror("sigaction");
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    set(SIGUSR1, info_handler, SA_SIGINFO);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    union sigval v = {.sival_int = 42};
    sigqueue(getpid(), SIGUSR1, v);
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    show_mask("after handlers");

    /* Standard signals coalesce, real-time signals queue in order with their values. */
    count = 0;
    set(SIGUSR2, order_handler, SA_SIGINFO);
    set(SIGRTMIN, order_handler, SA_SIGINFO);
    set(SIGRTMIN + 1, order_handler, SA_SIGINFO);
    sigset_t b, old, pend;
    sigemptyset(&b);
    sigaddset(&b, SIGUSR2);
    sigaddset(&b, SIGRTMIN);
    sigaddset(&b, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &b, &old);
    raise(SIGUSR2);
    raise(SIGUSR2);
    for (int i = 1; i <= 3; i++) {
        v.sival_int = i;
        sigqueue(getpid(), SIGRTMIN + 1, v);
        sigqueue(getpid(), SIGRTMIN, v);
    }
    sigpending(&pend);
    printf("pending: usr2=%d rtmin=%d rtmin1=%d usr1=%d count=%d\n", sigismember(&pend, SIGUSR2),
           sigismember(&pend, SIGRTMIN), sigismember(&pend, SIGRTMIN + 1), sigismember(&pend, SIGUSR1), count);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("delivered %d:", count);
    for (int i = 0; i < count; i++) printf(" %d", order[i]);
    printf("\n");

    /* SA_NODEFER lets a handler be interrupted by its own signal. */
    set(SIGHUP, nodefer_handler, SA_NODEFER);
    raise(SIGHUP);
    printf("nodefer max depth %d calls %d\n", maxdepth, calls);
    maxdepth = depth = calls = 0;
    set(SIGHUP, nodefer_handler, 0);
    raise(SIGHUP);
    printf("defer max depth %d calls %d\n", maxdepth, calls);

    /* SA_RESETHAND: the disposition goes back to SIG_DFL at delivery. */
    set(SIGUSR2, order_handler, SA_SIGINFO | SA_RESETHAND);
    count = 0;
    raise(SIGUSR2);
    struct sigaction cur;
    sigaction(SIGUSR2, NULL, &cur);
    printf("resethand: count=%d now %s flags_resethand=%d\n", count,
           cur.sa_handler == SIG_DFL ? "SIG_DFL" : "handler", !!(cur.sa_flags & SA_RESETHAND));

    /* Ignored signals are discarded; default-ignore ones too. */
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    raise(SIGWINCH);
    raise(SIGCHLD);
    printf("ignored signals survived\n");

    /* The interrupted context: registers set right before the syscall, changed by the handler. */
    set(SIGUSR1, ctx_handler, SA_SIGINFO);
    _mm_setcsr(0x1f80 | (3 << 13)); /* round toward zero */
    long r12, rbx;
    long pid = getpid(), tid = gettid();
    __asm__ volatile(
        "mov $0x1111, %%r12\n\t"
        "mov $0x2222, %%r13\n\t"
        "mov $0x3333, %%r14\n\t"
        "mov $0x4444, %%r15\n\t"
        "mov $0x5555, %%rbx\n\t"
        "mov %[nr], %%eax\n\t"
        "syscall\n\t"
        "mov %%r12, %[r12]\n\t"
        "mov %%rbx, %[rbx]\n\t"
        : [r12] "=r"(r12), [rbx] "=r"(rbx)
        : [nr] "i"(SYS_tgkill), "D"(pid), "S"(tid), "d"((long) SIGUSR1)
        : "rax", "rcx", "r11", "r12", "r13", "r14", "r15", "rbx", "memory");
    unsigned csr = _mm_getcsr();
    _mm_setcsr(0x1f80);
    printf("after return: r12=%#lx rbx=%#lx mxcsr=%#x\n", r12, rbx, csr);

    /* Errors. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_code = SI_USER;
    T("sigaction(SIGKILL)", sigaction(SIGKILL, &sa, NULL));
    T("sigaction(SIGSTOP, NULL)", sigaction(SIGSTOP, NULL, &cur));
    T("rt_sigaction(65)", syscall(SYS_rt_sigaction, 65, NULL, &cur, 8));
    T("rt_sigaction(0)", syscall(SYS_rt_sigaction, 0, NULL, &cur, 8));
    T("rt_sigaction(size 4)", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &cur, 4));
    T("rt_sigaction(bad act)", syscall(SYS_rt_sigaction, SIGUSR1, (void *) 8, NULL, 8));
    T("sigprocmask(how 7)", syscall(SYS_rt_sigprocmask, 7, &b, NULL, 8));
    T("sigprocmask(how 7, NULL)", syscall(SYS_rt_sigprocmask, 7, NULL, NULL, 8));
    T("rt_sigpending(size 16)", syscall(SYS_rt_sigpending, &pend, 16));
    T("kill(self, 65)", kill(getpid(), 65));
    T("kill(0x3fffffff, 0)", kill(0x3fffffff, 0));
    T("kill(self, 0)", kill(getpid(), 0));
    T("tgkill(self, 0x3fffffff)", syscall(SYS_tgkill, getpid(), 0x3fffffff, SIGUSR1));
    T("tgkill(-1)", syscall(SYS_tgkill, -1, gettid(), SIGUSR1));
    T("tkill(0)", syscall(SYS_tkill, 0, SIGUSR1));
    T("tkill(self, 0)", syscall(SYS_tkill, gettid(), 0));
    T("rt_sigqueueinfo(other, SI_USER)", syscall(SYS_rt_sigqueueinfo, 0x3fffffff, SIGUSR1, &si));
    T("rt_sigqueueinfo(bad info)", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, (void *) 8));
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    sigprocmask(SIG_SETMASK, NULL, &old);
    printf("block all: KILL blocked=%d STOP blocked=%d USR1 blocked=%d\n", sigismember(&old, SIGKILL),
           sigismember(&old, SIGSTOP), sigismember(&old, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &all, NULL);

    /* Default action: terminate. */
    signal(SIGUSR1, SIG_DFL);
    printf("raising SIGTERM\n");
    raise(SIGTERM);
    printf("not reached\n");
    return 0;
}
