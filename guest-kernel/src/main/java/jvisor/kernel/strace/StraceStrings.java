package jvisor.kernel.strace;

/** strace's quoting of strings and buffers (util.c string_quote). */
public final class StraceStrings {
    /** strace's default -s: at most 32 characters of a buffer are shown. */
    public static final int MAX_STRLEN = 32;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private StraceStrings() {}

    /**
     * Appends bytes [0, len) quoted; if more followed (truncated), "..." after the closing quote.
     * Escapes: \" \\ \f \n \r \t \v, printable ASCII as is, other bytes in octal (three digits
     * when the next byte is an octal digit, else as few as needed); forceHex writes every byte as \xNN.
     */
    public static void quote(StringBuilder sb, byte[] b, int len, boolean truncated, boolean forceHex) {
        sb.append('"');
        for (int i = 0; i < len; i++) {
            int c = b[i] & 0xff;
            if (forceHex) {
                sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 15]);
                continue;
            }
            switch (c) {
                case '"', '\\' -> sb.append('\\').append((char) c);
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 0x0b -> sb.append("\\v");
                default -> {
                    if (c >= ' ' && c < 0x7f) {
                        sb.append((char) c);
                    } else {
                        sb.append('\\');
                        boolean nextIsOctalDigit = i + 1 < len && b[i + 1] >= '0' && b[i + 1] <= '7';
                        if (nextIsOctalDigit) {
                            sb.append((char) ('0' + (c >> 6))).append((char) ('0' + ((c >> 3) & 7)));
                        } else if ((c >> 3) != 0) {
                            if ((c >> 6) != 0) sb.append((char) ('0' + (c >> 6)));
                            sb.append((char) ('0' + ((c >> 3) & 7)));
                        }
                        sb.append((char) ('0' + (c & 7)));
                    }
                }
            }
        }
        sb.append('"');
        if (truncated) sb.append("...");
    }

    /** Quotes a buffer of count bytes, of which b holds the first min(count, MAX_STRLEN). */
    public static void quoteBuffer(StringBuilder sb, byte[] b, long count, boolean forceHex) {
        int shown = (int) Math.min(count, MAX_STRLEN);
        quote(sb, b, shown, count > MAX_STRLEN, forceHex);
    }
}
