package jvisor.cpu.insn;

import jvisor.cpu.decode.OpcodeTable;

/** (being written) */
final class Shift {
    private Shift() {}

    static void register(OpcodeTable t) {
    }
}
