package jvisor.kernel.elf;

/**
 * A binary jvisor cannot run: the message is the reason as the user should read it after
 * "jvisor: PATH: " (e.g. "truncated ELF file"). Thrown for bad input only, never for bugs.
 */
public final class ElfException extends Exception {
    private final boolean needsInterpreter;

    public ElfException(String reason) {
        this(reason, false);
    }

    private ElfException(String reason, boolean needsInterpreter) {
        super(reason, null, false, false);
        this.needsInterpreter = needsInterpreter;
    }

    /** A dynamically linked program: its PT_INTERP names the loader Linux would start first. */
    static ElfException dynamicallyLinked(String interpreter) {
        return new ElfException("dynamically linked executables are not supported (PT_INTERP " + interpreter
                + "); link it with -static", true);
    }

    /** True for a program that Linux would start through an ELF interpreter (jvisor runs none). */
    public boolean needsInterpreter() {
        return needsInterpreter;
    }
}
