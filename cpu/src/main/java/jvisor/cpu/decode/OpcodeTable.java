package jvisor.cpu.decode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

import jvisor.mmu.Words;

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
 */
public final class OpcodeTable {
    static final int MAP_ONE = 0, MAP_0F = 1, MAP_0F38 = 2, MAP_0F3A = 3;
    static final int PFX_NONE = 0, PFX_66 = 1, PFX_F3 = 2, PFX_F2 = 3;

    /** A decision point: a leaf form, refined by mandatory prefix, then ModRM.reg, ModRM.mod, ModRM.rm. */
    static final class Node {
        Form form;
        Node[] byPrefix;
        Node[] byReg;
        Node[] byMod; // [0] memory, [1] register
        Node[] byRm;
        Node[] byL; // VEX.L
        Node[] byW; // VEX.W

        /** True if resolving this node needs the ModRM byte. */
        boolean needsModrm() {
            return byReg != null || byMod != null || byRm != null || (form != null && form.modrm);
        }
    }

    final Node[][] maps = {new Node[256], new Node[256], new Node[256], new Node[256]};
    /** The VEX opcode maps, indexed like {@link #maps} (VEX has no one-byte map). */
    final Node[][] vexMaps = {new Node[0], new Node[256], new Node[256], new Node[256]};
    private final List<Form> forms = new ArrayList<>();
    /** Every declared legacy row by its opcode text (upper case, single spaces), for {@link #op}. */
    private final Map<String, Form> byOpcode = new HashMap<>();

    /** Declares one opcode form. */
    public void row(String opcode, String syntax, Op handler, String... attributes) {
        String upper = opcode.toUpperCase(Locale.ROOT);
        String[] tokens = Words.of(upper);
        int t = 0;
        int prefix = -1;
        int map = MAP_ONE;
        boolean vex = tokens[0].startsWith("VEX.");
        int vexL = -1, vexW = -1;
        if (vex) {
            prefix = PFX_NONE;
            map = -1;
            boolean lengthGiven = false;
            String fields = tokens[t++];
            for (int from = 4; from <= fields.length(); ) {
                int dot = fields.indexOf('.', from);
                if (dot < 0) dot = fields.length();
                String part = fields.substring(from, dot);
                from = dot + 1;
                switch (part) {
                    case "128", "L0", "LZ" -> { vexL = 0; lengthGiven = true; }
                    case "256", "L1" -> { vexL = 1; lengthGiven = true; }
                    case "LIG" -> lengthGiven = true;
                    case "NP" -> prefix = PFX_NONE;
                    case "66" -> prefix = PFX_66;
                    case "F3" -> prefix = PFX_F3;
                    case "F2" -> prefix = PFX_F2;
                    case "0F" -> map = MAP_0F;
                    case "0F38" -> map = MAP_0F38;
                    case "0F3A" -> map = MAP_0F3A;
                    case "W0" -> vexW = 0;
                    case "W1" -> vexW = 1;
                    case "WIG", "NDS", "NDD", "DDS" -> { }
                    default -> throw new IllegalArgumentException("bad VEX field " + part + " in " + opcode);
                }
            }
            if (map < 0 || !lengthGiven) throw new IllegalArgumentException("VEX row without map or length: " + opcode);
        } else {
            switch (tokens[0]) {
                case "NP" -> { prefix = PFX_NONE; t++; }
                case "66" -> { prefix = PFX_66; t++; }
                case "F3" -> { prefix = PFX_F3; t++; }
                case "F2" -> { prefix = PFX_F2; t++; }
                default -> { }
            }
            if (tokens[t].equals("0F")) {
                map = MAP_0F;
                t++;
                if (tokens[t].equals("38") && t + 1 < tokens.length && isHexByte(tokens[t + 1])) { map = MAP_0F38; t++; }
                else if (tokens[t].equals("3A") && t + 1 < tokens.length && isHexByte(tokens[t + 1])) { map = MAP_0F3A; t++; }
            }
        }
        String opTok = tokens[t++];
        boolean plusR = opTok.endsWith("+R");
        boolean plusCc = opTok.endsWith("+CC");
        int opByte = Integer.parseInt(opTok, 0, opTok.length() - (plusR ? 2 : plusCc ? 3 : 0), 16);
        int count = plusR ? 8 : plusCc ? 16 : 1;
        int regExt = -1, mod = -1, rm = -1;
        boolean modrm = false;
        for (; t < tokens.length; t++) {
            String k = tokens[t];
            if (k.equals("/R")) modrm = true;
            else if (k.startsWith("/")) { modrm = true; regExt = Integer.parseInt(k.substring(1)); }
            else if (k.equals("MEM")) { modrm = true; mod = 0; }
            else if (k.equals("REG")) { modrm = true; mod = 1; }
            else if (k.startsWith("RM")) { modrm = true; rm = Integer.parseInt(k.substring(2)); }
            else throw new IllegalArgumentException("bad opcode token " + k + " in " + opcode);
        }
        Form form = parseForm(syntax, handler, modrm, plusR, prefix, vex, attributes);
        forms.add(form);
        if (!vex) byOpcode.put(canonical(upper, tokens), form);
        Node[] root = vex ? vexMaps[map] : maps[map];
        for (int b = opByte; b < opByte + count; b++) {
            Node n = root[b];
            if (n == null) n = root[b] = new Node();
            Node opcodeNode = n;
            if (prefix >= 0) n = child(n.byPrefix == null ? (n.byPrefix = new Node[4]) : n.byPrefix, prefix);
            if (vexL >= 0) n = child(n.byL == null ? (n.byL = new Node[2]) : n.byL, vexL);
            if (vexW >= 0) n = child(n.byW == null ? (n.byW = new Node[2]) : n.byW, vexW);
            if (regExt >= 0) n = child(n.byReg == null ? (n.byReg = new Node[8]) : n.byReg, regExt);
            if (mod >= 0) n = child(n.byMod == null ? (n.byMod = new Node[2]) : n.byMod, mod);
            if (rm >= 0) n = child(n.byRm == null ? (n.byRm = new Node[8]) : n.byRm, rm);
            if (n.form != null) throw new IllegalStateException("opcode row declared twice: " + opcode + " (" + syntax
                    + " and " + n.form.mnemonic + ")");
            n.form = form;
            // Without a prefix the decoder takes the NP row where there is one, never the prefix-less rows
            // of the same opcode: the two cannot be mixed.
            if (opcodeNode.byPrefix != null && opcodeNode.byPrefix[PFX_NONE] != null && (opcodeNode.form != null
                    || opcodeNode.byReg != null || opcodeNode.byMod != null || opcodeNode.byRm != null)) {
                throw new IllegalStateException("opcode " + opcode + ": NP rows and rows without a prefix cannot be mixed");
            }
        }
    }

    /**
     * The opcode text with its words (tokens, from upper) separated by single spaces: upper itself
     * when it is written so, as nearly every row is (a join per row was a tenth of the table's
     * cost while the JVM interprets it).
     */
    private static String canonical(String upper, String[] tokens) {
        int at = 0;
        for (int k = 0; k < tokens.length; k++) {
            at += tokens[k].length();
            if (k + 1 < tokens.length) {
                if (at >= upper.length() || upper.charAt(at) != ' ') return String.join(" ", tokens);
                at++;
            }
        }
        return at == upper.length() ? upper : String.join(" ", tokens);
    }

    private static Node child(Node[] arr, int i) {
        if (arr[i] == null) arr[i] = new Node();
        return arr[i];
    }

    /** Two upper-case hex digits, optionally followed by +R or +CC. */
    private static boolean isHexByte(String s) {
        if (s.length() < 2 || hexDigit(s.charAt(0)) < 0 || hexDigit(s.charAt(1)) < 0) return false;
        String rest = s.substring(2);
        return rest.isEmpty() || rest.equals("+R") || rest.equals("+CC");
    }

    private static int hexDigit(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
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
    public Op op(String opcode) {
        String upper = opcode.toUpperCase(Locale.ROOT);
        Form f = byOpcode.get(canonical(upper, Words.of(upper)));
        if (f == null) throw new IllegalArgumentException("no row " + opcode + " declared (yet)");
        return f.op;
    }

    /** Every declared form, for listings and tests. */
    public List<Form> forms() {
        return List.copyOf(forms);
    }
}
