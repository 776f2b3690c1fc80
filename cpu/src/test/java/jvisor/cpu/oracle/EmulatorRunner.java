package jvisor.cpu.oracle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.debug.InsnHook;
import jvisor.cpu.debug.Probes;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.Extensions;
import jvisor.cpu.jit.Translator;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * Runs a {@link DiffCase} on the emulator, interpreted or translated ({@link Engine}), with the
 * same memory layout as the native runner: the
 * code at its address in a code area (followed by INT3, which ends the run without changing any
 * register), the data page at {@link DiffCase#DATA}, FS and GS bases. The rest of the data page
 * (beyond the window) is zero at the start of every case, as on the host.
 */
public final class EmulatorRunner {
    private static final byte[] INT3 = {(byte) 0xCC};
    private static final byte[] ZERO_PAGE = new byte[(int) DiffCase.DATA_SIZE];

    /**
     * FNINIT, FLDZ eight times, FNINIT, INT3, at a fixed address outside the code area: puts the
     * x87 unit in its initial configuration with all registers zero, as the host runner does
     * before each case (XSAVE and XRSTOR see the x87 state).
     */
    private static final long RESET = 0x0F00_0000L;

    private final AddressSpace space = new AddressSpace();
    private final Cpu cpu;

    /** A runner on the interpreter. */
    public EmulatorRunner() {
        this(Engine.INTERPRETER);
    }

    public EmulatorRunner(Engine engine) {
        space.mapAnonymous(DiffCase.CODE, DiffCase.CODE_SIZE, Prot.RX, "code");
        space.mapAnonymous(DiffCase.DATA, DiffCase.DATA_SIZE, Prot.RW, "data");
        space.mapAnonymous(RESET, 0x1000, Prot.RX, "reset");
        space.mapAnonymous(DiffCase.READ_ONLY, 0x1000, Prot.READ, "read-only");
        byte[] ro = new byte[0x1000];
        for (int k = 0; k < ro.length; k++) ro[k] = DiffCase.readOnlyByte(k);
        space.pokeBytes(DiffCase.READ_ONLY, ro, 0, ro.length);
        byte[] reset = new byte[2 + 16 + 2 + 1];
        reset[0] = (byte) 0xDB;
        reset[1] = (byte) 0xE3;
        for (int k = 0; k < 8; k++) {
            reset[2 + 2 * k] = (byte) 0xD9;
            reset[3 + 2 * k] = (byte) 0xEE;
        }
        reset[18] = (byte) 0xDB;
        reset[19] = (byte) 0xE3;
        reset[20] = (byte) 0xCC;
        space.pokeBytes(RESET, reset, 0, reset.length);
        cpu = new Cpu(space, Extensions.ALL); // unadvertised extensions too: they are proven here first
        cpu.setTranslationThreshold(engine.threshold);
    }

    /** The vCPU's state after the last run (lazy flag fields and retired count included). */
    public CpuState state() {
        return cpu.state;
    }

    /**
     * One instruction of a case as {@link #trace} saw it: the decoded instruction, the sixteen
     * GPRs before it, the linear address of its memory operand (or -1), and whether it completed
     * (a faulting instruction is the last one and has not).
     */
    public record Step(Insn insn, long[] r, long address, boolean completed) {
        Step done() {
            return new Step(insn, r, address, true);
        }

        public long rax() {
            return r[Reg.RAX];
        }

        public long rcx() {
            return r[Reg.RCX];
        }
    }

    /**
     * Runs the case instruction by instruction (the debugger's loop, whatever the engine) and
     * returns what each instruction of its code saw. {@link Differ} uses it on hosts whose
     * implementation-specific results jvisor does not follow, to know what each instruction left
     * open (a shift count in CL, the XSAVE area...).
     */
    public List<Step> trace(DiffCase c) {
        List<Step> steps = new ArrayList<>();
        Probes probes = new Probes();
        probes.attach(cpu);
        InsnHook hook = new InsnHook() {
            @Override
            public void before(Cpu cpu, Insn i) {
                steps.add(new Step(i.copy(), cpu.state.r.clone(), i.mem ? cpu.ea(i) : -1, false));
            }

            @Override
            public void after(Cpu cpu, Insn i) {
                steps.set(steps.size() - 1, steps.get(steps.size() - 1).done());
            }
        };
        try (Probes.Handle h = probes.addInsnHook(c.codeAddr, c.codeAddr + c.code.length, hook)) {
            run(c);
        } finally {
            probes.detach(cpu);
        }
        return steps;
    }

    /**
     * Runs case c. The translator keeps XMM registers in locals in every region for the cases of
     * even index, and only in loops entered at their head (as it does by default) for the others,
     * so that random cases, which do not loop, run through both ways of reaching XMM registers.
     */
    public Outcome run(DiffCase c) {
        cpu.setXmmLocals(c.index % 2 == 0 ? Translator.XmmLocals.EVERY_REGION : Translator.XmmLocals.WHERE_THEY_PAY);
        cpu.state.rip = RESET;
        cpu.run();
        space.pokeBytes(c.codeAddr, c.code, 0, c.code.length);
        space.pokeBytes(c.codeAddr + c.code.length, INT3, 0, 1);
        space.pokeBytes(DiffCase.DATA, ZERO_PAGE, 0, ZERO_PAGE.length);
        space.pokeBytes(DiffCase.DATA, c.window, 0, c.window.length);
        CpuState s = cpu.state;
        System.arraycopy(c.gpr, 0, s.r, 0, 16);
        s.setRflags(c.rflags & (Flags.STATUS | Flags.DF));
        System.arraycopy(c.xmm, 0, s.xmm, 0, 32);
        System.arraycopy(c.ymmHi, 0, s.ymmHi, 0, 32);
        s.mxcsr = c.mxcsr;
        s.fsBase = DiffCase.FS_BASE;
        s.gsBase = DiffCase.GS_BASE;
        s.rip = c.codeAddr;
        long end = c.codeAddr + c.code.length;
        int exit;
        long vector, rip;
        try {
            exit = cpu.run();
        } catch (RuntimeException e) {
            // A Java exception out of a handler is an emulator bug: report it as vector 1000.
            StackTraceElement[] st = e.getStackTrace();
            return new Outcome(1000, s.rip, s.r.clone(), s.rflags(), Arrays.copyOf(s.xmm, 32), s.ymmHi.clone(), s.mxcsr,
                    new byte[(int) DiffCase.DATA_SIZE],
                    e + " at " + Arrays.toString(Arrays.copyOf(st, Math.min(4, st.length))));
        }
        if (exit == Cpu.EXIT_EXCEPTION && cpu.exitVector == CpuFault.BP && s.rip == end + 1) {
            vector = -1;
            rip = end;
        } else if (exit == Cpu.EXIT_EXCEPTION) {
            vector = cpu.exitVector;
            rip = s.rip;
        } else {
            vector = 1000 + exit; // a syscall or kick exit: nothing in the catalogue should produce one
            rip = s.rip;
        }
        byte[] page = space.readBytes(DiffCase.DATA, (int) DiffCase.DATA_SIZE);
        return new Outcome(vector, rip, s.r.clone(), s.rflags(), Arrays.copyOf(s.xmm, 32), s.ymmHi.clone(), s.mxcsr, page);
    }
}
