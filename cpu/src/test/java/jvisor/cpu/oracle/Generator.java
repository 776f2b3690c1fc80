package jvisor.cpu.oracle;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import jvisor.cpu.Reg;
import jvisor.cpu.decode.Form;
import jvisor.cpu.oracle.Catalogue.Entry;
import jvisor.cpu.oracle.Catalogue.Kind;
import jvisor.cpu.oracle.Catalogue.Shape;

/**
 * Turns catalogue entries into machine code and initial states, deterministically from (seed,
 * case index): each case has its own random stream, so any single case can be regenerated.
 *
 * <p>The encoder works from the table form alone: legacy prefixes (LOCK on lockable memory
 * forms, FS/GS overrides, 0x67, 0x66 as operand size), the mandatory prefix, REX (W for 64-bit
 * operands, R/X/B for the registers chosen, sometimes an empty REX), the opcode, ModRM with every
 * addressing form (base, base+disp8/32, base+index*scale, index*scale+disp32 without base,
 * absolute disp32, RIP-relative), and immediates of the form's kinds. The registers of a memory
 * operand are given values (including wrap-around combinations and garbage above 32 bits with
 * 0x67) that land on a chosen offset of the data window; every other register starts from the
 * value generators of {@link Values}. Instruction kinds with implicit operands get set-up: string
 * instructions (RSI, RDI, small RCX counts, matching data for REPE/REPNE), stack instructions (RSP
 * and RBP in the window, POPF values without TF/AC/NT), DIV/IDIV (dividends that mostly do not
 * overflow; the rest expect #DE on both sides), BT with a register bit offset into memory,
 * CMPXCHG (accumulators that match half of the time), LDMXCSR (valid values most of the time),
 * MASKMOVDQU (RDI on the chosen target, as if it were a memory operand).
 *
 * <p>Sequence mode strings 5-20 catalogue instructions together. Two registers (a base pointer
 * and an index of known value) and RSP are reserved: no instruction names them, memory operands
 * use only them (or RIP-relative and absolute addresses), and small helper instructions (LEA,
 * MOV, XOR, CWD..CQO) set up what string instructions, BT with a register offset and division
 * need, right before them.
 */
public final class Generator {
    private final Catalogue cat;
    private final long seed;
    private final int[] order;
    private final List<Entry> sequenceEntries = new ArrayList<>();

    public Generator(Catalogue cat, long seed) {
        this(cat, seed, java.util.Set.of());
    }

    /** notInSequences: form syntaxes sequences must not contain (the known SSE mismatches). */
    public Generator(Catalogue cat, long seed, java.util.Set<String> notInSequences) {
        this.cat = cat;
        this.seed = seed;
        int[] all = java.util.stream.IntStream.range(0, cat.entries.size()).filter(k -> selected(cat.entries.get(k))).toArray();
        if (all.length == 0) throw new IllegalArgumentException("jvisor.diff.forms matches no form: " + ONLY);
        int n = all.length;
        order = all;
        SplittableRandom r = new SplittableRandom(seed);
        for (int k = n - 1; k > 0; k--) {
            int j = r.nextInt(k + 1);
            int t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        for (Entry e : cat.entries) {
            if (selected(e) && sequenceSafe(e) && !notInSequences.contains(e.shape().form.mnemonic)) sequenceEntries.add(e);
        }
    }

    /**
     * {@code -Djvisor.diff.forms=REGEX} restricts the cases to the forms whose syntax it finds (a
     * local run that concentrates many cases on a few forms, e.g. "(add|mul)(sd|pd) ").
     */
    private static final java.util.regex.Pattern ONLY =
            System.getProperty("jvisor.diff.forms") == null ? null : java.util.regex.Pattern.compile(System.getProperty("jvisor.diff.forms"));

    private static boolean selected(Entry e) {
        return ONLY == null || ONLY.matcher(e.shape().form.mnemonic).find();
    }

    /**
     * Instructions that a sequence cannot contain: they move RSP/RBP arbitrarily or load MXCSR
     * from random data, or their result bits are implementation-specific (RCP/RSQRT: compared
     * within the architectural error bound in single-instruction cases only; DPPS/DPPD on a
     * non-Intel host, where the NaN they return is compared as any NaN).
     */
    static boolean sequenceSafe(Entry e) {
        if (Differ.APPROXIMATE.contains(e.shape().mnemonic())) return false;
        // Not on a non-Intel host: the NaN a DPPS/DPPD returns is its own choice there (NonIntelHost).
        if (!NonIntelHost.INTEL && NonIntelHost.NAN_CHOICE.contains(e.shape().mnemonic())) return false;
        return switch (e.shape().kind) {
            case POPF, ENTER_LEAVE, LDMXCSR, GATHER, XSAVE -> false; // (GATHER, XSAVE: set up per case, in registers)
            default -> true;
        };
    }

    public List<Entry> sequenceEntries() {
        return sequenceEntries;
    }

    static SplittableRandom random(long seed, long index, boolean sequence) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (index + 1) * 0xC2B2AE3D27D4EB4FL ^ (sequence ? 0x5EC : 0));
    }

    // ================================================================== cases

    /** Single-instruction case number index: entries are visited round-robin in a seeded order. */
    public DiffCase single(long index) {
        return single(index, cat.entries.get(order[(int) (index % order.length)]));
    }

    /** A single-instruction case of the given entry. */
    public DiffCase single(long index, Entry e) {
        SplittableRandom r = random(seed, index, false);
        DiffCase c = new DiffCase(seed, index);
        initState(c, r);
        Code code = new Code(c, r.nextInt(8) == 0 ? 0xFF0 + r.nextInt(16) : r.nextInt(0x1000));
        c.codeAddr = DiffCase.CODE + (r.nextLong(DiffCase.CODE_SIZE - 0x3000) & ~0xFFFL) + code.pageOffset;
        Ctx ctx = new Ctx(false);
        emit(c, r, e, ctx, code);
        code.finish();
        return c;
    }

    /** A random sequence of 5 to 20 catalogue instructions. */
    public DiffCase sequence(long index) {
        SplittableRandom r = random(seed, index, true);
        DiffCase c = new DiffCase(seed, index);
        initState(c, r);
        Code code = new Code(c, r.nextInt(0x400));
        c.codeAddr = DiffCase.CODE + (r.nextLong(DiffCase.CODE_SIZE - 0x3000) & ~0xFFFL) + code.pageOffset;
        Ctx ctx = new Ctx(true);
        // The base is below R8, so that byte forms without REX can address memory through it too.
        ctx.base = r.nextBoolean() ? Reg.RBX : Reg.RBP;
        ctx.index = Reg.R8 + r.nextInt(8);
        ctx.baseValue = DiffCase.DATA + 192 + 8 * r.nextInt(16);
        ctx.indexValue = r.nextInt(32);
        c.gpr[ctx.base] = ctx.baseValue;
        c.gpr[ctx.index] = ctx.indexValue;
        c.gpr[Reg.RSP] = DiffCase.DATA + 384 + 8 * r.nextInt(8);
        ctx.reserved[ctx.base] = ctx.reserved[ctx.index] = ctx.reserved[Reg.RSP] = true;
        int n = 5 + r.nextInt(16);
        for (int k = 0; k < n; k++) {
            Entry e = sequenceEntries.get(r.nextInt(sequenceEntries.size()));
            emit(c, r, e, ctx, code);
        }
        code.finish();
        return c;
    }

    private static void initState(DiffCase c, SplittableRandom r) {
        for (int k = 0; k < 16; k++) c.gpr[k] = Values.integer(r);
        for (int k = 0; k < 32; k++) c.xmm[k] = Values.xmmHalf(r);
        for (int k = 0; k < 32; k++) c.ymmHi[k] = NativeOracle.HOST_AVX ? Values.xmmHalf(r) : 0;
        for (int off = 0; off < DiffCase.WINDOW; off += 8) {
            c.writeWindow(off, 8, switch (r.nextInt(4)) {
                case 0 -> Values.integer(r);
                case 1 -> Values.xmmHalf(r);
                case 2 -> r.nextLong();
                default -> Values.lanes(r);
            });
        }
        c.rflags = Values.rflags(r);
        c.mxcsr = Values.mxcsr(r);
        // Sticky exception flags already set, as in any program past its first inexact result (the
        // translator's inline arithmetic needs PE set). From a generator of their own, so that the
        // rest of every case stays what it was.
        SplittableRandom flags = new SplittableRandom(c.seed * 0xD1342543DE82EF95L ^ c.index * 0x2545F4914F6CDD1DL ^ 0x1F80);
        c.mxcsr |= Values.stickyFlags(flags);
    }

    /** Per-case generation context. */
    private static final class Ctx {
        final boolean sequence;
        /** Registers no instruction may name (sequence mode). */
        final boolean[] reserved = new boolean[16];
        int base = -1, index = -1;
        long baseValue, indexValue;
        /** Registers whose value a memory operand of the current instruction depends on (single mode). */
        final boolean[] pinned = new boolean[16];
        /** Registers the memory operand must not use (the bit offset of BT with a register offset; XSAVE's EDX:EAX). */
        int avoid = -1, avoidToo = -1;

        Ctx(boolean sequence) {
            this.sequence = sequence;
        }

        boolean fixed(int reg) {
            return reserved[reg] || pinned[reg];
        }
    }

    // ================================================================== code buffer

    /** The code of a case, emulator and host versions, with RIP-relative fix-ups. */
    private static final class Code {
        final DiffCase c;
        final int pageOffset;
        final ByteArrayOutputStream emu = new ByteArrayOutputStream(), host = new ByteArrayOutputStream();

        Code(DiffCase c, int pageOffset) {
            this.c = c;
            this.pageOffset = pageOffset;
        }

        int size() {
            return emu.size();
        }

        void add(byte[] emuBytes, byte[] hostBytes, boolean helper) {
            c.starts.add(emu.size());
            if (helper) c.helpers.add(emu.size());
            emu.writeBytes(emuBytes);
            host.writeBytes(hostBytes);
        }

        void finish() {
            c.code = emu.toByteArray();
            byte[] h = host.toByteArray();
            c.hostCode = java.util.Arrays.equals(h, c.code) ? c.code : h;
        }
    }

    // ================================================================== one instruction

    /** Where a memory operand must land: an offset in the window and the segment base to subtract. */
    private record Target(int offset, long segBase) {
        /** In the compared, writable window (not the read-only or the unmapped page). */
        boolean inWindow() {
            return offset < DiffCase.WINDOW;
        }

        long linear() {
            return DiffCase.DATA + offset;
        }

        long ea() {
            return linear() - segBase;
        }
    }

    /** Register operand classes of a shape's ModRM fields. */
    private static boolean regFieldIsGpr(Shape s) {
        for (String o : s.operands()) {
            char k = o.trim().charAt(0);
            if (k == 'G') return true;
            if (k == 'V') return false;
        }
        return true;
    }

    private static boolean rmFieldIsGpr(Shape s) {
        for (String o : s.operands()) {
            char k = o.trim().charAt(0);
            if (k == 'E' || k == 'R' || k == 'M') return true;
            if (k == 'W' || k == 'U') return false;
        }
        return true;
    }

    /** The 64-bit register a register field names: with byte operands and no REX, 4..7 are AH..BH (RAX..RBX). */
    private static int physical(int n, boolean byteOperand, boolean rex) {
        return byteOperand && !rex && n >= 4 && n < 8 ? n - 4 : n;
    }

    /** A register number 0..15 (0..7 without REX) whose physical register is not fixed in this context. */
    private static int pickReg(SplittableRandom r, Ctx ctx, boolean gpr, boolean byteOperand, boolean rexAllowed) {
        for (int tries = 0; ; tries++) {
            int n = r.nextInt(rexAllowed ? 16 : 8);
            if (!gpr) return n;
            int p = physical(n, byteOperand, rexAllowed);
            if (!ctx.reserved[p] || tries > 100) return n;
        }
    }

    private void emit(DiffCase c, SplittableRandom r, Entry e, Ctx ctx, Code code) {
        Shape s = e.shape();
        Form f = s.form;
        java.util.Arrays.fill(ctx.pinned, false);
        ctx.avoid = ctx.avoidToo = -1;
        int size = e.opsize();
        boolean mem = e.memory();
        Kind kind = s.kind;

        // ---- REX and operand-size decisions
        boolean rex = switch (e.rex()) {
            case 0 -> false;
            case 1 -> true;
            default -> r.nextInt(3) == 0;
        };
        boolean rexW = false;
        boolean osize = false;
        switch (f.size) {
            case V, Y -> {
                if (size == 8) rexW = true;
                if (size == 2) osize = true;
                if (size == 8 && s.opsizePrefixOk && r.nextInt(6) == 0) osize = true; // REX.W wins over 0x66
            }
            case D64 -> {
                if (size == 2) osize = true;
                else if (r.nextInt(4) == 0) rexW = true; // redundant W
            }
            case BYTE -> {
                if (s.opsizePrefixOk && r.nextInt(8) == 0) osize = true; // ignored by byte operations
                if (e.rex() != 0 && r.nextInt(6) == 0) rexW = true;
            }
            default -> { }
        }
        if (rexW) rex = true;
        // VEX: W is the operand size of y-sized forms, else any value the form decodes with; L one the form
        // accepts (now and then one it does not: #UD on both sides). No REX byte: R, X, B live in the VEX prefix.
        int vexW = 0, vexL = 0;
        if (s.vex()) {
            osize = false;
            boolean wSizes = s.vexW[0] && s.vexW[1] && f.size == Form.SizeRule.Y;
            vexW = wSizes ? (size == 8 ? 1 : 0) : s.vexW[0] && s.vexW[1] ? r.nextInt(2) : s.vexW[0] ? 0 : 1;
            rexW = vexW == 1;
            vexL = s.vexL[0] && s.vexL[1] ? r.nextInt(2) : s.vexL[0] ? 0 : 1;
            if (!ctx.sequence && r.nextInt(100) == 0) vexL ^= 1;
        }

        // ---- registers
        boolean byteReg = f.byteReg && size == 1, byteRm = f.byteRm && size == 1;
        boolean regGpr = regFieldIsGpr(s), rmGpr = rmFieldIsGpr(s);
        int regField = 0, rmField = 0, opReg = 0;
        boolean rexAllowed = e.rex() != 0;
        if (f.modrm) {
            regField = s.regDigit >= 0 ? s.regDigit : pickReg(r, ctx, regGpr, byteReg, rexAllowed && (e.rex() == 1 || rex || r.nextBoolean()));
            if (!mem) rmField = s.rmFixed >= 0 ? s.rmFixed : pickReg(r, ctx, rmGpr, byteRm, rexAllowed && (e.rex() == 1 || rex || r.nextBoolean()));
        } else if (f.regInOpcode) {
            opReg = pickReg(r, ctx, true, byteReg, rexAllowed && (e.rex() == 1 || rex || r.nextBoolean()));
        }
        if ((regField | rmField | opReg) >= 8) rex = true;
        if (e.rex() == 1) rex = true;
        int vvvv = 0; // the register VEX.vvvv names (encoded inverted); 0 when the form has no such operand
        if (f.usesVvvv) vvvv = pickReg(r, ctx, vvvvIsGpr(s), false, true);
        else if (s.vex() && !ctx.sequence && r.nextInt(100) == 0) vvvv = 1 + r.nextInt(15); // #UD on both sides

        // ---- kind-specific prefixes
        List<Integer> legacy = new ArrayList<>();
        int rep = 0;
        if (kind == Kind.STRING) {
            int pick = r.nextInt(4);
            boolean cmp = s.mnemonic().startsWith("cmps") || s.mnemonic().startsWith("scas");
            if (pick == 1 || pick == 2) rep = 0xF3;
            if (pick == 3) rep = cmp || r.nextBoolean() ? 0xF2 : 0xF3;
        }
        boolean memLike = mem || kind == Kind.STRING || kind == Kind.STORE_AT_RDI || f.imm1 == Form.Imm.MOFFS;
        boolean addr32 = memLike && r.nextInt(6) == 0;
        long segBase = 0;
        int seg = 0;
        if (memLike && r.nextInt(6) == 0) { // (STOS and SCAS ignore it: ES:RDI cannot be overridden)
            boolean gs = r.nextBoolean() && !addr32;
            seg = gs ? 0x65 : 0x64;
            segBase = gs ? DiffCase.GS_BASE : DiffCase.FS_BASE;
        }
        // LOCK on lockable memory forms; rarely anywhere else (#UD on both sides).
        boolean lock = f.lockable && mem ? r.nextInt(3) == 0 : !ctx.sequence && r.nextInt(200) == 0;
        if (lock) legacy.add(0xF0);
        if (seg != 0) legacy.add(seg);
        if (addr32) legacy.add(0x67);
        if (osize) legacy.add(0x66);
        if (rep != 0) legacy.add(rep);
        if (r.nextInt(20) == 0 && memLike && seg == 0) legacy.add(0x26 + 8 * r.nextInt(4)); // ES/CS/SS/DS: null in 64-bit mode
        shuffle(r, legacy);
        int mandatory = s.vex() ? 0 : s.prefixByte(); // VEX carries it in VEX.pp
        int mandatoryAt = -1;
        if (mandatory != 0) {
            mandatoryAt = r.nextInt(5) == 0 ? r.nextInt(legacy.size() + 1) : legacy.size();
            legacy.add(mandatoryAt, mandatory);
        }
        // Prefix noise: a REX before a legacy prefix is ignored; a repeated 66 or null segment prefix changes nothing.
        boolean noise = !ctx.sequence;
        if (noise && !legacy.isEmpty() && r.nextInt(30) == 0) legacy.add(r.nextInt(legacy.size()), 0x40 | r.nextInt(16));
        if (noise && osize && r.nextInt(30) == 0) legacy.add(r.nextInt(legacy.size() + 1), 0x66);

        Target target = null;
        if (memLike) {
            int off;
            int misaligned = ctx.sequence ? 20 : 5;
            if (kind == Kind.XSAVE) off = 64 * r.nextInt(DiffCase.WINDOW / 64) + (r.nextInt(10) == 0 ? 16 * r.nextInt(4) : 0);
            else if (kind == Kind.CMPXCHG_WIDE || r.nextInt(misaligned) != 0) off = 16 * (1 + r.nextInt((DiffCase.WINDOW - 48) / 16));
            else off = 16 + r.nextInt(DiffCase.WINDOW - 48);
            // Now and then the read-only page (writes fault) or the unmapped one (everything faults):
            // a faulting instruction must leave registers and memory as they were.
            int page = ctx.sequence || kind == Kind.STRING ? 2 : r.nextInt(40);
            if (page == 0) off += (int) (DiffCase.READ_ONLY - DiffCase.DATA) + (r.nextInt(16) == 0 ? 0xFF8 - off : 0);
            if (page == 1) off += (int) (DiffCase.UNMAPPED - DiffCase.DATA);
            target = new Target(off, segBase);
        }

        // ---- encode
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int p : legacy) b.write(p);
        int rexAt = b.size();
        int rexByte = 0x40 | (rexW ? 8 : 0);
        if (f.modrm) {
            rexByte |= (regField & 8) >> 1;
            if (!mem) rexByte |= (rmField & 8) >> 3;
        } else if (f.regInOpcode) {
            rexByte |= (opReg & 8) >> 3;
        }
        if (s.vex()) {
            b.write(0); // VEX placeholder: three bytes, replaced below by the two- or three-byte form
            b.write(0);
            b.write(0);
        } else {
            b.write(0); // REX placeholder, removed below if no REX
            if (s.map >= Catalogue.MAP_0F) b.write(0x0F);
            if (s.map == Catalogue.MAP_0F38) b.write(0x38);
            if (s.map == Catalogue.MAP_0F3A) b.write(0x3A);
        }
        b.write(f.regInOpcode ? e.opcode() | (opReg & 7) : e.opcode());
        int dispAt = -1, dispSize = 0;
        long ripTarget = 0;
        if (f.modrm) {
            if (!mem) {
                b.write(0xC0 | (regField & 7) << 3 | (rmField & 7));
            } else {
                if (kind == Kind.BT_REG_OFFSET) ctx.avoid = regField;
                if (kind == Kind.XSAVE) { // EDX:EAX is the component mask: it cannot address memory as well
                    ctx.avoid = Reg.RAX;
                    ctx.avoidToo = Reg.RDX;
                }
                int[] enc = f.vsib ? vsibOperand(c, r, ctx, target, addr32, s, regField, vvvv)
                        : memoryOperand(c, r, ctx, target, addr32, rexAllowed || rex);
                // enc: modrm(without reg), sib or -1, dispSize, disp (low 32), rexXB bits, ripRelative flag
                b.write(enc[0] | (regField & 7) << 3);
                if (enc[1] >= 0) b.write(enc[1]);
                rexByte |= enc[4];
                dispAt = b.size();
                dispSize = enc[2];
                for (int k = 0; k < dispSize; k++) b.write(enc[3] >>> (8 * k));
                if (enc[5] != 0) ripTarget = target.ea();
                else dispAt = -1;
            }
        }
        // immediates
        int adsize = addr32 ? 4 : 8;
        writeImm(b, r, f.imm1, size, adsize, target, kind, s);
        writeImm(b, r, f.imm2, size, adsize, target, kind, s);
        byte[] insn = b.toByteArray();
        if ((rexByte & 0xF) != 0) rex = true;
        if (s.vex()) {
            byte[] v = vexPrefix(r, s, rexByte & 7, vexW, vvvv, vexL);
            byte[] t = new byte[insn.length - 3 + v.length];
            System.arraycopy(insn, 0, t, 0, rexAt);
            System.arraycopy(v, 0, t, rexAt, v.length);
            System.arraycopy(insn, rexAt + 3, t, rexAt + v.length, insn.length - rexAt - 3);
            insn = t;
            if (dispAt > rexAt) dispAt -= 3 - v.length;
        } else if (rex) {
            insn[rexAt] = (byte) rexByte;
        } else {
            byte[] t = new byte[insn.length - 1];
            System.arraycopy(insn, 0, t, 0, rexAt);
            System.arraycopy(insn, rexAt + 1, t, rexAt, insn.length - rexAt - 1);
            insn = t;
            if (dispAt > rexAt) dispAt--;
        }

        // ---- implicit operands and set-up (may add helper instructions before insn)
        setUp(c, r, e, ctx, code, target, addr32, rep, regField, rmField, vvvv, mem, rex, insn);

        long next = c.codeAddr + code.size() + insn.length;
        if (dispAt >= 0) {
            long disp = ripTarget - next;
            for (int k = 0; k < 4; k++) insn[dispAt + k] = (byte) (disp >>> (8 * k));
        }
        c.entries.add(e);
        if (Differ.APPROXIMATE.contains(s.mnemonic())) c.approximateReg = regField;
        code.add(insn, insn, false);
    }

    /**
     * The VEX prefix (SDM Vol. 2A 2.3.5): the two-byte C5 form when it can say everything (map 0F,
     * W0, no X or B), half of those times; else C4 with R, X, B, the map and W. R, X, B and vvvv
     * are stored inverted.
     */
    private static byte[] vexPrefix(SplittableRandom r, Shape s, int rxb, int w, int vvvv, int l) {
        int lpp = l << 2 | s.prefix;
        int inv = (~vvvv & 15) << 3;
        if (s.map == Catalogue.MAP_0F && w == 0 && (rxb & 3) == 0 && r.nextBoolean()) {
            return new byte[] {(byte) 0xC5, (byte) ((~rxb & 4) << 5 | inv | lpp)};
        }
        int mmmmm = s.map == Catalogue.MAP_0F ? 1 : s.map == Catalogue.MAP_0F38 ? 2 : 3;
        return new byte[] {(byte) 0xC4, (byte) ((~rxb & 7) << 5 | mmmmm), (byte) (w << 7 | inv | lpp)};
    }

    /** Whether VEX.vvvv names a general-purpose register (B operands) rather than an XMM/YMM one (H). */
    private static boolean vvvvIsGpr(Shape s) {
        for (String o : s.operands()) if (o.charAt(0) == 'B') return true;
        return false;
    }

    private static void shuffle(SplittableRandom r, List<Integer> l) {
        for (int k = l.size() - 1; k > 0; k--) {
            int j = r.nextInt(k + 1);
            Integer t = l.get(k);
            l.set(k, l.get(j));
            l.set(j, t);
        }
    }

    /**
     * Chooses an addressing form for target and sets the registers it uses. Returns {mod|rm bits
     * of ModRM, SIB or -1, displacement size, displacement, REX.X|REX.B bits, 1 if RIP-relative}.
     */
    private int[] memoryOperand(DiffCase c, SplittableRandom r, Ctx ctx, Target t, boolean addr32, boolean rexOk) {
        long ea = t.ea();
        int form = r.nextInt(ctx.sequence ? 5 : 6);
        if (ctx.sequence) {
            if (!rexOk && (form == 1 || form == 2)) form = 0; // the index register needs REX.X
            // 0: [base+disp] 1: [base+index*s+disp] 2: [index*s+disp32] 3: absolute 4: RIP-relative
            switch (form) {
                case 0 -> {
                    return baseDisp(r, ctx.base, ea - ctx.baseValue, r.nextBoolean());
                }
                case 1 -> {
                    int scale = r.nextInt(4);
                    return baseIndex(r, ctx.base, ctx.index, scale, ea - ctx.baseValue - (ctx.indexValue << scale));
                }
                case 2 -> {
                    int scale = r.nextInt(4);
                    return noBase(ctx.index, scale, ea - (ctx.indexValue << scale));
                }
                case 3 -> {
                    return new int[] {0x04, 0x25, 4, (int) ea, 0, 0};
                }
                default -> {
                    return new int[] {0x05, -1, 4, 0, 0, 1};
                }
            }
        }
        int n = rexOk ? 16 : 8;
        switch (form) {
            case 0, 1 -> { // [base + disp]
                int base;
                do base = r.nextInt(n); while (base == ctx.avoid || base == ctx.avoidToo);
                int dkind = r.nextInt(3);
                long disp = dkind == 0 ? 0 : dkind == 1 ? (byte) r.nextInt() : r.nextInt();
                if (base == Reg.RSP) { // RSP stays in the window: stack instructions use it too
                    long sp = stackPointer(r);
                    disp = ea - sp;
                    c.gpr[Reg.RSP] = sp;
                    ctx.pinned[Reg.RSP] = true;
                    return baseDisp(r, base, disp, disp != (byte) disp);
                }
                setAddress(c, r, ctx, base, ea - disp, addr32);
                return baseDisp(r, base, disp, dkind == 2);
            }
            case 2, 3 -> { // [base + index*scale + disp]
                int base;
                do base = r.nextInt(n); while (base == ctx.avoid || base == ctx.avoidToo);
                int index;
                do index = r.nextInt(n); while (index == Reg.RSP || index == ctx.avoid || index == ctx.avoidToo);
                int scale = r.nextInt(4);
                int dkind = r.nextInt(3);
                long disp = dkind == 0 ? 0 : dkind == 1 ? (byte) r.nextInt() : r.nextInt();
                if (base == Reg.RSP) {
                    long sp = stackPointer(r), iv = r.nextInt(64);
                    disp = ea - sp - (iv << scale);
                    c.gpr[Reg.RSP] = sp;
                    c.gpr[index] = addr32 ? iv | (r.nextLong() << 32) : iv;
                    ctx.pinned[Reg.RSP] = ctx.pinned[index] = true;
                } else if (base == index) {
                    long x = ea - disp; // v * (1 + 2^scale) = x
                    if (scale == 0) {
                        if ((x & 1) != 0) { disp += 1; x -= 1; }
                        setAddress(c, r, ctx, base, (x >>> 1) | (r.nextBoolean() ? Long.MIN_VALUE : 0), addr32);
                    } else {
                        setAddress(c, r, ctx, base, x * inverse(1 + (1L << scale)), addr32);
                    }
                } else {
                    long iv = Values.integer(r);
                    c.gpr[index] = iv;
                    ctx.pinned[index] = true;
                    setAddress(c, r, ctx, base, ea - disp - (iv << scale), addr32);
                }
                return baseIndex(r, base, index, scale, disp);
            }
            case 4 -> { // [index*scale + disp32]
                int index;
                do index = r.nextInt(n); while (index == Reg.RSP || index == ctx.avoid || index == ctx.avoidToo);
                int scale = r.nextInt(4);
                long disp = r.nextInt(1 << 20) - (1 << 19);
                disp = (disp & ~((1L << scale) - 1)) | (ea & ((1L << scale) - 1));
                long iv = (ea - disp) >>> scale;
                if (scale > 0) iv |= r.nextLong() << (64 - scale);
                c.gpr[index] = addr32 ? (iv & 0xFFFF_FFFFL) | (r.nextLong() << 32) : iv;
                ctx.pinned[index] = true;
                return noBase(index, scale, disp);
            }
            default -> {
                if (r.nextBoolean()) return new int[] {0x04, 0x25, 4, (int) ea, 0, 0}; // absolute disp32
                return new int[] {0x05, -1, 4, 0, 0, 1}; // RIP-relative
            }
        }
    }

    /**
     * A VSIB operand (gathers, single-instruction cases only): an index register (sometimes the
     * destination's or the mask's: #UD), a scale, a base GPR or none, a displacement, and index
     * elements that each point into the data window (now and then into the read-only or the
     * unmapped page, where a gather stops part way), with a mask register of random top bits.
     * Returns what {@link #memoryOperand} returns.
     */
    private int[] vsibOperand(DiffCase c, SplittableRandom r, Ctx ctx, Target t, boolean addr32, Shape s, int dest, int mask) {
        String m = s.mnemonic();
        String kind = m.substring(m.indexOf("gather") + 6); // dd, dq, qd, qq, dps, dpd, qps, qpd
        int indexSize = kind.charAt(0) == 'd' ? 4 : 8;
        int dataSize = kind.endsWith("d") && !kind.endsWith("pd") || kind.endsWith("ps") ? 4 : 8;
        int index;
        do index = r.nextInt(16); while ((index == dest || index == mask) && r.nextInt(30) != 0);
        int scale = r.nextInt(4);
        boolean hasBase = r.nextInt(5) != 0;
        int base = hasBase ? r.nextInt(16) : -1;
        long windowEa = DiffCase.DATA - t.segBase();
        long origin = r.nextBoolean() ? 0 : 256; // indexes are relative to this offset in the window: some negative
        long disp = switch (r.nextInt(3)) {
            case 0 -> 0;
            case 1 -> (byte) r.nextInt();
            default -> r.nextInt(1 << 20) - (1 << 19);
        };
        if (!hasBase) disp = windowEa + origin;
        else {
            long b = windowEa + origin - disp;
            c.gpr[base] = addr32 ? (b & 0xFFFF_FFFFL) | (r.nextLong() << 32) : b;
            ctx.pinned[base] = true;
        }
        // Index elements (the whole register, so elements past the gathered ones are arbitrary offsets too).
        int elements = 32 / indexSize;
        for (int j = 0; j < elements; j++) {
            int off = r.nextInt(DiffCase.WINDOW - 8) & -(1 << scale) & (r.nextInt(4) == 0 ? -1 : -dataSize);
            int page = r.nextInt(24);
            if (page == 0) off += (int) (DiffCase.READ_ONLY - DiffCase.DATA);
            if (page == 1) off += (int) (DiffCase.UNMAPPED - DiffCase.DATA);
            long idx = (off - origin) >> scale;
            int q = indexSize == 8 ? j : j >> 1;
            long[] half = q < 2 ? c.xmm : c.ymmHi;
            int at = 2 * index + (q & 1);
            if (indexSize == 8) half[at] = idx;
            else half[at] = half[at] & ~(0xFFFF_FFFFL << (32 * (j & 1))) | (idx & 0xFFFF_FFFFL) << (32 * (j & 1));
        }
        // The mask: all elements, or random ones (its other bits stay random: only the top bits count).
        if (r.nextInt(3) == 0) {
            for (int k = 0; k < 2; k++) c.xmm[2 * mask + k] = c.ymmHi[2 * mask + k] = -1L;
        }
        return hasBase ? baseIndex(r, base, index, scale, disp) : noBase(index, scale, disp);
    }

    /**
     * Random addresses may be non-canonical, where the host raises #GP or #SS (Cpu.run classifies
     * them the same way). -Djvisor.diff.noncanonical=false keeps generated addresses canonical.
     */
    static final boolean NONCANONICAL = Boolean.parseBoolean(System.getProperty("jvisor.diff.noncanonical", "true"));

    static long canonical(long v) {
        return NONCANONICAL ? v : v << 16 >> 16;
    }

    /**
     * A random pointer (mostly to nothing). Never into the native runner's own image (static, at
     * 0x400000: readable there, unmapped in the emulator), the one place where such a pointer
     * would find memory natively but not in the emulator.
     */
    static long wildPointer(SplittableRandom r) {
        while (true) {
            long p = canonical(Values.integer(r));
            if (Long.compareUnsigned(p, RUNNER_IMAGE_END) >= 0 || Long.compareUnsigned(p + 0x1000, RUNNER_IMAGE) < 0) return p;
        }
    }

    /** Where the native runner's static image lies (text, data, bss), with room to grow. */
    private static final long RUNNER_IMAGE = 0x40_0000L, RUNNER_IMAGE_END = 0x100_0000L;

    /** A stack pointer in the upper part of the window. */
    static long stackPointer(SplittableRandom r) {
        return DiffCase.DATA + 320 + 8 * r.nextInt(17) + (r.nextInt(8) == 0 ? r.nextInt(8) : 0);
    }

    /** Multiplicative inverse of an odd number modulo 2^64 (Newton). */
    private static long inverse(long a) {
        long x = a;
        for (int k = 0; k < 6; k++) x *= 2 - a * x;
        return x;
    }

    private static void setAddress(DiffCase c, SplittableRandom r, Ctx ctx, int reg, long value, boolean addr32) {
        c.gpr[reg] = addr32 ? (value & 0xFFFF_FFFFL) | (r.nextLong() << 32) : value;
        ctx.pinned[reg] = true;
    }

    private static int[] baseDisp(SplittableRandom r, int base, long disp, boolean wide) {
        boolean d8 = !wide && disp == (byte) disp;
        boolean d0 = d8 && disp == 0 && (base & 7) != 5 && r.nextBoolean();
        int mod = d0 ? 0 : d8 ? 1 : 2;
        int dsize = d0 ? 0 : d8 ? 1 : 4;
        int rexb = (base & 8) >> 3;
        if ((base & 7) == 4) { // RSP/R12 as base needs a SIB (index none)
            return new int[] {mod << 6 | 4, 0x24, dsize, (int) disp, rexb, 0};
        }
        return new int[] {mod << 6 | (base & 7), -1, dsize, (int) disp, rexb, 0};
    }

    private static int[] baseIndex(SplittableRandom r, int base, int index, int scale, long disp) {
        boolean d8 = disp == (byte) disp && r.nextInt(4) != 0;
        boolean d0 = disp == 0 && (base & 7) != 5 && r.nextBoolean();
        int mod = d0 ? 0 : d8 ? 1 : 2;
        int dsize = d0 ? 0 : d8 ? 1 : 4;
        int sib = scale << 6 | (index & 7) << 3 | (base & 7);
        return new int[] {mod << 6 | 4, sib, dsize, (int) disp, (index & 8) >> 2 | (base & 8) >> 3, 0};
    }

    private static int[] noBase(int index, int scale, long disp) {
        int sib = scale << 6 | (index & 7) << 3 | 5;
        return new int[] {0x04, sib, 4, (int) disp, (index & 8) >> 2, 0};
    }

    private static void writeImm(ByteArrayOutputStream b, SplittableRandom r, Form.Imm kind, int size, int adsize,
            Target t, Kind k, Shape s) {
        int n;
        long v;
        switch (kind) {
            case NONE, JB, JZ -> { return; }
            case B -> {
                n = 1;
                v = r.nextBoolean() ? Values.count(r) : Values.integer(r);
                if (s.mnemonic().equals("enter")) v = r.nextInt(4) == 0 ? r.nextInt(32) : r.nextInt(4);
            }
            case W -> {
                n = 2;
                v = Values.integer(r);
            }
            case D -> {
                n = 4;
                v = Values.integer(r);
            }
            case Z -> {
                n = size == 2 ? 2 : 4;
                v = Values.integer(r);
            }
            case V -> {
                n = size;
                v = Values.integer(r);
            }
            default -> { // MOFFS: the absolute address
                n = adsize;
                v = t.ea();
            }
        }
        for (int k2 = 0; k2 < n; k2++) b.write((int) (v >>> (8 * k2)));
    }

    // ================================================================== implicit operands

    /** Value of a register field as the instruction reads it (byte operands without REX: AH..BH). */
    private static long regValue(DiffCase c, int n, int size, boolean byteOperand, boolean rex) {
        long v;
        if (byteOperand && !rex && n >= 4 && n < 8) v = c.gpr[n - 4] >>> 8;
        else v = c.gpr[n];
        return size == 8 ? v : v & ((1L << (8 * size)) - 1);
    }

    private void setUp(DiffCase c, SplittableRandom r, Entry e, Ctx ctx, Code code, Target t, boolean addr32, int rep,
            int regField, int rmField, int vvvv, boolean mem, boolean rex, byte[] insn) {
        Shape s = e.shape();
        int size = e.opsize();
        if (!ctx.sequence && !ctx.pinned[Reg.RSP]) {
            c.gpr[Reg.RSP] = stackPointer(r);
            // Sometimes a stack in the read-only or the unmapped page: pushes (or all accesses) fault.
            // (Not for POPF: its value must stay free of TF and AC, so it comes from the window.)
            int k = s.kind == Kind.POPF ? -1 : r.nextInt(40);
            if (k == 0) c.gpr[Reg.RSP] = DiffCase.READ_ONLY + 0x800 + 8 * r.nextInt(64);
            if (k == 1) c.gpr[Reg.RSP] = DiffCase.UNMAPPED + 0x800;
        }
        switch (s.kind) {
            case STRING -> string(c, r, ctx, code, s, size, t, addr32, rep);
            case ENTER_LEAVE -> {
                if (!ctx.pinned[Reg.RBP]) {
                    c.gpr[Reg.RBP] = switch (r.nextInt(20)) {
                        case 0 -> DiffCase.READ_ONLY + 0x800 + 8 * r.nextInt(64); // LEAVE reads it; ENTER copies from it
                        case 1 -> wildPointer(r); // most likely faults
                        default -> DiffCase.DATA + 256 + 8 * r.nextInt(31) + (r.nextInt(8) == 0 ? r.nextInt(8) : 0);
                    };
                }
            }
            case POPF -> {
                int off = (int) (c.gpr[Reg.RSP] - DiffCase.DATA);
                long v = c.readWindow(off, 8) & ~((1L << 8) | (1L << 14) | (1L << 18));
                c.writeWindow(off, 8, v);
            }
            case DIV -> divide(c, r, ctx, code, s, size, t, rmField, mem, rex);
            case BT_REG_OFFSET -> {
                if (!mem) break;
                int reg = regField;
                if (ctx.fixed(reg) && !ctx.sequence) break;
                int bits = size * 8;
                // The accessed unit stays in the target's page (in the window if the target is there).
                int pageStart = t.offset() & ~0xFFF, pageEnd = t.inWindow() ? DiffCase.WINDOW : pageStart + 0x1000;
                int lo = -((t.offset() - pageStart) / size), hi = (pageEnd - size - t.offset()) / size;
                long k = (long) (lo + r.nextInt(hi - lo + 1)) * bits + r.nextInt(bits);
                if (ctx.sequence) {
                    helper(code, movImm32(reg, (int) k), c);
                    if (size == 8 && k < 0) helper(code, movsxd(reg), c);
                } else {
                    long garbage = size == 8 ? 0 : r.nextLong() & ~((1L << bits) - 1);
                    c.gpr[reg] = (k & (size == 8 ? -1L : (1L << bits) - 1)) | garbage;
                }
            }
            case STORE_AT_RDI -> {
                // Never a random RDI: the host runner's own pages (its data, the RWX code area) are
                // writable natively but not in the emulator's layout.
                if (ctx.sequence) helper(code, lea(Reg.RDI, ctx.base, t.ea() - ctx.baseValue), c);
                else c.gpr[Reg.RDI] = addr32 ? (t.ea() & 0xFFFF_FFFFL) | (r.nextLong() << 32) : t.ea();
            }
            case XSAVE -> {
                // RFBM = XCR0 & EDX:EAX: only x87, SSE, AVX (the host's XCR0 has more); the upper halves of RAX, RDX are ignored.
                if (!ctx.fixed(Reg.RAX)) c.gpr[Reg.RAX] = r.nextInt(8) | r.nextLong() << 32;
                if (!ctx.fixed(Reg.RDX)) c.gpr[Reg.RDX] = r.nextInt(8) == 0 ? r.nextLong() & ~0xFFFF_FFFFL : r.nextLong();
            }
            case BIT_FIELD_CONTROL -> {
                if (ctx.fixed(vvvv) || r.nextInt(5) == 0) break; // else a random value: mostly out of range
                int start = r.nextInt(72), len = r.nextInt(72);
                long ctl = s.mnemonic().equals("bextr") ? start | len << 8 : start;
                if (ctx.sequence) helper(code, movImm32(vvvv, (int) ctl), c);
                else c.gpr[vvvv] = ctl | (r.nextBoolean() ? r.nextLong() << 16 : 0);
            }
            case SHIFT_CL -> {
                if (!ctx.fixed(Reg.RCX)) c.gpr[Reg.RCX] = (c.gpr[Reg.RCX] & ~0xFFL) | Values.count(r);
            }
            case CMPXCHG -> {
                if (ctx.sequence || ctx.fixed(Reg.RAX) || r.nextBoolean() || mem && !t.inWindow()) break;
                long d = mem ? c.readWindow(t.offset(), size) : regValue(c, rmField, size, size == 1, rex);
                long m = size == 8 ? -1L : (1L << (8 * size)) - 1;
                c.gpr[Reg.RAX] = (c.gpr[Reg.RAX] & ~m) | (d & m);
            }
            case CMPXCHG_WIDE -> {
                if (ctx.sequence || ctx.fixed(Reg.RAX) || ctx.fixed(Reg.RDX) || r.nextBoolean() || !t.inWindow()) break;
                if (size == 8) {
                    c.gpr[Reg.RAX] = c.readWindow(t.offset(), 8);
                    c.gpr[Reg.RDX] = c.readWindow(t.offset() + 8, 8);
                } else {
                    c.gpr[Reg.RAX] = (c.gpr[Reg.RAX] & ~0xFFFF_FFFFL) | c.readWindow(t.offset(), 4);
                    c.gpr[Reg.RDX] = (c.gpr[Reg.RDX] & ~0xFFFF_FFFFL) | c.readWindow(t.offset() + 4, 4);
                }
            }
            case LDMXCSR -> {
                if (r.nextInt(4) != 0 && t.inWindow()) {
                    int m = Values.mxcsr(r) | (r.nextInt(4) == 0 ? r.nextInt(64) : 0);
                    c.writeWindow(t.offset(), 4, m);
                } else if (!NonIntelHost.INTEL && t.inWindow() && (c.readWindow(t.offset(), 4) >>> 16) == 2) {
                    // Bit 17 as the only reserved bit: an AMD CPU loads it (MXCSR.MM, the misaligned
                    // exception mask of its misaligned SSE mode) where Intel and jvisor raise #GP.
                    // Another reserved bit keeps the case a #GP on both.
                    c.writeWindow(t.offset() + 2, 1, 6);
                }
            }
            default -> { }
        }
    }

    private void string(DiffCase c, SplittableRandom r, Ctx ctx, Code code, Shape s, int size, Target t, boolean addr32, int rep) {
        String m = s.mnemonic();
        int src = 80 + r.nextInt(DiffCase.WINDOW - 160), dst = 80 + r.nextInt(DiffCase.WINDOW - 160);
        if (r.nextInt(3) != 0) { src &= ~7; dst &= ~7; }
        int count = r.nextInt(10);
        long rsi = DiffCase.DATA + src - t.segBase(), rdi = DiffCase.DATA + dst;
        if (ctx.sequence) {
            helper(code, lea(Reg.RSI, ctx.base, rsi - ctx.baseValue), c);
            helper(code, lea(Reg.RDI, ctx.base, rdi - ctx.baseValue), c);
            if (rep != 0) helper(code, movImm32(Reg.RCX, count), c);
        } else {
            c.gpr[Reg.RSI] = addr32 ? (rsi & 0xFFFF_FFFFL) | (r.nextLong() << 32) : rsi;
            c.gpr[Reg.RDI] = addr32 ? (rdi & 0xFFFF_FFFFL) | (r.nextLong() << 32) : rdi;
            if (rep != 0) c.gpr[Reg.RCX] = addr32 ? count | (r.nextLong() << 32) : count;
        }
        // Matching elements, so that REPE runs on and REPNE stops.
        if ((m.startsWith("cmps") || m.startsWith("scas")) && r.nextBoolean()) {
            int n = Math.min(count + 1, 10);
            int stop = r.nextInt(n + 1);
            int step = (c.rflags & 0x400) != 0 && !ctx.sequence ? -size : size;
            long acc = c.gpr[Reg.RAX];
            for (int k = 0; k < n; k++) {
                int d = dst + k * step;
                if (d < 0 || d + size > DiffCase.WINDOW) break;
                long v = m.startsWith("cmps") ? readSafe(c, src + k * step, size) : acc;
                if (k == stop) v ^= 1L << r.nextInt(size * 8);
                c.writeWindow(d, size, v);
            }
        }
    }

    private static long readSafe(DiffCase c, int off, int size) {
        return off >= 0 && off + size <= DiffCase.WINDOW ? c.readWindow(off, size) : 0;
    }

    private void divide(DiffCase c, SplittableRandom r, Ctx ctx, Code code, Shape s, int size, Target t, int rmField,
            boolean mem, boolean rex) {
        boolean signed = s.mnemonic().equals("idiv");
        if (ctx.sequence) {
            if (r.nextInt(10) < 7) {
                if (!signed) helper(code, size == 1 ? new byte[] {0x0F, (byte) 0xB6, (byte) 0xC0} : new byte[] {0x31, (byte) 0xD2}, c);
                else helper(code, switch (size) {
                    case 1 -> new byte[] {0x66, (byte) 0x98};
                    case 2 -> new byte[] {0x66, (byte) 0x99};
                    case 4 -> new byte[] {(byte) 0x99};
                    default -> new byte[] {0x48, (byte) 0x99};
                }, c);
            }
            return;
        }
        if (r.nextInt(5) == 0 || ctx.fixed(Reg.RAX) || ctx.fixed(Reg.RDX) || mem && !t.inWindow()) return; // #DE likely
        long m = size == 8 ? -1L : (1L << (8 * size)) - 1;
        if (size == 1) {
            if (!mem && physical(rmField, true, rex) == Reg.RAX) return;
            long d = mem ? c.readWindow(t.offset(), 1) : regValue(c, rmField, 1, true, rex);
            long al = c.gpr[Reg.RAX] & 0xFF;
            long ah;
            if (signed) ah = (al & 0x80) != 0 ? 0xFF : 0;
            else ah = d == 0 ? 0 : r.nextLong(d);
            c.gpr[Reg.RAX] = (c.gpr[Reg.RAX] & ~0xFF00L) | ah << 8;
            return;
        }
        if (!mem && (rmField == Reg.RDX || rmField == Reg.RAX)) return;
        long d = mem ? c.readWindow(t.offset(), size) : c.gpr[rmField] & m;
        long hi;
        if (signed) {
            long a = c.gpr[Reg.RAX] & m;
            boolean neg = (a & (1L << (8 * size - 1))) != 0;
            hi = neg ? m : 0;
        } else {
            hi = d == 0 ? 0 : Long.remainderUnsigned(r.nextLong() & m, d);
        }
        c.gpr[Reg.RDX] = (c.gpr[Reg.RDX] & ~m) | hi;
    }

    // ================================================================== helpers (sequence mode)

    private static void helper(Code code, byte[] bytes, DiffCase c) {
        code.add(bytes, bytes, true);
    }

    /** lea disp32(base), dst (64-bit). */
    private static byte[] lea(int dst, int base, long disp) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x48 | (dst & 8) >> 1 | (base & 8) >> 3);
        b.write(0x8D);
        b.write(0x80 | (dst & 7) << 3 | (base & 7));
        if ((base & 7) == 4) b.write(0x24);
        for (int k = 0; k < 4; k++) b.write((int) (disp >>> (8 * k)));
        return b.toByteArray();
    }

    /** mov $imm32, dst32 (zero-extends). */
    private static byte[] movImm32(int dst, int imm) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (dst >= 8) b.write(0x41);
        b.write(0xB8 | (dst & 7));
        for (int k = 0; k < 4; k++) b.write(imm >>> (8 * k));
        return b.toByteArray();
    }

    /** movslq dst32, dst64. */
    private static byte[] movsxd(int reg) {
        return new byte[] {(byte) (0x48 | (reg & 8) >> 1 | (reg & 8) >> 3), 0x63, (byte) (0xC0 | (reg & 7) << 3 | (reg & 7))};
    }
}
