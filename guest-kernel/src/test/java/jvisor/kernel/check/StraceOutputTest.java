package jvisor.kernel.check;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** strace -f -X raw -xx -v lines (taken from real runs of the testbins) read into events. */
class StraceOutputTest {

    private static Event.Call call(String line) {
        Event.Call c = StraceOutput.call(line);
        assertNotNull(c, line);
        return c;
    }

    @Test
    void numbersStringsAndErrno() {
        Event.Call c = call("openat(-100, \"\\x6d\\x69\\x73\\x73\\x69\\x6e\\x67\", 0) = -1 ENOENT (No such file or directory)");
        assertEquals("openat", c.name());
        assertEquals(new Value.Num(-100), c.args().get(0));
        assertArrayEquals("missing".getBytes(StandardCharsets.US_ASCII), ((Value.Str) c.args().get(1)).bytes());
        assertEquals(-2, c.result());
        assertTrue(c.failed());

        c = call("openat(-100, \"\\x66\", 0x42, 0666)  = 3");
        assertEquals(List.of(new Value.Num(-100), c.args().get(1), new Value.Num(0x42), new Value.Num(0666)), c.args());
        assertEquals(3, c.result());

        c = call("truncate(\"\\x66\", 18446744073709551615) = -1 EINVAL (Invalid argument)");
        assertEquals(new Value.Num(-1), c.args().get(1));
        assertEquals(-22, c.result());

        c = call("fcntl(4, 0x3)                     = 0x8401 (flags O_WRONLY|O_APPEND|O_LARGEFILE)");
        assertEquals(0x8401, c.result());
        c = call("brk(NULL)                         = 0x2c901000");
        assertEquals(new Value.Addr(0), c.args().get(0));
        assertEquals(0x2c901000L, c.result());
    }

    @Test
    void structuresCommentsAndSets() {
        Event.Call c = call("newfstatat(1, \"\", {st_dev=0x6, st_ino=3, st_mode=020666, st_nlink=1, st_uid=0, st_gid=0, "
                + "st_blksize=4096, st_blocks=0, st_rdev=0x103, st_atime=1795185873 /* 2026-11-20T14:44:33.685143336+0000 */, "
                + "st_atime_nsec=685143336}, 0x1000) = 0");
        Value.Struct st = assertInstanceOf(Value.Struct.class, c.args().get(2));
        assertEquals(new Value.Num(020666), st.fields().get("st_mode"));
        assertEquals(new Value.Num(1795185873L), st.fields().get("st_atime"));
        assertEquals(new Value.Num(685143336L), st.fields().get("st_atime_nsec"));
        assertEquals(new Value.Num(0x1000), c.args().get(3));

        c = call("rt_sigaction(10, {sa_handler=0x402330, sa_mask=[28], sa_flags=0x4000004, sa_restorer=0x409690}, NULL, 8) = 0");
        Value.Struct sa = assertInstanceOf(Value.Struct.class, c.args().get(1));
        assertEquals(new Value.Num(0x402330), sa.fields().get("sa_handler"));
        c = call("rt_sigprocmask(0x2, NULL, [10 28], 8) = 0");
        Value.Bits set = assertInstanceOf(Value.Bits.class, c.args().get(2));
        assertEquals((1L << 9) | (1L << 27), set.sigmask());
        c = call("rt_sigprocmask(0, ~[9 19], [], 8) = 0");
        assertEquals(~((1L << 8) | (1L << 18)), ((Value.Bits) c.args().get(1)).sigmask());
        c = call("pwritev(3, [{iov_base=\"\\x61\\x62\", iov_len=2}, {iov_base=\"\\x63\\x64\", iov_len=2}], 2, 2) = 4");
        Value.Arr iov = assertInstanceOf(Value.Arr.class, c.args().get(1));
        assertEquals(2, iov.items().size());
        c = call("rt_sigreturn({mask=[]})           = 0");
        assertInstanceOf(Value.Struct.class, c.args().get(0));
    }

    @Test
    void cloneArgumentsComeBackInRegisterOrder() {
        Event.Call c = call("clone(child_stack=NULL, flags=0x1200011, child_tidptr=0x7f0a1b2c3d40) = 4321");
        assertEquals(new Value.Num(0x1200011), c.args().get(0));
        assertEquals(new Value.Addr(0), c.args().get(1));
        assertEquals(new Value.Num(0x7f0a1b2c3d40L), c.args().get(3));
        assertEquals(4321, c.result());
    }

    @Test
    void tasksSignalsUnfinishedCallsAndTheEnd() {
        StraceOutput o = StraceOutput.parse(List.of(
                "100 execve(\"\\x2f\\x62\", [\"\\x2f\\x62\"], []) = 0",
                "100 clone(child_stack=NULL, flags=0x1200011, child_tidptr=0x1000) = 101",
                "101 getpid( <unfinished ...>",
                "100 read(0,  <unfinished ...>",
                "101 <... getpid resumed>)          = 101",
                "100 <... read resumed>\"\\x68\", 10) = 1",
                "101 exit_group(3)                     = ?",
                "101 +++ exited with 3 +++",
                "100 --- SIGCHLD {si_signo=17, si_code=0x1, si_pid=101, si_uid=0, si_status=3, si_utime=0, si_stime=0} ---",
                "100 rt_sigtimedwait(~[], NULL, NULL, 8) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)",
                "100 +++ killed by SIGSEGV (core dumped) +++"));
        assertEquals(List.of(), o.problems());
        Trace t = o.trace();
        assertEquals(100, t.root().tid);
        assertEquals(List.of(101), t.root().children);
        List<Event> root = t.root().events;
        assertEquals("read", ((Event.Call) root.get(2)).name());
        assertEquals(1, ((Event.Call) root.get(2)).result());
        assertEquals(17, ((Event.Signal) root.get(3)).signo());
        assertEquals(-512, ((Event.Call) root.get(4)).result());
        assertEquals(new Event.Killed(11), root.get(5));
        List<Event> child = t.get(101).events;
        assertEquals(101, ((Event.Call) child.get(0)).result());
        assertTrue(((Event.Call) child.get(1)).noReturn());
        assertEquals(new Event.Exit(3), child.get(2));
    }

    @Test
    void unknownLinesAreProblemsNotExceptions() {
        StraceOutput o = StraceOutput.parse(List.of("100 something odd", "garbage"));
        assertEquals(2, o.problems().size());
    }
    @Test
    void aCallWhoseNameStraceLostEndsTheUnfinishedOne() {
        StraceOutput o = StraceOutput.parse(List.of("102 pause( <unfinished ...>", "102 <... ??? resumed>) = ?",
                "102 +++ killed by SIGKILL +++", "103 <... ??? resumed>) = ?", "103 +++ killed by SIGKILL +++"));
        assertEquals(List.of(), o.problems());
        Event.Call pause = (Event.Call) o.trace().get(102).events.get(0);
        assertEquals("pause", pause.name());
        assertTrue(pause.noReturn());
        assertEquals(List.of(new Event.Killed(9)), o.trace().get(103).events);

        // The name lost after strace printed some arguments: the call as far as printed.
        o = StraceOutput.parse(List.of("104 wait4(-1,  <unfinished ...>", "104   <... ??? resumed>)                = ?",
                "104 +++ killed by SIGKILL +++"));
        assertEquals(List.of(), o.problems());
        Event.Call wait = (Event.Call) o.trace().get(104).events.get(0);
        assertEquals("wait4", wait.name());
        assertTrue(wait.noReturn());

        // What strace had printed of the call does not read as one: strace knows too little of it.
        o = StraceOutput.parse(List.of("105 write(1, \"cut  <unfinished ...>", "105 <... ??? resumed>) = ?",
                "105 +++ killed by SIGKILL +++"));
        assertEquals(List.of(), o.problems());
        assertEquals(List.of(new Event.Killed(9)), o.trace().get(105).events);
    }

    @Test
    void waitStatusesFlagSetsAndClone3ArgumentsAreValues() {
        Event.Call c = call("wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 4321");
        assertEquals(new Value.Arr(List.of(new Value.Num(3 << 8))), c.args().get(1));
        c = call("wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0x1, NULL) = 4322");
        assertEquals(new Value.Arr(List.of(new Value.Num(9))), c.args().get(1));
        c = call("wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], 0, NULL) = 4323");
        assertEquals(new Value.Arr(List.of(new Value.Num(11 | 0x80))), c.args().get(1));
        c = call("wait4(-1, 0x7ffd27eaa010, 1, NULL) = -1 ECHILD (No child processes)");
        assertEquals(new Value.Num(0x7ffd27eaa010L), c.args().get(1));

        c = call("socket(1, 0x1|0x80800, 0) = 3");
        assertEquals(new Value.Num(0x80801), c.args().get(1));
        c = call("mmap(NULL, 8192, 0x1|0x2, 0x22, -1, 0) = 0x7f0000");
        assertEquals(new Value.Num(3), c.args().get(2));
        // An expression that is not a flag set stays text.
        c = call("setrlimit(3, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0");
        assertInstanceOf(Value.Other.class, ((Value.Struct) c.args().get(1)).fields().get("rlim_cur"));

        c = call("clone3({flags=0x3d0f00, child_tid=0x7f82, parent_tid=0x7f82, exit_signal=0, stack=0x7f81, "
                + "stack_size=0x800300, tls=0x7f83} => {parent_tid=[27081]}, 88) = 27081");
        Value.Struct args = assertInstanceOf(Value.Struct.class, c.args().get(0));
        assertEquals(new Value.Num(0x3d0f00), args.fields().get("flags"));
        assertEquals(new Value.Num(88), c.args().get(1));
    }
}
