package jvisor.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import jvisor.cpu.CpuFault;
import jvisor.cpu.debug.Watchpoint;
import jvisor.mmu.Access;
import jvisor.mmu.Prot;

/** The Unicorn-style machine: map, write, set registers, hook, run until an address or a count, stop. */
class MachineTest {
    static final long CODE = 0x10000, DATA = 0x20000;
    // 10000 xor eax, eax
    // 10002 mov ecx, 10
    // 10007 add rax, rcx          <- loop
    // 1000a mov [0x20000], rax    (disp32 absolute)
    // 10012 dec ecx
    // 10014 jnz 10007
    // 10016 mov edi, eax
    // 10018 mov eax, 60 (exit)
    // 1001d syscall
    // 1001f mov rbx, [rbx]        (faults when rbx is 0)
    // 10022 jmp $
    static final String CODE_HEX = "31c0 b90a000000 4801c8 48890425 00000200 ffc9 75f1 89c7 b83c000000 0f05 488b1b ebfe";

    static Machine machine() {
        Machine m = new Machine();
        m.map(CODE, 0x1000, Prot.RX);
        m.map(DATA, 0x1000, Prot.RW);
        m.write(CODE, HexFormat.of().parseHex(CODE_HEX.replace(" ", "")));
        m.setReg("rsp", DATA + 0x1000);
        return m;
    }

    static long readLong(Machine m, long a) {
        byte[] b = m.read(a, 8);
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
        return v;
    }

    @Test
    void runsToAnUnhandledSyscallAndCanHandleIt() {
        Machine m = machine();
        Machine.Result r = m.run(CODE, -1, 0);
        assertEquals(Machine.Reason.SYSCALL, r.reason());
        assertEquals(55, m.reg("rdi"));
        assertEquals(55, readLong(m, DATA));
        List<Long> calls = new ArrayList<>();
        m.onSyscall(x -> {
            calls.add(x.reg("rax"));
            x.setReg("rax", 0);
            return true;
        });
        m.setReg("rbx", 0);
        r = m.run(CODE, -1, 0);
        assertEquals(Machine.Reason.EXCEPTION, r.reason(), r.toString());
        assertEquals(CpuFault.PF, r.vector());
        assertEquals(0, r.address());
        assertEquals(CODE + 0x1f, m.reg("rip"));
        assertEquals(List.of(60L), calls);
    }

    @Test
    void runUntilAnAddressOrACount() {
        Machine m = machine();
        Machine.Result r = m.run(CODE, CODE + 0x16, 0);
        assertEquals(Machine.Reason.UNTIL, r.reason());
        assertEquals(55, m.reg("eax"));
        r = m.run(CODE, -1, 5); // xor, mov, add, mov, dec
        assertEquals(Machine.Reason.COUNT, r.reason());
        assertEquals(CODE + 0x14, m.reg("rip"));
        assertEquals(9, m.reg("ecx"));
    }

    @Test
    void hooksSeeInstructionsBlocksMemoryAndExits() throws Exception {
        Machine m = machine();
        int[] insns = {0};
        List<Long> blocks = new ArrayList<>();
        List<Long> stores = new ArrayList<>();
        List<ExitKind> exits = new ArrayList<>();
        m.hookInstructions(0, -1, (cpu, i) -> insns[0]++);
        m.hookBlocks(CODE, CODE + 0x1000, (cpu, start, len) -> blocks.add(start));
        m.hookMemory(DATA, DATA + 8, false, true, (cpu, kind, addr, size, value) -> {
            assertEquals(Access.WRITE, kind);
            assertEquals(8, size);
            stores.add(value);
        });
        try (AutoCloseable h = m.hookExits((v, e) -> exits.add(e.kind))) {
            assertEquals(Machine.Reason.SYSCALL, m.run(CODE, -1, 0).reason());
        }
        assertEquals(2 + 10 * 4 + 3, insns[0]);
        assertEquals(List.of(55L), stores.subList(stores.size() - 1, stores.size()));
        assertEquals(10, stores.size());
        assertEquals(CODE, blocks.get(0));
        assertEquals(ExitKind.SYSCALL, exits.get(exits.size() - 1));
    }

    @Test
    void aWatchpointStopsAtTheWriteThatChangesTheValue() {
        Machine m = machine();
        m.watch(DATA, 8, Watchpoint.Kind.WRITE);
        Machine.Result r = m.run(CODE, -1, 0);
        assertEquals(Machine.Reason.WATCHPOINT, r.reason());
        assertNotNull(r.stop());
        assertEquals(CODE + 0xa, r.stop().insnAddress());
        assertEquals(10, r.stop().newValue()[0]);
    }

    @Test
    @Timeout(20)
    void stopFromAnotherThreadEndsAnEndlessRun() throws Exception {
        Machine m = machine();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            m.stop();
        });
        Machine.Result r = m.run(CODE + 0x22, -1, 0); // jmp $
        assertEquals(Machine.Reason.STOPPED, r.reason());
        assertEquals(CODE + 0x22, m.reg("rip"));
        t.join(TimeUnit.SECONDS.toMillis(5));
        assertTrue(m.state().instructionsRetired > 0);
    }
}
