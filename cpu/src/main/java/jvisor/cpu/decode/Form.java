package jvisor.cpu.decode;

/**
 * The static description of one opcode form: one row of the opcode table, parsed from a
 * declaration such as {@code row("80 /0", "add Eb,Ib", Alu::...)}.
 *
 * <p>Operand notation follows the opcode maps of the Intel SDM Vol. 2, Appendix A.2: E = ModRM
 * r/m (register or memory), G = ModRM reg, M = memory only, R = register only, I = immediate,
 * J = relative offset, O = moffs, Z = register in the opcode's low 3 bits, V/W/U = XMM forms of
 * G/E/R, B = general-purpose register in VEX.vvvv, H = XMM/YMM register in VEX.vvvv, L = XMM/YMM
 * register in imm8[7:4] (VEX /is4). Sizes:
 * b = byte, w = word, d = dword, q = qword, v = 16/32/64 by operand size, z = 16/32
 * (immediates: 32 sign-extended to 64), y = 32/64 (64 with REX.W or VEX.W), x = 128-bit,
 * qq = 256-bit.
 */
public final class Form {
    /** Operand-size rules, Intel SDM Vol. 1, 3.6 and Vol. 2, 2.2.1.2. */
    public enum SizeRule {
        /** 32 by default, 64 with REX.W, 16 with 0x66. */
        V,
        /** Byte operation. */
        BYTE,
        /** 64 by default in long mode (PUSH, POP, near indirect branches); 16 with 0x66. */
        D64,
        /** Always 64 (near relative branches: 0x66 is ignored, as Intel CPUs do). */
        F64,
        /** 32, or 64 with REX.W; 0x66 is a mandatory prefix, not a size override (SSE). */
        Y
    }

    public enum Imm { NONE, B, W, Z, V, D, JB, JZ, MOFFS }

    public final String mnemonic;
    public final Op op;
    public final boolean modrm;
    public final SizeRule size;
    public final Imm imm1, imm2;
    /** The register operand is encoded in the opcode's low three bits (+r forms). */
    public final boolean regInOpcode;
    /** Decoding stops after this instruction: it transfers control, exits or traps. */
    public final boolean endsBlock;
    /** The LOCK prefix is allowed (with a memory destination). */
    public final boolean lockable;
    /** Register operand of byte size: AH..BH apply without REX, for reg and/or rm. */
    public final boolean byteReg, byteRm;
    /** Accesses the stack implicitly (PUSH, POP, CALL, RET, ENTER, LEAVE): faults there are #SS, not #GP. */
    public final boolean implicitStack;
    /** Encoded with a VEX prefix (SDM Vol. 2A 2.3). */
    public final boolean vex;
    /** VEX.vvvv names an operand (B or H); a form without one requires VEX.vvvv = 1111b, else #UD. */
    public final boolean usesVvvv;
    /**
     * The CPU extensions ({@link Extensions}) the form belongs to beyond the base set: the decoder
     * turns it into #UD unless they are enabled, so an unadvertised extension faults as on a CPU
     * without it.
     */
    public final int extensions;
    /** The memory operand is VSIB (SDM Vol. 2A 2.3.12): the SIB index names an XMM/YMM register; register forms are #UD. */
    public final boolean vsib;

    Form(String mnemonic, Op op, boolean modrm, SizeRule size, Imm imm1, Imm imm2, boolean regInOpcode,
            boolean endsBlock, boolean lockable, boolean byteReg, boolean byteRm, boolean implicitStack) {
        this(mnemonic, op, modrm, size, imm1, imm2, regInOpcode, endsBlock, lockable, byteReg, byteRm, implicitStack,
                false, false, 0, false);
    }

    Form(String mnemonic, Op op, boolean modrm, SizeRule size, Imm imm1, Imm imm2, boolean regInOpcode,
            boolean endsBlock, boolean lockable, boolean byteReg, boolean byteRm, boolean implicitStack,
            boolean vex, boolean usesVvvv, int extensions, boolean vsib) {
        this.mnemonic = mnemonic;
        this.op = op;
        this.modrm = modrm;
        this.size = size;
        this.imm1 = imm1;
        this.imm2 = imm2;
        this.regInOpcode = regInOpcode;
        this.endsBlock = endsBlock;
        this.lockable = lockable;
        this.byteReg = byteReg;
        this.byteRm = byteRm;
        this.implicitStack = implicitStack;
        this.vex = vex;
        this.usesVvvv = usesVvvv;
        this.extensions = extensions;
        this.vsib = vsib;
    }

    /** The instruction's name: the syntax's first word ("addpd" of "addpd Vx,Wx"). */
    public String name() {
        String m = mnemonic.trim();
        int space = m.indexOf(' ');
        return space < 0 ? m : m.substring(0, space);
    }

    /** The syntax's operand list ("Vx,Wx" of "addpd Vx,Wx"), or "" for a form without operands. */
    public String operands() {
        String m = mnemonic.trim();
        int space = m.indexOf(' ');
        return space < 0 ? "" : m.substring(space + 1).trim();
    }

    @Override
    public String toString() {
        return mnemonic;
    }
}
