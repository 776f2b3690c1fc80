package jvisor.kernel.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import jvisor.hypervisor.Hypervisor;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;
import jvisor.mmu.Region;

class ElfLoaderTest {
    private static final int R = ProgramHeader.PF_R, X = ProgramHeader.PF_X, W = ProgramHeader.PF_W;
    private final Hypervisor hv = new Hypervisor();

    /** Text at 0x400000 (2 pages), data at 0x403100 with 0x100 file bytes and .bss up to 0x406000. */
    private static ElfBuilder program() {
        ElfBuilder b = new ElfBuilder();
        b.body = new byte[0x4000];
        for (int i = 0x40; i < 0x4000; i++) b.body[i] = (byte) (i * 7);
        b.load(R | X, 0, 0x400000, 0x2000, 0x2000);
        b.load(R | W, 0x3100, 0x403100, 0x100, 0x2f00);
        b.entry = 0x400123;
        return b;
    }

    @Test
    void mapsSegmentsWithTheirProtectionAndContents() throws ElfException {
        byte[] data = program().build();
        AddressSpace space = hv.createAddressSpace();
        LoadedImage img = ElfLoader.load(hv, space, ElfFile.parse(data), "/bin/prog");

        assertEquals(0x400123, img.entry());
        assertEquals(0, img.loadBias());
        assertEquals(0x406000, img.brkStart());
        assertEquals(0x400040, img.phdrAddr());
        assertEquals(2, img.phnum());
        assertEquals(56, img.phent());

        Region text = space.find(0x400000);
        assertEquals(Prot.RX, text.prot());
        assertEquals("/bin/prog", text.name());
        assertEquals(0x402000, text.end());
        assertNull(space.find(0x402000)); // the gap between the segments stays unmapped

        Region data1 = space.find(0x403000);
        assertEquals(Prot.RW, data1.prot());
        assertEquals(0x404000, data1.end());
        assertEquals(0x3000, data1.fileOffset());
        Region bss = space.find(0x404000);
        assertEquals(Prot.RW, bss.prot());
        assertEquals("", bss.name());
        assertEquals(0x406000, bss.end());

        // Text and data come from the file; the page part before p_vaddr too (as an mmap of the file).
        assertArrayEquals(slice(data, 0, 0x2000), space.readBytes(0x400000, 0x2000));
        assertArrayEquals(slice(data, 0x3000, 0x200), space.readBytes(0x403000, 0x200));
        // After p_filesz: zeros up to the end of the page, and the .bss pages.
        assertArrayEquals(new byte[0xe00], space.readBytes(0x403200, 0xe00));
        assertArrayEquals(new byte[0x2000], space.readBytes(0x404000, 0x2000));
    }

    /** A writable segment without .bss (p_memsz == p_filesz) keeps the file's bytes after p_filesz in its last page, as an mmap of the file shows them. */
    @Test
    void aWritableSegmentWithoutBssKeepsTheRestOfItsLastFilePage() throws ElfException {
        ElfBuilder b = program();
        b.segments.clear();
        b.load(R | X, 0, 0x400000, 0x2000, 0x2000);
        b.load(R | W, 0x3100, 0x403100, 0x100, 0x100);
        byte[] data = b.build();
        AddressSpace space = hv.createAddressSpace();
        ElfLoader.load(hv, space, ElfFile.parse(data), "/bin/prog");
        assertArrayEquals(slice(data, 0x3000, 0x1000), space.readBytes(0x403000, 0x1000));
    }

    @Test
    void loadsStaticPieAtTheNoRandomisationBase() throws ElfException {
        ElfBuilder b = program();
        b.type = ElfFile.ET_DYN;
        b.segments.clear();
        b.load(R | X, 0, 0, 0x2000, 0x2000);
        b.load(R | W, 0x3100, 0x3100, 0x100, 0x2f00);
        b.entry = 0x123;
        AddressSpace space = hv.createAddressSpace();
        LoadedImage img = ElfLoader.load(hv, space, ElfFile.parse(b.build()), "/pie");
        assertEquals(ElfLoader.ET_DYN_BASE, img.loadBias());
        assertEquals(ElfLoader.ET_DYN_BASE + 0x123, img.entry());
        assertEquals(ElfLoader.ET_DYN_BASE + 0x6000, img.brkStart());
        assertEquals(ElfLoader.ET_DYN_BASE + 0x40, img.phdrAddr());
        assertEquals(Prot.RX, space.find(ElfLoader.ET_DYN_BASE).prot());
    }

    @Test
    void loadsARealStaticBinaryLikeLinux() throws Exception {
        Path p = TestBins.program("hello-glibc");
        Assumptions.assumeTrue(Files.exists(p), "testbins not built");
        byte[] data = Files.readAllBytes(p);
        ElfFile elf = ElfFile.parse(data);
        AddressSpace space = hv.createAddressSpace();
        LoadedImage img = ElfLoader.load(hv, space, elf, p.toString());
        assertEquals(elf.entry, img.entry());
        long end = 0;
        for (ProgramHeader ph : elf.loadSegments()) {
            end = Math.max(end, ph.vaddr() + ph.memsz());
            Region r = space.find(ph.vaddr());
            assertEquals(ph.prot(), r.prot(), "segment at " + Long.toHexString(ph.vaddr()));
            byte[] file = slice(data, (int) ph.offset(), (int) ph.filesz());
            assertArrayEquals(file, space.readBytes(ph.vaddr(), (int) ph.filesz()));
        }
        assertEquals((end + 0xfff) & ~0xfffL, img.brkStart());
        // AT_PHDR points at the program headers in memory.
        ByteBuffer hdr = ByteBuffer.wrap(space.readBytes(img.phdrAddr(), 56)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(elf.programHeaders.get(0).type(), hdr.getInt(0));
    }

    private static byte[] slice(byte[] b, int off, int len) {
        byte[] out = new byte[len];
        System.arraycopy(b, off, out, 0, len);
        return out;
    }
}
