package jvisor.kernel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path tmp;

    @Test
    void parsesOptionsUpToTheBinary() throws Exception {
        Main.Options o = Main.parse(new String[] {"run", "-q", "--strace", "--root", "/tmp", "./prog", "--strace", "-x"});
        assertTrue(o.quiet());
        assertTrue(o.strace());
        assertEquals(Path.of("/tmp"), o.root());
        assertEquals("./prog", o.binary());
        assertEquals(5, o.binaryIndex());
        Main.Options p = Main.parse(new String[] {"run", "--root=/r", "--", "-prog"});
        assertEquals("-prog", p.binary());
        assertEquals(Path.of("/r"), p.root());
        assertFalse(p.quiet());
        assertFalse(p.interp());
        assertTrue(Main.parse(new String[] {"run", "--interp", "./prog"}).interp());
        assertFalse(p.cpuReport());
        assertTrue(Main.parse(new String[] {"run", "--cpu-report", "./prog"}).cpuReport());
    }

    @Test
    void usageErrors() {
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"run"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"run", "--bogus", "x"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"run", "--root"}));
    }

    @Test
    void exitStatusesOfJvisorItself() throws Exception {
        assertEquals(2, Main.run(new String[0]));
        assertEquals(2, Main.run(new String[] {"frobnicate"}));
        assertEquals(2, Main.run(new String[] {"run", "--nope", "x"}));
        assertEquals(2, Main.run(new String[] {"run"}));
        assertEquals(1, Main.run(new String[] {"run", "-q", tmp.resolve("missing").toString()}));
        assertEquals(1, Main.run(new String[] {"run", "-q", tmp.toString()}));
        Path text = tmp.resolve("text");
        Files.writeString(text, "not a program\n");
        assertEquals(1, Main.run(new String[] {"run", "-q", text.toString()}));
    }

    @Test
    void internalErrorsAreOneLineAndStatus70() {
        assertEquals(70, Main.internalError(new IllegalStateException("boom")));
    }

    @Test
    void debuggingOptions() throws Exception {
        Main.Options o = Main.parse(new String[] {"run", "--trace=t.txt", "--trace-symbol=main", "--trace-after=10",
                "--trace-count=5", "--stop-on=fault,syscall=write", "--stop-on=addr=0x401000", "--gdb", "1234", "./p", "a"});
        DebugOptions d = o.debug();
        assertTrue(d.trace());
        assertEquals("t.txt", d.traceFile());
        assertEquals("main", d.traceSymbol());
        assertEquals(10, d.traceAfter());
        assertEquals(5, d.traceCount());
        assertEquals("[fault, syscall=write, addr=0x401000]", d.stopOn().toString());
        assertEquals(1234, d.gdbPort());
        assertEquals("./p", o.binary());
        assertEquals(9, o.binaryIndex());
        Main.Options dbg = Main.parse(new String[] {"debug", "--trace-count=3", "./p"});
        assertTrue(dbg.debug().debugger());
        assertTrue(dbg.debug().trace(), "a trace filter implies --trace");
        assertFalse(Main.parse(new String[] {"run", "./p"}).debug().any());
    }

    @Test
    void debuggingUsageErrors() {
        for (String[] bad : new String[][] {{"run", "--stop-on=nonsense", "p"}, {"run", "--stop-on=addr", "p"},
                {"run", "--stop-on=addr=0xZZ", "p"}, {"run", "--stop-on=fault=1", "p"}, {"run", "--gdb"},
                {"run", "--gdb", "http", "p"}, {"run", "--trace-count=-1", "p"}, {"debug", "--gdb=1", "p"},
                {"run", "--trace-range=1-2", "--trace-symbol=x", "p"}}) {
            assertThrows(Main.UsageException.class, () -> Main.parse(bad), String.join(" ", bad));
        }
    }
}
