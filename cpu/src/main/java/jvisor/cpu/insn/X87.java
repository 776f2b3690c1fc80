package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.fpu.F80;

/**
 * The x87 register stack and the bookkeeping every x87 instruction shares (Intel SDM Vol. 1,
 * 8.1 "x87 FPU execution environment", 8.5 "x87 FPU floating-point exception conditions", 8.6
 * "x87 FPU exception synchronization"). The instruction families are X87Load, X87Arith,
 * X87Compare, X87Control and X87Transcendental; FpuState holds the state save/restore ones.
 *
 * <p><b>Stack.</b> ST(i) is physical register (TOP + i) mod 8; TOP lives in status word bits
 * 11-13. {@code CpuState.fpuTags} has one bit per physical register (set = not empty): the full
 * tags (valid, zero, special) are derived from the contents when FNSTENV/FNSAVE store them.
 *
 * <p><b>Exceptions.</b> An instruction collects what it detects in the {@link F80} scratch unit
 * and calls {@link #commit}: flags are ORed into the status word, C1 set to the round-up bit (or
 * to 1 for a stack overflow, 0 for an underflow). If an unmasked pre-computation exception (IE,
 * DE, ZE) occurred, nothing is written (no result, no pop, no push) and OE/UE/PE are not
 * recorded. Any unmasked exception sets ES and B; the #MF it deserves is raised by the next
 * waiting x87 instruction ({@link #enter}) or FWAIT, before it executes (SDM 8.6).
 *
 * <p><b>Measured details</b> (differential tests against an Intel Skylake-SP host; the SDM
 * leaves these undefined or says otherwise): an unmasked IE/DE/ZE clears C1; comparisons write
 * their condition codes (FCOMI: EFLAGS) even when an unmasked exception suppresses the pops;
 * FCOMI/FUCOMI, FCMOVcc and FNOP leave C1 alone unless the stack underflows; FFREE, FINCSTP and
 * FDECSTP clear C1; FLD of a denormal m32/m64 pushes even with DE unmasked; FLD ST(i) reports an
 * empty source before a full stack; the reserved D9 D8+i (FSTP1) just pops an empty ST(0); a
 * denormal divided by zero raises ZE without DE. Each is marked where it is implemented.
 *
 * <p><b>Pointers.</b> On the host this emulator follows (Intel, with FOP compatibility mode off
 * and FDP_EXCPTN_ONLY, CPUID.(EAX=7,ECX=0):EBX[6]), every non-control instruction records its
 * address in FIP, while FOP and FDP are recorded only by an instruction that raises an unmasked
 * exception (SDM 8.1.8, 8.1.9.1). FCS and FDS are stored as zero.
 */
final class X87 {
    private X87() {}

    static final int TOP_MASK = 0x3800;
    static final int CC = F80.C0 | F80.C1 | F80.C2 | F80.C3;

    static int top(CpuState s) {
        return s.fpuStatus >>> 11 & 7;
    }

    static void setTop(CpuState s, int t) {
        s.fpuStatus = (s.fpuStatus & ~TOP_MASK) | (t & 7) << 11;
    }

    /** Physical register number of ST(i). */
    static int phys(CpuState s, int i) {
        return (top(s) + i) & 7;
    }

    static boolean empty(CpuState s, int i) {
        return (s.fpuTags >>> phys(s, i) & 1) == 0;
    }

    static int se(CpuState s, int i) {
        return s.fpuSexp[phys(s, i)];
    }

    static long m(CpuState s, int i) {
        return s.fpuMant[phys(s, i)];
    }

    /** Writes ST(i) and marks it not empty. */
    static void write(CpuState s, int i, int se, long m) {
        int r = phys(s, i);
        s.fpuSexp[r] = se;
        s.fpuMant[r] = m;
        s.fpuTags |= 1 << r;
    }

    static void pop(CpuState s) {
        int t = top(s);
        s.fpuTags &= ~(1 << t);
        setTop(s, t + 1);
    }

    static void push(CpuState s, int se, long m) {
        int t = (top(s) - 1) & 7;
        setTop(s, t);
        s.fpuSexp[t] = se;
        s.fpuMant[t] = m;
        s.fpuTags |= 1 << t;
    }

    /**
     * Starts a waiting, non-control x87 instruction: raises #MF if an unmasked exception is
     * pending, records FIP, and returns the scratch unit set up from the control word.
     */
    static F80 enter(Cpu c, Insn i) {
        CpuState s = c.state;
        if ((s.fpuStatus & F80.ES) != 0) throw CpuFault.of(CpuFault.MF, 0, false);
        s.fpuIp = i.addr;
        F80 f = s.fpuScratch;
        f.begin(s.fpuControl);
        return f;
    }

    /** The pending-exception check alone: FWAIT and the waiting control instructions (FLDCW, FLDENV, FRSTOR). */
    static void check(CpuState s) {
        if ((s.fpuStatus & F80.ES) != 0) throw CpuFault.of(CpuFault.MF, 0, false);
    }

    /** Stack underflow (SDM 8.5.1.1): IE and SF, C1 = 0, the real indefinite as masked result. */
    static void underflow(F80 f) {
        f.flags |= F80.IE | F80.SF;
        f.up = false;
        f.se = F80.INDEF_SE;
        f.m = F80.INDEF_M;
    }

    /** Stack overflow: IE and SF, C1 = 1, the real indefinite as masked result. */
    static void overflow(F80 f) {
        f.flags |= F80.IE | F80.SF;
        f.up = true;
        f.se = F80.INDEF_SE;
        f.m = F80.INDEF_M;
    }

    /**
     * Records the unit's exceptions in the status word (flags, C1, ES/B, and FOP/FDP when one is
     * unmasked). Returns false when an unmasked IE, DE or ZE forbids writing any result.
     */
    static boolean commit(Cpu c, Insn i, F80 f) {
        CpuState s = c.state;
        int fl = f.flags;
        int sw = s.fpuStatus & ~F80.C1;
        if (f.up) sw |= F80.C1;
        if (fl == 0) {
            s.fpuStatus = sw;
            return true;
        }
        int unmasked = fl & ~s.fpuControl & 0x3F;
        boolean ok = (unmasked & (F80.IE | F80.DE | F80.ZE)) == 0;
        if (!ok) {
            // pre-computation exception unmasked: the operation is not performed
            fl &= ~(F80.OE | F80.UE | F80.PE);
            if ((fl & F80.SF) == 0) sw &= ~F80.C1;
        }
        sw |= fl & 0x7F;
        if (unmasked != 0) {
            sw |= F80.ES | F80.B;
            pointers(c, i);
        }
        s.fpuStatus = sw;
        return ok;
    }

    /** Records FOP and, for a memory operand, FDP (the instruction raised an unmasked exception). */
    static void pointers(Cpu c, Insn i) {
        CpuState s = c.state;
        s.fpuOpcode = fop(c, i);
        if (i.mem) s.fpuDp = c.ea(i);
    }

    /** FOP: the low three bits of the D8-DF opcode byte and the ModRM byte (SDM Figure 8-9). */
    static int fop(Cpu c, Insn i) {
        long a = i.addr;
        for (int k = 0; k < i.len - 1; k++) {
            int b = c.mem().fetch8(a + k);
            if ((b & 0xF8) == 0xD8) return (b & 7) << 8 | c.mem().fetch8(a + k + 1);
        }
        return 0;
    }

    /** Sets C3, C2, C0 (and clears C1) from an F80 comparison result; C1 is handled by commit. */
    static void conditionCodes(CpuState s, int cmp) {
        int cc = switch (cmp) {
            case F80.GT -> 0;
            case F80.LT -> F80.C0;
            case F80.EQ -> F80.C3;
            default -> F80.C3 | F80.C2 | F80.C0;
        };
        s.fpuStatus = (s.fpuStatus & ~(F80.C0 | F80.C2 | F80.C3)) | cc;
    }
}
