package jvisor.cpu;

/** General-purpose register numbers in x86 encoding order (ModRM/REX numbering). */
public final class Reg {
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    public static final int R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

    /**
     * Byte-register operands without a REX prefix encode AH, CH, DH, BH as 4..7; the decoder
     * renames them to HIGH_BYTE + 0..3 so the executor never re-checks the REX prefix.
     */
    public static final int HIGH_BYTE = 16;

    private static final String[] NAMES64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    private Reg() {}

    public static String name(int reg) {
        return NAMES64[reg];
    }
}
