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
 * declaring the table.
 */
final class Placement {
    final String text;
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
        this.chars = text.toCharArray();
    }

    /** The placement that text describes; IllegalArgumentException for text that is not an opcode. */
    static Placement of(String text) {
        Placement p = new Placement(text);
        p.parse();
        return p;
    }

    /** Whether the two rows land on the same node. */
    boolean sameNode(Placement o) {
        return vex == o.vex && prefix == o.prefix && map == o.map && opByte == o.opByte && count == o.count
                && vexL == o.vexL && vexW == o.vexW && regExt == o.regExt && mod == o.mod && rm == o.rm;
    }

    private void parse() {
        if (!word()) throw bad("empty opcode");
        if (end - start > 4 && wordStartsWith("VEX.")) {
            vexFields();
            if (!word()) throw bad("no opcode byte");
        } else {
            int p = wordIs("NP") ? OpcodeTable.PFX_NONE : wordIs("66") ? OpcodeTable.PFX_66
                    : wordIs("F3") ? OpcodeTable.PFX_F3 : wordIs("F2") ? OpcodeTable.PFX_F2 : -1;
            if (p >= 0) {
                prefix = p;
                if (!word()) throw bad("no opcode byte");
            }
            if (wordIs("0F")) {
                map = OpcodeTable.MAP_0F;
                if (!word()) throw bad("no opcode byte");
                // 38 and 3A escape to the three-byte maps when another opcode byte follows.
                int escape = wordIs("38") ? OpcodeTable.MAP_0F38 : wordIs("3A") ? OpcodeTable.MAP_0F3A : -1;
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
            if (field(from, dot, "128") || field(from, dot, "L0") || field(from, dot, "LZ")) { vexL = 0; lengthGiven = true; }
            else if (field(from, dot, "256") || field(from, dot, "L1")) { vexL = 1; lengthGiven = true; }
            else if (field(from, dot, "LIG")) lengthGiven = true;
            else if (field(from, dot, "NP")) prefix = OpcodeTable.PFX_NONE;
            else if (field(from, dot, "66")) prefix = OpcodeTable.PFX_66;
            else if (field(from, dot, "F3")) prefix = OpcodeTable.PFX_F3;
            else if (field(from, dot, "F2")) prefix = OpcodeTable.PFX_F2;
            else if (field(from, dot, "0F")) map = OpcodeTable.MAP_0F;
            else if (field(from, dot, "0F38")) map = OpcodeTable.MAP_0F38;
            else if (field(from, dot, "0F3A")) map = OpcodeTable.MAP_0F3A;
            else if (field(from, dot, "W0")) vexW = 0;
            else if (field(from, dot, "W1")) vexW = 1;
            else if (!field(from, dot, "WIG") && !field(from, dot, "NDS") && !field(from, dot, "NDD")
                    && !field(from, dot, "DDS")) {
                throw bad("bad VEX field " + new String(chars, from, dot - from));
            }
            from = dot + 1;
        }
        vex = true;
        if (prefix < 0) prefix = OpcodeTable.PFX_NONE;
        if (map == OpcodeTable.MAP_ONE || !lengthGiven) throw bad("VEX row without map or length");
    }

    private void opcodeByte() {
        if (!isHexByte()) throw bad("bad opcode byte " + new String(chars, start, end - start));
        opByte = Character.digit(chars[start], 16) << 4 | Character.digit(chars[start + 1], 16);
        if (end - start == 4) count = 8;
        else if (end - start == 5) count = 16;
    }

    private void refinement() {
        if (wordIs("/R")) modrm = true;
        else if (end - start == 2 && chars[start] == '/' && isOctal(chars[start + 1])) {
            modrm = true;
            regExt = chars[start + 1] - '0';
        } else if (wordIs("MEM")) { modrm = true; mod = 0; }
        else if (wordIs("REG")) { modrm = true; mod = 1; }
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

    private boolean wordIs(String w) {
        return end - start == w.length() && matches(start, w);
    }

    private boolean wordStartsWith(String w) {
        return end - start >= w.length() && matches(start, w);
    }

    private boolean field(int from, int to, String w) {
        return to - from == w.length() && matches(from, w);
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
        if (length < 2 || Character.digit(chars[start], 16) < 0 || Character.digit(chars[start + 1], 16) < 0) return false;
        return length == 2 || length == 4 && matches(start + 2, "+R") || length == 5 && matches(start + 2, "+CC");
    }

    private static char upper(char c) {
        return c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c;
    }

    /** A register number of ModRM: 0 to 7. */
    private static boolean isOctal(char c) {
        return c >= '0' && c <= '7';
    }

    private IllegalArgumentException bad(String what) {
        return new IllegalArgumentException(what + " in opcode row \"" + text + "\"");
    }
}
