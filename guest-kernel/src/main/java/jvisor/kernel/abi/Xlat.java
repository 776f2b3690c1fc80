package jvisor.kernel.abi;

/**
 * A table from numbers to symbolic names, in the order strace's xlat tables list them, so that
 * flag sets print as strace prints them ({@code MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS}).
 * Built once at class initialisation; lookups allocate nothing but the caller's StringBuilder.
 */
public final class Xlat {
    private final long[] values;
    private final String[] names;
    /** What strace prints for an unknown value, e.g. "SEEK_???". */
    private final String unknown;

    private Xlat(long[] values, String[] names, String unknown) {
        this.values = values;
        this.names = names;
        this.unknown = unknown;
    }

    /** Builds a table from alternating name, value pairs (values as Integer or Long). */
    public static Xlat of(String unknown, Object... pairs) {
        int n = pairs.length / 2;
        long[] values = new long[n];
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            names[i] = (String) pairs[2 * i];
            values[i] = ((Number) pairs[2 * i + 1]).longValue();
        }
        return new Xlat(values, names, unknown);
    }

    /** The name of exactly v, or null. */
    public String name(long v) {
        for (int i = 0; i < values.length; i++) if (values[i] == v) return names[i];
        return null;
    }

    /** Appends the name of v, or {@code 0x.. /* X_??? *}{@code /} as strace does for an unknown value. */
    public void appendValue(StringBuilder sb, long v) {
        String n = name(v);
        if (n != null) {
            sb.append(n);
        } else {
            sb.append("0x").append(Long.toHexString(v)).append(" /* ").append(unknown).append(" */");
        }
    }

    /**
     * Appends v as a flag set: every known flag in table order, then leftover bits in hex;
     * {@code 0} (or the table's name for zero, e.g. PROT_NONE) for no bits; an unknown non-zero
     * set as {@code 0x.. /* X_??? *}{@code /}.
     */
    public void appendFlags(StringBuilder sb, long v) {
        if (v == 0) {
            String zero = name(0);
            sb.append(zero != null ? zero : "0");
            return;
        }
        long rest = v;
        boolean any = false;
        for (int i = 0; i < values.length; i++) {
            long f = values[i];
            if (f != 0 && (rest & f) == f) {
                if (any) sb.append('|');
                sb.append(names[i]);
                rest &= ~f;
                any = true;
            }
        }
        if (!any) {
            sb.append("0x").append(Long.toHexString(v)).append(" /* ").append(unknown).append(" */");
        } else if (rest != 0) {
            sb.append("|0x").append(Long.toHexString(rest));
        }
    }
}
