package jvisor.mmu;

/**
 * A guest access that the address space cannot satisfy: nothing is mapped at {@link #address}
 * ({@link #mapped} false, Linux's SEGV_MAPERR) or the region's protection forbids the access
 * ({@link #mapped} true, SEGV_ACCERR).
 *
 * <p>Faults are rare and leave the hot path, so they are ordinary exceptions; the stack trace is
 * never filled because the CPU turns the fault into a VM exit, not a Java error.
 */
public final class PageFault extends RuntimeException {
    public final long address;
    public final Access access;
    public final boolean mapped;

    public PageFault(long address, Access access, boolean mapped) {
        super(null, null, false, false);
        this.address = address;
        this.access = access;
        this.mapped = mapped;
    }

    /** The x86 #PF error code: P (protection violation), W/R, U/S (always user), I/D (fetch). */
    public int errorCode() {
        int code = 4; // user-mode access
        if (mapped) code |= 1;
        if (access == Access.WRITE) code |= 2;
        if (access == Access.EXECUTE) code |= 16;
        return code;
    }

    @Override
    public String getMessage() {
        return String.format("page fault: %s at 0x%x (%s)", access.name().toLowerCase(), address,
                mapped ? "protection" : "not mapped");
    }
}
