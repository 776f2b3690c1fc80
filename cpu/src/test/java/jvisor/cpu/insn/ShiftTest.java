package jvisor.cpu.insn;

import static jvisor.cpu.CpuTestSupport.DATA;
import static jvisor.cpu.CpuTestSupport.assertMatchesHost;
import static jvisor.cpu.CpuTestSupport.emulate;
import static jvisor.cpu.CpuTestSupport.hostAvailable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import jvisor.cpu.CpuTestSupport.Case;
import jvisor.cpu.CpuTestSupport.Result;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.SdmShiftFlags;

/**
 * Shifts and rotates. The sweeps run every case on the host CPU too and compare registers and
 * all six status flags; the hand-written tests pin down the SDM-defined results without the host.
 */
class ShiftTest {
    static final String[] GROUP2 = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sar"};
    static final char[] SUFFIX = {'b', 'w', 'l', 'q'};
    static final String[][] RDX = {{"%dl", "%dx", "%edx", "%rdx"}};
    static final long ALL = Flags.STATUS;

    /** Operand values: upper garbage above the operand size checks merging and zero-extension. */
    static final long[] VALUES = {0, 1, 0x80, 0x81, 0xC3, 0x7F, 0x8000, 0x8001, 0x7FFF_FFFF, 0x8000_0000L,
            0x4000_0000_0000_0001L, 0x8000_0000_0000_0000L, -1L, 0x5555_5555_5555_5555L, 0xDEAD_BEEF_CAFE_BABEL};
    static final int[] COUNTS = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 18, 31, 32, 33, 63, 64, 65, 255};

    static String reg(int sizeIndex) {
        return RDX[0][sizeIndex];
    }

    @Test
    void groupTwoByClMatchesHost() {
        assumeTrue(hostAvailable());
        List<Case> cases = new ArrayList<>();
        for (String op : GROUP2) {
            for (int s = 0; s < 4; s++) {
                String asm = op + SUFFIX[s] + " %cl," + reg(s);
                for (long v : VALUES) {
                    for (int count : COUNTS) {
                        for (long fin : new long[] {0, ALL, Flags.CF}) {
                            cases.add(new Case(asm).set(Reg.RDX, v).set(Reg.RCX, 0xFF00 | count).flags(fin));
                        }
                    }
                }
            }
        }
        assertMatchesHost(withSdmUndefined(cases));
    }

    @Test
    void groupTwoByImmediateAndByOneMatchesHost() {
        assumeTrue(hostAvailable());
        List<Case> cases = new ArrayList<>();
        long[] values = {0x81, 0x7F, 0x8000_0000_0000_0001L, 0xDEAD_BEEF_CAFE_BABEL, -1L};
        for (String op : GROUP2) {
            for (int s = 0; s < 4; s++) {
                List<String> forms = new ArrayList<>();
                forms.add(op + SUFFIX[s] + " " + reg(s)); // D0/D1: by one
                for (int count : new int[] {0, 1, 2, 7, 8, 9, 16, 17, 31, 32, 33, 63, 200}) {
                    forms.add(op + SUFFIX[s] + " $" + count + "," + reg(s));
                }
                for (String asm : forms) {
                    for (long v : values) {
                        for (long fin : new long[] {0, ALL}) cases.add(new Case(asm).set(Reg.RDX, v).flags(fin));
                    }
                }
            }
        }
        // C0/C1 with an immediate of 1 (the assembler would pick D0/D1) and the /6 (SAL) alias.
        for (String bytes : new String[] {".byte 0xc0,0xe2,0x01", ".byte 0x48,0xc1,0xe2,0x01", ".byte 0xc1,0xea,0x01",
                ".byte 0xd3,0xf2", ".byte 0xd0,0xf2", ".byte 0x48,0xc1,0xf2,0x05", ".byte 0x66,0xc1,0xf2,0x11",
                ".byte 0xc0,0xc2,0x01", ".byte 0xc0,0xca,0x01", ".byte 0xc0,0xd2,0x01", ".byte 0xc0,0xda,0x01",
                ".byte 0x48,0xc1,0xc2,0x01", ".byte 0x48,0xc1,0xca,0x01", ".byte 0xc1,0xc2,0x21", ".byte 0x66,0xc1,0xca,0x41"}) {
            for (long v : values) {
                for (long fin : new long[] {0, ALL}) cases.add(new Case(bytes).set(Reg.RDX, v).set(Reg.RCX, 3).flags(fin));
            }
        }
        assertMatchesHost(withSdmUndefined(cases));
    }

    @Test
    void operandsInMemoryAndByteRegistersMatchHost() {
        assumeTrue(hostAvailable());
        List<Case> cases = new ArrayList<>();
        String[] asms = {"shlb %cl,%ah", "rcrb %cl,%bh", "rolb %cl,%sil", "sarb %cl,%r9b", "shrw %cl,%r10w",
                "shll %cl,0x20000000", "rclq %cl,(%rsi)", "rorw $3,2(%rsi)", "sarb (%rsi,%rbx,1)", "shrq $63,8(%rsi)",
                "rcll $31,4(%rsi)", "rolb %cl,(%rsi)", "rorq %cl,(%rsi)", "roll $5,(%rsi)", "rolw $1,(%rsi)", "rorb $9,3(%rsi)",
                "rolq $2,%r11", "rorb $3,%ch", "shldl %cl,%ebx,(%rsi)", "shrdq $7,%rbx,8(%rsi)", "shldw $20,%bx,(%rsi)"};
        for (String asm : asms) {
            for (int count : new int[] {0, 1, 5, 17, 31, 40}) {
                for (long fin : new long[] {0, ALL}) {
                    cases.add(new Case(asm).set(Reg.RCX, count).set(Reg.RSI, DATA).set(Reg.RBX, 1).set(Reg.RAX, 0x1234_C3A5)
                            .set(Reg.R9, 0x80).set(Reg.R10, 0xFFFF_8001L).flags(fin)
                            .data(0x8123_4567_89AB_CDEFL, 0xF0E1_D2C3_B4A5_9687L));
                }
            }
        }
        assertMatchesHost(withSdmUndefined(cases));
    }

    @Test
    void countZeroKeepsLazyFlagsAndRotatesReadThem() {
        assumeTrue(hostAvailable());
        List<Case> cases = new ArrayList<>();
        // Flags come from an earlier instruction recorded lazily, not from popf.
        String[] asms = {"cmp %rbx,%rax; shl %cl,%edx", "add %rbx,%rax; rol %cl,%dx", "sub %rbx,%rax; rcl %cl,%edx",
                "cmp %rbx,%rax; rcrq %cl,%rdx", "inc %rax; sar %cl,%dl", "cmp %rbx,%rax; shld %cl,%ebx,%edx"};
        long[][] pairs = {{1, 2}, {2, 1}, {-1, 1}, {0x7FFF_FFFF_FFFF_FFFFL, -1}, {5, 5}};
        for (String asm : asms) {
            for (long[] p : pairs) {
                for (int count : new int[] {0, 1, 32, 64, 9, 17}) {
                    cases.add(new Case(asm).set(Reg.RAX, p[0]).set(Reg.RBX, p[1]).set(Reg.RCX, count).set(Reg.RDX, 0x8000_0001_8000_0001L));
                }
            }
        }
        assertMatchesHost(withSdmUndefined(cases));
    }

    @Test
    void doubleShiftsMatchHost() {
        assumeTrue(hostAvailable());
        List<Case> cases = new ArrayList<>();
        long[] dests = {0x8001, 0x4000_0000_8000_0001L, 0xC3A5, 0x7F00_FF00_1234_5678L, -1L, 0};
        long[] srcs = {0x1234, 0xFEDC_BA98_7654_3210L, 0x8000_0000_0000_0001L};
        String[][] forms = {{"shldw %cl,%bx,%dx", "shldl %cl,%ebx,%edx", "shldq %cl,%rbx,%rdx"},
                {"shrdw %cl,%bx,%dx", "shrdl %cl,%ebx,%edx", "shrdq %cl,%rbx,%rdx"}};
        for (String[] f : forms) {
            for (String asm : f) {
                for (long d : dests) {
                    for (long s : srcs) {
                        for (int count : new int[] {0, 1, 2, 8, 15, 16, 17, 20, 31, 32, 33, 48, 63, 64}) {
                            for (long fin : new long[] {0, ALL}) {
                                cases.add(new Case(asm).set(Reg.RDX, d).set(Reg.RBX, s).set(Reg.RCX, count).flags(fin));
                            }
                        }
                    }
                }
            }
        }
        for (String asm : new String[] {"shldw $1,%bx,%dx", "shldw $25,%bx,%dx", "shrdw $18,%bx,%dx", "shrdl $0,%ebx,%edx",
                "shldq $40,%rbx,%rdx", "shrdq $1,%rbx,%rdx", "shrdl $31,%ebx,%edx", "shldl $2,%ebx,%edx", "shrdw $7,%bx,%dx",
                "shldq $63,%rbx,%rdx", "shrdq $64,%rbx,%rdx", "shldl $33,%ebx,%edx"}) {
            for (long d : dests) {
                for (long s : srcs) {
                    for (long fin : new long[] {0, ALL}) cases.add(new Case(asm).set(Reg.RDX, d).set(Reg.RBX, s).flags(fin));
                }
            }
        }
        assertMatchesHost(withSdmUndefined(cases));
    }

    // ------------------------------------------------------------------ what the SDM leaves undefined

    static final List<String> OPS = List.of("rol", "ror", "rcl", "rcr", "shl", "sal", "shr", "sar", "shld", "shrd");

    /**
     * Marks in every case what the SDM leaves undefined for the last instruction of its snippet: the
     * flags of {@link SdmShiftFlags}, and for SHLD/SHRD of a 16-bit operand by more than 16
     * ("If the count is greater than the operand size, the result is undefined") the destination word.
     * Compared only on an Intel host, so elsewhere the sweeps still check every defined result.
     */
    static List<Case> withSdmUndefined(List<Case> cases) {
        for (Case c : cases) {
            String[] insns = c.asm.split(";");
            String insn = insns[insns.length - 1].trim();
            String op;
            int bits;
            long count;
            String dest;
            if (insn.startsWith(".byte")) { // [66] [REX] C0/C1/D0-D3 with a register operand
                String[] t = insn.substring(5).trim().split(",");
                int[] b = new int[t.length];
                for (int k = 0; k < t.length; k++) b[k] = Integer.decode(t[k].trim());
                int i = 0;
                bits = 32;
                if (b[i] == 0x66) {
                    bits = 16;
                    i++;
                }
                if ((b[i] & 0xF0) == 0x40) {
                    if ((b[i] & 8) != 0) bits = 64;
                    i++;
                }
                int opc = b[i++], modrm = b[i++];
                if ((modrm & 0xC0) != 0xC0 || !List.of(0xC0, 0xC1, 0xD0, 0xD1, 0xD2, 0xD3).contains(opc)) {
                    throw new IllegalArgumentException(insn);
                }
                if ((opc & 1) == 0) bits = 8;
                op = new String[] {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"}[modrm >> 3 & 7];
                count = opc <= 0xC1 ? b[i] : opc <= 0xD1 ? 1 : c.regs[Reg.RCX] & 0xFF;
                dest = null;
            } else {
                int sp = insn.indexOf(' ');
                String mnemonic = insn.substring(0, sp);
                List<String> operands = splitOperands(insn.substring(sp + 1).trim());
                dest = operands.getLast();
                if (OPS.contains(mnemonic)) {
                    op = mnemonic;
                    bits = registerBits(dest);
                } else {
                    op = mnemonic.substring(0, mnemonic.length() - 1);
                    bits = 8 << "bwlq".indexOf(mnemonic.charAt(mnemonic.length() - 1));
                    if (!OPS.contains(op) || bits < 8) throw new IllegalArgumentException(insn);
                }
                String first = operands.getFirst();
                count = operands.size() == 1 ? 1 : first.equals("%cl") ? c.regs[Reg.RCX] & 0xFF : Long.decode(first.substring(1));
            }
            SdmShiftFlags.Written w = SdmShiftFlags.of(op, bits, SdmShiftFlags.maskedCount(bits, count));
            c.undefined(w.undefined());
            if (w.resultUndefined()) { // SHLD/SHRD of a 16-bit operand by more than 16
                if (dest.equals("%dx")) {
                    c.undefinedBits(Reg.RDX, 0xFFFF);
                } else if (dest.equals("(%rsi)")) {
                    c.undefinedData((int) (c.regs[Reg.RSI] - DATA), 2);
                } else {
                    throw new IllegalArgumentException("destination of " + insn);
                }
            }
        }
        return cases;
    }

    /** AT&T operands split at the commas outside parentheses. */
    private static List<String> splitOperands(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0, start = 0;
        for (int k = 0; k < s.length(); k++) {
            char ch = s.charAt(k);
            if (ch == '(') depth++;
            else if (ch == ')') depth--;
            else if (ch == ',' && depth == 0) {
                out.add(s.substring(start, k).trim());
                start = k + 1;
            }
        }
        out.add(s.substring(start).trim());
        return out;
    }

    /** The width of a register operand ("%dl", "%ah", "%r9b", "%dx", "%r10w", "%edx", "%r9d", "%rdx", "%r11"). */
    private static int registerBits(String operand) {
        if (!operand.startsWith("%")) throw new IllegalArgumentException("no size for " + operand);
        String r = operand.substring(1);
        if (r.matches("r\\d+b|[a-d][lh]|(si|di|bp|sp)l")) return 8;
        if (r.matches("r\\d+w|[a-d]x|si|di|bp|sp")) return 16;
        if (r.matches("r\\d+d|e[a-z]{2}")) return 32;
        if (r.matches("r\\d+|r[a-z]{2}")) return 64;
        throw new IllegalArgumentException("no size for " + operand);
    }

    @Test
    void sdmUndefinedMarking() {
        List<Case> cases = withSdmUndefined(new ArrayList<>(List.of(new Case("shlb %cl,%dl").set(Reg.RCX, 8),
                new Case("cmp %rbx,%rax; shl %cl,%edx").set(Reg.RCX, 0x20), new Case("rorq $1,%r11"),
                new Case("sarb (%rsi,%rbx,1)"), new Case(".byte 0x48,0xc1,0xf2,0x05"), new Case("shldw %cl,%bx,%dx").set(Reg.RCX, 17),
                new Case("shldw $20,%bx,(%rsi)").set(Reg.RSI, DATA + 8), new Case("rcl %cl,%edx").set(Reg.RCX, 33))));
        assertEquals(Flags.AF | Flags.OF | Flags.CF, cases.get(0).undefinedFlags);
        assertEquals(0, cases.get(1).undefinedFlags, "a masked count of 0 leaves every flag defined (unchanged)");
        assertEquals(0, cases.get(2).undefinedFlags);
        assertEquals(Flags.AF, cases.get(3).undefinedFlags);
        assertEquals(Flags.AF | Flags.OF, cases.get(4).undefinedFlags, "C1 /6 (SAL) by 5");
        assertEquals(Flags.STATUS, cases.get(5).undefinedFlags);
        assertEquals(0xFFFF, cases.get(5).undefinedRegs[Reg.RDX]);
        assertEquals(Flags.STATUS, cases.get(6).undefinedFlags);
        assertEquals(8, cases.get(6).undefinedData.nextSetBit(0));
        assertEquals(2, cases.get(6).undefinedData.cardinality());
        assertEquals(0, cases.get(7).undefinedFlags, "RCL by 33 masks to 1: OF defined");
    }

    // ------------------------------------------------------------------ hand-checked (SDM)

    private static Result run(String asm, long rdx, long rcx, long flags) {
        return emulate(new Case(asm).set(Reg.RDX, rdx).set(Reg.RCX, rcx).flags(flags));
    }

    @Test
    void shlSetsCarryAndOverflowForCountOne() {
        Result r = run("shlb %cl,%dl", 0x81, 1, 0);
        assertEquals(0x02, r.reg(Reg.RDX) & 0xFF);
        assertEquals(Flags.CF | Flags.OF, r.status());
        r = run("shlb %cl,%dl", 0xAB00_0000_0000_0040L, 1, Flags.CF);
        assertEquals(0xAB00_0000_0000_0080L, r.reg(Reg.RDX), "a byte shift leaves the rest of RDX alone");
        assertEquals(Flags.SF | Flags.OF, r.status());
    }

    @Test
    void countIsMaskedAndZeroCountChangesNoFlag() {
        Result r = run("shll %cl,%edx", 0x8000_0000_0000_0001L, 32, ALL);
        assertEquals(1, r.reg(Reg.RDX), "count 32 masks to 0, but the 32-bit write still zero-extends");
        assertEquals(ALL, r.status());
        r = run("shlq %cl,%rdx", 1, 64, 0);
        assertEquals(1, r.reg(Reg.RDX));
        assertEquals(0, r.status());
        r = run("shlq %cl,%rdx", 1, 63, 0);
        assertEquals(0x8000_0000_0000_0000L, r.reg(Reg.RDX));
        assertEquals(Flags.SF | Flags.PF, r.status() & ~Flags.OF);
    }

    @Test
    void sarFillsWithTheSign() {
        Result r = run("sarb %cl,%dl", 0x80, 31, 0);
        assertEquals(0xFF, r.reg(Reg.RDX) & 0xFF);
        assertEquals(Flags.CF | Flags.SF | Flags.PF, r.status());
        r = run("sarq %cl,%rdx", Long.MIN_VALUE, 1, 0);
        assertEquals(0xC000_0000_0000_0000L, r.reg(Reg.RDX));
        assertEquals(Flags.SF | Flags.PF, r.status());
    }

    @Test
    void rotatesThroughCarryUseCountModuloWidthPlusOne() {
        // RCL of a byte by 9 is a full turn through CF: nothing changes, flags included.
        Result r = run("rclb %cl,%dl", 0x81, 9, Flags.CF | Flags.ZF);
        assertEquals(0x81, r.reg(Reg.RDX) & 0xFF);
        assertEquals(Flags.CF | Flags.ZF, r.status());
        // RCL by 1 with CF=1: 0x81 -> 0x03, CF=1, OF = MSB(result) ^ CF = 0 ^ 1.
        r = run("rclb %cl,%dl", 0x81, 1, Flags.CF);
        assertEquals(0x03, r.reg(Reg.RDX) & 0xFF);
        assertEquals(Flags.CF | Flags.OF, r.status());
        // RCR of a word by 16 is a left rotation by 1 of the 17-bit quantity CF:DX.
        r = run("rcrw %cl,%dx", 0x0001, 16, Flags.CF);
        assertEquals(0x0003, r.reg(Reg.RDX) & 0xFFFF);
        assertEquals(0, r.status() & Flags.CF);
        r = run("rcrq %cl,%rdx", 1, 1, 0);
        assertEquals(0, r.reg(Reg.RDX));
        assertEquals(Flags.CF, r.status() & Flags.CF);
        r = run("rclq %cl,%rdx", Long.MIN_VALUE, 63, Flags.CF);
        assertEquals(0x6000_0000_0000_0000L, r.reg(Reg.RDX));
        assertEquals(0, r.status() & Flags.CF);
    }

    @Test
    void rotatesLeaveSignZeroParityAdjustAlone() {
        Result r = run("rolq %cl,%rdx", 0x8000_0000_0000_0001L, 1, Flags.ZF | Flags.SF | Flags.PF | Flags.AF);
        assertEquals(3, r.reg(Reg.RDX));
        assertEquals(Flags.ZF | Flags.SF | Flags.PF | Flags.AF | Flags.CF | Flags.OF, r.status());
        r = run("rorw %cl,%dx", 0x0001, 1, 0);
        assertEquals(0x8000, r.reg(Reg.RDX) & 0xFFFF);
        assertEquals(Flags.CF | Flags.OF, r.status());
    }

    @Test
    void doubleShiftsFillFromTheSource() {
        Result r = emulate(new Case("shldl %cl,%ebx,%edx").set(Reg.RDX, 0x1234_5678).set(Reg.RBX, 0x9ABC_DEF0L).set(Reg.RCX, 8));
        assertEquals(0x3456_789AL, r.reg(Reg.RDX));
        r = emulate(new Case("shrdq %cl,%rbx,%rdx").set(Reg.RDX, 0x1234_5678_9ABC_DEF0L).set(Reg.RBX, 0x0F).set(Reg.RCX, 4));
        assertEquals(0xF123_4567_89AB_CDEFL, r.reg(Reg.RDX));
        assertEquals(Flags.SF | Flags.OF, r.status() & (Flags.SF | Flags.OF | Flags.CF));
        // 16-bit with a count above 16: the 48-bit pattern dest:src:dest (Intel).
        r = emulate(new Case("shldw %cl,%bx,%dx").set(Reg.RDX, 0x8001).set(Reg.RBX, 0x1234).set(Reg.RCX, 19));
        assertEquals(0x91A4, r.reg(Reg.RDX) & 0xFFFF);
    }
}
