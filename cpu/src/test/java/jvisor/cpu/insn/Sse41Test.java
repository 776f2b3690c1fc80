package jvisor.cpu.insn;

import static jvisor.cpu.insn.SseTestSupport.assertSameAsHost;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import jvisor.cpu.CpuTestSupport;
import jvisor.cpu.VendorDifferences;
import jvisor.cpu.insn.SseTestSupport.Case;
import jvisor.cpu.insn.SseTestSupport.Result;

/**
 * SSE4.1 against the host CPU: integer lanes biased towards sign and saturation edges; every
 * blend, insert and extract immediate; PMOVSX/ZX and the narrow memory operands at every
 * alignment; ROUND* with every rounding immediate (including MXCSR-selected rounding and the
 * precision-suppression bit) on zeros, denormals, halfway values, huge values, infinities and
 * NaNs with payloads under every MXCSR mode, FTZ/DAZ and unmasked exceptions; DPPS/DPPD with
 * random masks on the same operands; MPSADBW with every offset.
 */
class Sse41Test {
    static final int N = SseIntegerTest.N;
    static final int NF = Integer.getInteger("sse.cases", 400);

    static List<Case> intCases(String asm, int n) {
        Random r = new Random(asm.hashCode() * 31L);
        List<Case> cases = SseIntegerTest.cases(asm, n);
        for (Case c : cases) c.flags = r.nextLong() & jvisor.cpu.Flags.STATUS;
        return cases;
    }

    static void checkInt(int n, List<String> asms) {
        List<Case> all = new ArrayList<>();
        for (String a : asms) all.addAll(intCases(a, n));
        assertSameAsHost(all);
    }

    @Test
    void integerLanes() {
        checkInt(N, SseTestSupport.registerAndMemoryForms("pmulld", "pmuldq", "pminsb", "pminsd", "pminuw", "pminud",
                "pmaxsb", "pmaxsd", "pmaxuw", "pmaxud", "pcmpeqq", "packusdw", "phminposuw", "ptest"));
    }

    /** PTEST on operands that make ZF and CF both possible; PHMINPOSUW with ties. */
    @Test
    void ptestAndPhminposEdges() {
        Random r = new Random(41);
        List<Case> all = new ArrayList<>();
        for (int k = 0; k < 300; k++) {
            Case c = new Case(k % 2 == 0 ? "ptest %xmm1,%xmm0" : "phminposuw %xmm1,%xmm0");
            long a0 = r.nextLong() & r.nextLong(), a1 = r.nextLong() & r.nextLong();
            switch (r.nextInt(5)) {
                case 0 -> c.xmm(1, a0 & ~a1, 0); // maybe disjoint
                case 1 -> c.xmm(1, a0, a1);
                case 2 -> c.xmm(1, a0 & r.nextLong(), a1 & r.nextLong()); // subset
                case 3 -> c.xmm(1, 0, 0);
                default -> c.xmm(1, ~a0, ~a1);
            }
            c.xmm(0, a0, a1);
            if (k % 2 == 1 && r.nextBoolean()) c.xmm(1, 0x0005000700050009L, r.nextBoolean() ? 0x0005FFFF00050005L : -1L);
            c.flags = r.nextLong() & jvisor.cpu.Flags.STATUS;
            all.add(c);
        }
        assertSameAsHost(all);
    }

    @Test
    void blends() {
        List<String> l = new ArrayList<>();
        for (int imm = 0; imm < 16; imm++) l.add("blendps $" + imm + ",%xmm1,%xmm0");
        for (int imm = 0; imm < 4; imm++) l.add("blendpd $" + imm + ",%xmm1,%xmm0");
        for (int imm : new int[] {0, 1, 0x80, 0x55, 0xAA, 0x0F, 0xF0, 0xFF, 0x3C, 0x81}) l.add("pblendw $" + imm + ",%xmm1,%xmm0");
        l.add("blendps $0xf5,%xmm2,%xmm0");
        l.add("blendpd $0xfe,%xmm1,%xmm3");
        l.add("pblendw $0x5a,(%rsi),%xmm2");
        l.add("blendps $6,16(%rsi),%xmm1");
        for (String op : new String[] {"pblendvb", "blendvps", "blendvpd"}) {
            l.add(op + " %xmm0,%xmm1,%xmm2");
            l.add(op + " %xmm3,%xmm1");
            l.add(op + " %xmm1,%xmm0"); // the mask register is also the destination
            l.add(op + " %xmm0,%xmm3");
            l.add(op + " 32(%rsi),%xmm2");
        }
        checkInt(12, l);
    }

    @Test
    void signAndZeroExtension() {
        List<Case> all = new ArrayList<>();
        for (String ext : new String[] {"bw", "bd", "bq", "wd", "wq", "dq"}) {
            for (String k : new String[] {"pmovsx", "pmovzx"}) {
                all.addAll(intCases(k + ext + " %xmm1,%xmm0", 30));
                all.addAll(intCases(k + ext + " %xmm2,%xmm2", 10));
                for (int off = 0; off < 16; off++) {
                    Case c = intCases(k + ext + " (%rsi),%xmm3", 1).get(0);
                    c.memOffset = off;
                    all.add(c);
                }
            }
        }
        assertSameAsHost(all);
    }

    @Test
    void insertAndExtract() {
        List<String> l = new ArrayList<>();
        for (int k = 0; k < 16; k++) {
            l.add("pextrb $" + k + ",%xmm1,%eax");
            l.add("pextrb $" + k + ",%xmm2,(%rsi)");
            l.add("pinsrb $" + k + ",%ecx,%xmm0");
            l.add("pinsrb $" + k + ",3(%rsi),%xmm1");
        }
        for (int k = 0; k < 8; k++) {
            l.add("pextrw $" + k + ",%xmm1,5(%rsi)");
            l.add(String.format(".byte 0x66,0x0f,0x3a,0x15,0xc8,%d", k)); // pextrw $k,%xmm1,%eax through 0F 3A 15
        }
        for (int k = 0; k < 4; k++) {
            l.add("pextrd $" + k + ",%xmm1,%edx");
            l.add("pextrd $" + k + ",%xmm3,7(%rsi)");
            l.add("pinsrd $" + k + ",%edx,%xmm0");
            l.add("pinsrd $" + k + ",9(%rsi),%xmm2");
            l.add("extractps $" + k + ",%xmm1,%eax");
            l.add("extractps $" + k + ",%xmm0,2(%rsi)");
            l.add(String.format(".byte 0x66,0x48,0x0f,0x3a,0x17,0xc8,%d", k)); // extractps $k,%xmm1,%rax (REX.W)
        }
        for (int k = 0; k < 2; k++) {
            l.add("pextrq $" + k + ",%xmm1,%rcx");
            l.add("pextrq $" + k + ",%xmm2,1(%rsi)");
            l.add("pinsrq $" + k + ",%rax,%xmm3");
            l.add("pinsrq $" + k + ",11(%rsi),%xmm0");
        }
        // Immediates with unused high bits, a byte source with REX, PEXTRB to a 64-bit register.
        l.add("pextrb $0xf3,%xmm1,%edx");
        l.add("pinsrb $0x27,%eax,%xmm1");
        l.add("pinsrd $0xfe,%ecx,%xmm2");
        l.add("pextrq $0x7f,%xmm3,%rax");
        l.add(".byte 0x66,0x48,0x0f,0x3a,0x14,0xc8,0x05"); // pextrb $5,%xmm1,%rax
        l.add(".byte 0x66,0x40,0x0f,0x3a,0x20,0xc1,0x02"); // pinsrb $2,%ecx,%xmm0 with an empty REX
        checkInt(8, l);
    }

    /** PINSRB/PEXTRB name 32-bit registers: ModRM.rm 4-7 is ESP..EDI, never AH..BH. */
    @Test
    void byteInsertUsesLowByteOfTheRegister() {
        // pinsrb $0,%edi,%xmm0: the emulator's RDI is 0x7777777777777777 in SseTestSupport.emulate.
        var r = SseTestSupport.emulate(new Case("pinsrb"), new byte[] {0x66, 0x0f, 0x3a, 0x20, (byte) 0xc7, 0x00});
        assertEquals(null, r.fault());
        assertEquals(0x77L, r.xmm()[0] & 0xFF);
    }

    @Test
    void insertpsEveryImmediate() {
        List<String> l = new ArrayList<>();
        for (int imm = 0; imm < 256; imm++) l.add("insertps $" + imm + ",%xmm1,%xmm0");
        for (int imm : new int[] {0, 0x10, 0x20, 0x30, 0xC5, 0x3F, 0x5A}) {
            l.add("insertps $" + imm + ",6(%rsi),%xmm2");
            l.add("insertps $" + imm + ",%xmm0,%xmm0");
        }
        checkInt(2, l);
    }

    @Test
    void mpsadbwAndMovntdqa() {
        List<String> l = new ArrayList<>();
        for (int imm = 0; imm < 8; imm++) {
            l.add("mpsadbw $" + imm + ",%xmm1,%xmm0");
            l.add("mpsadbw $" + imm + ",%xmm0,%xmm0");
        }
        l.add("mpsadbw $0xfd,%xmm1,%xmm0");
        l.add("mpsadbw $6,16(%rsi),%xmm2");
        l.add("movntdqa (%rsi),%xmm1");
        l.add("movntdqa 32(%rsi),%xmm0");
        checkInt(40, l);
        List<Case> all = new ArrayList<>();
        for (String a : new String[] {"movntdqa (%rsi),%xmm1", "mpsadbw $1,(%rsi),%xmm0", "pmulld (%rsi),%xmm0",
                "ptest (%rsi),%xmm1", "pblendvb (%rsi),%xmm2", "roundps $1,(%rsi),%xmm0", "roundsd $1,(%rsi),%xmm0",
                "roundss $1,(%rsi),%xmm0", "dpps $0xff,(%rsi),%xmm0", "insertps $0x10,(%rsi),%xmm0"}) {
            for (int off : new int[] {0, 1, 4, 8, 12}) {
                Case c = intCases(a, 1).get(0);
                c.memOffset = off;
                all.add(c);
            }
        }
        assertSameAsHost(all);
    }

    // ------------------------------------------------------------------ floating point

    static void checkFloat(boolean single, int n, List<String> asms) {
        List<Case> all = new ArrayList<>();
        for (String a : asms) all.addAll(SseFloatTest.cases(a, single, n, Long.getLong("sse.seed", 41)));
        assertSameAsHost(all);
    }

    /** Every rounding immediate 0-15: the four fixed modes, MXCSR.RC (bit 2), and precision suppression (bit 3). */
    @Test
    void roundSingle() {
        List<String> l = new ArrayList<>();
        for (int imm = 0; imm < 16; imm++) {
            l.add("roundss $" + imm + ",%xmm1,%xmm0");
            l.add("roundps $" + imm + ",%xmm1,%xmm0");
        }
        l.add("roundps $0xf4,%xmm0,%xmm0");
        l.add("roundss $0x13,4(%rsi),%xmm2");
        l.add("roundps $0x9,16(%rsi),%xmm3");
        checkFloat(true, NF / 5, l);
    }

    @Test
    void roundDouble() {
        List<String> l = new ArrayList<>();
        for (int imm = 0; imm < 16; imm++) {
            l.add("roundsd $" + imm + ",%xmm1,%xmm0");
            l.add("roundpd $" + imm + ",%xmm1,%xmm0");
        }
        l.add("roundpd $0xf4,%xmm0,%xmm0");
        l.add("roundsd $0x13,8(%rsi),%xmm2");
        l.add("roundpd $0x9,16(%rsi),%xmm3");
        checkFloat(false, NF / 5, l);
    }

    @Test
    void dotProducts() {
        Random r = new Random(43);
        List<String> s = new ArrayList<>(), d = new ArrayList<>();
        for (int imm : new int[] {0xFF, 0xF1, 0x31, 0x33, 0x7F, 0x0F, 0xF0, 0x11, 0x22, 0x81, 0xC3, 0xAA}) s.add("dpps $" + imm + ",%xmm1,%xmm0");
        for (int k = 0; k < 6; k++) s.add("dpps $" + r.nextInt(256) + ",%xmm2,%xmm0");
        s.add("dpps $0xe7,%xmm0,%xmm0");
        s.add("dpps $0x7d,32(%rsi),%xmm3");
        for (int imm = 0; imm < 64; imm += 3) d.add("dppd $" + imm + ",%xmm1,%xmm0");
        d.add("dppd $0x33,%xmm0,%xmm0");
        d.add("dppd $0x31,%xmm2,%xmm0");
        d.add("dppd $0xf3,16(%rsi),%xmm3");
        List<Case> all = new ArrayList<>();
        for (String a : s) all.addAll(SseFloatTest.cases(a, true, NF / 4, Long.getLong("sse.seed", 41)));
        for (String a : d) all.addAll(SseFloatTest.cases(a, false, NF / 4, Long.getLong("sse.seed", 41)));
        assertDotProductsMatchHost(all);
    }

    /**
     * Products that are denormal or underflow, then summed: whether the later stages see
     * denormal inputs (DE, DAZ), FTZ of the products, and unmasked DE/UE/PE between the stages.
     */
    @Test
    void dotProductsOfTinyOperands() {
        Random r = new Random(47);
        int[] modes = {0x1F80, 0x1FC0, 0x9F80, 0x9FC0, 0x1D80, 0x1DC0, 0x1780, 0x0F80, 0x3F80, 0x5F80, 0x7F80, 0x9D80, 0x1E80};
        List<Case> all = new ArrayList<>();
        for (String asm : new String[] {"dpps $0xff,%xmm1,%xmm0", "dpps $0x31,%xmm1,%xmm0", "dpps $0xcf,%xmm1,%xmm0",
                "dppd $0x33,%xmm1,%xmm0", "dppd $0x13,%xmm1,%xmm0"}) {
            boolean single = asm.startsWith("dpps");
            for (int k = 0; k < 300; k++) {
                Case c = new Case(asm);
                for (int x = 0; x < 2; x++) {
                    long lo, hi;
                    if (single) {
                        lo = tinyFloat(r) & 0xFFFFFFFFL | (long) tinyFloat(r) << 32;
                        hi = tinyFloat(r) & 0xFFFFFFFFL | (long) tinyFloat(r) << 32;
                    } else {
                        lo = tinyDouble(r);
                        hi = tinyDouble(r);
                    }
                    c.xmm(x, lo, hi);
                }
                c.mxcsr = modes[r.nextInt(modes.length)];
                all.add(c);
            }
        }
        assertDotProductsMatchHost(all);
    }

    /**
     * NaN products in both halves of a pair: which one the sums propagate shows the order of
     * their operands (DPPS sums p[k^1] + p[k] first, DPPD p[k] + p[k^1]).
     */
    @Test
    void dotProductNaNOrder() {
        Random r = new Random(53);
        int[] fnan = {0x7FC00001, 0xFFC00002, 0x7F800003, 0xFF800004, 0x7FC12345, 0x3F800000, 0xC0000000, 0x7F800000};
        long[] dnan = {0x7FF8000000000001L, 0xFFF8000000000002L, 0x7FF0000000000003L, 0xFFF0000000000004L,
            0x3FF0000000000000L, 0xC000000000000000L, 0x7FF0000000000000L};
        List<Case> all = new ArrayList<>();
        for (String asm : new String[] {"dpps $0xff,%xmm1,%xmm0", "dpps $0x3f,%xmm1,%xmm0", "dpps $0xcf,%xmm1,%xmm0",
                "dpps $0x5a,%xmm1,%xmm0", "dppd $0x33,%xmm1,%xmm0", "dppd $0x13,%xmm1,%xmm0", "dppd $0x23,%xmm1,%xmm0"}) {
            for (int k = 0; k < 100; k++) {
                Case c = new Case(asm);
                for (int x = 0; x < 2; x++) {
                    if (asm.startsWith("dpps")) {
                        c.xmm(x, fnan[r.nextInt(fnan.length)] & 0xFFFFFFFFL | (long) fnan[r.nextInt(fnan.length)] << 32,
                                fnan[r.nextInt(fnan.length)] & 0xFFFFFFFFL | (long) fnan[r.nextInt(fnan.length)] << 32);
                    } else {
                        c.xmm(x, dnan[r.nextInt(dnan.length)], dnan[r.nextInt(dnan.length)]);
                    }
                }
                c.mxcsr = r.nextBoolean() ? 0x1F80 : 0x1FBF;
                all.add(c);
            }
        }
        assertDotProductsMatchHost(all);
    }

    /**
     * DPPS/DPPD against the host. On an Intel host this is exactly {@link SseTestSupport#assertSameAsHost}.
     *
     * <p>Which NaN a lane ends with when several products (or inputs) are NaN depends on the operand
     * order of the internal additions, and there Intel and AMD CPUs differ. The SDM's pseudo-code
     * (DPPS, DP_primitive: "Temp2[31:0] := Temp1[31:0] + Temp1[63:32]; Temp3[31:0] := Temp1[95:64] +
     * Temp1[127:96]; Temp4[31:0] := Temp2[31:0] + Temp3[31:0]"; DPPD: "Temp2[63:0] := Temp1[63:0] +
     * Temp1[127:64]") fixes which products are summed, but with two NaN operands an SSE addition
     * returns its first source (SDM Vol. 1, "Operating on SNaNs and QNaNs"), so the NaN that survives
     * is the implementation's choice of operand order: Intel CPUs, and the emulator, sum p[k^1] + p[k]
     * for DPPS and p[k] + p[k^1] for DPPD (see {@link #dotProductNaNOrder}); AMD CPUs order them
     * differently. So on a non-Intel host a destination lane where both the host and the emulator hold
     * a NaN matches whatever its sign and payload; NaN-ness, every non-NaN lane, the other registers,
     * MXCSR (exception flags included), RFLAGS, memory and faults must still match exactly.
     */
    static void assertDotProductsMatchHost(List<Case> cases) {
        if (CpuTestSupport.intelHost()) {
            assertSameAsHost(cases);
            return;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(SseTestSupport.hostAvailable(), "no x86-64 Linux host with gcc for the oracle");
        List<Result> expected = SseTestSupport.host(cases);
        StringBuilder report = new StringBuilder();
        int bad = 0;
        for (int k = 0; k < cases.size(); k++) {
            Case c = cases.get(k);
            Result host = expected.get(k), got = SseTestSupport.emulate(c, SseTestSupport.bytes(c.asm));
            if (!got.equals(host) && !withHostNaNs(c, host, got).equals(host)) {
                if (bad++ < 12) report.append("\n").append(c).append("\n   host: ").append(host).append("\n   emul: ").append(got);
            }
        }
        if (bad > 0) org.junit.jupiter.api.Assertions.fail(bad + " of " + cases.size() + " cases differ from the host:" + report);
    }

    /** The emulator's result with each NaN lane of the destination replaced by the host's, where that is a NaN too. */
    private static Result withHostNaNs(Case c, Result host, Result emu) {
        if (!c.asm.startsWith("dpps") && !c.asm.startsWith("dppd")) throw new IllegalArgumentException(c.asm);
        boolean single = c.asm.startsWith("dpps");
        int dest = Integer.parseInt(c.asm.substring(c.asm.lastIndexOf("%xmm") + 4).trim());
        long[] x = emu.xmm().clone();
        for (int q = 2 * dest; q < 2 * dest + 2; q++) {
            long h = host.xmm()[q], e = x[q];
            int bits = single ? 32 : 64;
            for (int lane = 0; lane < 64; lane += bits) {
                long m = -1L >>> (64 - bits) << lane;
                if (VendorDifferences.sameOrBothNaN(h >>> lane & m >>> lane, e >>> lane & m >>> lane, bits)) x[q] = x[q] & ~m | h & m;
            }
        }
        return new Result(emu.fault(), x, emu.mxcsr(), emu.rax(), emu.rcx(), emu.rdx(), emu.flags(), emu.mem());
    }

    /** A float whose products with another such float are near the denormal range (or a normal one, now and then). */
    private static int tinyFloat(Random r) {
        int e = r.nextInt(8) == 0 ? 0x7F : r.nextInt(4) == 0 ? r.nextInt(3) : 0x38 + r.nextInt(16);
        return (r.nextBoolean() ? 0x80000000 : 0) | e << 23 | r.nextInt(1 << 23) & (r.nextBoolean() ? 0x7FFFFF : 0x7F0000);
    }

    private static long tinyDouble(Random r) {
        long e = r.nextInt(8) == 0 ? 0x3FF : r.nextInt(4) == 0 ? r.nextInt(3) : 0x1E0 + r.nextInt(40);
        return (r.nextBoolean() ? 1L << 63 : 0) | e << 52 | r.nextLong() & (r.nextBoolean() ? 0xFFFFFFFFFFFFFL : 0xFF00000000000L);
    }
}
