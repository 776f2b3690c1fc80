package jvisor.cpu.insn;

import java.lang.invoke.VarHandle;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.Cpuid;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * Instructions that talk to the system: SYSCALL (the VM exit into the guest kernel), CPUID,
 * RDTSC, the traps (INT3, INT1, INT n, UD2, HLT), fences, and the flag instructions
 * (CLC, STC, CMC, CLD, STD, LAHF, SAHF).
 */
final class SystemOps {
    private SystemOps() {}

    static void register(OpcodeTable t) {
        t.row("0F 05", "syscall", SystemOps::syscall, "end");
        t.row("0F A2", "cpuid", (c, i) -> Cpuid.execute(c.state));
        t.row("0F 31", "rdtsc", SystemOps::rdtsc);
        t.row("0F 01 /7 reg rm1", "rdtscp", SystemOps::rdtscp);
        t.row("0F 0B", "ud2", (c, i) -> { throw CpuFault.undefinedOpcode(); }, "end");
        t.row("CC", "int3", (c, i) -> { throw CpuFault.breakpoint(); }, "end");
        t.row("F1", "int1", (c, i) -> { throw CpuFault.of(CpuFault.DB, 0, true); }, "end");
        // INT n from user mode hits a descriptor with DPL 0 for every vector Linux does not open:
        // #GP with error code (vector << 3) | 2 (SDM Vol. 3A 6.12.1.1).
        t.row("CD", "int Ib", (c, i) -> { throw CpuFault.of(CpuFault.GP, (int) ((i.imm & 0xFF) << 3) | 2, false); }, "end");
        t.row("F4", "hlt", (c, i) -> { throw CpuFault.generalProtection(); }, "end");
        t.row("FA", "cli", (c, i) -> { throw CpuFault.generalProtection(); }, "end");
        t.row("FB", "sti", (c, i) -> { throw CpuFault.generalProtection(); }, "end");
        t.row("NP 0F AE /5 reg", "lfence", (c, i) -> VarHandle.loadLoadFence());
        t.row("NP 0F AE /6 reg", "mfence", (c, i) -> VarHandle.fullFence());
        t.row("NP 0F AE /7 reg", "sfence", (c, i) -> VarHandle.storeStoreFence());

        t.row("F8", "clc", (c, i) -> setStatus(c.state, Flags.CF, false));
        t.row("F9", "stc", (c, i) -> setStatus(c.state, Flags.CF, true));
        t.row("F5", "cmc", (c, i) -> setStatus(c.state, Flags.CF, !Flags.cf(c.state)));
        t.row("FC", "cld", (c, i) -> c.state.flagsRest &= ~Flags.DF);
        t.row("FD", "std", (c, i) -> c.state.flagsRest |= Flags.DF);
        t.row("9F", "lahf", SystemOps::lahf);
        t.row("9E", "sahf", SystemOps::sahf);
    }

    /**
     * SYSCALL saves the return address in RCX and RFLAGS in R11 (SDM Vol. 2B "SYSCALL"), then
     * leaves the guest: the hypervisor reports a syscall exit and the kernel takes over.
     */
    private static void syscall(Cpu c, Insn i) {
        c.r[Reg.RCX] = i.next;
        c.r[Reg.R11] = c.state.rflags();
        c.requestExit(Cpu.EXIT_SYSCALL);
    }

    /** The time-stamp counter runs at a nominal 1 GHz: nanoseconds of host monotonic time. */
    private static void rdtsc(Cpu c, Insn i) {
        long tsc = System.nanoTime();
        c.r[Reg.RAX] = tsc & 0xFFFFFFFFL;
        c.r[Reg.RDX] = tsc >>> 32;
    }

    /** RDTSCP also loads IA32_TSC_AUX into ECX: Linux keeps the CPU number there, and this is CPU 0. */
    private static void rdtscp(Cpu c, Insn i) {
        rdtsc(c, i);
        c.r[Reg.RCX] = 0;
    }

    private static void setStatus(CpuState s, long flag, boolean on) {
        long f = Flags.status(s);
        Flags.setEager(s, on ? f | flag : f & ~flag);
    }

    /** AH = SF:ZF:0:AF:0:PF:1:CF. */
    private static void lahf(Cpu c, Insn i) {
        long f = (Flags.status(c.state) & 0xD5) | 2;
        c.setReg(Reg.HIGH_BYTE, 1, f);
    }

    private static void sahf(Cpu c, Insn i) {
        long ah = c.getReg(Reg.HIGH_BYTE, 1);
        long f = Flags.status(c.state);
        Flags.setEager(c.state, (f & ~0xD5L) | (ah & 0xD5));
    }
}
