package jvisor.kernel.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ElfFileTest {
    private static final int R = ProgramHeader.PF_R, X = ProgramHeader.PF_X, W = ProgramHeader.PF_W;

    private static String reason(byte[] data) {
        return assertThrows(ElfException.class, () -> ElfFile.parse(data)).getMessage();
    }

    private static ElfBuilder valid() {
        return new ElfBuilder().load(R | X, 0, 0x400000, 0x2000, 0x2000).load(R | W, 0x2000, 0x402000, 0x800, 0x3000);
    }

    @Test
    void parsesAValidExecutable() throws ElfException {
        ElfFile f = ElfFile.parse(valid().build());
        assertEquals(ElfFile.ET_EXEC, f.type);
        assertEquals(0x401000, f.entry);
        assertEquals(2, f.loadSegments().size());
        assertEquals(0x402000, f.loadSegments().get(1).vaddr());
    }

    @Test
    void refusesWhatIsNotAnElfFile() {
        assertEquals("not an ELF file", reason(new byte[0]));
        assertEquals("not an ELF file", reason("#!/bin/sh\necho hi\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("not an ELF file", reason(new byte[] {0x7f, 'E', 'L'}));
    }

    @Test
    void refusesTruncatedFiles() {
        byte[] full = valid().build();
        assertEquals("truncated ELF file", reason(Arrays.copyOf(full, 40)));
        assertEquals("truncated ELF file", reason(Arrays.copyOf(full, 100))); // program headers cut off
        byte[] shortBody = valid().build();
        assertEquals("truncated ELF file", reason(Arrays.copyOf(shortBody, 0x2400))); // segment past the end
    }

    @Test
    void refusesOtherClassesEncodingsAndMachines() {
        byte[] elf32 = valid().build();
        elf32[4] = 1;
        assertEquals("32-bit ELF is not supported (x86-64 only)", reason(elf32));
        byte[] big = valid().build();
        big[5] = 2;
        assertTrue(reason(big).startsWith("big-endian"));
        ElfBuilder arm = valid();
        arm.machine = 183;
        assertEquals("not an x86-64 executable (ELF machine 183: AArch64)", reason(arm.build()));
        ElfBuilder rel = valid();
        rel.type = ElfFile.ET_REL;
        assertTrue(reason(rel.build()).startsWith("relocatable object file"));
        ElfBuilder core = valid();
        core.type = ElfFile.ET_CORE;
        assertTrue(reason(core.build()).startsWith("core dump"));
    }

    @Test
    void refusesDynamicallyLinkedPrograms() {
        ElfBuilder b = valid();
        byte[] interp = "/lib64/ld-linux-x86-64.so.2\0".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(interp, 0, b.body, 0x1000, interp.length);
        b.segment(ProgramHeader.PT_INTERP, 0x1000, interp.length);
        assertEquals("dynamically linked executables are not supported (PT_INTERP /lib64/ld-linux-x86-64.so.2); "
                + "link it with -static", reason(b.build()));
    }

    @Test
    void refusesMalformedSegments() {
        assertTrue(reason(new ElfBuilder().load(R, 0, 0x400000, 0x2000, 0x1000).build()).contains("file size larger"));
        assertTrue(reason(new ElfBuilder().load(R, 0x10, 0x400000, 0x100, 0x100).build()).contains("congruent"));
        assertTrue(reason(new ElfBuilder().load(R, 0, 0x7ffffffff000L, 0x1000, 0x2000).build())
                .contains("does not fit"));
        assertEquals("no loadable segments", reason(new ElfBuilder().segment(ProgramHeader.PT_NOTE, 0, 4).build()));
        ElfBuilder none = new ElfBuilder();
        assertEquals("no program headers", reason(none.build()));
    }

    @Test
    void parsesRealStaticBinaries() throws Exception {
        Path dir = TestBins.dir();
        for (String name : new String[] {"hello-glibc", "hello-asm", "hello-glibc-pie", "exit42-asm"}) {
            Path p = dir.resolve(name);
            Assumptions.assumeTrue(Files.exists(p), "testbins not built");
            ElfFile f = ElfFile.parse(Files.readAllBytes(p));
            assertTrue(f.loadSegments().size() >= 1, name);
        }
        assertEquals(ElfFile.ET_DYN, ElfFile.parse(Files.readAllBytes(dir.resolve("hello-glibc-pie"))).type);
    }

    @Test
    void refusesTheBadInputsOfTestbins() throws Exception {
        Path bad = TestBins.dir().resolve("bad");
        Assumptions.assumeTrue(Files.isDirectory(bad), "testbins not built");
        assertEquals("not an ELF file", reason(Files.readAllBytes(bad.resolve("not-elf"))));
        assertEquals("truncated ELF file", reason(Files.readAllBytes(bad.resolve("truncated"))));
        assertEquals("32-bit ELF is not supported (x86-64 only)", reason(Files.readAllBytes(bad.resolve("elf32"))));
        assertTrue(reason(Files.readAllBytes(bad.resolve("dynamic"))).startsWith("dynamically linked"));
    }
}
