package jvisor.mmu;

/**
 * Who owns the host memory behind a region. When part of a region is unmapped, the address space
 * hands the host range back through {@link #release}; splitting a region for mprotect keeps the
 * same backing for both halves.
 */
public interface Backing {
    /** The host pages [hva, hva+length) are no longer mapped by any guest region. */
    void release(long hva, long length);

    /** Anonymous host memory from {@link HostMemory#allocate}: released pages go back to the host. */
    Backing ANONYMOUS = HostMemory::free;

    /** Memory the caller owns and frees itself (tests, memory shared with the kernel). */
    Backing UNOWNED = (hva, length) -> {};
}
