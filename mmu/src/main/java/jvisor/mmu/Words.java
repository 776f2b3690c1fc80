package jvisor.mmu;

import java.util.ArrayList;
import java.util.List;

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
        List<String> out = new ArrayList<>(6);
        int n = s.length();
        for (int i = 0; i < n; ) {
            while (i < n && Character.isWhitespace(s.charAt(i))) i++;
            int start = i;
            while (i < n && !Character.isWhitespace(s.charAt(i))) i++;
            if (i > start) out.add(s.substring(start, i));
        }
        return out.toArray(new String[0]);
    }
}
