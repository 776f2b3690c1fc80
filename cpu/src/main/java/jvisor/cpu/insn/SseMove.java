package jvisor.cpu.insn;

import jvisor.cpu.decode.OpcodeTable;

/** (being written) */
final class SseMove {
    private SseMove() {}

    static void register(OpcodeTable t) {
    }
}
