package jvisor.kernel.debug;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jvisor.cpu.debug.Watchpoint;
import jvisor.hypervisor.ExitKind;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.api.LinuxMachine;
import jvisor.kernel.elf.ElfSymbols;
import jvisor.kernel.proc.Task;
import jvisor.kernel.syscall.SyscallInterceptor;

/** The embedding API on {@link TinyProgram}: breakpoints, steps, watchpoints, hooks, syscall override, faults. */
@Timeout(60)
class LinuxMachineTest {
    @TempDir
    Path dir;

    LinuxMachine load() throws Exception {
        return LinuxMachine.load(TinyProgram.write(dir));
    }

    @Test
    void symbolsComeFromTheElfSymbolTable() throws Exception {
        try (LinuxMachine m = load()) {
            ElfSymbols s = m.symbols();
            assertEquals(TinyProgram.TWICE, s.find("twice").address());
            assertEquals("_start+10", s.describe(TinyProgram.STORE));
            assertEquals("twice+3", s.describe(TinyProgram.TWICE + 3));
            assertEquals("counter", s.describe(TinyProgram.COUNTER));
            assertEquals(null, s.describe(0x500000));
        }
    }

    @Test
    void breakpointStepWatchpointAndTheFault() throws Exception {
        try (LinuxMachine m = load()) {
            assertEquals(Stop.Kind.START, m.start().kind());
            assertEquals(TinyProgram.START, m.reg("rip"));
            m.breakpoint("twice");
            Stop s = m.run();
            assertEquals(Stop.Kind.BREAKPOINT, s.kind());
            assertEquals(TinyProgram.TWICE, m.reg("rip"));
            assertEquals(TinyProgram.CALL + 5, m.read64(m.reg("rsp")), "the return address is on the stack");
            s = m.step(1);
            assertEquals(Stop.Kind.STEP, s.kind());
            assertEquals(10, m.reg("eax"));
            m.deleteBreakpoint(TinyProgram.TWICE);
            m.watch(TinyProgram.COUNTER, 4, Watchpoint.Kind.WRITE);
            s = m.run();
            assertEquals(Stop.Kind.WATCHPOINT, s.kind());
            assertEquals(TinyProgram.STORE, s.debug().insnAddress());
            assertArrayEquals(new byte[] {10, 0, 0, 0}, s.debug().newValue());
            m.stopOnFaults(true);
            s = m.run();
            assertEquals(Stop.Kind.FAULT, s.kind());
            assertEquals(Signals.SIGSEGV, s.signo());
            assertEquals(TinyProgram.NULL_WRITE, m.reg("rip"));
            assertTrue(s.vmExit().startsWith("exception exit: #PF page fault (vector 14) error code 0x6"), s.vmExit());
            s = m.run();
            assertEquals(Stop.Kind.KILLED, s.kind());
            assertEquals(Signals.SIGSEGV, s.signo());
            assertThrows(IllegalStateException.class, m::run);
        }
    }

    @Test
    void aFaultCanBeRepairedByMovingRipAndTheProgramExitsNormally() throws Exception {
        try (LinuxMachine m = load()) {
            m.stopOnFaults(true);
            assertEquals(Stop.Kind.FAULT, m.run().kind());
            m.setReg("rip", TinyProgram.EXIT);
            Stop s = m.resume(java.util.Map.of(), DebugSession.Action.CONTINUE.withoutSignal());
            assertEquals(Stop.Kind.EXITED, s.kind());
            assertEquals(0, s.exitStatus());
        }
    }

    @Test
    void hooksSeeInstructionsExitsAndSyscallsAndCanOverrideAResult() throws Exception {
        try (LinuxMachine m = load()) {
            List<Long> twice = new ArrayList<>();
            m.hookInstructions(TinyProgram.TWICE, TinyProgram.TWICE + 4, (cpu, i) -> twice.add(i.addr));
            List<ExitKind> exits = new ArrayList<>();
            m.hookExits((v, e) -> exits.add(e.kind));
            List<String> calls = new ArrayList<>();
            m.hookSyscalls(new SyscallInterceptor() {
                @Override
                public long before(Task t, int nr, long[] args) {
                    calls.add("before " + nr);
                    return nr == 39 ? 1234 : PROCEED;
                }

                @Override
                public long after(Task t, int nr, long[] args, long result) {
                    calls.add("after " + nr + " = " + result);
                    return result;
                }
            });
            long[] stores = {0};
            m.hookMemory(TinyProgram.PID, TinyProgram.PID + 4, false, true, (cpu, kind, addr, size, value) -> stores[0] = value);
            Stop s = m.run();
            assertEquals(Stop.Kind.KILLED, s.kind());
            assertEquals(List.of(TinyProgram.TWICE, TinyProgram.TWICE + 3), twice);
            assertEquals(List.of("before 39", "after 39 = 1234"), calls);
            assertEquals(1234, stores[0]);
            assertEquals(1234, m.read64(TinyProgram.PID) & 0xFFFFFFFFL);
            assertEquals(List.of(ExitKind.SYSCALL, ExitKind.EXCEPTION), exits.subList(exits.size() - 2, exits.size()));
        }
    }

    @Test
    void runUntilAndStopFromAnotherThread() throws Exception {
        try (LinuxMachine m = load()) {
            Stop s = m.runUntil(TinyProgram.SYSCALL);
            assertEquals(Stop.Kind.STEP, s.kind());
            assertEquals(TinyProgram.SYSCALL, m.reg("rip"));
            // an endless loop in place of the syscall: jmp $ (eb fe)
            m.write(TinyProgram.SYSCALL, new byte[] {(byte) 0xeb, (byte) 0xfe});
            Thread stopper = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                m.stop();
            });
            s = m.run();
            stopper.join();
            assertEquals(Stop.Kind.INTERRUPT, s.kind());
            assertEquals(TinyProgram.SYSCALL, m.reg("rip"));
            assertNotNull(s.debug());
        }
    }

    @Test
    void catchSyscallStopsAtEntryAndReturnWithTheResultInRax() throws Exception {
        try (LinuxMachine m = load()) {
            m.session().catchSyscall(39, true, true);
            Stop s = m.run();
            assertEquals(Stop.Kind.SYSCALL_ENTRY, s.kind());
            assertEquals(39, s.syscall());
            assertEquals("syscall exit", s.vmExit());
            s = m.run();
            assertEquals(Stop.Kind.SYSCALL_RETURN, s.kind());
            assertEquals(m.process().pid, m.reg("rax"));
            m.setReg("rax", 77); // the debugger changes the result
            m.stopOnFaults(true);
            assertEquals(Stop.Kind.FAULT, m.run().kind());
            assertEquals(77, m.read64(TinyProgram.PID) & 0xFFFFFFFFL);
        }
    }

    /** The launcher in dir, with dir as the guest's root (the host's /tmp is not the guest's), execve'ing target. */
    LinuxMachine launcher(String target) throws Exception {
        TinyProgram.write(dir);
        return LinuxMachine.builder(TinyProgram.writeExecer(dir, target)).root(dir).load();
    }

    @Test
    void anExecStopsBeforeTheNewProgramWhoseSymbolsTakeOver() throws Exception {
        try (LinuxMachine m = launcher("/tiny")) {
            assertEquals("launcher+14", m.describe(TinyProgram.LAUNCHER + 14));
            assertNull(m.symbols().find("twice"));
            m.stopOnExec(true);
            Stop s = m.run();
            assertEquals(Stop.Kind.EXEC, s.kind());
            assertEquals(Signals.SIGTRAP, s.signo());
            assertEquals("/tiny", s.program(), "the path inside the guest's root");
            assertEquals(TinyProgram.START, m.reg("rip"), "before the new program's first instruction");
            assertEquals("_start", m.describe(m.reg("rip")));
            assertNull(m.symbols().find("launcher"), "the old program's names are gone");
            assertEquals(TinyProgram.TWICE, m.breakpoint("twice"));
            s = m.run();
            assertEquals(Stop.Kind.BREAKPOINT, s.kind());
            assertEquals(TinyProgram.TWICE, m.reg("rip"));
            assertEquals(Stop.Kind.KILLED, m.run().kind(), "the new program's NULL write");
        }
    }

    @Test
    void withoutAStopTheNamesStillFollowTheExecAndCatchpointsComeInPtracesOrder() throws Exception {
        try (LinuxMachine m = launcher("/tiny")) {
            m.breakpoint(TinyProgram.TWICE);
            assertEquals(Stop.Kind.BREAKPOINT, m.run().kind());
            assertEquals("twice", m.describe(m.reg("rip")));
            assertEquals("twice", m.symbols(m.currentTask()).describe(TinyProgram.TWICE));
        }
        try (LinuxMachine m = launcher("/tiny")) {
            m.session().catchSyscall(59, true, true);
            m.stopOnExec(true);
            List<String> stops = new ArrayList<>();
            for (Stop s = m.run(); s.kind() != Stop.Kind.KILLED; s = m.run()) {
                stops.add(s.kind() + " " + m.describe(m.reg("rip")));
            }
            // ptrace reports the exec event before the syscall's exit, which returns 0 in the new program
            assertEquals(List.of("SYSCALL_ENTRY launcher+16", "EXEC _start", "SYSCALL_RETURN _start"), stops);
        }
    }

    @Test
    void aStepOverTheExecveStopsOnceInTheNewProgram() throws Exception {
        try (LinuxMachine m = launcher("/tiny")) {
            assertEquals(Stop.Kind.STEP, m.runUntil(TinyProgram.LAUNCHER + 14).kind(), "at the syscall instruction");
            m.stopOnExec(true);
            assertEquals(Stop.Kind.EXEC, m.step(1).kind(), "the exec event ends the step, as in gdb");
            m.breakpoint(TinyProgram.TWICE);
            Stop s = m.run();
            assertEquals(Stop.Kind.BREAKPOINT, s.kind(), "no stale step stop at the new program's entry");
            assertEquals("twice", m.describe(m.reg("rip")));
        }
    }

    @Test
    void aCaughtSyscallEndsAStepOverItsInstruction() throws Exception {
        try (LinuxMachine m = load()) {
            assertEquals(Stop.Kind.STEP, m.runUntil(TinyProgram.SYSCALL).kind());
            m.session().catchSyscall(39, false, true);
            assertEquals(Stop.Kind.SYSCALL_RETURN, m.step(1).kind());
            m.stopOnFaults(true);
            assertEquals(Stop.Kind.FAULT, m.run().kind(), "on to the NULL write, no stale step stop");
        }
    }

    @Test
    void aFailedExecIsNoExecStop() throws Exception {
        try (LinuxMachine m = launcher("/missing")) {
            m.stopOnExec(true);
            Stop s = m.run();
            assertEquals(Stop.Kind.EXITED, s.kind());
            assertEquals(256 - 2, s.exitStatus(), "exit(-ENOENT)");
        }
    }

    /** A program's loaded image is shared by the guests that run it: what one writes, no other sees. */
    @Test
    void guestsOfOneProgramSeeNoneOfEachOthersWrites() throws Exception {
        Path tiny = TinyProgram.write(dir);
        try (LinuxMachine a = LinuxMachine.load(tiny)) {
            a.start();
            byte[] code = a.read(TinyProgram.START, 5);
            a.runUntil(TinyProgram.SYSCALL);
            assertEquals(10, a.read64(TinyProgram.COUNTER));
            a.write(TinyProgram.START, new byte[] {(byte) 0x90, (byte) 0x90});
            try (LinuxMachine b = LinuxMachine.load(tiny)) {
                b.start();
                assertArrayEquals(code, b.read(TinyProgram.START, 5));
                assertEquals(0, b.read64(TinyProgram.COUNTER));
                b.write(TinyProgram.COUNTER, new byte[] {3});
                assertEquals(10, a.read64(TinyProgram.COUNTER));
            }
            assertEquals((byte) 0x90, a.read(TinyProgram.START, 1)[0]);
        }
    }

    /** A program file changed since a guest ran it: the next guest runs the new contents. */
    @Test
    void aChangedProgramFileIsLoadedAgain() throws Exception {
        Path tiny = TinyProgram.write(dir);
        try (LinuxMachine a = LinuxMachine.load(tiny)) {
            assertEquals(5, a.read(TinyProgram.START + 1, 1)[0], "mov edi, 5");
        }
        byte[] file = java.nio.file.Files.readAllBytes(tiny);
        int at = java.util.HexFormat.of().formatHex(file).indexOf("bf05000000e8") / 2;
        file[at + 1] = 6;
        java.nio.file.attribute.FileTime before = java.nio.file.Files.getLastModifiedTime(tiny);
        java.nio.file.Files.write(tiny, file);
        // A rewrite within the clock tick of the first would keep the time: make the change visible.
        java.nio.file.Files.setLastModifiedTime(tiny,
                java.nio.file.attribute.FileTime.fromMillis(before.toMillis() + 1000));
        try (LinuxMachine b = LinuxMachine.load(tiny)) {
            assertEquals(6, b.read(TinyProgram.START + 1, 1)[0], "mov edi, 6");
        }
    }
}
