package jvisor.kernel.elf;


import jvisor.hypervisor.Hypervisor;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Backing;
import jvisor.mmu.HostAccess;
import jvisor.mmu.HostMemory;
import jvisor.mmu.Prot;

/**
 * Maps a validated {@link ElfFile} into a fresh address space the way Linux's load_elf_binary
 * does (fs/binfmt_elf.c), through the hypervisor's map interface: each PT_LOAD gets page-granular
 * mappings with the protection of its p_flags, the file's bytes are copied in (the guest never
 * shares the host file; {@link ProgramImage} keeps that copy for many guests), and the part of the last file page past p_filesz plus the pages up to
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

    static long pageDown(long a) {
        return a & ~(PAGE - 1);
    }

    static long pageUp(long a) {
        return (a + PAGE - 1) & ~(PAGE - 1);
    }

    /**
     * Maps every PT_LOAD of elf into space, in host memory of its own (for one guest: execve).
     *
     * @param name what /proc/self/maps calls the file's mappings (the binary's path in the guest)
     */
    public static LoadedImage load(Hypervisor hv, AddressSpace space, ElfFile elf, String name) {
        long bias = loadBias(elf);
        for (ProgramHeader ph : elf.loadSegments()) {
            if (ph.memsz() == 0) continue;
            Segment seg = Segment.of(ph, bias);
            if (seg.fileBacked()) {
                long hva = hv.allocateHostMemory(seg.fileLength());
                seg.fill(elf, hva);
                hv.map(space, seg.start(), hva, seg.fileLength(), seg.prot(), Backing.ANONYMOUS, name, seg.fileOffset());
            }
            seg.mapZeroTail(hv, space);
        }
        return image(elf, bias);
    }

    /** Where the loaded program's entry, program headers and break are (elf loaded at bias). */
    static LoadedImage image(ElfFile elf, long bias) {
        long brk = 0;
        for (ProgramHeader ph : elf.loadSegments()) {
            if (ph.memsz() != 0) brk = Math.max(brk, ph.vaddr() + bias + ph.memsz());
        }
        return new LoadedImage(elf.entry + bias, bias, phdrAddress(elf, bias), elf.programHeaders.size(),
                ElfFile.PHDR_SIZE, pageUp(brk));
    }

    /**
     * Where one PT_LOAD goes: the file's pages [start, fileEnd) rounded out to whole pages, as an
     * mmap of the file shows them, then fresh zero pages up to p_memsz (.bss).
     */
    record Segment(long start, long fileEnd, long fileMapEnd, long memEnd, int prot, long fileOffset,
            boolean fileBacked, boolean hasBss) {
        static Segment of(ProgramHeader ph, long bias) {
            long vaddr = ph.vaddr() + bias;
            long fileEnd = vaddr + ph.filesz();
            return new Segment(pageDown(vaddr), fileEnd, pageUp(fileEnd), pageUp(vaddr + ph.memsz()), ph.prot(),
                    pageDown(ph.offset()), ph.filesz() > 0, ph.memsz() > ph.filesz());
        }

        long fileLength() {
            return fileMapEnd - start;
        }

        /**
         * Writes the segment's file pages into fresh zeroed host memory at hva: whole file pages,
         * except that a segment with .bss sees zeros after p_filesz (Linux clears that tail with
         * clear_user, which only succeeds on a writable segment).
         */
        void fill(ElfFile elf, long hva) {
            long copy = Math.min(fileLength(), elf.data.length - fileOffset);
            // p_memsz beyond p_filesz, not page-rounded: a segment whose file part ends inside a
            // page without .bss keeps the file's bytes there.
            if (hasBss && (prot & Prot.WRITE) != 0) copy = Math.min(copy, fileEnd - start);
            HostAccess.copyIn(elf.data, (int) fileOffset, hva, (int) copy);
        }

        /** Maps the anonymous zero pages after the file's (the whole segment if it has no file bytes). */
        void mapZeroTail(Hypervisor hv, AddressSpace space) {
            long anonStart = fileBacked ? fileMapEnd : start;
            if (memEnd > anonStart) hv.mapAnonymous(space, anonStart, memEnd - anonStart, prot, "");
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
