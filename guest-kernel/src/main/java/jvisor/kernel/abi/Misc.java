package jvisor.kernel.abi;

/** Small ABI tables that belong to one syscall each: arch_prctl(2), getrandom(2), rseq(2). */
public final class Misc {
    private Misc() {}

    // arch_prctl(2), arch/x86/include/uapi/asm/prctl.h.
    public static final int ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004,
            ARCH_GET_CPUID = 0x1011, ARCH_SET_CPUID = 0x1012;
    public static final Xlat ARCH_CODES = Xlat.of("ARCH_???", "ARCH_SET_GS", ARCH_SET_GS, "ARCH_SET_FS", ARCH_SET_FS,
            "ARCH_GET_FS", ARCH_GET_FS, "ARCH_GET_GS", ARCH_GET_GS, "ARCH_GET_CPUID", ARCH_GET_CPUID,
            "ARCH_SET_CPUID", ARCH_SET_CPUID);

    // getrandom(2), include/uapi/linux/random.h.
    public static final int GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;
    public static final Xlat GRND_FLAGS = Xlat.of("GRND_???", "GRND_NONBLOCK", GRND_NONBLOCK,
            "GRND_RANDOM", GRND_RANDOM, "GRND_INSECURE", GRND_INSECURE);

    // rseq(2), include/uapi/linux/rseq.h.
    public static final int RSEQ_FLAG_UNREGISTER = 1;
    /** Size of the original struct rseq; glibc registers exactly this. */
    public static final int RSEQ_ORIG_SIZE = 32;
    public static final Xlat RSEQ_FLAGS = Xlat.of("RSEQ_FLAG_???", "RSEQ_FLAG_UNREGISTER", RSEQ_FLAG_UNREGISTER);
}
