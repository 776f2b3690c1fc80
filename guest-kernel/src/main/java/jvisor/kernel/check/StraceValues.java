package jvisor.kernel.check;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reader of the values strace prints with {@code -X raw -xx -v}: numbers (decimal, octal with a
 * leading 0, hex), strings ({@code "\x68\x69"}, {@code "..."...} when cut), structures
 * ({@code {name=value, ...}}), arrays, bit sets ({@code [10 28]}, {@code ~[32]}), NULL, calls like
 * {@code makedev(0x8, 0x1)} and {@code /* comments *}{@code /}, which it skips. Anything else up to
 * the next separator becomes {@link Value.Other}, so an unexpected form costs one value, never the
 * line.
 */
final class StraceValues {
    private final String s;
    private int pos;

    StraceValues(String text, int start) {
        this.s = text;
        this.pos = start;
    }

    int pos() {
        return pos;
    }

    /** A named or unnamed value: names go to {@code names} (null for unnamed). */
    record Item(String name, Value value) {
    }

    /**
     * The arguments of a call, {@code pos} just after its '('; stops after the matching ')'.
     *
     * @return the items, or null if the text ended first (an unfinished line)
     */
    List<Item> arguments() {
        List<Item> out = new ArrayList<>();
        skipSpace();
        if (peek() == ')') {
            pos++;
            return out;
        }
        while (pos < s.length()) {
            out.add(item());
            skipSpace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ')') {
                pos++;
                return out;
            } else if (pos >= s.length()) {
                return null;
            } else {
                // Something we do not understand: skip to the next separator at this depth.
                skipOther();
            }
        }
        return null;
    }

    /** A value, optionally {@code name=} first. */
    Item item() {
        skipSpace();
        String name = null;
        int save = pos;
        String id = identifier();
        if (id != null && peek() == '=' && peekAt(1) != '=' && peekAt(1) != '>') {
            pos++;
            name = id;
        } else {
            pos = save;
        }
        return new Item(name, value());
    }

    Value value() {
        skipSpace();
        int start = pos;
        Value v = atom();
        int end = pos;
        skipSpace();
        // Flags joined by '|' (-X raw prints 0x1|0x80800): their bitwise or.
        if (v instanceof Value.Num first && peek() == '|') {
            long bits = first.value();
            int save = pos;
            boolean numbers = true;
            while (numbers && peek() == '|') {
                pos++;
                skipSpace();
                numbers = atom() instanceof Value.Num n && (bits |= n.value()) == bits;
                end = pos;
                skipSpace();
            }
            if (numbers && !(pos < s.length() && (peek() == '*' || peek() == '+' || s.startsWith("<<", pos)
                    || s.startsWith("=>", pos) || s.startsWith("->", pos)))) {
                pos = end;
                return new Value.Num(bits);
            }
            pos = save;
        }
        // A structure the call reads and writes back in part (clone3's {flags=...} => {parent_tid=[42]}): what it read.
        if (v instanceof Value.Struct && s.startsWith("=>", pos)) {
            skipOther();
            return v;
        }
        // Expressions (a|b, 8192*1024, 1<<3) and in/out pairs (16 => 16): kept as text.
        if (pos < s.length() && (peek() == '|' || peek() == '*' || peek() == '+' || s.startsWith("<<", pos)
                || s.startsWith("=>", pos) || s.startsWith("->", pos))) {
            skipOther();
            return new Value.Other(s.substring(start, pos).trim());
        }
        pos = end;
        return v;
    }

    private Value atom() {
        char c = peek();
        Value v;
        if (c == '"') {
            v = string();
        } else if (c == '{') {
            v = struct();
        } else if (s.startsWith("[{W", pos)) {
            v = waitStatus();
        } else if (c == '[') {
            v = array(false);
        } else if (c == '~' && peekAt(1) == '[') {
            pos++;
            v = array(true);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            v = number();
        } else if (s.startsWith("...", pos)) {
            pos += 3;
            v = new Value.Other("...");
        } else {
            int start = pos;
            String id = identifier();
            if (id == null) {
                skipOther();
                return new Value.Other(s.substring(start, pos).trim());
            }
            if ("NULL".equals(id)) {
                v = new Value.Addr(0);
            } else if (peek() == '(') {
                pos++;
                arguments();
                v = new Value.Other(s.substring(start, pos));
            } else {
                v = new Value.Other(id);
            }
        }
        return v;
    }

    private Value string() {
        pos++; // opening quote
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == '"') break;
            if (c != '\\' || pos >= s.length()) {
                b.write(c); // -xx escapes every byte; a raw character is ASCII here
                continue;
            }
            char e = s.charAt(pos++);
            switch (e) {
                case 'x' -> {
                    int end = Math.min(pos + 2, s.length());
                    b.write(Integer.parseInt(s.substring(pos, end), 16));
                    pos = end;
                }
                case 'n' -> b.write('\n');
                case 't' -> b.write('\t');
                case 'r' -> b.write('\r');
                case 'v' -> b.write(0x0b);
                case 'f' -> b.write('\f');
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '7'; k++) {
                            v = v * 8 + (s.charAt(pos++) - '0');
                        }
                        b.write(v);
                    } else {
                        b.write(e);
                    }
                }
            }
        }
        boolean cut = s.startsWith("...", pos);
        if (cut) pos += 3;
        return new Value.Str(b.toByteArray(), cut);
    }

    private static final java.util.regex.Pattern WAIT_STATUS = java.util.regex.Pattern.compile(
            "\\[\\{(?:WIFEXITED\\(s\\) && WEXITSTATUS\\(s\\) == (\\d+)"
            + "|WIFSIGNALED\\(s\\) && WTERMSIG\\(s\\) == (\\w+)( && WCOREDUMP\\(s\\))?"
            + "|WIFSTOPPED\\(s\\) && WSTOPSIG\\(s\\) == (\\w+)|(WIFCONTINUED\\(s\\)))\\}\\]");

    /**
     * wait4's status as strace decodes it ([{WIFEXITED(s) && WEXITSTATUS(s) == 3}]), back into the
     * int (include/uapi/linux/wait.h's encoding), in an array as the pointer's target.
     */
    private Value waitStatus() {
        int start = pos;
        java.util.regex.Matcher m = WAIT_STATUS.matcher(s).region(pos, s.length());
        if (m.lookingAt()) {
            Long status = null;
            if (m.group(1) != null) status = (long) Integer.parseInt(m.group(1)) << 8;
            else if (m.group(2) != null && signalNumber(m.group(2)) > 0) {
                status = (long) signalNumber(m.group(2)) | (m.group(3) != null ? 0x80 : 0);
            } else if (m.group(4) != null && signalNumber(m.group(4)) > 0) status = ((long) signalNumber(m.group(4)) << 8) | 0x7f;
            else if (m.group(5) != null) status = 0xffffL;
            if (status != null) {
                pos = m.end();
                return new Value.Arr(List.of(new Value.Num(status)));
            }
        }
        skipOther();
        return new Value.Other(s.substring(start, pos).trim());
    }

    private static int signalNumber(String text) {
        Long n = parseNumber(text);
        return n != null ? n.intValue() : Names.signal(signalName(text));
    }

    private Value struct() {
        pos++;
        Map<String, Value> fields = new LinkedHashMap<>();
        int unnamed = 0;
        while (pos < s.length()) {
            skipSpace();
            if (peek() == '}') {
                pos++;
                break;
            }
            Item it = item();
            if (!(it.name() == null && it.value() instanceof Value.Other o && o.text().equals("..."))) {
                fields.put(it.name() != null ? it.name() : "#" + unnamed++, it.value());
            }
            skipSpace();
            if (peek() == ',') pos++;
            else if (peek() == '}') {
                pos++;
                break;
            } else if (pos < s.length()) skipOther();
        }
        return new Value.Struct(fields);
    }

    private Value array(boolean complement) {
        pos++;
        List<Value> items = new ArrayList<>();
        boolean spaced = complement;
        while (pos < s.length()) {
            skipSpace();
            if (peek() == ']') {
                pos++;
                break;
            }
            Item it = item();
            items.add(it.value());
            int end = pos;
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else if (peek() == ']') {
                pos++;
                break;
            } else if (pos > end) {
                spaced = true;
            } else if (pos < s.length()) {
                skipOther();
            }
        }
        if (!spaced && !(items.size() == 1 && complement)) return new Value.Arr(items);
        BitSet set = new BitSet();
        for (Value v : items) {
            if (v instanceof Value.Num n && n.value() >= 0 && n.value() < 1 << 20) set.set((int) n.value());
            else if (v instanceof Value.Other o && Names.signal(signalName(o.text())) > 0) set.set(Names.signal(signalName(o.text())));
            else return new Value.Arr(items);
        }
        return new Value.Bits(set, complement);
    }

    private static String signalName(String text) {
        return text.startsWith("SIG") ? text : "SIG" + text;
    }

    private Value number() {
        int start = pos;
        if (peek() == '-') pos++;
        while (pos < s.length() && Character.isLetterOrDigit(s.charAt(pos))) pos++;
        String t = s.substring(start, pos);
        Long v = parseNumber(t);
        return v != null ? new Value.Num(v) : new Value.Other(t);
    }

    /** A C integer literal: decimal (signed or up to 2^64-1), 0-prefixed octal, 0x hex; null if not one. */
    static Long parseNumber(String t) {
        try {
            boolean neg = t.startsWith("-");
            String u = neg ? t.substring(1) : t;
            long v;
            if (u.startsWith("0x") || u.startsWith("0X")) v = Long.parseUnsignedLong(u.substring(2), 16);
            else if (u.length() > 1 && u.startsWith("0")) v = Long.parseUnsignedLong(u.substring(1), 8);
            else v = Long.parseUnsignedLong(u);
            return neg ? -v : v;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private String identifier() {
        int start = pos;
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (Character.isLetterOrDigit(c) || c == '_' || (c == '.' && pos > start)) pos++;
            else break;
        }
        if (pos == start || Character.isDigit(s.charAt(start))) {
            pos = start;
            return null;
        }
        return s.substring(start, pos);
    }

    /** Skips to the next ',' ')' ']' '}' at depth 0, over nested brackets and strings. */
    private void skipOther() {
        int depth = 0;
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == '"') {
                string();
                continue;
            }
            if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) return;
                depth--;
            } else if (c == ',' && depth == 0) return;
            pos++;
        }
    }

    /** Skips blanks and comments. */
    void skipSpace() {
        while (true) {
            while (pos < s.length() && s.charAt(pos) == ' ') pos++;
            if (!s.startsWith("/*", pos)) return;
            int end = s.indexOf("*/", pos + 2);
            pos = end < 0 ? s.length() : end + 2;
        }
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private char peekAt(int k) {
        return pos + k < s.length() ? s.charAt(pos + k) : '\0';
    }
}
