package jvisor.kernel.elf;

/** One Elf64_Phdr (System V ABI, "Program Header"). */
public record ProgramHeader(int type, int flags, long offset, long vaddr, long paddr, long filesz, long memsz,
        long align) {
    public static final int PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_SHLIB = 5,
            PT_PHDR = 6, PT_TLS = 7, PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551,
            PT_GNU_RELRO = 0x6474e552, PT_GNU_PROPERTY = 0x6474e553;
    public static final int PF_X = 1, PF_W = 2, PF_R = 4;

    /** p_flags as Prot bits: PF_R, PF_W, PF_X are 4, 2, 1 while PROT_READ, WRITE, EXEC are 1, 2, 4. */
    public int prot() {
        int p = 0;
        if ((flags & PF_R) != 0) p |= 1;
        if ((flags & PF_W) != 0) p |= 2;
        if ((flags & PF_X) != 0) p |= 4;
        return p;
    }
}
