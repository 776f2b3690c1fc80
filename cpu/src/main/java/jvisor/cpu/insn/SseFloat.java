package jvisor.cpu.insn;

import jvisor.cpu.decode.OpcodeTable;

/** (being written) */
final class SseFloat {
    private SseFloat() {}

    static void register(OpcodeTable t) {
    }
}
