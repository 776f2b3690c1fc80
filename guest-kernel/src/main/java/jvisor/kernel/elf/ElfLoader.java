package jvisor.kernel.elf;

import jvisor.hypervisor.Hypervisor;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Backing;
import jvisor.mmu.Prot;

/**
 * Maps a validated {@link ElfFile} into a fresh address space the way Linux's load_elf_binary
 * does (fs/binfmt_elf.c), through the hypervisor's map interface: each PT_LOAD gets page-granular
 * mappings with the protection of its p_flags, the file's bytes are copied in (the guest never
 * shares the host file), and the part of the last file page past p_filesz plus the pages up to
 * p_memsz are zero (.bss).
 *
 * <p>ET_EXEC is loaded at its link addresses; ET_DYN (static-pie: no PT_INTERP) at
 * {@link #ET_DYN_BASE}, Linux's ELF_ET_DYN_BASE with address-space randomisation off.
 */
public final class ElfLoader {
    /** 2/3 of TASK_SIZE, page aligned down: where Linux puts a PIE when randomisation is off. */
    public static final long ET_DYN_BASE = 0x555555554000L;
    private static final long PAGE = 4096;

    private ElfLoader() {}

    private static long pageDown(long a) {
        return a & ~(PAGE - 1);
    }

    private static long pageUp(long a) {
        return (a + PAGE - 1) & ~(PAGE - 1);
    }

    /**
     * Maps every PT_LOAD of elf into space.
     *
     * @param name what /proc/self/maps calls the file's mappings (the binary's path in the guest)
     */
    public static LoadedImage load(Hypervisor hv, AddressSpace space, ElfFile elf, String name) {
        long bias = loadBias(elf);

        long brk = 0;
        for (ProgramHeader ph : elf.loadSegments()) {
            if (ph.memsz() == 0) continue;
            mapSegment(hv, space, elf, ph, bias, name);
            brk = Math.max(brk, ph.vaddr() + bias + ph.memsz());
        }

        return new LoadedImage(elf.entry + bias, bias, phdrAddress(elf, bias), elf.programHeaders.size(),
                ElfFile.PHDR_SIZE, pageUp(brk));
    }

    private static void mapSegment(Hypervisor hv, AddressSpace space, ElfFile elf, ProgramHeader ph, long bias,
            String name) {
        int prot = ph.prot();
        long vaddr = ph.vaddr() + bias;
        long start = pageDown(vaddr);
        long fileEnd = vaddr + ph.filesz();
        long fileMapEnd = pageUp(fileEnd);
        long memEnd = pageUp(vaddr + ph.memsz());

        if (ph.filesz() > 0) {
            long length = fileMapEnd - start;
            long fileOffset = pageDown(ph.offset());
            long hva = hv.allocateHostMemory(length);
            hv.map(space, start, hva, length, prot, Backing.ANONYMOUS, name, fileOffset);
            // Whole file pages, as an mmap of the file would show them ...
            int copy = (int) Math.min(length, elf.data.length - fileOffset);
            space.pokeBytes(start, elf.data, (int) fileOffset, copy);
            // ... except that a segment with .bss sees zeros after p_filesz. Linux clears that tail
            // with clear_user, which only succeeds on a writable segment.
            if (ph.memsz() > ph.filesz() && (prot & Prot.WRITE) != 0 && fileEnd < fileMapEnd) {
                space.pokeBytes(fileEnd, new byte[(int) (fileMapEnd - fileEnd)], 0, (int) (fileMapEnd - fileEnd));
            }
        }
        long anonStart = ph.filesz() > 0 ? fileMapEnd : start;
        if (memEnd > anonStart) {
            hv.mapAnonymous(space, anonStart, memEnd - anonStart, prot, "");
        }
    }

    /** What is added to every p_vaddr: 0 for ET_EXEC, so that the lowest segment lands at {@link #ET_DYN_BASE} for ET_DYN. */
    public static long loadBias(ElfFile elf) {
        long firstVaddr = Long.MAX_VALUE;
        for (ProgramHeader ph : elf.loadSegments()) firstVaddr = Math.min(firstVaddr, ph.vaddr());
        return elf.isPie() ? ET_DYN_BASE - pageDown(firstVaddr) : 0;
    }

    /** AT_PHDR: where the program headers are mapped (fs/binfmt_elf.c, Linux 6.x rule). */
    private static long phdrAddress(ElfFile elf, long bias) {
        for (ProgramHeader ph : elf.loadSegments()) {
            if (ph.offset() <= elf.phoff && elf.phoff < ph.offset() + ph.filesz()) {
                return elf.phoff - ph.offset() + ph.vaddr() + bias;
            }
        }
        for (ProgramHeader ph : elf.programHeaders) {
            if (ph.type() == ProgramHeader.PT_PHDR) return ph.vaddr() + bias;
        }
        ProgramHeader first = elf.loadSegments().get(0);
        return first.vaddr() - first.offset() + elf.phoff + bias;
    }
}
