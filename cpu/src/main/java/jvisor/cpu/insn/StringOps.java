package jvisor.cpu.insn;

import jvisor.cpu.decode.OpcodeTable;

/** (being written) */
final class StringOps {
    private StringOps() {}

    static void register(OpcodeTable t) {
    }
}
