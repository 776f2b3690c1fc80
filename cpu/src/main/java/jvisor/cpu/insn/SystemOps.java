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
        // They end their block, so that nothing after them in a block can fault and leave the
        // block's instructions uncounted: the counter they read never goes back.
        t.row("0F 31", "rdtsc", SystemOps::rdtsc, "end");
        t.row("0F 01 /7 reg rm1", "rdtscp", SystemOps::rdtscp, "end");
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

    /**
     * The time-stamp counter is virtual time: the number of guest instructions this vCPU retired
     * before the RDTSC, one tick per instruction at a nominal 1 GHz (CPUID leaves 0x15/0x16). It
     * is the clock the guest kernel measures guest CPU time with (CpuState.instructionsRetired),
     * so TSC deltas and CPU-time clocks agree; it is deterministic, strictly increasing from one
     * RDTSC to the next, and independent of host speed.
     */
    private static void rdtsc(Cpu c, Insn i) {
        long tsc = c.state.instructionsRetired + i.blockIndex;
        c.r[Reg.RAX] = tsc & 0xFFFFFFFFL;
        c.r[Reg.RDX] = tsc >>> 32;
    }

    /**
     * RDTSCP also loads IA32_TSC_AUX into ECX. Linux writes (node << 12) | cpu there (the
     * encoding getcpu's vDSO fast path decodes); this is CPU 0 of node 0.
     */
    private static void rdtscp(Cpu c, Insn i) {
        rdtsc(c, i);
        c.r[Reg.RCX] = TSC_AUX;
    }

    private static final long TSC_AUX = 0;

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
