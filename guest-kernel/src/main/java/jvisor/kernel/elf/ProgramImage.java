package jvisor.kernel.elf;

import java.util.ArrayList;
import java.util.List;

import jvisor.hypervisor.Hypervisor;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.CopyOnWritePages;

/**
 * A program's loaded segments (what {@link ElfLoader#load} builds for one guest), built once and
 * mapped copy-on-write into every guest that runs the program: a second guest of the same binary
 * gets its memory without copying the file again, and its writes (the data segment, relocations)
 * go to pages of its own, as every process that maps a file privately shares the page cache
 * until it writes. The load address is the same for every guest (no address-space
 * randomisation), so the image is complete, relocation included.
 *
 * <p>Thread-safe: mapping and {@link #close} exclude each other, so a guest gets all of the image
 * or, once it is closed, none of it.
 */
public final class ProgramImage implements AutoCloseable {
    private record Part(ElfLoader.Segment segment, CopyOnWritePages pages) {
    }

    private final List<Part> parts;
    private final LoadedImage loaded;
    private boolean closed;

    private ProgramImage(List<Part> parts, LoadedImage loaded) {
        this.parts = parts;
        this.loaded = loaded;
    }

    /** Copies elf's PT_LOAD file pages into host memory of the image's own. */
    public static ProgramImage build(ElfFile elf) {
        long bias = ElfLoader.loadBias(elf);
        List<Part> parts = new ArrayList<>();
        try {
            for (ProgramHeader ph : elf.loadSegments()) {
                if (ph.memsz() == 0) continue;
                ElfLoader.Segment seg = ElfLoader.Segment.of(ph, bias);
                CopyOnWritePages pages = null;
                if (seg.fileBacked()) {
                    pages = CopyOnWritePages.allocate(seg.fileLength());
                    parts.add(new Part(seg, pages));
                    seg.fill(elf, pages.hva());
                } else {
                    parts.add(new Part(seg, null));
                }
            }
        } catch (RuntimeException | Error e) {
            for (Part p : parts) if (p.pages() != null) p.pages().close();
            throw e;
        }
        return new ProgramImage(List.copyOf(parts), ElfLoader.image(elf, bias));
    }

    /**
     * Maps the program into space (fresh: nothing mapped where it goes) as {@link ElfLoader#load}
     * would, sharing the image's pages copy-on-write.
     *
     * @param name what /proc/self/maps calls the file's mappings
     * @return where it went, or null (nothing mapped) if the image is closed
     */
    public synchronized LoadedImage mapInto(Hypervisor hv, AddressSpace space, String name) {
        if (closed) return null;
        for (Part p : parts) {
            ElfLoader.Segment seg = p.segment();
            if (p.pages() != null) {
                hv.mapCopyOnWrite(space, seg.start(), p.pages(), 0, seg.fileLength(), seg.prot(), name,
                        seg.fileOffset());
            }
            seg.mapZeroTail(hv, space);
        }
        return loaded;
    }

    /** Gives the image's own pages back; guests that map them keep them until they unmap them. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (Part p : parts) if (p.pages() != null) p.pages().close();
    }
}
