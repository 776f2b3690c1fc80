package jvisor.cpu.insn;

import static jvisor.cpu.CpuTestSupport.DATA;
import static jvisor.cpu.CpuTestSupport.assertMatchesHost;
import static jvisor.cpu.CpuTestSupport.emulate;
import static jvisor.cpu.CpuTestSupport.hostAvailable;
import static jvisor.cpu.CpuTestSupport.intelHost;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuTestSupport;
import jvisor.cpu.CpuTestSupport.Case;
import jvisor.cpu.CpuTestSupport.Result;
import jvisor.cpu.Reg;
import jvisor.cpu.oracle.NativeOracle;

/**
 * XSAVE, XSAVEOPT and XRSTOR (with and without REX.W) against the host CPU, over every requested
 * subset of x87, SSE and AVX and states where each component is or is not in its initial
 * configuration: the whole 832-byte area, and the registers after XRSTOR from areas whose
 * XSTATE_BV loads or initializes each component (and after FXRSTOR from the same areas: a
 * 64-bit x87 instruction pointer keeps 48 bits). XGETBV is checked by hand: the host kernel
 * enables more state (AVX-512) than jvisor's XCR0. On a non-Intel host the saved images are compared allowing
 * that vendor's way with the x87 pointers, MXCSR_MASK and XINUSE (see assertMatchesHostAnyVendor).
 */
class XSaveTest {
    /** The XSAVE area at DATA; the register values to load at DATA+0x400 (YMM0-15), MXCSR at 0x700; dumps from 0x800. */
    private static final int AREA = 0, YMM = 0x400, MXCSR = 0x700, DUMP = 0x800, FXDUMP = 0xC00;

    private static final String LOAD_YMM, DUMP_STATE;

    static {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < 16; k++) b.append("vmovdqu ").append(YMM + 32 * k).append("(%rsi),%ymm").append(k).append("; ");
        LOAD_YMM = b.toString();
        b.setLength(0);
        for (int k = 0; k < 16; k++) b.append("vmovdqu %ymm").append(k).append(',').append(DUMP + 32 * k).append("(%rsi); ");
        b.append("fxsave64 ").append(FXDUMP).append("(%rsi); vzeroupper");
        DUMP_STATE = b.toString();
    }

    /** x87 in its initial configuration with all registers zero. */
    private static final String X87_INIT = "fninit; fldz; fldz; fldz; fldz; fldz; fldz; fldz; fldz; fninit; ";
    /**
     * x87 in use: two values pushed; the instruction and data pointers then set through FLDENV to
     * fixed values (the snippet runs at different addresses natively and in the emulator).
     */
    private static final String X87_USED = "fninit; fldpi; fld1; faddp; fld1; fnstenv 0x740(%rsi); movl $0x1234,0x74c(%rsi); "
            + "movl $0x05560000,0x750(%rsi); movl $0x5678,0x754(%rsi); movl $0,0x758(%rsi); fldenv 0x740(%rsi); ";

    private static final String[] STATES = {
        X87_USED + LOAD_YMM + "ldmxcsr " + MXCSR + "(%rsi); ", // every component in use
        X87_INIT + LOAD_YMM + "vzeroupper; ", // x87 initial, AVX initial
        X87_INIT + "vzeroall; ldmxcsr " + MXCSR + "(%rsi); ", // all initial (MXCSR not: it does not count)
        X87_USED + "vzeroall; vpcmpeqd %ymm3,%ymm3,%ymm3; ", // only one YMM register in use
    };

    private static byte[] data(long seed, long xstateBv) {
        ByteBuffer b = ByteBuffer.allocate(0x1000).order(ByteOrder.LITTLE_ENDIAN);
        long x = seed;
        for (int k = 0; k < 0x1000; k += 8) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            b.putLong(k, x);
        }
        // A plausible legacy region: control word 037F, tags, valid MXCSR; the header: XSTATE_BV, the rest zero.
        b.putShort(AREA, (short) 0x037F);
        b.putShort(AREA + 2, (short) 0);
        b.putInt(AREA + 24, 0x1F80 | (int) (seed & 0x6000));
        b.putInt(AREA + 28, 0xFFFF);
        b.putLong(AREA + 512, xstateBv);
        for (int k = 8; k < 64; k += 8) b.putLong(AREA + 512 + k, 0);
        b.putInt(MXCSR, 0x1F80 | 0x2000);
        return b.array();
    }

    @Test
    void saveMatchesHost() {
        assumeTrue(hostAvailable() && NativeOracle.HOST_AVX);
        List<Case> cases = new ArrayList<>();
        for (String insn : new String[] {"xsave", "xsave64", "xsaveopt", "xsaveopt64"}) {
            for (int st = 0; st < STATES.length; st++) {
                for (int rfbm = 0; rfbm < 8; rfbm++) {
                    String asm = STATES[st] + "mov $" + rfbm + ",%eax; xor %edx,%edx; " + insn + " " + AREA + "(%rsi); vzeroupper";
                    cases.add(new Case(asm).set(Reg.RSI, DATA).data(data(st * 8 + rfbm, 0)).window(0x340));
                }
            }
        }
        assertMatchesHostAnyVendor(cases, AREA);
    }

    @Test
    void restoreMatchesHost() {
        assumeTrue(hostAvailable() && NativeOracle.HOST_AVX);
        List<Case> cases = new ArrayList<>();
        for (String insn : new String[] {"xrstor", "xrstor64", "fxrstor", "fxrstor64"}) {
            for (int bv = 0; bv < 8; bv++) {
                for (int rfbm = 0; rfbm < 8; rfbm++) {
                    String asm = STATES[0] + "mov $" + rfbm + ",%eax; xor %edx,%edx; " + insn + " " + AREA + "(%rsi); " + DUMP_STATE;
                    cases.add(new Case(asm).set(Reg.RSI, DATA).data(data(bv * 8 + rfbm + 100, bv)).window(FXDUMP + 512));
                }
            }
        }
        assertMatchesHostAnyVendor(cases, FXDUMP);
    }

    /**
     * assertMatchesHost; on a non-Intel host the same comparison made here, where the image the snippet's last
     * XSAVE/FXSAVE writes at {@code image} may differ from the Intel CPU the emulator models as such a host is
     * allowed to: X87TestSupport.Image for the x87 pointers and MXCSR_MASK and, for an XSAVE area, the init
     * optimization below. Everything else is compared exactly.
     */
    private static void assertMatchesHostAnyVendor(List<Case> cases, int image) {
        if (intelHost()) {
            assertMatchesHost(cases);
            return;
        }
        List<Result> host = CpuTestSupport.host(cases);
        List<String> problems = new ArrayList<>();
        for (int k = 0; k < cases.size(); k++) {
            Case c = cases.get(k);
            Result hr = host.get(k), er = emulate(c);
            StringBuilder d = new StringBuilder();
            if (er.exit() != Cpu.EXIT_SYSCALL) d.append("emulator: exit ").append(er.exit()).append("; ");
            for (int r = 0; r < 16; r++) {
                if (r != Reg.RSP && hr.reg(r) != er.reg(r)) d.append(String.format("%s host %x emu %x; ", Reg.name(r), hr.reg(r), er.reg(r)));
            }
            if (hr.status() != er.status()) d.append(String.format("flags host %x emu %x; ", hr.status(), er.status()));
            byte[] h = hr.window().clone(), e = er.window().clone();
            String insn = c.asm.replaceAll(".*; (\\w+) " + image + "\\(%rsi\\).*", "$1");
            if (image == AREA) initOptimization(c, insn, h, e);
            (insn.endsWith("64") ? X87TestSupport.Image.FX64 : X87TestSupport.Image.FX32).sameOffIntel(h, e, image);
            if (!Arrays.equals(h, e)) {
                int at = Arrays.mismatch(h, e);
                d.append("data differs at +").append(at).append(": host ").append(HexFormat.of().formatHex(h, at, Math.min(at + 16, h.length)))
                        .append(" emu ").append(HexFormat.of().formatHex(e, at, Math.min(at + 16, e.length)));
            }
            if (!d.isEmpty()) problems.add(c + "\n      " + d);
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " of " + cases.size() + " cases differ from the host CPU:\n  "
                    + String.join("\n  ", problems.subList(0, Math.min(problems.size(), 25))));
        }
    }

    /** Bytes of the XSAVE area each component (x87, SSE, AVX) keeps, as [from, to) pairs; MXCSR at 24 not included. */
    private static final int[][] COMPONENT = {{0, 24, 32, 160}, {160, 416}, {576, 832}};

    /**
     * XSTATE_BV[i] is XINUSE[i], which may be 1 for a component in its initial configuration (SDM vol. 1 13.6):
     * the emulator keeps it 1 once the component is used, as Intel does; AMD reports 0 when the values are the
     * initial ones, and XSAVEOPT then leaves the component unwritten (SDM vol. 1 13.9). In the copy {@code e} of
     * the emulator's window such a component takes the host's view, where the emulator's values are initial.
     */
    private static void initOptimization(Case c, String insn, byte[] h, byte[] e) {
        byte[] init = new byte[832];
        init[0] = 0x7F; // FCW 037F; all else zero
        init[1] = 0x03;
        for (int i = 0; i < COMPONENT.length; i++) {
            boolean initial = true;
            for (int p = 0; p < COMPONENT[i].length; p += 2) {
                int from = AREA + COMPONENT[i][p], to = AREA + COMPONENT[i][p + 1];
                initial &= Arrays.equals(e, from, to, init, from - AREA, to - AREA);
            }
            if ((h[AREA + 512] >>> i & 1) == 0 && (e[AREA + 512] >>> i & 1) == 1 && initial) {
                e[AREA + 512] &= (byte) ~(1 << i);
                if (insn.startsWith("xsaveopt")) {
                    for (int p = 0; p < COMPONENT[i].length; p += 2) {
                        System.arraycopy(c.data, AREA + COMPONENT[i][p], e, AREA + COMPONENT[i][p], COMPONENT[i][p + 1] - COMPONENT[i][p]);
                    }
                }
            }
        }
    }

    /** The image the guest kernel puts in signal frames: what saveImage writes, restoreImage loads back. */
    @Test
    void imageRoundTrip() {
        jvisor.mmu.AddressSpace m = new jvisor.mmu.AddressSpace();
        m.mapAnonymous(0x10000, 0x1000, jvisor.mmu.Prot.RW, "area");
        jvisor.cpu.CpuState s = new jvisor.cpu.CpuState(), t = new jvisor.cpu.CpuState();
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int k = 0; k < 32; k++) {
            s.xmm[k] = r.nextLong();
            s.ymmHi[k] = r.nextLong();
        }
        s.mxcsr = 0x3f80;
        s.fpuControl = 0x027F;
        s.fpuMant[3] = r.nextLong();
        s.fpuSexp[3] = 0x4001;
        s.fpuTags = 0x08;
        XSave.saveImage(s, m, 0x10040);
        assertEquals(7, m.read64(0x10040 + 512), "XSTATE_BV");
        assertEquals(true, XSave.restoreImage(t, m, 0x10040, XSave.XCR0));
        assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(s.xmm, 32)), java.util.Arrays.toString(java.util.Arrays.copyOf(t.xmm, 32)));
        assertEquals(java.util.Arrays.toString(s.ymmHi), java.util.Arrays.toString(t.ymmHi));
        assertEquals(s.mxcsr, t.mxcsr);
        assertEquals(s.fpuControl, t.fpuControl);
        assertEquals(s.fpuMant[3], t.fpuMant[3]);
        m.write64(0x10040 + 520, 1L << 63); // a compacted-format header: XRSTOR would raise #GP
        assertEquals(false, XSave.restoreImage(t, m, 0x10040, XSave.XCR0));
        m.write64(0x10040 + 520, 0);

        // Only the requested components are loaded; the rest keep what they held.
        jvisor.cpu.CpuState u = new jvisor.cpu.CpuState();
        u.ymmHi[5] = 99;
        assertEquals(true, XSave.restoreImage(u, m, 0x10040, 3));
        assertEquals(s.xmm[9], u.xmm[9]);
        assertEquals(99, u.ymmHi[5]);
        // The legacy region alone, as FXRSTOR64; a reserved MXCSR bit is FXRSTOR's #GP.
        jvisor.cpu.CpuState v = new jvisor.cpu.CpuState();
        assertEquals(true, XSave.restoreLegacyImage(v, m, 0x10040));
        assertEquals(s.xmm[31], v.xmm[31]);
        assertEquals(0x3f80, v.mxcsr);
        assertEquals(0, v.ymmHi[0]);
        m.write32(0x10040 + 24, 0x13f80);
        assertEquals(false, XSave.restoreLegacyImage(v, m, 0x10040));
        assertEquals(true, XSave.restoreImage(v, m, 0x10040, 1), "MXCSR is not loaded without SSE or AVX");
        assertEquals(false, XSave.restoreImage(v, m, 0x10040, 4));
    }

    /** The initial configuration as the compacted form gives it: MXCSR follows SSE only. */
    @Test
    void initializeResetsComponents() {
        jvisor.cpu.CpuState s = new jvisor.cpu.CpuState();
        s.mxcsr = 0x3f80;
        s.xmm[3] = 1;
        s.ymmHi[3] = 2;
        s.fpuControl = 0x027F;
        s.fpuMant[2] = 3;
        XSave.initialize(s, 4);
        assertEquals(0, s.ymmHi[3]);
        assertEquals(1, s.xmm[3]);
        assertEquals(0x3f80, s.mxcsr);
        XSave.initialize(s, 7);
        assertEquals(0, s.xmm[3]);
        assertEquals(0x1f80, s.mxcsr);
        assertEquals(0x037F, s.fpuControl);
        assertEquals(0, s.fpuMant[2]);
    }

    @Test
    void xgetbvReadsXcr0() {
        Result r = emulate(new Case("xor %ecx,%ecx; xgetbv").set(Reg.RAX, -1L).set(Reg.RDX, -1L));
        assertEquals(7, r.reg(Reg.RAX));
        assertEquals(0, r.reg(Reg.RDX));
        Result bad = emulate(new Case("mov $1,%ecx; xgetbv"));
        assertEquals(Cpu.EXIT_EXCEPTION, bad.exit());
        assertEquals(CpuFault.GP, bad.vector());
    }
}
