package jvisor.kernel.elf;

/**
 * Where a loaded executable ended up: what the initial stack's auxiliary vector and the memory
 * manager need.
 *
 * @param entry the entry point (AT_ENTRY), relocated
 * @param loadBias what was added to every p_vaddr (0 for ET_EXEC)
 * @param phdrAddr where the program headers are in guest memory (AT_PHDR)
 * @param phnum number of program headers (AT_PHNUM)
 * @param phent size of one program header (AT_PHENT)
 * @param brkStart the page-aligned end of the highest segment: where the heap (brk) starts
 */
public record LoadedImage(long entry, long loadBias, long phdrAddr, int phnum, int phent, long brkStart) {
}
