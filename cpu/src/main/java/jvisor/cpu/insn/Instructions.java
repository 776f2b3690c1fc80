package jvisor.cpu.insn;

import jvisor.cpu.decode.OpcodeTable;

/**
 * The instruction set: every family registers its opcode rows into one table. A family is one
 * file, as in Blink's blink/ directory; the table is the ISA as data.
 */
public final class Instructions {
    public static final OpcodeTable TABLE = build();

    private Instructions() {}

    private static OpcodeTable build() {
        OpcodeTable t = new OpcodeTable();
        Alu.register(t);
        DataMove.register(t);
        Stack.register(t);
        Control.register(t);
        SystemOps.register(t);
        Shift.register(t);
        MulDiv.register(t);
        BitOps.register(t);
        Bmi.register(t);
        Adx.register(t);
        StringOps.register(t);
        Atomic.register(t);
        SseMove.register(t);
        SseInteger.register(t);
        SseFloat.register(t);
        SseConvert.register(t);
        Sse3.register(t);
        Ssse3.register(t);
        Sse41.register(t);
        Sse42.register(t);
        FpuState.register(t);
        X87Load.register(t);
        X87Arith.register(t);
        X87Compare.register(t);
        X87Control.register(t);
        X87Transcendental.register(t);
        // The AVX families reuse the SSE operations declared above.
        Avx.register(t);
        AvxMove.register(t);
        AvxPermute.register(t);
        AvxGather.register(t);
        XSave.register(t);
        return t;
    }
}
