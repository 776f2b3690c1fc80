package jvisor.cpu.decode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The opcode maps as data: one declarative row per opcode form, in the spirit of Bochs'
 * ia_opcodes.def. Instruction families register their rows; the decoder walks the result.
 *
 * <p>Row syntax: {@code row(opcode, syntax, handler, attributes...)}.
 * <ul>
 *   <li>opcode: hex bytes, optionally led by a mandatory prefix ({@code NP}, {@code 66},
 *       {@code F3}, {@code F2}) and followed by {@code /r} (ModRM), {@code /0}..{@code /7} (ModRM
 *       with an opcode extension in reg), {@code +r} (register in the low 3 bits), {@code +cc} (sixteen opcodes, one per
 *       condition code), and the ModRM
 *       restrictions {@code mem}, {@code reg}, {@code rm0}..{@code rm7}. Examples: {@code "01 /r"},
 *       {@code "80 /7"}, {@code "B8+r"}, {@code "66 0F 6F /r"}, {@code "0F 01 /2 reg rm0"}.</li>
 *   <li>syntax: mnemonic and operands in opcode-map notation (see {@link Form}), e.g.
 *       {@code "add Ev,Gv"}; the operands decide immediates, operand size and byte registers.</li>
 *   <li>attributes: {@code d64}, {@code f64} (size rules), {@code end} (ends a basic block),
 *       {@code lock} (LOCK allowed), {@code stack} (implicit stack access), {@code avx},
 *       {@code avx2} (the extension the form belongs to, see {@link Extensions}), {@code vsib}
 *       (the SIB index names a vector register).</li>
 * </ul>
 *
 * <p>VEX-encoded forms are written as the SDM writes them: {@code "VEX.LZ.F2.0F38 F5 /r"},
 * {@code "VEX.256.66.0F38.W0 36 /r"}: the vector length ({@code 128}/{@code L0}/{@code LZ},
 * {@code 256}/{@code L1}, {@code LIG}: ignored), the implied prefix (none, {@code 66},
 * {@code F3}, {@code F2}), the map ({@code 0F}, {@code 0F38}, {@code 0F3A}) and VEX.W
 * ({@code W0}, {@code W1}; without one, W is REX.W for the operand size of {@code y} operands,
 * or ignored). {@code NDS}, {@code NDD}, {@code DDS} may appear and mean nothing to the table:
 * the operands (B, H) say which register VEX.vvvv names.
 *
 * <p>A row is placed when it is declared (its opcode text read, see {@link Placement}), but its
 * syntax is parsed and its form made when the decoder first meets one of its opcode bytes: hello
 * world parses 171 of the 1,228 rows, and the JVM still interprets this code when
 * a guest starts. Building the table took 26-32 ms of a start with every row parsed, 16-24 ms
 * with rows parsed when met, and 9-10 ms (medians of 15, first thing in a JVM with the AOT cache)
 * since the AVX forms are placed from their legacy rows ({@link #vexRow}) and words are compared
 * by key. {@link #forms} parses all of them, and so checks the whole table.
 */
public final class OpcodeTable {
    static final int MAP_ONE = 0, MAP_0F = 1, MAP_0F38 = 2, MAP_0F3A = 3;
    static final int PFX_NONE = 0, PFX_66 = 1, PFX_F3 = 2, PFX_F2 = 3;

    /**
     * A decision point, as the decoder walks it: a leaf form, refined by mandatory prefix, then
     * VEX.L, VEX.W, ModRM.reg, ModRM.mod, ModRM.rm. Nodes are immutable, built from a
     * {@link Builder} when their opcode is first met: another vCPU's decoder may read them without
     * a lock, and final fields make that safe (JLS 17.5).
     */
    static final class Node {
        final Form form;
        final Node[] byPrefix, byReg;
        final Node[] byMod; // [0] memory, [1] register
        final Node[] byRm, byL, byW;
        private final boolean needsModrm;

        private Node(Builder b) {
            form = b.form;
            byPrefix = freeze(b.byPrefix);
            byReg = freeze(b.byReg);
            byMod = freeze(b.byMod);
            byRm = freeze(b.byRm);
            byL = freeze(b.byL);
            byW = freeze(b.byW);
            needsModrm = byReg != null || byMod != null || byRm != null || (form != null && form.modrm);
        }

        private static Node[] freeze(Builder[] builders) {
            if (builders == null) return null;
            Node[] nodes = new Node[builders.length];
            for (int i = 0; i < nodes.length; i++) {
                if (builders[i] != null) nodes[i] = new Node(builders[i]);
            }
            return nodes;
        }

        /** True if resolving this node needs the ModRM byte. */
        boolean needsModrm() {
            return needsModrm;
        }
    }

    /** A node while its rows are added. */
    private static final class Builder {
        Form form;
        Builder[] byPrefix, byReg, byMod, byRm, byL, byW;
    }

    /** A declared row, and its form once it is parsed. */
    private static final class Row {
        final Placement placement;
        final String syntax;
        final Op handler;
        final String[] attributes;
        Form form;

        Row(Placement placement, String syntax, Op handler, String[] attributes) {
            this.placement = placement;
            this.syntax = syntax;
            this.handler = handler;
            this.attributes = attributes;
        }
    }

    /** In a slot of the maps below: rows land on this opcode but are not parsed yet. */
    private static final Node UNPARSED = new Node(new Builder());

    /** The decoder's view, indexed by map and opcode byte: null where no row lands. */
    private final Node[][] maps = {new Node[256], new Node[256], new Node[256], new Node[256]};
    /** The VEX opcode maps, indexed like {@link #maps} (VEX has no one-byte map). */
    private final Node[][] vexMaps = {new Node[0], new Node[256], new Node[256], new Node[256]};
    /** The nodes as rows are added, by {@link #slot}; guarded by this. */
    private final Builder[] building = new Builder[2 * 4 * 256];
    /**
     * The rows that land on each opcode, by {@link #slot}, in declaration order (a +r or +cc row
     * lands on 8 or 16); guarded by this.
     */
    private final List<List<Row>> rowsAt = new ArrayList<>(Collections.nCopies(2 * 4 * 256, null));
    /** Every row in declaration order; guarded by this. */
    private final List<Row> rows = new ArrayList<>();

    private static int slot(boolean vex, int map, int opcode) {
        return ((vex ? 4 : 0) + map) << 8 | opcode;
    }

    /** VEX.L of a VEX form declared from a legacy row (see {@link #vexRow}): ignored (LIG), 128 or 256 bits. */
    public static final int VEX_LIG = -1, VEX_128 = 0, VEX_256 = 1;

    /** A declared legacy row, found once to declare its VEX forms ({@link #vexRow}). */
    public static final class LegacyRow {
        private final Placement placement;
        /** The legacy form's handler, which the VEX forms run on their lanes. */
        public final Op handler;

        private LegacyRow(Placement placement, Op handler) {
            this.placement = placement;
            this.handler = handler;
        }
    }

    /** The declared legacy row of an opcode text, however it is spelled (as {@link #op}). */
    public synchronized LegacyRow legacyRow(String opcode) {
        Row r = declaredLegacy(opcode);
        return new LegacyRow(r.placement, r.handler);
    }

    /**
     * Declares the VEX form of a legacy SSE row: the same map, opcode byte and ModRM refinements,
     * the legacy mandatory prefix as VEX.pp, and the given VEX.L ({@link #VEX_128},
     * {@link #VEX_256}, {@link #VEX_LIG}). The same row as declaring its opcode text, e.g.
     * {@code "VEX.128.66.0F38 00 /r"} for {@code "66 0F 38 00 /r"}, without writing and reading
     * that text (see {@link Placement#vexFormOf}).
     */
    public synchronized void vexRow(LegacyRow legacy, int vexL, String syntax, Op handler, String... attributes) {
        place(Placement.vexFormOf(legacy.placement, vexL), syntax, handler, attributes);
    }

    /** Declares one opcode form. */
    public synchronized void row(String opcode, String syntax, Op handler, String... attributes) {
        place(Placement.of(opcode), syntax, handler, attributes);
    }

    private void place(Placement p, String syntax, Op handler, String... attributes) {
        Row row = new Row(p, syntax, handler, attributes);
        rows.add(row);
        Node[] root = p.vex ? vexMaps[p.map] : maps[p.map];
        for (int b = p.opByte; b < p.opByte + p.count; b++) {
            int slot = slot(p.vex, p.map, b);
            List<Row> at = rowsAt.get(slot);
            if (at == null) rowsAt.set(slot, at = new ArrayList<>(4));
            at.add(row);
            root[b] = UNPARSED;
        }
    }

    /** The legacy opcode map's node for the opcode byte, or null for an opcode without rows. */
    Node root(int map, int opcode) {
        Node n = maps[map][opcode];
        return n != UNPARSED ? n : parse(false, map, opcode);
    }

    /** The VEX map's node for the opcode byte, or null for an opcode without rows. */
    Node vexRoot(int map, int opcode) {
        Node n = vexMaps[map][opcode];
        return n != UNPARSED ? n : parse(true, map, opcode);
    }

    /** Parses the rows that land on the opcode and publishes its node. */
    private synchronized Node parse(boolean vex, int map, int opcode) {
        Node[] root = vex ? vexMaps[map] : maps[map];
        if (root[opcode] != UNPARSED) return root[opcode]; // another vCPU was first
        int slot = slot(vex, map, opcode);
        for (Row r : rowsAt.get(slot)) {
            if (r.form == null) add(r);
        }
        Node n = new Node(building[slot]);
        root[opcode] = n;
        return n;
    }

    /** Parses a row's syntax and adds its form to the nodes of every opcode it covers. */
    private void add(Row r) {
        Placement p = r.placement;
        Form form = parseForm(r.syntax, r.handler, p.modrm, p.count == 8, p.prefix, p.vex, r.attributes);
        for (int b = p.opByte; b < p.opByte + p.count; b++) {
            int slot = slot(p.vex, p.map, b);
            Builder n = building[slot];
            if (n == null) n = building[slot] = new Builder();
            Builder opcodeNode = n;
            if (p.prefix >= 0) n = child(n.byPrefix == null ? (n.byPrefix = new Builder[4]) : n.byPrefix, p.prefix);
            if (p.vexL >= 0) n = child(n.byL == null ? (n.byL = new Builder[2]) : n.byL, p.vexL);
            if (p.vexW >= 0) n = child(n.byW == null ? (n.byW = new Builder[2]) : n.byW, p.vexW);
            if (p.regExt >= 0) n = child(n.byReg == null ? (n.byReg = new Builder[8]) : n.byReg, p.regExt);
            if (p.mod >= 0) n = child(n.byMod == null ? (n.byMod = new Builder[2]) : n.byMod, p.mod);
            if (p.rm >= 0) n = child(n.byRm == null ? (n.byRm = new Builder[8]) : n.byRm, p.rm);
            if (n.form != null) throw new IllegalStateException("opcode row declared twice: " + p.text() + " ("
                    + r.syntax + " and " + n.form.mnemonic + ")");
            n.form = form;
            // Without a prefix the decoder takes the NP row where there is one, never the prefix-less rows
            // of the same opcode: the two cannot be mixed.
            if (opcodeNode.byPrefix != null && opcodeNode.byPrefix[PFX_NONE] != null && (opcodeNode.form != null
                    || opcodeNode.byReg != null || opcodeNode.byMod != null || opcodeNode.byRm != null)) {
                throw new IllegalStateException("opcode " + p.text() + ": NP rows and rows without a prefix cannot be mixed");
            }
        }
        r.form = form;
    }

    private static Builder child(Builder[] arr, int i) {
        if (arr[i] == null) arr[i] = new Builder();
        return arr[i];
    }

    private static Form parseForm(String syntax, Op handler, boolean modrm, boolean plusR, int prefix, boolean vex,
            String[] attrs) {
        // Written as a scan over the text's characters, without split, trim or substrings per
        // operand: this runs for every row while the JVM still interprets it.
        String trimmed = syntax.trim();
        char[] text = trimmed.toCharArray();
        int n = text.length;
        int space = 0;
        while (space < n && !Character.isWhitespace(text[space])) space++;
        Form.SizeRule size = null;
        Form.Imm imm1 = Form.Imm.NONE, imm2 = Form.Imm.NONE;
        boolean byteReg = false, byteRm = false, usesVvvv = false;
        for (int pos = space; pos < n; ) {
            int comma = pos;
            while (comma < n && text[comma] != ',') comma++;
            int b = pos, e = comma; // the operand, trimmed as String.trim does
            pos = comma + 1;
            while (b < e && text[b] <= ' ') b++;
            while (e > b && text[e - 1] <= ' ') e--;
            if (b == e) continue;
            char kind = text[b];
            int szLength = e - b - 1;
            char sz0 = szLength > 0 ? text[b + 1] : 0;
            boolean szIs1 = szLength == 1;
            if ((kind == 'B' || kind == 'H') && szLength > 0) usesVvvv = true;
            Form.Imm imm = switch (kind) {
                case 'I' -> !szIs1 ? null : switch (sz0) {
                    case 'b' -> Form.Imm.B;
                    case 'w' -> Form.Imm.W;
                    case 'd' -> Form.Imm.D;
                    case 'z' -> Form.Imm.Z;
                    case 'v' -> Form.Imm.V;
                    default -> null;
                };
                case 'J' -> szIs1 && sz0 == 'b' ? Form.Imm.JB : Form.Imm.JZ;
                case 'L' -> Form.Imm.B; // a register in imm8[7:4] (VEX /is4)
                case 'O' -> Form.Imm.MOFFS;
                default -> Form.Imm.NONE;
            };
            if (imm == null) throw new IllegalArgumentException("bad immediate " + trimmed.substring(b, e) + " in " + syntax);
            if (imm != Form.Imm.NONE) {
                if (imm1 == Form.Imm.NONE) imm1 = imm; else imm2 = imm;
            }
            boolean isByte = (szIs1 && sz0 == 'b') || (szIs1 && sz0 == 'L' && (kind == 'A' || kind == 'C'));
            if ((kind == 'G' || kind == 'Z') && isByte) byteReg = true;
            if ((kind == 'E' || kind == 'R') && isByte) byteRm = true;
            // The first sized operand (other than an immediate or a vector register) decides the operand size.
            boolean vector = kind == 'V' || kind == 'W' || kind == 'U' || kind == 'H' || kind == 'L';
            if (size == null && kind != 'I' && kind != 'J' && !vector) {
                boolean accumulator = szLength == 2 && (kind == 'e' || kind == 'r') && sz0 == 'A' && text[b + 2] == 'X';
                if (isByte) size = Form.SizeRule.BYTE;
                else if (szIs1 && sz0 == 'y') size = Form.SizeRule.Y;
                else if ((szIs1 && (sz0 == 'v' || sz0 == 'z')) || accumulator) size = Form.SizeRule.V;
            }
        }
        boolean end = false, lock = false, stack = false, vsib = false;
        int extensions = 0;
        for (String a : attrs) {
            switch (a) {
                case "d64" -> size = Form.SizeRule.D64;
                case "f64" -> size = Form.SizeRule.F64;
                case "end" -> end = true;
                case "lock" -> lock = true;
                case "stack" -> stack = true;
                case "vsib" -> vsib = true;
                default -> {
                    if (Extensions.of(a) == 0) throw new IllegalArgumentException("bad attribute " + a + " in " + syntax);
                    extensions |= Extensions.of(a);
                }
            }
        }
        if (size == null) size = prefix == PFX_66 ? Form.SizeRule.Y : Form.SizeRule.V;
        if (size == Form.SizeRule.V && prefix == PFX_66) size = Form.SizeRule.Y;
        return new Form(trimmed, handler, modrm, size, imm1, imm2, plusR, end, lock, byteReg, byteRm, stack,
                vex, usesVvvv, extensions, vsib);
    }

    /**
     * The handler of a legacy (non-VEX) row declared earlier, by its opcode text as declared (e.g.
     * {@code "NP 0F 58 /r"}): the AVX families run the SSE operations of their legacy forms.
     */
    public synchronized Op op(String opcode) {
        return declaredLegacy(opcode).handler;
    }

    private Row declaredLegacy(String opcode) {
        Placement wanted = Placement.of(opcode);
        List<Row> at = wanted.vex ? null : rowsAt.get(slot(false, wanted.map, wanted.opByte));
        if (at != null) {
            for (Row r : at) {
                if (r.placement.sameNode(wanted)) return r;
            }
        }
        throw new IllegalArgumentException("no row " + opcode + " declared (yet)");
    }

    /** Every declared form, in declaration order, for listings and tests: parses every row. */
    public synchronized List<Form> forms() {
        for (int map = 0; map < 4; map++) {
            for (int b = 0; b < 256; b++) {
                if (maps[map][b] == UNPARSED) parse(false, map, b);
                if (map > 0 && vexMaps[map][b] == UNPARSED) parse(true, map, b);
            }
        }
        List<Form> forms = new ArrayList<>(rows.size());
        for (Row r : rows) forms.add(r.form);
        return List.copyOf(forms);
    }
}
