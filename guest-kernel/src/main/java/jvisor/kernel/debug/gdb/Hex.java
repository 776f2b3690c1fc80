package jvisor.kernel.debug.gdb;

/** Hex encoding of the remote protocol: two lowercase digits per byte. */
final class Hex {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex() {}

    static void append(StringBuilder sb, byte[] b) {
        for (byte x : b) sb.append(DIGITS[(x >> 4) & 0xF]).append(DIGITS[x & 0xF]);
    }

    static String of(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        append(sb, b);
        return sb.toString();
    }

    static String of(String text) {
        return of(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Decodes hex digits; throws NumberFormatException on odd length or a non-digit. */
    static byte[] decode(String hex) {
        if ((hex.length() & 1) != 0) throw new NumberFormatException("odd hex length");
        byte[] b = new byte[hex.length() / 2];
        for (int i = 0; i < b.length; i++) {
            int hi = Character.digit(hex.charAt(2 * i), 16), lo = Character.digit(hex.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) throw new NumberFormatException("not hex: " + hex);
            b[i] = (byte) (hi << 4 | lo);
        }
        return b;
    }

    /** An unsigned hex number (addresses, lengths, thread ids; "-1" is all threads). */
    static long number(String s) {
        if (s.equals("-1")) return -1;
        return Long.parseUnsignedLong(s, 16);
    }
}
