package jvisor.mmu;

/**
 * A run of guest pages [start, end) mapped to host memory starting at {@link #hva}, with one
 * protection: one mapping as /proc/self/maps shows it. Regions are immutable snapshots: map,
 * unmap and protect replace them.
 *
 * <p>{@link #hva} and {@link #hostAddress} name the host memory the mapping was made with. After
 * a fork, a page written by either side lives in a private copy elsewhere, so the kernel reaches
 * guest memory through {@link AddressSpace}'s accessors, never through these host addresses.
 *
 * @param start first guest address (page aligned)
 * @param end one past the last guest address (page aligned)
 * @param prot {@link Prot} bits
 * @param hva host virtual address of {@code start}
 * @param backing owner of the host memory
 * @param name what /proc/self/maps shows: a path, "[heap]", "[stack]" or ""
 * @param fileOffset offset in the named file, for /proc/self/maps
 */
public record Region(long start, long end, int prot, long hva, Backing backing, String name, long fileOffset) {

    public long length() {
        return end - start;
    }

    public boolean contains(long gva) {
        return Long.compareUnsigned(gva, start) >= 0 && Long.compareUnsigned(gva, end) < 0;
    }

    /** The host address of a guest address inside this region. */
    public long hostAddress(long gva) {
        return hva + (gva - start);
    }

    @Override
    public String toString() {
        return String.format("%012x-%012x %s %s", start, end, Prot.toString(prot), name);
    }
}
