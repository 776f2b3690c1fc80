package jvisor.cpu.insn;

import jvisor.cpu.decode.OpcodeTable;

/** (being written) */
final class BitOps {
    private BitOps() {}

    static void register(OpcodeTable t) {
    }
}
