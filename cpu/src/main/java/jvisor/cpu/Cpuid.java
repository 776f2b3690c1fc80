package jvisor.cpu;

/**
 * CPUID as jvisor's CPU answers it: only features that are implemented are advertised, so that
 * libraries probing CPUID (glibc's ifunc resolvers) pick code paths this CPU can run, and a
 * program that uses an unadvertised instruction gets #UD exactly as on a CPU without it.
 *
 * <p>The vendor string is jvisor's own: software that special-cases Intel or AMD (cache
 * descriptor leaves, model quirks) takes its generic path. Intel SDM Vol. 2A "CPUID".
 */
public final class Cpuid {
    public static final String VENDOR = "JvisorJvisor";
    public static final String BRAND = "jvisor x86-64 emulator";

    // CPUID.1:EDX
    public static final int EDX_FPU = 1 << 0, EDX_TSC = 1 << 4, EDX_CX8 = 1 << 8, EDX_CMOV = 1 << 15, EDX_FXSR = 1 << 24,
            EDX_SSE = 1 << 25, EDX_SSE2 = 1 << 26;
    // CPUID.1:ECX
    public static final int ECX_SSE3 = 1, ECX_SSSE3 = 1 << 9, ECX_CX16 = 1 << 13, ECX_SSE41 = 1 << 19, ECX_SSE42 = 1 << 20,
            ECX_MOVBE = 1 << 22, ECX_POPCNT = 1 << 23;
    // CPUID.80000001h
    public static final int EXT_ECX_LAHF = 1, EXT_EDX_SYSCALL = 1 << 11, EXT_EDX_NX = 1 << 20, EXT_EDX_RDTSCP = 1 << 27,
            EXT_EDX_LM = 1 << 29;

    /** Leaf 1 EDX: also what Linux passes to programs as AT_HWCAP. */
    public static final int LEAF1_EDX = EDX_FPU | EDX_TSC | EDX_CX8 | EDX_CMOV | EDX_FXSR | EDX_SSE | EDX_SSE2;
    public static final int LEAF1_ECX = ECX_SSE3 | ECX_SSSE3 | ECX_CX16 | ECX_SSE41 | ECX_SSE42 | ECX_MOVBE | ECX_POPCNT;
    /** Family 6, model 2, stepping 3: a generic x86-64 signature. */
    public static final int LEAF1_EAX = 0x0000_0623;

    private static final int MAX_BASIC_LEAF = 7;
    private static final int MAX_EXTENDED_LEAF = 0x8000_0008;

    private Cpuid() {}

    /** Executes CPUID on the state: EAX = leaf, ECX = subleaf in; EAX, EBX, ECX, EDX out. */
    public static void execute(CpuState s) {
        int leaf = (int) s.r[Reg.RAX];
        int a = 0, b = 0, c = 0, d = 0;
        switch (leaf) {
            case 0 -> {
                a = MAX_BASIC_LEAF;
                b = chars(VENDOR, 0);
                d = chars(VENDOR, 4);
                c = chars(VENDOR, 8);
            }
            case 1 -> {
                a = LEAF1_EAX;
                b = (1 << 16) | (8 << 8); // one logical processor; CLFLUSH line size 64 bytes (8 * 8)
                c = LEAF1_ECX;
                d = LEAF1_EDX;
            }
            case 0x8000_0000 -> a = MAX_EXTENDED_LEAF;
            case 0x8000_0001 -> {
                c = EXT_ECX_LAHF;
                d = EXT_EDX_SYSCALL | EXT_EDX_NX | EXT_EDX_RDTSCP | EXT_EDX_LM;
            }
            case 0x8000_0002, 0x8000_0003, 0x8000_0004 -> {
                int off = (leaf - 0x8000_0002) * 16;
                a = chars(BRAND, off);
                b = chars(BRAND, off + 4);
                c = chars(BRAND, off + 8);
                d = chars(BRAND, off + 12);
            }
            case 0x8000_0008 -> a = (48 << 8) | 39; // 48-bit virtual, 39-bit physical addresses
            default -> { } // leaves 2..7 and unknown leaves: nothing advertised
        }
        s.r[Reg.RAX] = a & 0xFFFFFFFFL;
        s.r[Reg.RBX] = b & 0xFFFFFFFFL;
        s.r[Reg.RCX] = c & 0xFFFFFFFFL;
        s.r[Reg.RDX] = d & 0xFFFFFFFFL;
    }

    /** Four characters of text from off, little-endian, NUL-padded. */
    private static int chars(String text, int off) {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int ch = off + k < text.length() ? text.charAt(off + k) : 0;
            v |= (ch & 0xFF) << (8 * k);
        }
        return v;
    }
}
