package jvisor.kernel.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed and validated ELF64 executable (System V gABI, "ELF Header" and "Program Header";
 * the x86-64 psABI). Everything the loader will touch is checked against the file's size here, so
 * a malformed or truncated file is refused with a clear {@link ElfException} and loading never
 * reads outside the file.
 */
public final class ElfFile {
    public static final int ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;
    public static final int EM_X86_64 = 62;
    public static final int EHDR_SIZE = 64, PHDR_SIZE = 56;
    /** Linux refuses more program headers than fit in 64 KiB (fs/binfmt_elf.c load_elf_phdrs). */
    private static final int MAX_PHDRS = 65536 / PHDR_SIZE;
    /** One past the highest user address (x86-64 TASK_SIZE_MAX). */
    private static final long TASK_SIZE = 0x7ffffffff000L;
    private static final long PAGE = 4096;

    public final byte[] data;
    public final int type;
    public final long entry;
    public final long phoff;
    public final int phentsize;
    public final List<ProgramHeader> programHeaders;

    private ElfFile(byte[] data, int type, long entry, long phoff, int phentsize, List<ProgramHeader> phdrs) {
        this.data = data;
        this.type = type;
        this.entry = entry;
        this.phoff = phoff;
        this.phentsize = phentsize;
        this.programHeaders = phdrs;
    }

    /** Whether data starts with the ELF magic (0x7f 'E' 'L' 'F'), whatever follows. */
    public static boolean hasMagic(byte[] data) {
        return data.length >= 4 && data[0] == 0x7f && data[1] == 'E' && data[2] == 'L' && data[3] == 'F';
    }

    public static ElfFile parse(byte[] data) throws ElfException {
        if (!hasMagic(data)) throw new ElfException("not an ELF file");
        if (data.length < 5) throw new ElfException("truncated ELF file");
        int elfClass = data[4];
        if (elfClass == 1) throw new ElfException("32-bit ELF is not supported (x86-64 only)");
        if (elfClass != 2) throw new ElfException("invalid ELF class " + elfClass);
        if (data.length < EHDR_SIZE) throw new ElfException("truncated ELF file");
        if (data[5] == 2) throw new ElfException("big-endian ELF is not supported (x86-64 only)");
        if (data[5] != 1) throw new ElfException("invalid ELF data encoding " + data[5]);
        if (data[6] != 1) throw new ElfException("unsupported ELF version " + data[6]);

        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int type = b.getShort(16) & 0xffff;
        int machine = b.getShort(18) & 0xffff;
        long entry = b.getLong(24);
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff;
        int phnum = b.getShort(56) & 0xffff;

        switch (type) {
            case ET_EXEC, ET_DYN -> { }
            case ET_REL -> throw new ElfException("relocatable object file, not an executable (link it first)");
            case ET_CORE -> throw new ElfException("core dump, not an executable");
            default -> throw new ElfException("unsupported ELF type " + type + ", not an executable");
        }
        if (machine != EM_X86_64) {
            throw new ElfException("not an x86-64 executable (ELF machine " + machine + machineName(machine) + ")");
        }
        if (phnum == 0) throw new ElfException("no program headers");
        if (phentsize != PHDR_SIZE) throw new ElfException("bad program header size " + phentsize);
        if (phnum > MAX_PHDRS) throw new ElfException("too many program headers (" + phnum + ")");
        if (phoff < 0 || phoff > data.length || (long) phnum * PHDR_SIZE > data.length - phoff) {
            throw new ElfException("truncated ELF file");
        }

        List<ProgramHeader> phdrs = new ArrayList<>(phnum);
        for (int i = 0; i < phnum; i++) {
            int o = (int) (phoff + (long) i * PHDR_SIZE);
            phdrs.add(new ProgramHeader(b.getInt(o), b.getInt(o + 4), b.getLong(o + 8), b.getLong(o + 16),
                    b.getLong(o + 24), b.getLong(o + 32), b.getLong(o + 40), b.getLong(o + 48)));
        }

        // PT_INTERP first: a dynamically linked program gets that message even if it is otherwise fine.
        for (ProgramHeader ph : phdrs) {
            if (ph.type() == ProgramHeader.PT_INTERP) {
                throw ElfException.dynamicallyLinked(interpreter(data, ph));
            }
        }

        boolean anyLoad = false;
        for (ProgramHeader ph : phdrs) {
            if (ph.type() != ProgramHeader.PT_LOAD) continue;
            anyLoad = true;
            if (ph.filesz() < 0 || ph.memsz() < 0 || ph.offset() < 0) throw new ElfException("malformed program header");
            if (Long.compareUnsigned(ph.filesz(), ph.memsz()) > 0) {
                throw new ElfException("malformed segment: file size larger than memory size");
            }
            if (ph.offset() > data.length || ph.filesz() > data.length - ph.offset()) {
                throw new ElfException("truncated ELF file");
            }
            if (((ph.vaddr() - ph.offset()) & (PAGE - 1)) != 0) {
                throw new ElfException("malformed segment: address and file offset are not congruent modulo the page size");
            }
            long end = ph.vaddr() + ph.memsz();
            if (Long.compareUnsigned(end, ph.vaddr()) < 0 || Long.compareUnsigned(end, TASK_SIZE) > 0) {
                throw new ElfException(String.format("segment at 0x%x does not fit in the user address space", ph.vaddr()));
            }
        }
        if (!anyLoad) throw new ElfException("no loadable segments");
        return new ElfFile(data, type, entry, phoff, phentsize, List.copyOf(phdrs));
    }

    private static String interpreter(byte[] data, ProgramHeader ph) {
        if (ph.offset() < 0 || ph.offset() >= data.length || ph.filesz() <= 0) return "?";
        int start = (int) ph.offset();
        int end = (int) Math.min(data.length, ph.offset() + Math.min(ph.filesz(), 4096));
        int n = start;
        while (n < end && data[n] != 0) n++;
        return new String(data, start, n - start, StandardCharsets.UTF_8);
    }

    private static String machineName(int machine) {
        return switch (machine) {
            case 3 -> ": i386";
            case 8 -> ": MIPS";
            case 20 -> ": PowerPC";
            case 21 -> ": PowerPC64";
            case 22 -> ": S390";
            case 40 -> ": ARM";
            case 50 -> ": IA-64";
            case 183 -> ": AArch64";
            case 243 -> ": RISC-V";
            case 258 -> ": LoongArch";
            default -> "";
        };
    }

    public boolean isPie() {
        return type == ET_DYN;
    }

    public List<ProgramHeader> loadSegments() {
        return programHeaders.stream().filter(p -> p.type() == ProgramHeader.PT_LOAD).toList();
    }
}
