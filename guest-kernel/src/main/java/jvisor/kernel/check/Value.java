package jvisor.kernel.check;

import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One syscall argument, result part or structure field, in the shape strace prints it with
 * {@code -X raw -xx -v}: both records of a check (strace's text of the native run, jvisor's guest
 * memory) are turned into these, so that they compare value by value.
 */
public sealed interface Value {

    /** A number strace printed (decimal, octal or hex) or a scalar argument register. */
    record Num(long value) implements Value {
    }

    /** A pointer of jvisor's record (strace prints pointers as plain numbers, or NULL). */
    record Addr(long value) implements Value {
    }

    /** A string or buffer; {@code truncated} when strace cut it at -s (only a prefix is known). */
    record Str(byte[] bytes, boolean truncated) implements Value {
        @Override
        public boolean equals(Object o) {
            return o instanceof Str s && s.truncated == truncated && Arrays.equals(s.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    /** A structure: field names as strace prints them, in its order. */
    record Struct(Map<String, Value> fields) implements Value {
        public Struct {
            fields = new LinkedHashMap<>(fields);
        }
    }

    /** An array ({@code [a, b]}). */
    record Arr(List<Value> items) implements Value {
        public Arr {
            items = List.copyOf(items);
        }
    }

    /**
     * A bit set as strace prints signal masks and CPU sets ({@code [10 28]}, {@code ~[RTMIN]}):
     * the listed numbers, or all but them when {@code complement}.
     */
    record Bits(BitSet set, boolean complement) implements Value {
        /** The set as a 64-bit mask of members 1..64 (signal numbers), complement applied. */
        public long sigmask() {
            long m = 0;
            for (int i = set.nextSetBit(1); i >= 1 && i <= 64; i = set.nextSetBit(i + 1)) m |= 1L << (i - 1);
            return complement ? ~m : m;
        }
    }

    /** Text that is none of the above (a symbolic expression strace printed despite -X raw). */
    record Other(String text) implements Value {
    }

    static Str str(byte[] b) {
        return new Str(b, false);
    }

    /** strace-like rendering for reports: strings printable where possible, pointers in hex. */
    static String render(Value v) {
        StringBuilder sb = new StringBuilder();
        render(sb, v);
        return sb.toString();
    }

    /** Longest string shown in reports before it is cut. */
    int RENDER_MAX = 64;

    static void render(StringBuilder sb, Value v) {
        switch (v) {
            case Num n -> sb.append(n.value() >= -4096 && n.value() < 65536 ? Long.toString(n.value())
                    : "0x" + Long.toHexString(n.value()));
            case Addr a -> sb.append(a.value() == 0 ? "NULL" : "0x" + Long.toHexString(a.value()));
            case Str s -> {
                sb.append('"');
                int n = Math.min(s.bytes().length, RENDER_MAX);
                for (int i = 0; i < n; i++) {
                    int c = s.bytes()[i] & 0xff;
                    switch (c) {
                        case '"' -> sb.append("\\\"");
                        case '\\' -> sb.append("\\\\");
                        case '\n' -> sb.append("\\n");
                        case '\t' -> sb.append("\\t");
                        default -> {
                            if (c >= 0x20 && c < 0x7f) sb.append((char) c);
                            else sb.append(String.format("\\x%02x", c));
                        }
                    }
                }
                sb.append('"');
                if (s.truncated() || s.bytes().length > n) sb.append("...");
            }
            case Struct s -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<String, Value> e : s.fields().entrySet()) {
                    if (!first) sb.append(", ");
                    first = false;
                    sb.append(e.getKey()).append('=');
                    render(sb, e.getValue());
                }
                sb.append('}');
            }
            case Arr a -> {
                sb.append('[');
                for (int i = 0; i < a.items().size(); i++) {
                    if (i > 0) sb.append(", ");
                    render(sb, a.items().get(i));
                }
                sb.append(']');
            }
            case Bits b -> {
                if (b.complement()) sb.append('~');
                sb.append('[');
                boolean first = true;
                for (int i = b.set().nextSetBit(0); i >= 0; i = b.set().nextSetBit(i + 1)) {
                    if (!first) sb.append(' ');
                    first = false;
                    sb.append(i);
                }
                sb.append(']');
            }
            case Other o -> sb.append(o.text());
        }
    }
}
