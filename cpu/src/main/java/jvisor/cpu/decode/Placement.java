package jvisor.cpu.decode;

/**
 * Where an opcode row lands in the maps, read from its opcode text (the syntax of
 * {@link OpcodeTable}): legacy or VEX, the map, the opcode byte and how many bytes it covers, and
 * the refinements by mandatory prefix, VEX.L, VEX.W, ModRM.reg, ModRM.mod and ModRM.rm (-1 where
 * the row does not refine).
 *
 * <p>Every row is placed when it is declared, while a guest starts and the JVM still interprets
 * this code, so the text is scanned in place, a character at a time, with no word split or
 * substring: splitting the opcodes into words and parsing them as numbers were half the cost of
 * declaring the table. A word is compared as a number (up to four characters, upper case, packed
 * into an int) in a switch, rather than against each candidate string in turn: the interpreter
 * pays for every call, and comparing a VEX field with its seventeen spellings one by one was a
 * sixth of the table's construction.
 */
final class Placement {
    /** The opcode text, or null for a VEX form derived from a legacy row (see {@link #vexFormOf}). */
    private final String text;
    /** The legacy row a derived VEX form comes from, else null. */
    private final Placement legacy;
    boolean vex;
    int prefix = -1;
    int map = OpcodeTable.MAP_ONE;
    int opByte;
    /** 1, or 8 for {@code +r} (a register in the low 3 bits), or 16 for {@code +cc}. */
    int count = 1;
    int vexL = -1, vexW = -1;
    int regExt = -1, mod = -1, rm = -1;
    boolean modrm;

    private final char[] chars;
    private int next, start, end; // the cursor, and the current word [start, end)

    private Placement(String text) {
        this.text = text;
        this.legacy = null;
        this.chars = text.toCharArray();
    }

    private Placement(Placement legacy) {
        this.text = null;
        this.legacy = legacy;
        this.chars = null;
    }

    /** The placement that text describes; IllegalArgumentException for text that is not an opcode. */
    static Placement of(String text) {
        Placement p = new Placement(text);
        p.parse();
        return p;
    }

    /**
     * The VEX form of a legacy SSE row, placed from the legacy one without text: the same map (0F,
     * 0F38 or 0F3A), opcode byte and ModRM refinements, the legacy mandatory prefix as VEX.pp, and
     * the given VEX.L (0, 1, or -1 where it is ignored). The AVX families declare some 400 rows so;
     * writing each as text and reading it back was a quarter of the table's construction.
     */
    static Placement vexFormOf(Placement legacy, int vexL) {
        if (legacy.vex || legacy.map == OpcodeTable.MAP_ONE || legacy.count != 1 || vexL < -1 || vexL > 1) {
            throw new IllegalArgumentException("no VEX form of opcode row \"" + legacy.text() + "\" with VEX.L " + vexL);
        }
        Placement p = new Placement(legacy);
        p.vex = true;
        p.prefix = legacy.prefix < 0 ? OpcodeTable.PFX_NONE : legacy.prefix;
        p.map = legacy.map;
        p.opByte = legacy.opByte;
        p.vexL = vexL;
        p.regExt = legacy.regExt;
        p.mod = legacy.mod;
        p.rm = legacy.rm;
        p.modrm = legacy.modrm;
        return p;
    }

    /** The opcode text as declared, or for a derived VEX form, what it was derived from (for messages). */
    String text() {
        if (text != null) return text;
        return "VEX." + (vexL == 0 ? "128" : vexL == 1 ? "256" : "LIG") + " form of " + legacy.text;
    }

    /** Whether the two rows land on the same node. */
    boolean sameNode(Placement o) {
        return vex == o.vex && prefix == o.prefix && map == o.map && opByte == o.opByte && count == o.count
                && vexL == o.vexL && vexW == o.vexW && regExt == o.regExt && mod == o.mod && rm == o.rm;
    }

    // Words as keys (see key): the spellings parse and vexFields accept.
    private static final int K_NP = 'N' << 8 | 'P', K_66 = '6' << 8 | '6', K_F3 = 'F' << 8 | '3',
            K_F2 = 'F' << 8 | '2', K_0F = '0' << 8 | 'F', K_38 = '3' << 8 | '8', K_3A = '3' << 8 | 'A',
            K_0F38 = K_0F << 16 | K_38, K_0F3A = K_0F << 16 | K_3A, K_128 = ('1' << 8 | '2') << 8 | '8',
            K_256 = ('2' << 8 | '5') << 8 | '6', K_L0 = 'L' << 8 | '0', K_LZ = 'L' << 8 | 'Z',
            K_L1 = 'L' << 8 | '1', K_LIG = ('L' << 8 | 'I') << 8 | 'G', K_W0 = 'W' << 8 | '0',
            K_W1 = 'W' << 8 | '1', K_WIG = ('W' << 8 | 'I') << 8 | 'G', K_NDS = ('N' << 8 | 'D') << 8 | 'S',
            K_NDD = ('N' << 8 | 'D') << 8 | 'D', K_DDS = ('D' << 8 | 'D') << 8 | 'S',
            K_SLASH_R = '/' << 8 | 'R', K_MEM = ('M' << 8 | 'E') << 8 | 'M', K_REG = ('R' << 8 | 'E') << 8 | 'G';

    /** The characters [from, to) as a key: up to four ASCII ones, upper case, a byte each; else -1. */
    private int key(int from, int to) {
        if (to - from > 4) return -1;
        int k = 0;
        for (int i = from; i < to; i++) {
            char c = chars[i];
            if (c > 0x7F) return -1;
            k = k << 8 | upper(c);
        }
        return k;
    }

    private void parse() {
        if (!word()) throw bad("empty opcode");
        if (end - start > 4 && wordStartsWith("VEX.")) {
            vexFields();
            if (!word()) throw bad("no opcode byte");
        } else {
            int p = switch (key(start, end)) {
                case K_NP -> OpcodeTable.PFX_NONE;
                case K_66 -> OpcodeTable.PFX_66;
                case K_F3 -> OpcodeTable.PFX_F3;
                case K_F2 -> OpcodeTable.PFX_F2;
                default -> -1;
            };
            if (p >= 0) {
                prefix = p;
                if (!word()) throw bad("no opcode byte");
            }
            if (key(start, end) == K_0F) {
                map = OpcodeTable.MAP_0F;
                if (!word()) throw bad("no opcode byte");
                // 38 and 3A escape to the three-byte maps when another opcode byte follows.
                int k = key(start, end);
                int escape = k == K_38 ? OpcodeTable.MAP_0F38 : k == K_3A ? OpcodeTable.MAP_0F3A : -1;
                if (escape >= 0) {
                    int s = start, e = end;
                    if (word() && isHexByte()) map = escape;
                    else { start = s; end = next = e; }
                }
            }
        }
        opcodeByte();
        while (word()) refinement();
        if (count > 1 && (opByte & (count - 1)) != 0) throw bad("+r or +cc not aligned to its group");
    }

    /** The dot-separated fields of the VEX word (SDM Vol. 2A 3.1.1.2). */
    private void vexFields() {
        boolean lengthGiven = false;
        for (int from = start + 4; from < end; ) {
            int dot = from;
            while (dot < end && chars[dot] != '.') dot++;
            switch (key(from, dot)) {
                case K_128, K_L0, K_LZ -> { vexL = 0; lengthGiven = true; }
                case K_256, K_L1 -> { vexL = 1; lengthGiven = true; }
                case K_LIG -> lengthGiven = true;
                case K_NP -> prefix = OpcodeTable.PFX_NONE;
                case K_66 -> prefix = OpcodeTable.PFX_66;
                case K_F3 -> prefix = OpcodeTable.PFX_F3;
                case K_F2 -> prefix = OpcodeTable.PFX_F2;
                case K_0F -> map = OpcodeTable.MAP_0F;
                case K_0F38 -> map = OpcodeTable.MAP_0F38;
                case K_0F3A -> map = OpcodeTable.MAP_0F3A;
                case K_W0 -> vexW = 0;
                case K_W1 -> vexW = 1;
                case K_WIG, K_NDS, K_NDD, K_DDS -> { }
                default -> throw bad("bad VEX field " + new String(chars, from, dot - from));
            }
            from = dot + 1;
        }
        vex = true;
        if (prefix < 0) prefix = OpcodeTable.PFX_NONE;
        if (map == OpcodeTable.MAP_ONE || !lengthGiven) throw bad("VEX row without map or length");
    }

    private void opcodeByte() {
        if (!isHexByte()) throw bad("bad opcode byte " + new String(chars, start, end - start));
        opByte = hex(chars[start]) << 4 | hex(chars[start + 1]);
        if (end - start == 4) count = 8;
        else if (end - start == 5) count = 16;
    }

    private void refinement() {
        int k = key(start, end);
        if (k == K_SLASH_R) modrm = true;
        else if (end - start == 2 && chars[start] == '/' && isOctal(chars[start + 1])) {
            modrm = true;
            regExt = chars[start + 1] - '0';
        } else if (k == K_MEM) { modrm = true; mod = 0; }
        else if (k == K_REG) { modrm = true; mod = 1; }
        else if (end - start == 3 && wordStartsWith("RM") && isOctal(chars[start + 2])) {
            modrm = true;
            rm = chars[start + 2] - '0';
        } else {
            throw bad("bad opcode token " + new String(chars, start, end - start));
        }
    }

    /** Moves to the next word; false at the end of the text. */
    private boolean word() {
        int n = chars.length;
        int i = next;
        while (i < n && chars[i] <= ' ') i++;
        start = i;
        while (i < n && chars[i] > ' ') i++;
        end = next = i;
        return start < end;
    }

    private boolean wordStartsWith(String w) {
        return end - start >= w.length() && matches(start, w);
    }

    /** Whether the text at from starts with w (upper case), ignoring the case of the text. */
    private boolean matches(int from, String w) {
        for (int k = 0; k < w.length(); k++) {
            if (upper(chars[from + k]) != w.charAt(k)) return false;
        }
        return true;
    }

    /** Two hex digits, optionally followed by +R or +CC. */
    private boolean isHexByte() {
        int length = end - start;
        if (length < 2 || hex(chars[start]) < 0 || hex(chars[start + 1]) < 0) return false;
        return length == 2 || length == 4 && matches(start + 2, "+R") || length == 5 && matches(start + 2, "+CC");
    }

    /** The value of a hex digit (either case), or -1: Character.digit's answer for ASCII, without its calls. */
    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        char u = upper(c);
        return u >= 'A' && u <= 'F' ? u - 'A' + 10 : -1;
    }

    private static char upper(char c) {
        return c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c;
    }

    /** A register number of ModRM: 0 to 7. */
    private static boolean isOctal(char c) {
        return c >= '0' && c <= '7';
    }

    private IllegalArgumentException bad(String what) {
        return new IllegalArgumentException(what + " in opcode row \"" + text() + "\"");
    }
}
