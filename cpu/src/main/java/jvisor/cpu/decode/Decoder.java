package jvisor.cpu.decode;

import jvisor.cpu.CpuFault;
import jvisor.cpu.Reg;
import jvisor.mmu.CodeSource;

/**
 * Decodes x86-64 instructions (legacy prefixes, REX, one-, two- and three-byte opcode maps,
 * ModRM, SIB, displacements, RIP-relative addressing, immediates) into {@link Insn}s, walking an
 * {@link OpcodeTable}. Intel SDM Vol. 2, chapter 2 "Instruction Format".
 *
 * <p>An opcode the table does not know decodes to an instruction that raises #UD when executed,
 * so undecodable bytes after the end of reachable code cost nothing until something runs them.
 */
public final class Decoder {
    /** Architectural limit on instruction length; longer ones raise #GP (SDM Vol. 2, 2.3.11). */
    public static final int MAX_LENGTH = 15;

    private static final Form INVALID = new Form("(bad)", (cpu, insn) -> {
        throw CpuFault.undefinedOpcode();
    }, false, Form.SizeRule.V, Form.Imm.NONE, Form.Imm.NONE, false, true, false, false, false, false);

    private static final Form TOO_LONG = new Form("(too long)", (cpu, insn) -> {
        throw CpuFault.generalProtection();
    }, false, Form.SizeRule.V, Form.Imm.NONE, Form.Imm.NONE, false, true, false, false, false, false);

    private final OpcodeTable table;
    /** The {@link Extensions} whose forms decode; the others are #UD. */
    private final int extensions;

    // Decoding cursor, valid during one decode() call.
    private CodeSource mem;
    private long start;
    private int pos;

    /** A decoder for the instruction set CPUID advertises. */
    public Decoder(OpcodeTable table) {
        this(table, jvisor.cpu.Cpuid.EXTENSIONS);
    }

    /** A decoder that accepts the forms of the given {@link Extensions} too (tests prove them before CPUID advertises them). */
    public Decoder(OpcodeTable table, int extensions) {
        this.table = table;
        this.extensions = extensions;
    }

    private int next() {
        if (pos >= MAX_LENGTH) throw TooLong.INSTANCE;
        return mem.fetch8(start + pos++);
    }

    private static final class TooLong extends RuntimeException {
        static final TooLong INSTANCE = new TooLong();

        private TooLong() {
            super(null, null, false, false);
        }
    }

    /**
     * Decodes the instruction at addr.
     *
     * @throws jvisor.mmu.PageFault if a byte of the instruction cannot be fetched (not mapped or not executable)
     */
    public Insn decode(CodeSource space, long addr) {
        Insn insn = new Insn();
        this.mem = space;
        this.start = addr;
        this.pos = 0;
        insn.addr = addr;
        try {
            decodeInto(insn);
        } catch (TooLong e) {
            insn.form = TOO_LONG;
            insn.op = TOO_LONG.op;
            insn.len = MAX_LENGTH;
            insn.next = addr + MAX_LENGTH;
        } finally {
            this.mem = null;
        }
        return insn;
    }

    private void decodeInto(Insn insn) {
        int prefixes = 0, seg = Insn.SEG_NONE, rex = 0, lastRep = OpcodeTable.PFX_NONE;
        int b;
        while (true) {
            b = next();
            if (isLegacyPrefix(b)) {
                switch (b) {
                    case 0xF0 -> prefixes |= Insn.P_LOCK;
                    case 0xF2 -> { prefixes |= Insn.P_REPNE; lastRep = OpcodeTable.PFX_F2; }
                    case 0xF3 -> { prefixes |= Insn.P_REP; lastRep = OpcodeTable.PFX_F3; }
                    case 0x66 -> prefixes |= Insn.P_OPSIZE;
                    case 0x67 -> prefixes |= Insn.P_ADSIZE;
                    case 0x64 -> seg = Insn.SEG_FS;
                    case 0x65 -> seg = Insn.SEG_GS;
                    default -> { } // CS, SS, DS, ES overrides are null in 64-bit mode
                }
                rex = 0; // a REX prefix only counts right before the opcode
            } else if ((b & 0xF0) == 0x40) {
                rex = b; // of several REX prefixes the last one counts
            } else {
                break;
            }
        }
        if (rex != 0) prefixes |= Insn.P_REX | ((rex & 8) != 0 ? Insn.P_REXW : 0);

        int map = OpcodeTable.MAP_ONE;
        int opcode = b;
        boolean vexInvalid = false;
        OpcodeTable.Node n;
        if (b == 0xC4 || b == 0xC5) {
            // VEX (SDM Vol. 2A 2.3.5): in 64-bit mode C4/C5 are always VEX prefixes (LES and LDS
            // do not exist). R, X, B and vvvv are stored inverted; C5 implies map 0F, W0, X = B = 0.
            int p1 = next();
            int rxb, w, lpp, vvvv;
            if (b == 0xC5) {
                rxb = (~p1 >>> 5) & 4;
                map = OpcodeTable.MAP_0F;
                w = 0;
                vvvv = (~p1 >>> 3) & 15;
                lpp = p1 & 7;
            } else {
                rxb = (~p1 >>> 5) & 7;
                map = switch (p1 & 0x1F) {
                    case 1 -> OpcodeTable.MAP_0F;
                    case 2 -> OpcodeTable.MAP_0F38;
                    case 3 -> OpcodeTable.MAP_0F3A;
                    default -> -1;
                };
                int p2 = next();
                w = p2 >>> 7;
                vvvv = (~p2 >>> 3) & 15;
                lpp = p2 & 7;
            }
            // A VEX prefix after 66, F2, F3, LOCK or REX is #UD (SDM Vol. 2A 2.3.2).
            vexInvalid = map < 0 || (prefixes & (Insn.P_OPSIZE | Insn.P_REP | Insn.P_REPNE | Insn.P_LOCK | Insn.P_REX)) != 0;
            rex = 0x40 | w << 3 | rxb;
            prefixes |= Insn.P_VEX | (w != 0 ? Insn.P_REXW : 0);
            insn.vvvv = vvvv;
            insn.vexL = lpp >>> 2;
            opcode = next();
            n = map < 0 ? null : table.vexRoot(map, opcode);
            if (n != null && n.byPrefix != null) n = n.byPrefix[lpp & 3];
            else if (n != null) n = null; // every VEX form has its implied-prefix slot
            if (n != null && n.byL != null) n = n.byL[lpp >>> 2];
            if (n != null && n.byW != null) n = n.byW[w];
        } else {
            if (b == 0x0F) {
                opcode = next();
                map = OpcodeTable.MAP_0F;
                if (opcode == 0x38) { map = OpcodeTable.MAP_0F38; opcode = next(); }
                else if (opcode == 0x3A) { map = OpcodeTable.MAP_0F3A; opcode = next(); }
            }
            n = table.root(map, opcode);
        }
        insn.opcode = opcode;
        insn.cc = opcode & 0xF;

        boolean opsizeConsumed = false;
        if (n != null && n.byPrefix != null && (prefixes & Insn.P_VEX) == 0) {
            int idx = lastRep != OpcodeTable.PFX_NONE ? lastRep
                    : (prefixes & Insn.P_OPSIZE) != 0 ? OpcodeTable.PFX_66 : OpcodeTable.PFX_NONE;
            OpcodeTable.Node c = n.byPrefix[idx];
            if (c != null) {
                n = c;
                if (idx == OpcodeTable.PFX_66) opsizeConsumed = true;
                if (idx == OpcodeTable.PFX_F3) prefixes &= ~Insn.P_REP;
                if (idx == OpcodeTable.PFX_F2) prefixes &= ~Insn.P_REPNE;
            }
        }

        int rexR = (rex & 4) << 1, rexX = (rex & 2) << 2, rexB = (rex & 1) << 3;
        int modrm = -1;
        if (n != null && n.needsModrm()) {
            modrm = next();
            int mod = modrm >>> 6;
            if (n.byReg != null && n.byReg[(modrm >>> 3) & 7] != null) n = n.byReg[(modrm >>> 3) & 7];
            if (n.byMod != null && n.byMod[mod == 3 ? 1 : 0] != null) n = n.byMod[mod == 3 ? 1 : 0];
            if (n.byRm != null && n.byRm[modrm & 7] != null) n = n.byRm[modrm & 7];
        }
        Form form = n == null ? null : n.form;
        if (form == null || (prefixes & Insn.P_LOCK) != 0 && !form.lockable || vexInvalid
                || (form.extensions & ~extensions) != 0 || form.vex && !form.usesVvvv && insn.vvvv != 0
                || form.vsib && (modrm >>> 6 == 3 || (modrm & 7) != 4)) { // VSIB needs a memory operand with SIB
            form = INVALID;
        }
        insn.form = form;
        insn.op = form.op;

        boolean rexW = (rex & 8) != 0;
        boolean osize = (prefixes & Insn.P_OPSIZE) != 0 && !opsizeConsumed;
        insn.opsize = switch (form.size) {
            case BYTE -> 1;
            case V -> rexW ? 8 : osize ? 2 : 4;
            case D64 -> rexW ? 8 : osize ? 2 : 8;
            case F64 -> 8;
            case Y -> rexW ? 8 : 4;
        };
        insn.adsize = (prefixes & Insn.P_ADSIZE) != 0 ? 4 : 8;
        insn.prefixes = prefixes;
        insn.seg = seg;

        boolean ripRelative = false;
        if (modrm >= 0 && form != INVALID) {
            int mod = modrm >>> 6, rm = modrm & 7;
            insn.reg = ((modrm >>> 3) & 7) | rexR;
            if (mod == 3) {
                insn.rm = rm | rexB;
            } else {
                insn.mem = true;
                if (rm == 4) {
                    int sib = next();
                    insn.scale = sib >>> 6;
                    int index = ((sib >>> 3) & 7) | rexX;
                    insn.index = index == 4 && !form.vsib ? -1 : index; // VSIB: index 4 is a vector register
                    int base = sib & 7;
                    if (base == 5 && mod == 0) {
                        insn.base = -1;
                        insn.disp = readSigned(4);
                    } else {
                        insn.base = base | rexB;
                    }
                } else if (rm == 5 && mod == 0) {
                    ripRelative = true;
                    insn.disp = readSigned(4);
                } else {
                    insn.base = rm | rexB;
                }
                if (mod == 1) insn.disp = readSigned(1);
                else if (mod == 2) insn.disp = readSigned(4);
            }
            if (form.modrm && (form.lockable && (prefixes & Insn.P_LOCK) != 0 && !insn.mem)) {
                form = INVALID; // LOCK needs a memory destination
                insn.form = form;
                insn.op = form.op;
            }
        } else if (form.regInOpcode) {
            insn.reg = (opcode & 7) | rexB;
        }
        if (form.byteReg && rex == 0 && insn.reg >= 4 && insn.reg < 8) insn.reg = Reg.HIGH_BYTE + insn.reg - 4;
        if (form.byteRm && rex == 0 && !insn.mem && insn.rm >= 4 && insn.rm < 8) insn.rm = Reg.HIGH_BYTE + insn.rm - 4;

        insn.imm = readImmediate(form.imm1, insn);
        insn.imm2 = readImmediate(form.imm2, insn);

        insn.len = pos;
        insn.next = start + pos;
        if (ripRelative) insn.disp += insn.next;
        if (form.imm1 == Form.Imm.JB || form.imm1 == Form.Imm.JZ) insn.imm += insn.next;
    }

    private long readImmediate(Form.Imm kind, Insn insn) {
        return switch (kind) {
            case NONE -> 0;
            case B, JB -> readSigned(1);
            case W -> readSigned(2);
            case D, JZ -> readSigned(4);
            case Z -> readSigned(insn.opsize == 2 ? 2 : 4);
            case V -> readSigned(insn.opsize);
            case MOFFS -> readSigned(insn.adsize);
        };
    }

    private long readSigned(int size) {
        long v = 0;
        for (int i = 0; i < size; i++) v |= (long) next() << (8 * i);
        int shift = 64 - 8 * size;
        return (v << shift) >> shift;
    }

    private static boolean isLegacyPrefix(int b) {
        return switch (b) {
            case 0xF0, 0xF2, 0xF3, 0x66, 0x67, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65 -> true;
            default -> false;
        };
    }
}
