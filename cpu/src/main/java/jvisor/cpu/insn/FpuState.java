package jvisor.cpu.insn;

import jvisor.cpu.decode.OpcodeTable;

/** (being written) */
final class FpuState {
    private FpuState() {}

    static void register(OpcodeTable t) {
    }
}
