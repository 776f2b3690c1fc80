package jvisor.kernel.cli;

/** Numbers as people type them on jvisor's command line and in the debugger. */
public final class Numbers {
    private Numbers() {}

    /** 0x-prefixed hex, or decimal; unsigned 64-bit. */
    public static long parseAddress(String s) {
        String t = s.trim();
        if (t.startsWith("0x") || t.startsWith("0X")) return Long.parseUnsignedLong(t.substring(2), 16);
        return Long.parseUnsignedLong(t);
    }
}
