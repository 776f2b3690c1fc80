package jvisor.cpu.oracle;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

import org.junit.jupiter.api.Test;

import jvisor.cpu.CpuState;

/**
 * The translator against the interpreter on the differential tester's random instructions and
 * sequences, without the host: beyond what the host can see (registers, RFLAGS, XMM, MXCSR,
 * memory, the exception), the two engines must leave the same kind of lazy flag record (its
 * operation and size; the RFLAGS it gives is compared above) and the same retired instruction
 * count, which is what "the translated code leaves the state exactly as the interpreter does"
 * means. The record's operand fields may differ where the translator skipped flags that no one
 * sees (FlagLiveness): a later instruction of the block replaced them before any could. {@code jvisor.diff.agreement} sets the number of cases of each
 * kind (default 2000).
 */
class EngineAgreementTest {
    private static final long CASES = Long.getLong("jvisor.diff.agreement", 2000);

    @Test
    void singleInstructions() {
        Generator gen = new Generator(Catalogue.get(), RandomDifferentialTest.SEED, RandomDifferentialTest.KNOWN_SSE_MISMATCHES.keySet());
        agree(false, gen::single);
    }

    @Test
    void instructionSequences() {
        Generator gen = new Generator(Catalogue.get(), RandomDifferentialTest.SEED + 1, RandomDifferentialTest.KNOWN_SSE_MISMATCHES.keySet());
        agree(true, gen::sequence);
    }

    private static void agree(boolean sequence, LongFunction<DiffCase> gen) {
        EmulatorRunner interpreter = new EmulatorRunner(Engine.INTERPRETER);
        EmulatorRunner translator = new EmulatorRunner(Engine.TRANSLATOR);
        List<String> reports = new ArrayList<>();
        int mismatches = 0;
        for (long k = 0; k < CASES; k++) {
            DiffCase c = gen.apply(k);
            Outcome a = interpreter.run(c), b = translator.run(c);
            String diff = Differ.compareExactly(c, a, b);
            String lazy = lazyDifference(interpreter.state(), translator.state());
            if (diff == null && lazy == null) continue;
            mismatches++;
            if (reports.size() < 5) {
                reports.add("case " + k + (lazy != null ? " (" + lazy + ")" : "") + "\n"
                        + Differ.report(c, sequence, a, b, diff != null ? diff : "  (architectural state agrees)\n"));
            }
        }
        if (mismatches > 0) {
            fail(mismatches + " of " + CASES + (sequence ? " sequences" : " instructions")
                    + " end differently interpreted (host column) and translated (emulator column):\n" + String.join("\n", reports));
        }
    }

    private static String lazyDifference(CpuState a, CpuState b) {
        // An eager record (status bits computed) leaves lfSize as it was: meaningless then.
        boolean sizeMatters = a.lfOp != jvisor.cpu.Flags.OP_EAGER;
        if (a.lfOp != b.lfOp || sizeMatters && a.lfSize != b.lfSize || a.rflags() != b.rflags()) {
            return String.format("lazy flags %d/%d/%x/%x/%x/%x vs %d/%d/%x/%x/%x/%x", a.lfOp, a.lfSize, a.lfDst, a.lfSrc,
                    a.lfRes, a.lfAux, b.lfOp, b.lfSize, b.lfDst, b.lfSrc, b.lfRes, b.lfAux);
        }
        if (a.instructionsRetired != b.instructionsRetired) {
            return "instructions retired " + a.instructionsRetired + " vs " + b.instructionsRetired;
        }
        return null;
    }
}
