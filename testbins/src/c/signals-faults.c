/* signals-faults: hardware faults become signals with the kernel's siginfo and sigcontext;
 * handlers skip the faulting instruction by changing uc_mcontext's rip; a fault whose signal is
 * blocked kills the process anyway. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static char *page;
static volatile int hits;

static const char *name(int sig, int code) {
    if (code == SI_KERNEL) return "SI_KERNEL";
    switch (sig) {
    case SIGSEGV: return code == SEGV_MAPERR ? "SEGV_MAPERR" : code == SEGV_ACCERR ? "SEGV_ACCERR" : "?";
    case SIGILL: return code == ILL_ILLOPN ? "ILL_ILLOPN" : code == ILL_ILLOPC ? "ILL_ILLOPC" : "?";
    case SIGFPE: return code == FPE_INTDIV ? "FPE_INTDIV" : "?";
    case SIGTRAP: return code == TRAP_BRKPT ? "TRAP_BRKPT" : "?";
    }
    return "?";
}

/* Each faulting instruction is followed by a label; the handler jumps there. */
extern char skip_load[], skip_store[], skip_ud2[], skip_div[], after_int3[], fault_load[], fault_ud2[],
        fault_div[], fault_store[];

static void handler(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    char *rip = (char *) g[REG_RIP];
    const char *where = rip == fault_load ? "fault_load" : rip == fault_store ? "fault_store"
            : rip == fault_ud2 ? "fault_ud2" : rip == fault_div ? "fault_div" : rip == after_int3 ? "after_int3" : "?";
    char *addr = si->si_addr;
    const char *a = addr == NULL ? "NULL" : addr == page ? "page" : addr == (char *) 16 ? "16"
            : (char *) addr == rip ? "rip" : "other";
    printf("%s %s at %s: si_addr=%s trapno=%lld err=%lld cr2=%s\n", sig == SIGSEGV ? "SIGSEGV" : sig == SIGILL
            ? "SIGILL" : sig == SIGFPE ? "SIGFPE" : sig == SIGTRAP ? "SIGTRAP" : "?", name(sig, si->si_code), where, a,
            (long long) g[REG_TRAPNO], (long long) g[REG_ERR],
            (char *) g[REG_CR2] == page ? "page" : g[REG_CR2] == 16 ? "16" : g[REG_CR2] == 0 ? "0" : "other");
    hits++;
    if (rip == fault_load) g[REG_RIP] = (greg_t) skip_load;
    else if (rip == fault_store) g[REG_RIP] = (greg_t) skip_store;
    else if (rip == fault_ud2) g[REG_RIP] = (greg_t) skip_ud2;
    else if (rip == fault_div) g[REG_RIP] = (greg_t) skip_div;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);

    long v = 7;
    __asm__ volatile("mov $16, %%rax\nmov $5, %%rbx\n"
                     ".globl fault_load\nfault_load: mov (%%rax), %%rbx\n"
                     "mov $1, %%rbx\n"
                     ".globl skip_load\nskip_load: mov %%rbx, %0\n"
                     : "=r"(v) : : "rax", "rbx", "memory");
    printf("load skipped, v=%ld\n", v);

    printf("page[0] before: %d\n", *(volatile char *) page); /* present: the write fault's err has P set */
    __asm__ volatile(".globl fault_store\nfault_store: movb $1, (%0)\n"
                     ".globl skip_store\nskip_store: nop\n" : : "r"(page) : "memory");
    printf("store skipped, page[0]=%d\n", page[0]);

    __asm__ volatile(".globl fault_ud2\nfault_ud2: ud2\n.globl skip_ud2\nskip_ud2: nop\n");
    printf("ud2 skipped\n");

    long q;
    __asm__ volatile("mov $100, %%eax\nxor %%edx, %%edx\nxor %%ecx, %%ecx\n"
                     ".globl fault_div\nfault_div: divl %%ecx\n"
                     "mov $-1, %%eax\n"
                     ".globl skip_div\nskip_div: mov %%rax, %0\n" : "=r"(q) : : "rax", "rcx", "rdx");
    printf("div skipped, eax=%ld\n", q);

    __asm__ volatile("int3\n.globl after_int3\nafter_int3: nop\n");
    printf("int3 returned\n");
    printf("hits=%d\n", hits);

    /* A fault whose signal is blocked kills the process (force_sig). */
    sigset_t b;
    sigemptyset(&b);
    sigaddset(&b, SIGSEGV);
    sigprocmask(SIG_BLOCK, &b, NULL);
    printf("faulting with SIGSEGV blocked\n");
    *(volatile char *) page = 2;
    printf("not reached\n");
    return 0;
}
