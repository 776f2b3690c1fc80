package jvisor.cpu.insn;

import jvisor.cpu.decode.OpcodeTable;

/** (being written) */
final class SseConvert {
    private SseConvert() {}

    static void register(OpcodeTable t) {
    }
}
