package jvisor.mmu;

/**
 * Told when a guest page that holds decoded code changes: written, unmapped or re-protected.
 * The CPU's decoded-block cache listens, so self-modifying code and code unloading stay correct.
 */
@FunctionalInterface
public interface CodeListener {
    /** The page starting at pageAddress changed; drop everything decoded from it. */
    void codePageChanged(long pageAddress);
}
