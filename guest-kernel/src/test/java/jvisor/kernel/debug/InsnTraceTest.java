package jvisor.kernel.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jvisor.kernel.api.LinuxMachine;

/** --trace's lines on {@link TinyProgram}: what changed, the faulting instruction, filters, and the end of the trace. */
@Timeout(60)
class InsnTraceTest {
    @TempDir
    Path dir;

    List<String> trace(InsnTrace.Options o) throws Exception {
        List<String> lines = new ArrayList<>();
        try (LinuxMachine m = LinuxMachine.load(TinyProgram.write(dir))) {
            new InsnTrace(m.hypervisor(), m.session().symbols(), o, lines::add).install();
            m.run();
        }
        return lines;
    }

    @Test
    void everyInstructionWithWhatItChanged() throws Exception {
        List<String> t = trace(InsnTrace.Options.ALL);
        assertEquals(10, t.size(), String.join("\n", t));
        assertTrue(t.get(0).matches("#1 0x401000 <_start> +bf 05 00 00 00 +mov edi, 5 +rdi 0x0->0x5$"), t.get(0));
        assertTrue(t.get(1).matches("#2 0x401005 <_start\\+5> +e8 26 00 00 00 +call 0x401030 +rsp 0x([0-9a-f]+)->0x[0-9a-f]+ "
                + "rip 0x40100a->0x401030 \\[0x[0-9a-f]+\\]:8 0x0->0x40100a$"), t.get(1));
        assertTrue(t.get(2).matches("#3 0x401030 <twice> +8d 04 3f +lea eax, \\[rdi \\+ rdi\\] +rax 0x0->0xa$"), t.get(2));
        assertTrue(t.get(4).matches("#5 0x40100a <_start\\+10> .* \\[0x402000\\]:4 0x0->0xa$"), t.get(4));
        assertTrue(t.get(8).matches("#9 0x40101d <_start\\+29> +31 c0 +xor eax, eax +rax 0x[0-9a-f]+->0x0 PF 0->1 ZF 0->1$"),
                t.get(8));
        assertTrue(t.get(9).matches("#10 0x40101f <_start\\+31> +89 00 +mov dword ptr \\[rax\\], eax +=> #PF page fault "
                + "\\(vector 14\\) error code 0x6 address 0x0; rax=0x0$"), t.get(9));
    }

    @Test
    void rangeStartAndCountFilters() throws Exception {
        List<String> t = trace(new InsnTrace.Options(TinyProgram.TWICE, TinyProgram.TWICE + 4, 0, 0));
        assertEquals(2, t.size(), String.join("\n", t));
        assertTrue(t.get(0).startsWith("#3 0x401030 <twice>"));
        t = trace(new InsnTrace.Options(0, -1, 5, 2));
        assertEquals(3, t.size(), String.join("\n", t));
        assertTrue(t.get(0).startsWith("#6 "), t.get(0));
        assertEquals("-- trace: 2 instructions traced, the limit; the program goes on untraced", t.get(2));
    }
}
