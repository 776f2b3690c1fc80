package jvisor.kernel.elf;

/**
 * A binary jvisor cannot run: the message is the reason as the user should read it after
 * "jvisor: PATH: " (e.g. "truncated ELF file"). Thrown for bad input only, never for bugs.
 */
public final class ElfException extends Exception {
    public ElfException(String reason) {
        super(reason, null, false, false);
    }
}
