package jvisor.mmu;

/** Where a decoder fetches instruction bytes from: a vCPU's {@link Tlb}, or an {@link AddressSpace} directly. */
@FunctionalInterface
public interface CodeSource {
    /**
     * The instruction byte at gva.
     *
     * @throws PageFault if the page is not mapped or not executable
     */
    int fetch8(long gva);
}
