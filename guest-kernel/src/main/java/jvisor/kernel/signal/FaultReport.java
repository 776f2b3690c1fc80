package jvisor.kernel.signal;

import java.util.function.Supplier;

/**
 * A fault's one-line explanation for the user ("guest killed by SIGSEGV at 0x401136: 0f 0b
 * (ud2)"), made when somebody reads it. Its instruction is disassembled by capstone, through JNA:
 * loading those is a tenth of a second, which a guest that handles the signal, or a run with
 * --quiet that never prints the line, should not pay. What the text is made of is taken at the
 * fault (see {@link Faults}), so reading it later gives the same line.
 */
public final class FaultReport {
    private final Supplier<String> maker;
    private String text;

    private FaultReport(Supplier<String> maker) {
        this.maker = maker;
    }

    /** A report made on first read. */
    public static FaultReport lazily(Supplier<String> maker) {
        return new FaultReport(maker);
    }

    /** The line (without "jvisor: "). */
    public synchronized String text() {
        if (text == null) text = maker.get();
        return text;
    }

    @Override
    public String toString() {
        return text();
    }
}
