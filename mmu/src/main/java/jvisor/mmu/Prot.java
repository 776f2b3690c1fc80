package jvisor.mmu;

/** Page protection bits, numerically equal to Linux's PROT_READ, PROT_WRITE and PROT_EXEC. */
public final class Prot {
    public static final int NONE = 0;
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int EXEC = 4;
    public static final int RW = READ | WRITE;
    public static final int RX = READ | EXEC;
    public static final int RWX = READ | WRITE | EXEC;

    private Prot() {}

    /** "r-x" style, as /proc/self/maps prints it. */
    public static String toString(int prot) {
        return ((prot & READ) != 0 ? "r" : "-") + ((prot & WRITE) != 0 ? "w" : "-") + ((prot & EXEC) != 0 ? "x" : "-");
    }

    /** True if an access of the given kind is allowed by prot. */
    public static boolean allows(int prot, Access access) {
        return (prot & access.protBit) != 0;
    }
}
