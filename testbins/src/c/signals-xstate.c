/* signals-xstate: the extended (XSAVE) state in the signal frame, as Linux lays it out on a CPU
 * with XSAVE (arch/x86/kernel/signal.c get_sigframe, arch/x86/kernel/fpu/signal.c): uc_flags has
 * UC_FP_XSTATE, uc_mcontext.fpregs points at a 64-byte aligned XSAVE image whose software-reserved
 * bytes (struct _fpx_sw_bytes at +464) carry FP_XSTATE_MAGIC1 and the sizes, with FP_XSTATE_MAGIC2
 * right after the image. A handler's changes to XMM/YMM registers and MXCSR in the image are
 * what the interrupted code sees after rt_sigreturn; an image without the magic words is restored
 * as an FXSAVE image (the AVX state initialized); a malformed XSAVE header, a reserved MXCSR bit or
 * an XSAVE image that is not 64-byte aligned makes rt_sigreturn fail with SIGSEGV.
 *
 * Only what is the same on every AVX2 host is printed: the host kernel's image may be larger
 * (AVX-512, PKRU), so sizes are compared with each other and with the layout formula, and
 * xfeatures and XSTATE_BV are shown masked to x87 | SSE | AVX. The C code is built without -mavx,
 * so only the inline assembly touches the YMM registers. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#ifndef FP_XSTATE_MAGIC1
#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#endif
#define UC_FP_XSTATE 0x1
#define RT_SIGFRAME_SIZE 440 /* pretcode 8 + struct ucontext 304 + siginfo 128 */
#define RED_ZONE 128

struct sw_bytes { /* struct _fpx_sw_bytes */
    uint32_t magic1, extended_size;
    uint64_t xfeatures;
    uint32_t xstate_size, padding[7];
};

enum { FP_LEGACY_XMM = 160, FP_MXCSR = 24, FP_SW = 464, FP_HEADER = 512, FP_YMM_HI = 576 };

static uint8_t in[2][32] __attribute__((aligned(32)));
static uint8_t out[2][32] __attribute__((aligned(32)));
static uint32_t mxcsr_in = 0x7f80, mxcsr_out, mxcsr_default = 0x1f80;
static const uint8_t new_xmm1[16] = "handler's xmm1!", new_ymm1_hi[16] = "handler's ymm1 ";
static const uint32_t new_mxcsr = 0x3f80;

enum mode { NORMAL, NO_MAGIC1, NO_MAGIC2, XFEATURES_SSE, XFEATURES_X87, BV_NO_AVX, BV_NO_SSE, BAD_HEADER, BAD_MXCSR,
            NULL_FPSTATE, MISALIGNED_XSAVE, MISALIGNED_FXSAVE, ALTSTACK, MODES };
static const char *names[MODES] = {"normal", "magic1 cleared", "magic2 cleared", "xfeatures x87|SSE", "xfeatures x87",
        "XSTATE_BV without AVX", "XSTATE_BV without SSE", "reserved header bytes", "reserved MXCSR bit",
        "fpstate NULL", "XSAVE image 16-byte aligned", "FXSAVE image 16-byte aligned", "alternate stack"};
static enum mode mode;
static char altstack[65536] __attribute__((aligned(64)));
static greg_t resumed_at;
static int segvs;

/* YMM0, YMM1 and MXCSR loaded, ud2 (the SIGILL handler skips it), then stored. */
static void run(void) {
    __asm__ volatile("vmovdqu %[a], %%ymm0\n"
                     "vmovdqu %[b], %%ymm1\n"
                     "ldmxcsr %[m]\n"
                     "ud2\n"
                     "vmovdqu %%ymm0, %[x]\n"
                     "vmovdqu %%ymm1, %[y]\n"
                     "stmxcsr %[n]\n"
                     "ldmxcsr %[d]\n"
                     "vzeroupper\n"
                     : [x] "=m"(out[0]), [y] "=m"(out[1]), [n] "=m"(mxcsr_out)
                     : [a] "m"(in[0]), [b] "m"(in[1]), [m] "m"(mxcsr_in), [d] "m"(mxcsr_default)
                     : "xmm0", "xmm1", "memory");
}

static const char *yes(int c) {
    return c ? "yes" : "NO";
}

static int is_zero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

/* Where Linux's get_sigframe puts the XSAVE image and the frame for this interrupted rsp. */
static void check_layout(ucontext_t *uc, siginfo_t *si, uintptr_t top, const struct sw_bytes *sw) {
    uintptr_t fp = (top - sw->extended_size) & ~(uintptr_t) 63;
    uintptr_t frame = ((fp - RT_SIGFRAME_SIZE) & ~(uintptr_t) 15) - 8;
    printf("  fpstate where get_sigframe puts it: %s\n", yes((uintptr_t) uc->uc_mcontext.fpregs == fp));
    printf("  ucontext and siginfo where get_sigframe puts them: %s\n",
           yes((uintptr_t) uc == frame + 8 && (uintptr_t) si == frame + 8 + 304));
}

static void describe(ucontext_t *uc, siginfo_t *si) {
    uint8_t *fp = (uint8_t *) uc->uc_mcontext.fpregs;
    struct sw_bytes *sw = (struct sw_bytes *) (fp + FP_SW);
    printf("  uc_flags & UC_FP_XSTATE: %lu\n", uc->uc_flags & UC_FP_XSTATE);
    printf("  fpstate 64-byte aligned: %s\n", yes(((uintptr_t) fp & 63) == 0));
    printf("  magic1 == FP_XSTATE_MAGIC1: %s\n", yes(sw->magic1 == FP_XSTATE_MAGIC1));
    printf("  extended_size == xstate_size + 4: %s\n", yes(sw->extended_size == sw->xstate_size + 4));
    printf("  xstate_size >= 832: %s\n", yes(sw->xstate_size >= 832));
    printf("  xfeatures & 7: %llu\n", (unsigned long long) (sw->xfeatures & 7));
    printf("  sw_reserved padding zero: %s\n", yes(is_zero((uint8_t *) sw->padding, sizeof sw->padding)));
    uint32_t magic2;
    memcpy(&magic2, fp + sw->xstate_size, 4);
    printf("  FP_XSTATE_MAGIC2 at fpstate + xstate_size: %s\n", yes(magic2 == FP_XSTATE_MAGIC2));
    uint64_t bv;
    memcpy(&bv, fp + FP_HEADER, 8);
    printf("  XSTATE_BV & 7: %llu\n", (unsigned long long) (bv & 7));
    printf("  header bytes 8-63 zero: %s\n", yes(is_zero(fp + FP_HEADER + 8, 56)));
    uint32_t mx;
    memcpy(&mx, fp + FP_MXCSR, 4);
    printf("  MXCSR in the image: %#x\n", mx);
    printf("  XMM0, XMM1 in the legacy area: %s\n",
           yes(!memcmp(fp + FP_LEGACY_XMM, in[0], 16) && !memcmp(fp + FP_LEGACY_XMM + 16, in[1], 16)));
    printf("  YMM0, YMM1 bits 255:128 in the AVX area: %s\n",
           yes(!memcmp(fp + FP_YMM_HI, in[0] + 16, 16) && !memcmp(fp + FP_YMM_HI + 16, in[1] + 16, 16)));
    printf("  MXCSR in the handler: %#x\n", __builtin_ia32_stmxcsr());
}

static void on_ill(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    uint8_t *fp = (uint8_t *) uc->uc_mcontext.fpregs;
    struct sw_bytes *sw = (struct sw_bytes *) (fp + FP_SW);
    uint64_t bv, reserved = 1;
    uint32_t mx;
    if (mode == NORMAL) describe(uc, si);
    if (mode == NORMAL) check_layout(uc, si, uc->uc_mcontext.gregs[REG_RSP] - RED_ZONE, sw);
    if (mode == ALTSTACK) check_layout(uc, si, (uintptr_t) altstack + sizeof altstack, sw);
    uc->uc_mcontext.gregs[REG_RIP] += 2;
    resumed_at = uc->uc_mcontext.gregs[REG_RIP];
    memcpy(fp + FP_LEGACY_XMM + 16, new_xmm1, 16);
    memcpy(fp + FP_YMM_HI + 16, new_ymm1_hi, 16);
    memcpy(fp + FP_MXCSR, &new_mxcsr, 4);
    memcpy(&bv, fp + FP_HEADER, 8);
    switch (mode) {
    case NO_MAGIC1: sw->magic1 = 0; break;
    case NO_MAGIC2: memset(fp + sw->xstate_size, 0, 4); break;
    case XFEATURES_SSE: sw->xfeatures = 3; break;
    case XFEATURES_X87: sw->xfeatures = 1; break;
    case BV_NO_AVX: bv &= ~4ull; memcpy(fp + FP_HEADER, &bv, 8); break;
    case BV_NO_SSE: bv &= ~2ull; memcpy(fp + FP_HEADER, &bv, 8); break;
    case BAD_HEADER: memcpy(fp + FP_HEADER + 16, &reserved, 8); break;
    case BAD_MXCSR: mx = new_mxcsr | 0x80000000u; memcpy(fp + FP_MXCSR, &mx, 4); break;
    case NULL_FPSTATE: uc->uc_mcontext.fpregs = NULL; break;
    case MISALIGNED_FXSAVE: sw->magic1 = 0; /* fall through */
    case MISALIGNED_XSAVE:
        /* 48 bytes down: over the tail of siginfo, which rt_sigreturn does not read. */
        memmove(fp - 48, fp, sw->extended_size);
        uc->uc_mcontext.fpregs = (fpregset_t) (fp - 48);
        break;
    default: break;
    }
}

/* rt_sigreturn refused the image: SIGSEGV with the registers already restored and the FPU reset. */
static void on_segv(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    uint8_t *fp = (uint8_t *) uc->uc_mcontext.fpregs;
    uint64_t bv;
    uint32_t mx;
    memcpy(&bv, fp + FP_HEADER, 8);
    memcpy(&mx, fp + FP_MXCSR, 4);
    segvs++;
    printf("  SIGSEGV %s, at the restored rip: %s, FPU reset: XMM zero %s, YMM zero %s, MXCSR %#x, XSTATE_BV & 7 %llu\n",
           si->si_code == SI_KERNEL ? "SI_KERNEL" : "other", yes(uc->uc_mcontext.gregs[REG_RIP] == resumed_at),
           yes(is_zero(fp + FP_LEGACY_XMM, 256)), yes(is_zero(fp + FP_YMM_HI, 256)), mx,
           (unsigned long long) (bv & 7));
}

/* After an FXSAVE-only or a partial restore the kernel puts the AVX state back to its initial
 * configuration from init_fpstate: with XRSTORS where the CPU has XSAVES, which leaves MXCSR alone,
 * with XRSTOR elsewhere (Haswell, Broadwell), which reloads MXCSR too. Those MXCSRs are not shown. */
static int mxcsr_restored(enum mode m) {
    return m != NO_MAGIC1 && m != NO_MAGIC2 && m != XFEATURES_SSE && m != MISALIGNED_FXSAVE;
}

static void show(const char *what, const uint8_t *v, size_t n) {
    printf("  %s:", what);
    for (size_t i = 0; i < n; i++) printf(" %02x", v[i]);
    printf("\n");
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < 32; i++) in[r][i] = (uint8_t) (0x10 * r + 3 * i + 1);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_ill;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    sa.sa_sigaction = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);

    for (mode = NORMAL; mode < MODES; mode++) {
        if (mode == ALTSTACK) {
            sa.sa_sigaction = on_ill;
            sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
            sigaction(SIGILL, &sa, NULL);
        }
        printf("%s:\n", names[mode]);
        memset(out, 0xee, sizeof out);
        run();
        show("YMM0 after", out[0], 32);
        show("YMM1 after", out[1], 32);
        if (mxcsr_restored(mode)) printf("  MXCSR after: %#x\n", mxcsr_out);
    }
    printf("SIGSEGVs from rt_sigreturn: %d\n", segvs);
    return 0;
}
