package jvisor.mmu;

/**
 * Splits text into words at runs of white space, without a regular expression. Every module
 * parses text while a guest starts (the decoder's opcode tables, the syscall table, /proc files),
 * much of it in the JVM's bytecode interpreter, where {@code split("\\s+")} compiles a Pattern on
 * every call: that was about half the time of making the first vCPU. It lives here, at the
 * bottom of the modules' dependency chain, so that all of them share it.
 */
public final class Words {
    private Words() {}

    /** The words of s (none for blank text). */
    public static String[] of(String s) {
        // Two passes over the characters as an array, counting and then cutting, the white-space
        // test written out: this runs interpreted while a JVM starts, where a list, its copy and
        // the calls behind every String.charAt cost more than the work itself.
        char[] c = s.toCharArray();
        int n = c.length, count = 0;
        for (int i = 0; i < n; ) {
            while (i < n && isSpace(c[i])) i++;
            if (i == n) break;
            count++;
            while (i < n && !isSpace(c[i])) i++;
        }
        String[] out = new String[count];
        int k = 0;
        for (int i = 0; k < count; ) {
            while (isSpace(c[i])) i++;
            int start = i;
            while (i < n && !isSpace(c[i])) i++;
            out[k++] = new String(c, start, i - start);
        }
        return out;
    }

    /** Character.isWhitespace, with the ASCII cases first. */
    private static boolean isSpace(char c) {
        if (c == ' ') return true;
        if (c < 0x80) return (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F);
        return Character.isWhitespace(c);
    }
}
