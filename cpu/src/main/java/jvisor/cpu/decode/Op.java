package jvisor.cpu.decode;

import jvisor.cpu.Cpu;

/** Executes one decoded instruction. Implementations live in jvisor.cpu.insn, a file per instruction family. */
@FunctionalInterface
public interface Op {
    void exec(Cpu cpu, Insn insn);
}
