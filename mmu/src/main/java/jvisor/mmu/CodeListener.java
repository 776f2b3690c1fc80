package jvisor.mmu;

/**
 * Told when guest pages that hold decoded code change: written (by any vCPU or by the kernel),
 * unmapped or re-protected. Each vCPU's decoded-block cache listens through its {@link Tlb}, so
 * self-modifying and cross-modifying code and code unloading stay correct.
 */
@FunctionalInterface
public interface CodeListener {
    /** The page starting at pageAddress changed (-1: some pages changed); drop everything decoded from it. */
    void codePageChanged(long pageAddress);
}
