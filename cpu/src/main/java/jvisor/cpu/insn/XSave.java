package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.mmu.Access;
import jvisor.mmu.GuestMemory;
import jvisor.mmu.Tlb;

/**
 * The user-mode XSAVE feature set for the x87, SSE and AVX state components (Intel SDM Vol. 1,
 * chapter 13; Vol. 2 "XGETBV", "XSAVE", "XRSTOR", "XSAVEOPT"): XCR0 is x87 | SSE | AVX (7), as
 * Linux sets it on a CPU with AVX, and the XSAVE area has the standard format: the 512-byte
 * legacy region (FXSAVE's, x87 in bytes 0-23 and 32-159, MXCSR in 24-31, XMM0-15 in 160-415),
 * the 64-byte header (XSTATE_BV at 512) and YMM bits 255:128 at 576, 832 bytes in all. These
 * instructions come with AVX: where AVX is not enabled (CPUID.1:ECX.OSXSAVE clear), they are #UD.
 *
 * <p>XINUSE, the processor's record of which components are not in their initial configuration,
 * is {@link #inUse}. XSAVE sets XSTATE_BV[i] to XINUSE[i] for the requested components; XSAVEOPT also skips writing
 * the components that are initial (the init optimization; the modified optimization, which may
 * skip components unchanged since the last XRSTOR to the same address, writes the same bytes,
 * so it is not needed). XRSTOR loads the requested components whose XSTATE_BV bit is set and
 * initializes the others; MXCSR is loaded whenever SSE or AVX is requested.
 */
public final class XSave {
    private XSave() {}

    /** XCR0: the state components the XSAVE instructions manage. */
    public static final long XCR0 = jvisor.cpu.Cpuid.XCR0;
    /** Size of the standard-format XSAVE area for XCR0 (CPUID.(EAX=0DH,ECX=0):EBX). */
    public static final int SIZE = jvisor.cpu.Cpuid.XSAVE_SIZE;
    /** Offset of the AVX component (YMM bits 255:128) in the standard format (CPUID.(EAX=0DH,ECX=2):EBX). */
    public static final int AVX_OFFSET = 576;
    private static final int HEADER = 512;
    private static final int MXCSR_INIT = 0x1F80;

    static void register(OpcodeTable t) {
        t.row("0F 01 /2 reg rm0", "xgetbv", XSave::xgetbv, "avx"); // (0F 01 rows take no mandatory prefix: see RDTSCP)
        t.row("NP 0F AE /4 mem", "xsave M", (c, i) -> save(c, i, false), "avx");
        t.row("NP 0F AE /5 mem", "xrstor M", XSave::restore, "avx");
        t.row("NP 0F AE /6 mem", "xsaveopt M", (c, i) -> save(c, i, true), "avx");
    }

    /** XGETBV: ECX = 0 reads XCR0 into EDX:EAX; any other XCR is #GP (XGETBV with ECX = 1 is not advertised). */
    private static void xgetbv(Cpu c, Insn i) {
        if ((int) c.r[Reg.RCX] != 0) throw CpuFault.generalProtection();
        c.r[Reg.RAX] = XCR0 & 0xFFFFFFFFL;
        c.r[Reg.RDX] = XCR0 >>> 32;
    }

    /**
     * XINUSE (SDM Vol. 1 13.6): bit i may be 0 only when state component i is in its initial
     * configuration. As the Intel CPUs the tester compares with: x87 and SSE always count as in
     * use; AVX is not in use when bits 255:128 of every YMM register are zero.
     */
    static long inUse(CpuState s) {
        long u = 3;
        for (int k = 0; k < 32; k++) {
            if (s.ymmHi[k] != 0) {
                u |= 4;
                break;
            }
        }
        return u;
    }

    /** The area's address: 64-byte aligned (#GP), and every page of it usable for the access (so a fault changes nothing). */
    private static long area(Cpu c, Insn i, Access access) {
        long a = c.ea(i);
        if ((a & 63) != 0) throw CpuFault.generalProtection();
        Tlb m = c.mem();
        for (long p = a; p < a + SIZE; p = (p | 0xFFF) + 1) m.translate(p, access);
        m.translate(a + SIZE - 1, access);
        return a;
    }

    private static long requested(Cpu c) {
        return (c.r[Reg.RDX] << 32 | c.r[Reg.RAX] & 0xFFFFFFFFL) & XCR0;
    }

    private static void save(Cpu c, Insn i, boolean optimized) {
        long a = area(c, i, Access.WRITE);
        save(c.state, c.mem(), a, requested(c), i.hasPrefix(Insn.P_REXW), optimized);
    }

    /**
     * Writes the standard-format XSAVE image of the x87, SSE and AVX state at a (832 bytes, 64-byte
     * aligned, writable: not checked here), as XSAVE64 with every component requested does. This is
     * the extended state a Linux signal frame carries (with UC_FP_XSTATE and the FP_XSTATE_MAGIC
     * words, which are the kernel's). XSTATE_BV always has x87 and SSE (see {@link #inUse}).
     */
    public static void saveImage(CpuState s, GuestMemory m, long a) {
        save(s, m, a, XCR0, true, false);
    }

    /**
     * Loads the image at a (64-byte aligned: not checked here) as XRSTOR64 with EDX:EAX = features
     * does: the requested components whose XSTATE_BV bit is set are loaded, the other requested ones
     * initialized, the rest left alone. Returns false, loading nothing, where XRSTOR would raise #GP
     * (a malformed header or MXCSR).
     */
    public static boolean restoreImage(CpuState s, GuestMemory m, long a, long features) {
        long rfbm = features & XCR0;
        if (!restorable(m, a, rfbm)) return false;
        restore(s, m, a, rfbm, true);
        return true;
    }

    /**
     * Loads the 512-byte legacy region at a (16-byte aligned: not checked here) as FXRSTOR64 does:
     * x87 state, MXCSR and XMM0-15. Returns false, loading nothing, where FXRSTOR would raise #GP (a
     * reserved MXCSR bit set).
     */
    public static boolean restoreLegacyImage(CpuState s, GuestMemory m, long a) {
        return FpuState.restoreLegacy(s, m, a, true);
    }

    /**
     * Puts the given components in their initial configuration as the compacted form of XRSTOR
     * (and XRSTORS) does from an image whose XSTATE_BV is zero (SDM Vol. 1 13.6, 13.8.2): x87 as
     * after FNINIT with zeroed registers, XMM0-15 zero, YMM bits 255:128 zero; MXCSR goes back to
     * 1F80H only with the SSE component (the compacted form does not look at AVX for MXCSR). This
     * is how Linux resets a task's FPU from its init_fpstate on CPUs with XSAVES.
     */
    public static void initialize(CpuState s, long components) {
        components &= XCR0;
        init(s, components);
        if ((components & 2) != 0) s.mxcsr = MXCSR_INIT;
    }

    /** The components' initial configuration, MXCSR aside (the forms of XRSTOR treat it differently). */
    private static void init(CpuState s, long components) {
        if ((components & 1) != 0) {
            FpuState.init(s);
            java.util.Arrays.fill(s.fpuMant, 0);
            java.util.Arrays.fill(s.fpuSexp, 0);
        }
        if ((components & 2) != 0) java.util.Arrays.fill(s.xmm, 0);
        if ((components & 4) != 0) java.util.Arrays.fill(s.ymmHi, 0);
    }

    private static void save(CpuState s, GuestMemory m, long a, long rfbm, boolean wide, boolean optimized) {
        long inUse = inUse(s);
        long write = optimized ? rfbm & inUse : rfbm;
        if ((write & 1) != 0) FpuState.saveX87(s, m, a, wide);
        if ((rfbm & 6) != 0) {
            m.write32(a + 24, s.mxcsr);
            m.write32(a + 28, FpuState.MXCSR_MASK);
        }
        if ((write & 2) != 0) for (int k = 0; k < 32; k++) m.write64(a + 160 + 8L * k, s.xmm[k]);
        if ((write & 4) != 0) for (int k = 0; k < 32; k++) m.write64(a + AVX_OFFSET + 8L * k, s.ymmHi[k]);
        long bv = m.read64(a + HEADER);
        m.write64(a + HEADER, bv & ~rfbm | inUse & rfbm);
    }

    private static void restore(Cpu c, Insn i) {
        long a = area(c, i, Access.READ);
        long rfbm = requested(c);
        if (!restorable(c.mem(), a, rfbm)) throw CpuFault.generalProtection();
        restore(c.state, c.mem(), a, rfbm, i.hasPrefix(Insn.P_REXW));
    }

    /**
     * Whether XRSTOR can load the image at a: the standard form only (no XSAVEC), so XCOMP_BV and the
     * next 8 header bytes are zero, XSTATE_BV lies within XCR0, and a requested MXCSR is valid.
     */
    private static boolean restorable(GuestMemory m, long a, long rfbm) {
        long bv = m.read64(a + HEADER), comp = m.read64(a + HEADER + 8), reserved = m.read64(a + HEADER + 16);
        if (comp != 0 || reserved != 0 || (bv & ~XCR0) != 0) return false;
        return (rfbm & 6) == 0 || (m.read32(a + 24) & ~FpuState.MXCSR_MASK) == 0;
    }

    private static void restore(CpuState s, GuestMemory m, long a, long rfbm, boolean wide) {
        long bv = m.read64(a + HEADER);
        int mxcsr = m.read32(a + 24);
        long load = rfbm & bv;
        init(s, rfbm & ~bv);
        if ((load & 1) != 0) FpuState.restoreX87(s, m, a, wide);
        if ((rfbm & 6) != 0) s.mxcsr = mxcsr; // the standard form loads MXCSR with SSE or AVX, whatever XSTATE_BV says
        if ((load & 2) != 0) for (int k = 0; k < 32; k++) s.xmm[k] = m.read64(a + 160 + 8L * k);
        if ((load & 4) != 0) for (int k = 0; k < 32; k++) s.ymmHi[k] = m.read64(a + AVX_OFFSET + 8L * k);
    }
}
