package jvisor.cpu.oracle;

/**
 * The two ways the vCPU runs guest code: the interpreter, and the translator to JVM bytecode
 * (jvisor.cpu.jit) translating every block before its first run. The differential tests run the
 * emulator side in both.
 */
public enum Engine {
    INTERPRETER(0),
    TRANSLATOR(1);

    /** The vCPU's translation threshold (Cpu.setTranslationThreshold). */
    public final int threshold;

    Engine(int threshold) {
        this.threshold = threshold;
    }
}
