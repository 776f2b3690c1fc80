package jvisor.mmu;

/** The kind of a guest memory access, as a fault reports it. */
public enum Access {
    READ(Prot.READ),
    WRITE(Prot.WRITE),
    EXECUTE(Prot.EXEC);

    /** The protection bit this access needs. */
    public final int protBit;

    Access(int protBit) {
        this.protBit = protBit;
    }
}
