package jvisor.cpu.insn;

import jvisor.cpu.decode.OpcodeTable;

/** (being written) */
final class MulDiv {
    private MulDiv() {}

    static void register(OpcodeTable t) {
    }
}
