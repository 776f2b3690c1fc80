package jvisor.cpu.insn;

import jvisor.cpu.decode.OpcodeTable;

/** (being written) */
final class SseInteger {
    private SseInteger() {}

    static void register(OpcodeTable t) {
    }
}
