/* signals-altstack: sigaltstack(2) and SA_ONSTACK handlers, uc_stack, SS_AUTODISARM, errnos,
 * then abort() with a SIGABRT handler that returns (the process still dies of SIGABRT). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

#define T(name, expr) do { errno = 0; long r_ = (expr); \
        printf("%s = %ld %s\n", name, r_, r_ < 0 ? strerror(errno) : "ok"); } while (0)

static char stk[65536] __attribute__((aligned(16)));

static void handler(int sig, siginfo_t *si, void *ctx) {
    (void) si;
    ucontext_t *uc = ctx;
    char local;
    stack_t cur;
    sigaltstack(NULL, &cur);
    int on = &local > stk && &local < stk + sizeof stk;
    printf("sig %d on altstack: %d, uc_stack sp_ok=%d size=%zu flags=%#x, now flags=%#x\n", sig, on,
           uc->uc_stack.ss_sp == stk, uc->uc_stack.ss_size, uc->uc_stack.ss_flags, cur.ss_flags);
    stack_t ss = {.ss_sp = stk, .ss_size = sizeof stk, .ss_flags = 0};
    if (!(uc->uc_stack.ss_flags & SS_AUTODISARM)) T("  sigaltstack inside", sigaltstack(&ss, NULL));
}

static void abrt(int sig) {
    printf("SIGABRT handler %d\n", sig);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    stack_t ss, old;
    T("query", sigaltstack(NULL, &old));
    printf("initial flags=%#x size=%zu\n", old.ss_flags, old.ss_size);
    ss.ss_sp = stk;
    ss.ss_size = 1024;
    ss.ss_flags = 0;
    T("too small", sigaltstack(&ss, NULL));
    ss.ss_size = sizeof stk;
    ss.ss_flags = 99;
    T("bad flags", sigaltstack(&ss, NULL));
    ss.ss_flags = 0;
    T("set", sigaltstack(&ss, NULL));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR1);
    raise(SIGUSR2);

    ss.ss_flags = SS_AUTODISARM;
    T("set autodisarm", sigaltstack(&ss, NULL));
    raise(SIGUSR1);
    sigaltstack(NULL, &old);
    printf("after handler: flags=%#x size=%zu\n", old.ss_flags, old.ss_size);

    ss.ss_flags = SS_DISABLE;
    T("disable", sigaltstack(&ss, NULL));
    sigaltstack(NULL, &old);
    printf("disabled: flags=%#x size=%zu sp=%p\n", old.ss_flags, old.ss_size, old.ss_sp);
    raise(SIGUSR1);

    signal(SIGABRT, abrt);
    printf("abort\n");
    abort();
}
