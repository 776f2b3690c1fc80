package jvisor.cpu.jit;

import java.util.Set;

import jvisor.cpu.decode.Insn;

/**
 * Which instructions of a block may leave their status flags uncomputed: those whose flags no
 * one can see before a later instruction of the same block replaces all six. Nothing sees the
 * flags in between when every instruction there neither reads them (Jcc, SETcc, CMOVcc, ADC,
 * the carry rotates, an interpreter handler) nor may fault (the fault handler writes the flags
 * back as they were before the faulting instruction) nor ends the block. The flags the guest
 * can observe, RFLAGS at every exit, fault and handler call, are then exactly the interpreter's;
 * only the lazy-flag record of a flag value nobody read may differ.
 *
 * <p>The SHA-256 rounds that compilers emit are a run of rotates, shifts, XOR and ADD between
 * register operands: each one's flags are replaced by the next one's. Computing them was a third
 * of the translated code's time.
 */
final class FlagLiveness {
    /** What an instruction does to the flags, for the backward scan. */
    private enum Effect {
        /** Neither reads nor writes them, and cannot fault. */
        NONE,
        /** Writes all six status flags from its operands alone, and cannot fault. */
        KILL,
        /**
         * Writes some and keeps the others (INC/DEC keep CF, ROL/ROR keep SF, ZF, AF, PF, a shift
         * by CL keeps them all when CL is 0), and cannot fault: it reads the flags before it only
         * if its own are seen.
         */
        PARTIAL,
        /** Reads them, may fault, calls a handler, or ends the block: they are seen here. */
        SEEN
    }

    /** ALU forms whose flags come from the operands only. */
    private static final Set<String> KILLS = Set.of("add", "or", "and", "sub", "xor", "cmp", "test", "neg", "imul", "mul",
            "tzcnt", "lzcnt", "popcnt", "bsf", "bsr", "bzhi");
    /** Register-only forms that do not touch the flags. */
    private static final Set<String> NEUTRAL = Set.of(
            "mov", "movzx", "movsx", "movsxd", "xchg", "not", "cbw/cwde/cdqe", "cwd/cdq/cqo", "nop", "nop/endbr64",
            "movaps", "movapd", "movdqa", "movups", "movupd", "movdqu", "movq", "movsd", "andpd", "andps", "pand",
            "andnpd", "andnps", "pandn", "orpd", "orps", "por", "xorpd", "xorps", "pxor", "unpcklpd", "unpckhpd",
            "vmovsd", "vmovq", "vandpd", "vandps", "vandnpd", "vandnps", "vorpd", "vorps", "vxorpd", "vxorps",
            "movss", "vmovss", "shufps", "unpcklps", "unpckhps", "vshufps", "vunpcklps", "vunpckhps", "pshufd",
            "vpshufd");

    private FlagLiveness() {}

    /** For each instruction of a block, true if the flags it writes are never seen. */
    static boolean[] deadFlags(Insn[] insns) {
        boolean[] dead = new boolean[insns.length];
        seenBefore(insns, dead);
        return dead;
    }

    /**
     * Whether a block replaces all six status flags before anything can see them (it reads them,
     * may fault, calls a handler, or ends first): then the flags it starts with are never seen.
     */
    static boolean deadAtEntry(Insn[] insns) {
        return !seenBefore(insns, null);
    }

    /**
     * The backward scan of both: whether the flags before the block's first instruction are
     * seen, and, if dead is not null, for each instruction whether its own are not.
     */
    private static boolean seenBefore(Insn[] insns, boolean[] dead) {
        boolean seen = true; // after the block: its successors and the run loop
        for (int k = insns.length - 1; k >= 0; k--) {
            if (dead != null) dead[k] = !seen;
            switch (effect(insns[k])) {
                case KILL -> seen = false;
                case SEEN -> seen = true;
                default -> { } // NONE and PARTIAL pass the question on to the instruction before
            }
        }
        return seen;
    }

    private static Effect effect(Insn i) {
        if (Forms.emitter(i) == null) return Effect.SEEN; // an interpreter handler sees everything
        String syntax = i.form.mnemonic.trim();
        String name = i.form.name();
        if (name.equals("lea") || name.equals("prefetch") || name.startsWith("nop")) return Effect.NONE; // no access
        if (i.mem) return Effect.SEEN; // a memory operand may fault
        if (KILLS.contains(name)) return Effect.KILL;
        if (NEUTRAL.contains(name) || SimdIntegerForms.NO_FLAGS.contains(name)) return Effect.NONE;
        return switch (name) {
            case "inc", "dec", "rol", "ror" -> Effect.PARTIAL;
            case "shl", "sal", "shr", "sar" -> syntax.endsWith(",CL") ? Effect.PARTIAL : shiftCount(i, syntax) != 0 ? Effect.KILL : Effect.NONE;
            default -> Effect.SEEN; // ADC, SBB, RCL, RCR, SETcc, CMOVcc, stack, control, SSE arithmetic
        };
    }

    /** The masked count of a shift by an immediate or by 1. */
    private static int shiftCount(Insn i, String syntax) {
        int raw = syntax.endsWith(",1") ? 1 : (int) i.imm;
        return raw & (i.opsize == 8 ? 0x3F : 0x1F);
    }
}
