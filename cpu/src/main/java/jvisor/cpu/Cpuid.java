package jvisor.cpu;

/**
 * CPUID as jvisor's CPU answers it (Intel SDM Vol. 2A "CPUID").
 *
 * <p>The CPU presents itself as an Intel processor, so that libraries take their Intel paths:
 * glibc's cpu-features code and libgcc's {@code __builtin_cpu_supports} read the feature leaves
 * only for vendors they know, and glibc sizes its memcpy/memset thresholds (non-temporal and REP
 * MOVSB cut-offs) from the Intel cache leaves 2 and 4. The signature is that of a Skylake-generation
 * Core (family 6, model 0x5E, stepping 3) and every descriptive leaf (caches, TLBs, topology, TSC
 * frequency) is consistent with it and with one logical processor. A hypervisor leaf
 * (0x40000000, signature "JvisorJvisor") tells software that asks that this CPU is jvisor's.
 *
 * <p>Features: exactly what is implemented, nothing more, so a program that uses an unadvertised
 * instruction gets #UD (SIGILL) as on a CPU without it. Bits that only describe the platform or
 * privileged state (PAE, APIC, MSR, MTRR, ...) are not set: user mode cannot use them.
 */
public final class Cpuid {
    public static final String VENDOR = "GenuineIntel";
    /** The hypervisor signature of leaf 0x40000000. */
    public static final String HYPERVISOR = "JvisorJvisor";
    /** The brand string (leaves 0x80000002-4); the frequency is that of the virtual time-stamp counter. */
    public static final String BRAND = "jvisor virtual CPU @ 1.00GHz";

    // CPUID.1:EDX
    public static final int EDX_FPU = 1 << 0, EDX_TSC = 1 << 4, EDX_CX8 = 1 << 8, EDX_CMOV = 1 << 15, EDX_FXSR = 1 << 24,
            EDX_SSE = 1 << 25, EDX_SSE2 = 1 << 26;
    // CPUID.1:ECX
    public static final int ECX_SSE3 = 1, ECX_SSSE3 = 1 << 9, ECX_CX16 = 1 << 13, ECX_SSE41 = 1 << 19, ECX_SSE42 = 1 << 20,
            ECX_MOVBE = 1 << 22, ECX_POPCNT = 1 << 23, ECX_XSAVE = 1 << 26, ECX_OSXSAVE = 1 << 27, ECX_AVX = 1 << 28,
            ECX_HYPERVISOR = 1 << 31;
    // CPUID.7.0:EBX
    public static final int L7_EBX_BMI1 = 1 << 3, L7_EBX_AVX2 = 1 << 5, L7_EBX_BMI2 = 1 << 8, L7_EBX_ADX = 1 << 19;
    // CPUID.80000001h
    public static final int EXT_ECX_LAHF = 1, EXT_ECX_LZCNT = 1 << 5, EXT_EDX_SYSCALL = 1 << 11, EXT_EDX_NX = 1 << 20, EXT_EDX_RDTSCP = 1 << 27,
            EXT_EDX_LM = 1 << 29;
    /** CPUID.80000007h:EDX: the time-stamp counter runs at a constant rate. */
    public static final int EXT7_EDX_INVARIANT_TSC = 1 << 8;

    /** Leaf 1 EDX: also what Linux passes to programs as AT_HWCAP. */
    public static final int LEAF1_EDX = EDX_FPU | EDX_TSC | EDX_CX8 | EDX_CMOV | EDX_FXSR | EDX_SSE | EDX_SSE2;
    /**
     * Leaf 1 ECX. XSAVE and OSXSAVE: the XSAVE instructions exist and the OS (jvisor's kernel, as
     * Linux does) has enabled them with XCR0 = x87 | SSE | AVX ({@link #XCR0}), which makes AVX usable.
     */
    public static final int LEAF1_ECX = ECX_SSE3 | ECX_SSSE3 | ECX_CX16 | ECX_SSE41 | ECX_SSE42 | ECX_MOVBE | ECX_POPCNT
            | ECX_XSAVE | ECX_OSXSAVE | ECX_AVX | ECX_HYPERVISOR;
    /** Leaf 7 subleaf 0 EBX: structured extended features. */
    public static final int LEAF7_EBX = L7_EBX_BMI1 | L7_EBX_AVX2 | L7_EBX_BMI2 | L7_EBX_ADX;
    /** XCR0, as XGETBV reads it: the state components XSAVE manages (x87, SSE, AVX). */
    public static final long XCR0 = 7;
    /** Bytes of the standard-format XSAVE area for XCR0 (legacy region, header, AVX at 576). */
    public static final int XSAVE_SIZE = 832;
    public static final int EXT1_ECX = EXT_ECX_LAHF | EXT_ECX_LZCNT;
    /** The instruction-set extensions the decoder accepts (jvisor.cpu.decode.Extensions): the VEX vector ones CPUID advertises. */
    public static final int EXTENSIONS = jvisor.cpu.decode.Extensions.AVX | jvisor.cpu.decode.Extensions.AVX2;
    public static final int EXT1_EDX = EXT_EDX_SYSCALL | EXT_EDX_NX | EXT_EDX_RDTSCP | EXT_EDX_LM;

    /** Family 6, extended model 5, model 0xE (display model 0x5E), stepping 3. */
    public static final int LEAF1_EAX = 0x0005_06E3;

    /** The time-stamp counter's frequency: one tick per retired guest instruction at a nominal 1 GHz. */
    public static final long TSC_HZ = 1_000_000_000L;

    private static final int MAX_BASIC_LEAF = 0x16;
    private static final int MAX_HYPERVISOR_LEAF = 0x4000_0000;
    private static final int MAX_EXTENDED_LEAF = 0x8000_0008;

    /**
     * Leaf 2 as a Skylake Core reports it: AL = 1, then one-byte descriptors: 63 (data TLB, 2M/4M
     * pages 32 entries and 1G pages 4 entries), 03 (data TLB, 4K pages, 64 entries, 4-way), 76
     * (instruction TLB, 2M/4M pages, 8 entries), FF (the caches are described by leaf 4), B5
     * (instruction TLB, 4K pages, 64 entries, 8-way), F0 (64-byte prefetching), C3 (shared
     * second-level TLB, 4K/2M pages, 1536 entries, 6-way).
     */
    private static final int[] LEAF2 = {0x7603_6301, 0x00F0_B5FF, 0, 0x00C3_0000};

    /**
     * Leaf 4, one row per cache: {type (1 data, 2 instruction, 3 unified), level, ways, sets,
     * EDX}. 64-byte lines, one partition, self-initialising, one logical processor and one core
     * per cache. L1d and L1i 32 KiB 8-way, L2 256 KiB 4-way, L3 8 MiB 16-way inclusive.
     */
    private static final int[][] CACHES = {
        {1, 1, 8, 64, 0},
        {2, 1, 8, 64, 0},
        {3, 2, 4, 1024, 0},
        {3, 3, 16, 8192, 2},
    };
    private static final int LINE = 64;

    private Cpuid() {}

    /** Executes CPUID on the state: EAX = leaf, ECX = subleaf in; EAX, EBX, ECX, EDX out (zero-extended). */
    public static void execute(CpuState s) {
        leaf((int) s.r[Reg.RAX], (int) s.r[Reg.RCX], s.r);
    }

    /** Writes EAX, EBX, ECX and EDX of a leaf and subleaf into regs (indexed by {@link Reg}), zero-extended. */
    public static void leaf(int leaf, int sub, long[] regs) {
        int a = 0, b = 0, c = 0, d = 0;
        // Intel: a leaf above the highest basic or extended leaf returns the highest basic leaf.
        boolean basic = Integer.compareUnsigned(leaf, MAX_BASIC_LEAF) <= 0;
        boolean hypervisor = Integer.compareUnsigned(leaf, 0x4000_0000) >= 0 && Integer.compareUnsigned(leaf, MAX_HYPERVISOR_LEAF) <= 0;
        boolean extended = Integer.compareUnsigned(leaf, 0x8000_0000) >= 0 && Integer.compareUnsigned(leaf, MAX_EXTENDED_LEAF) <= 0;
        if (!basic && !hypervisor && !extended) leaf = MAX_BASIC_LEAF;
        switch (leaf) {
            case 0 -> {
                a = MAX_BASIC_LEAF;
                b = chars(VENDOR, 0);
                d = chars(VENDOR, 4);
                c = chars(VENDOR, 8);
            }
            case 1 -> {
                a = LEAF1_EAX;
                // EBX: brand index 0, CLFLUSH line size 0 (no CLFLUSH), one logical processor, APIC ID 0.
                b = 1 << 16;
                c = LEAF1_ECX;
                d = LEAF1_EDX;
            }
            case 2 -> {
                a = LEAF2[0];
                b = LEAF2[1];
                c = LEAF2[2];
                d = LEAF2[3];
            }
            case 4 -> {
                if (Integer.compareUnsigned(sub, CACHES.length) < 0) {
                    int[] k = CACHES[sub];
                    a = k[0] | k[1] << 5 | 1 << 8; // type, level, self-initialising; bits 14+ and 26+: one thread, one core
                    b = (k[2] - 1) << 22 | (LINE - 1); // ways - 1, partitions - 1 = 0, line size - 1
                    c = k[3] - 1;
                    d = k[4];
                }
            }
            case 7 -> {
                if (sub == 0) b = LEAF7_EBX; // EAX = 0: no subleaf beyond 0
            }
            case 0xD -> { // XSAVE: components, sizes (standard format), instructions
                switch (sub) {
                    case 0 -> {
                        a = (int) XCR0;
                        b = XSAVE_SIZE;
                        c = XSAVE_SIZE;
                    }
                    case 1 -> a = 1; // XSAVEOPT (no XSAVEC, XGETBV with ECX = 1, XSAVES)
                    case 2 -> { // AVX: 256 bytes at offset 576
                        a = 256;
                        b = 576;
                    }
                    default -> { }
                }
            }
            case 0xB -> { // x2APIC topology: one thread in one core
                if (sub == 0 || sub == 1) {
                    b = 1;
                    c = (sub + 1) << 8 | sub;
                } else {
                    c = sub & 0xFF;
                }
            }
            case 0x15 -> { // TSC / crystal clock: 25 MHz * 40 / 1 = 1 GHz
                a = 1;
                b = 40;
                c = 25_000_000;
            }
            case 0x16 -> { // base, maximum and bus frequencies in MHz
                a = (int) (TSC_HZ / 1_000_000);
                b = a;
                c = 100;
            }
            case 0x4000_0000 -> {
                a = MAX_HYPERVISOR_LEAF;
                b = chars(HYPERVISOR, 0);
                c = chars(HYPERVISOR, 4);
                d = chars(HYPERVISOR, 8);
            }
            case 0x8000_0000 -> a = MAX_EXTENDED_LEAF;
            case 0x8000_0001 -> {
                c = EXT1_ECX;
                d = EXT1_EDX;
            }
            case 0x8000_0002, 0x8000_0003, 0x8000_0004 -> {
                int off = (leaf - 0x8000_0002) * 16;
                a = chars(BRAND, off);
                b = chars(BRAND, off + 4);
                c = chars(BRAND, off + 8);
                d = chars(BRAND, off + 12);
            }
            // 0x80000005 is reserved on Intel (zero); 0x80000006 ECX describes the L2 cache:
            // size in KiB, associativity (encoding 4: 4-way), line size.
            case 0x8000_0006 -> c = (CACHES[2][2] * CACHES[2][3] * LINE / 1024) << 16 | 4 << 12 | LINE;
            case 0x8000_0007 -> d = EXT7_EDX_INVARIANT_TSC;
            case 0x8000_0008 -> a = (48 << 8) | 39; // 48-bit virtual, 39-bit physical addresses
            default -> { } // 3, 5, 6, 8-0xA, 0xC, 0xE-0x14 and the rest: nothing to report
        }
        regs[Reg.RAX] = a & 0xFFFFFFFFL;
        regs[Reg.RBX] = b & 0xFFFFFFFFL;
        regs[Reg.RCX] = c & 0xFFFFFFFFL;
        regs[Reg.RDX] = d & 0xFFFFFFFFL;
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
