package jvisor.cpu.decode;

/**
 * One decoded instruction: everything the executor needs, resolved once at decode time so that
 * executing it never looks at instruction bytes again. It is also the input a translator to JVM
 * bytecode reads, so it stays a plain, complete description of the instruction.
 */
public final class Insn {
    public static final int SEG_NONE = 0, SEG_FS = 4, SEG_GS = 5;

    // prefix bits
    public static final int P_LOCK = 1, P_REP = 2, P_REPNE = 4, P_OPSIZE = 8, P_ADSIZE = 16, P_REX = 32, P_REXW = 64,
            P_VEX = 128;

    public Form form;
    public Op op;
    /** Guest address of the first byte, its length, and the address of the next instruction. */
    public long addr;
    public int len;
    public long next;

    /** Operand size in bytes (1, 2, 4, 8) after prefixes and the form's size rule. */
    public int opsize;
    /** Address size in bytes: 8, or 4 with the 0x67 prefix. */
    public int adsize;
    public int prefixes;
    public int seg;

    /** ModRM.reg extended by REX.R (or the register in the opcode's low bits); Reg.HIGH_BYTE+n for AH..BH. */
    public int reg;
    /** ModRM.rm extended by REX.B when the operand is a register; Reg.HIGH_BYTE+n for AH..BH. */
    public int rm;
    /** True when the E operand is in memory (ModRM.mod != 3). */
    public boolean mem;
    /** Memory operand: base and index registers (-1 for none), scale as a shift count, displacement. RIP-relative operands have base -1 and the absolute address in disp. */
    public int base = -1;
    public int index = -1;
    public int scale;
    public long disp;

    /** VEX.vvvv (not inverted: the register number it names, 0-15); 0 without VEX. */
    public int vvvv;
    /** VEX.L: 0 for 128-bit (or scalar and GPR) forms, 1 for 256-bit forms. */
    public int vexL;

    /** Immediates, sign-extended from their encoded size. */
    public long imm;
    public long imm2;

    /** Condition code for Jcc, SETcc, CMOVcc (the opcode's low nibble). */
    public int cc;
    /** The last opcode byte, for handlers shared between encodings. */
    public int opcode;

    /**
     * Position in its basic block (0 for the first instruction). Added to
     * {@code CpuState.instructionsRetired}, which counts whole blocks, it gives the number of
     * instructions retired before this one (the virtual time-stamp counter).
     */
    public int blockIndex;

    /**
     * For AVX instructions that run an SSE operation per 128-bit lane (jvisor.cpu.insn.VexLanes):
     * the operation's view of the low and the high lane (scratch registers in place of the real
     * ones), made at the instruction's first execution.
     */
    public Insn vexLow, vexHigh;

    /** A field-by-field copy (without the lane views). */
    public Insn copy() {
        Insn c = new Insn();
        c.form = form;
        c.op = op;
        c.addr = addr;
        c.len = len;
        c.next = next;
        c.opsize = opsize;
        c.adsize = adsize;
        c.prefixes = prefixes;
        c.seg = seg;
        c.reg = reg;
        c.rm = rm;
        c.mem = mem;
        c.base = base;
        c.index = index;
        c.scale = scale;
        c.disp = disp;
        c.vvvv = vvvv;
        c.vexL = vexL;
        c.imm = imm;
        c.imm2 = imm2;
        c.cc = cc;
        c.opcode = opcode;
        c.blockIndex = blockIndex;
        return c;
    }

    public boolean hasPrefix(int p) {
        return (prefixes & p) != 0;
    }

    @Override
    public String toString() {
        return String.format("%x: %s", addr, form == null ? "(bad)" : form.mnemonic);
    }
}
