package jvisor.mmu;

/**
 * Little-endian loads and stores by guest virtual address, checked against the page protections
 * (a {@link PageFault} where the access is not allowed): a vCPU's {@link Tlb}, for instructions,
 * or the {@link AddressSpace} itself, for the kernel's copies. Code that lays out a memory image
 * both an instruction and the kernel write (the FXSAVE and XSAVE images of signal frames) takes
 * this type.
 */
public interface GuestMemory {
    int read8(long gva);

    int read16(long gva);

    int read32(long gva);

    long read64(long gva);

    void write8(long gva, int v);

    void write16(long gva, int v);

    void write32(long gva, int v);

    void write64(long gva, long v);
}
