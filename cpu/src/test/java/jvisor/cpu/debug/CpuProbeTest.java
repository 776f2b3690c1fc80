package jvisor.cpu.debug;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.Reg;
import jvisor.mmu.Access;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/** Breakpoints, steps, watchpoints and hooks of the instrumented loop, on a small program. */
class CpuProbeTest {
    static final long CODE = 0x400000, DATA = 0x600000, VAR = DATA + 0x10;
    // 400000 mov rax, 0x600010
    // 400007 mov dword [rax], 42
    // 40000d mov dword [rax], 42      (same value again)
    // 400013 mov ebx, [rax]
    // 400015 inc ebx
    // 400017 mov [rax], ebx
    // 400019 syscall
    // 40001b jmp $
    static final String PROGRAM = "48c7c010006000 c7002a000000 c7002a000000 8b18 ffc3 8918 0f05 ebfe";

    final AddressSpace as = new AddressSpace();
    final Cpu cpu = new Cpu(as);
    final Probes probes = new Probes();
    final CpuProbe probe = probes.attach(cpu);

    CpuProbeTest() {
        as.mapAnonymous(CODE, 0x1000, Prot.RX, "code");
        as.mapAnonymous(DATA, 0x1000, Prot.RW, "data");
        byte[] code = HexFormat.of().parseHex(PROGRAM.replace(" ", ""));
        as.pokeBytes(CODE, code, 0, code.length);
        cpu.state.rip = CODE;
        cpu.state.r[Reg.RSP] = DATA + 0x1000;
    }

    /** Runs until an exit other than a kick (probes kick on every change). */
    int run() {
        int e;
        do e = cpu.run(); while (e == Cpu.EXIT_KICK);
        return e;
    }

    void assertDebugStop(DebugStop.Kind kind, long pc) {
        assertEquals(Cpu.EXIT_EXCEPTION, run());
        assertEquals(CpuFault.DB, cpu.exitVector);
        assertEquals(kind, probe.lastStop().kind(), probe.lastStop().toString());
        assertEquals(pc, cpu.state.rip);
        assertEquals(pc, probe.lastStop().pc());
    }

    @Test
    void withNothingToCheckThePlainLoopRuns() {
        assertFalse(probe.takesOver(cpu));
        assertEquals(Cpu.EXIT_SYSCALL, run());
        assertEquals(43, cpu.state.r[Reg.RBX]);
    }

    @Test
    void aBreakpointStopsBeforeTheInstructionAndResumingDoesNotStopThereAgain() {
        probes.addBreakpoint(CODE + 0x15);
        assertDebugStop(DebugStop.Kind.BREAKPOINT, CODE + 0x15);
        assertEquals(42, cpu.state.r[Reg.RBX], "inc ebx has not run");
        assertEquals(Cpu.EXIT_SYSCALL, run());
        assertEquals(43, cpu.state.r[Reg.RBX]);
        assertTrue(probes.removeBreakpoint(CODE + 0x15));
        assertFalse(probes.removeBreakpoint(CODE + 0x15));
        assertFalse(probes.active());
    }

    @Test
    void stepsCountInstructionsAndAStepEndingInASyscallStopsWhenTheGuestResumes() {
        probe.step(1);
        assertDebugStop(DebugStop.Kind.STEP, CODE + 7);
        probe.step(5);
        assertDebugStop(DebugStop.Kind.STEP, CODE + 0x19);
        probe.step(1);
        assertEquals(Cpu.EXIT_SYSCALL, run());
        assertDebugStop(DebugStop.Kind.STEP, CODE + 0x1b);
        assertEquals(CODE + 0x19, probe.lastStop().insnAddress());
    }

    @Test
    void runUntilStopsOnceAtTheAddress() {
        probe.runUntil(CODE + 0x13);
        assertDebugStop(DebugStop.Kind.UNTIL, CODE + 0x13);
        assertEquals(Cpu.EXIT_SYSCALL, run());
    }

    @Test
    void aWriteWatchpointFiresOnTheWriteThatChangesTheValueWithOldAndNew() {
        Watchpoint w = probes.addWatchpoint(VAR, 4, Watchpoint.Kind.WRITE);
        assertDebugStop(DebugStop.Kind.WATCHPOINT, CODE + 0xd);
        DebugStop s = probe.lastStop();
        assertEquals(CODE + 7, s.insnAddress());
        assertArrayEquals(new byte[] {0, 0, 0, 0}, s.oldValue());
        assertArrayEquals(new byte[] {42, 0, 0, 0}, s.newValue());
        assertFalse(s.byKernel());
        // the second store writes the same value: gdb's watch does not stop; the third changes it
        assertDebugStop(DebugStop.Kind.WATCHPOINT, CODE + 0x19);
        assertEquals(CODE + 0x17, probe.lastStop().insnAddress());
        assertArrayEquals(new byte[] {43, 0, 0, 0}, probe.lastStop().newValue());
        probes.removeWatchpoint(w);
        assertEquals(Cpu.EXIT_SYSCALL, run());
        assertNull(as.observer(), "no watchpoint left: the observer is gone and the TLB fast again");
    }

    @Test
    void readAndAccessWatchpointsFireOnLoadsAndStores() {
        probes.addWatchpoint(VAR + 2, 1, Watchpoint.Kind.READ); // one byte inside the dword
        assertDebugStop(DebugStop.Kind.WATCHPOINT, CODE + 0x15);
        assertEquals(Access.READ, probe.lastStop().access());
        assertEquals(VAR, probe.lastStop().accessAddress());

        CpuProbeTest t = new CpuProbeTest();
        t.probes.addWatchpoint(VAR, 8, Watchpoint.Kind.ACCESS);
        t.assertDebugStop(DebugStop.Kind.WATCHPOINT, CODE + 0xd);
        t.assertDebugStop(DebugStop.Kind.WATCHPOINT, CODE + 0x13); // same value written: awatch stops anyway
        t.assertDebugStop(DebugStop.Kind.WATCHPOINT, CODE + 0x15);
        assertEquals(Access.READ, t.probe.lastStop().access());
    }

    @Test
    void kernelWritesIntoAWatchedRangeStopBeforeTheNextGuestInstruction() {
        probes.addWatchpoint(VAR, 4, Watchpoint.Kind.WRITE);
        probe.step(1);
        assertDebugStop(DebugStop.Kind.STEP, CODE + 7);
        // as a read(2) into the variable would, outside guest execution on this thread
        as.writeBytes(VAR, new byte[] {7, 0, 0, 0}, 0, 4);
        assertDebugStop(DebugStop.Kind.WATCHPOINT, CODE + 7);
        assertTrue(probe.lastStop().byKernel());
        assertArrayEquals(new byte[] {7, 0, 0, 0}, probe.lastStop().newValue());
    }

    @Test
    void hooksSeeEveryInstructionBlockAndAccessInTheirRange() {
        List<String> seen = new ArrayList<>();
        probes.addInsnHook(CODE, CODE + 0x13, new InsnHook() {
            @Override
            public void before(Cpu c, jvisor.cpu.decode.Insn i) {
                seen.add("before " + Long.toHexString(i.addr));
            }

            @Override
            public void after(Cpu c, jvisor.cpu.decode.Insn i) {
                seen.add("after " + Long.toHexString(c.state.rip));
            }
        });
        probes.addBlockHook(0, -1, (c, start, len) -> seen.add("block " + Long.toHexString(start) + "+" + len));
        probes.addMemoryHook(VAR, VAR + 1, false, true,
                (c, kind, addr, size, value) -> seen.add("write " + Long.toHexString(addr) + ":" + size + "=" + value
                        + (c == cpu ? "" : " (no cpu)")));
        assertEquals(Cpu.EXIT_SYSCALL, run());
        assertEquals(List.of("block 400000+27", "before 400000", "after 400007", "before 400007", "write 600010:4=42",
                "after 40000d", "before 40000d", "write 600010:4=42", "after 400013", "write 600010:4=43"), seen);
    }

    @Test
    void aStopFromAnotherThreadEndsAnEndlessLoop() throws Exception {
        probes.addBreakpoint(CODE + 0x1b);
        assertEquals(Cpu.EXIT_SYSCALL, run());
        assertDebugStop(DebugStop.Kind.BREAKPOINT, CODE + 0x1b);
        probes.removeBreakpoint(CODE + 0x1b); // now the plain loop spins in jmp $
        Thread stopper = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            probe.requestStop();
        });
        assertDebugStop(DebugStop.Kind.REQUESTED, CODE + 0x1b);
        stopper.join(TimeUnit.SECONDS.toMillis(5));
    }

    @Test
    void aStopRequestedByABeforeHookKeepsTheInstructionFromRunningOnce() {
        int[] calls = {0};
        probes.addInsnHook(CODE + 0x15, CODE + 0x16, (c, i) -> {
            calls[0]++;
            probe.requestStop();
        });
        assertDebugStop(DebugStop.Kind.REQUESTED, CODE + 0x15);
        assertEquals(42, cpu.state.r[Reg.RBX]);
        assertEquals(Cpu.EXIT_SYSCALL, run());
        assertEquals(1, calls[0]);
        assertEquals(43, cpu.state.r[Reg.RBX]);
    }

    @Test
    @Timeout(10)
    void aFaultInTheInstrumentedLoopIsTheSameExceptionExit() {
        as.protect(DATA, 0x1000, Prot.READ);
        probe.step(100);
        assertEquals(Cpu.EXIT_EXCEPTION, run());
        assertEquals(CpuFault.PF, cpu.exitVector);
        assertEquals(VAR, cpu.exitAddress);
        assertEquals(CODE + 7, cpu.state.rip);
    }
}
