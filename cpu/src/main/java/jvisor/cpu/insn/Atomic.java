package jvisor.cpu.insn;

import jvisor.cpu.decode.OpcodeTable;

/** (being written) */
final class Atomic {
    private Atomic() {}

    static void register(OpcodeTable t) {
    }
}
