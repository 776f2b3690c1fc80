package jvisor.kernel.debug.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jvisor.kernel.api.LinuxMachine;
import jvisor.kernel.debug.Stop;
import jvisor.kernel.debug.TinyProgram;

/** The command-line debugger, command by command, on {@link TinyProgram}. */
@Timeout(60)
class ConsoleDebuggerTest {
    @TempDir
    Path dir;

    record Session(String out, Stop end) {
    }

    Session session(String... commands) throws Exception {
        return session(LinuxMachine.load(TinyProgram.write(dir)), commands);
    }

    Session session(LinuxMachine machine, String... commands) {
        try (LinuxMachine m = machine) {
            List<String> out = new ArrayList<>();
            ConsoleDebugger d = new ConsoleDebugger(m, LineInput.of(List.of(commands), null), out::add);
            Stop end = d.run(m.start());
            return new Session(String.join("\n", out) + "\n", end);
        }
    }

    static void has(Session s, String regex) {
        assertTrue(Pattern.compile(regex, Pattern.MULTILINE).matcher(s.out()).find(), () -> "/" + regex + "/ in:\n" + s.out());
    }

    @Test
    void stepsBreakpointsRegistersMemoryAndTheFault() throws Exception {
        Session s = session("stepi", "", "info registers rdi rip", "bt", "finish", "p $rax", "p/x counter", "x/2i $pc",
                "x/4xb 0x401000", "watch counter 4", "continue", "break *0x401015", "c", "info breakpoints", "delete 1 2",
                "continue", "bt", "info registers eflags", "continue");
        has(s, "^Program stopped before its first instruction.$");
        has(s, "^=> 0x401005 <_start\\+5>:\tcall 0x401030$"); // after the first stepi
        has(s, "^=> 0x401030 <twice>:\tlea eax, \\[rdi \\+ rdi\\]$"); // the empty line repeated stepi
        has(s, "^rdi +0x5 +5$");
        has(s, "^#0  0x0000000000401030 in twice \\(\\)\n#1  0x000000000040100a in _start \\(\\)\n");
        has(s, "^Run till exit from 0x401030 <twice>$");
        has(s, "^\\$ = 10$");
        has(s, "^\\$ = 0x402000$");
        has(s, "^0x401000 <_start>:\t0xbf\t0x05\t0x00\t0x00$");
        has(s, "^Breakpoint 2, 0x401015 <_start\\+21>$");
        has(s, "^1 +write watchpoint +0x0000000000402000 counter  \\(hit 1 time\\)\n2 +breakpoint +0x0000000000401015 \\*0x401015  \\(hit 1 time\\)$");
        has(s, "^#0  0x000000000040101f in _start \\(\\)\neflags"); // _start is the outermost frame
        has(s, "^Hardware watchpoint 1: counter \\(4 bytes at 0x402000\\)$");
        has(s, "^Old value = 0 \\(0x0\\)\nNew value = 10 \\(0xa\\)\n\\(by the instruction at 0x40100a <_start\\+10>\\)$");
        has(s, "^Program received signal SIGSEGV.$");
        has(s, "^  \\[VM exit: exception exit: #PF page fault \\(vector 14\\) error code 0x6 address 0x0\\]$");
        has(s, "^eflags +0x[0-9a-f]+ +\\[ .*ZF .*\\]$");
        has(s, "^\\[program terminated with signal SIGSEGV\\]$");
        assertEquals(Stop.Kind.KILLED, s.end().kind());
    }

    @Test
    void nextiStepsOverCallsAndTbreakDeletesItself() throws Exception {
        Session s = session("si", "ni", "info registers rax", "tbreak *0x401015", "c", "info breakpoints", "quit");
        has(s, "^=> 0x40100a <_start\\+10>:");
        has(s, "^rax +0xa +10$");
        has(s, "^Temporary breakpoint 1, 0x401015 <_start\\+21>$");
        has(s, "^No breakpoints, watchpoints or catchpoints.$");
        assertEquals(Stop.Kind.KILLED, s.end().kind(), "quit kills the program");
    }

    @Test
    void catchSyscallSetRegistersMapsSignalsAndErrors() throws Exception {
        Session s = session("catch syscall getpid", "c", "c", "set $rax = 4242", "p $rax", "info signals", "maps",
                "info threads", "help", "help x", "bogus", "x/q 0", "break nowhere", "delete 9", "set *0x402018 = 7",
                "x/1xg 0x402018", "set $rip = 0x401021", "continue");
        has(s, "^Catchpoint 1 \\(syscall 'getpid' \\[39\\]\\)$");
        has(s, "^Catchpoint 1 \\(call to syscall getpid\\)$");
        has(s, "^  \\[VM exit: syscall exit\\]$");
        has(s, "^Catchpoint 1 \\(returned from syscall getpid\\) = \\d+$");
        has(s, "^\\$ = 4242$");
        has(s, "^SIGSEGV +Yes\tdefault \\(core\\) +No\tNo$");
        has(s, "^0x401000 +0x402000 +r-x  0x1000 +.*tiny$");
        has(s, "^\\* \\d+ +Thread \\d+ +0x401017 <_start\\+23>$");
        has(s, "^  stepi \\[N\\] \\(si\\) +Run one instruction");
        has(s, "^x/FMT ADDRESS\n  Examine memory");
        has(s, "^Undefined command: \"bogus\".  Try \"help\".$");
        has(s, "^Invalid format letter 'q'");
        has(s, "^No symbol \"nowhere\" in the program.$");
        has(s, "^No breakpoint number 9.$");
        has(s, "^0x402018:\t0x0000000000000007$");
        has(s, "^\\[program exited with code 0\\]$");
        assertEquals(Stop.Kind.EXITED, s.end().kind());
    }

    @Test
    void catchExecStopsInTheNewProgramWithItsNames() throws Exception {
        TinyProgram.write(dir);
        LinuxMachine m = LinuxMachine.builder(TinyProgram.writeExecer(dir, "/tiny")).root(dir).load();
        Session s = session(m, "info symbol $pc", "catch exec", "info breakpoints", "c", "info symbol $pc", "break twice",
                "p launcher", "c", "bt", "info breakpoints", "delete 1", "c", "c");
        has(s, "^launcher in /launcher$");
        has(s, "^Catchpoint 1 \\(exec\\)$");
        has(s, "^1 +catchpoint +exec$");
        has(s, "^process \\d+ is executing new program: /tiny\nCatchpoint 1 \\(exec'd /tiny\\)\n"
                + "  \\[VM exit: syscall exit: execve, before the new program's first instruction\\]\n"
                + "=> 0x401000 <_start>:\tmov edi, 5$");
        has(s, "^_start in /tiny$");
        has(s, "^Breakpoint 2 at 0x401030 <twice>$");
        has(s, "^No symbol \"launcher\" in the program.$");
        has(s, "^Breakpoint 2, 0x401030 <twice>$");
        has(s, "^#0  0x0000000000401030 in twice \\(\\)\n#1  0x000000000040100a in _start \\(\\)$");
        has(s, "^1 +catchpoint +exec  \\(hit 1 time\\)$");
        has(s, "^Program received signal SIGSEGV.$");
        assertEquals(Stop.Kind.KILLED, s.end().kind());
    }
}
