package jvisor.cpu.disasm;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DisassemblerTest {

    private static final long BASE = 0x401000L;

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static Disassembler requireCapstone() {
        Disassembler d = Disassembler.get();
        assumeTrue(d.available(), () -> "capstone not available, skipping: " + d.unavailableReason());
        return d;
    }

    @Test
    void sharedInstance() {
        Disassembler d = Disassembler.get();
        assertNotNull(d);
        assertSame(d, Disassembler.get());
        assertEquals(d.available(), d.unavailableReason() == null);
    }

    @Test
    void hexFormatting() {
        assertEquals("0f 0b", Disassembler.hex(bytes(0x0f, 0x0b), 0, 2));
        assertEquals("89 e5", Disassembler.hex(bytes(0x48, 0x89, 0xe5), 1, 2));
        assertEquals("ff", Disassembler.hex(bytes(0xff), 0, 1));
        assertEquals("", Disassembler.hex(bytes(0x90), 1, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> Disassembler.hex(bytes(0x90), 0, 2));
    }

    @Test
    void ud2() {
        Disassembler d = requireCapstone();
        assertEquals("ud2", d.disassembleOne(bytes(0x0f, 0x0b), BASE));
        assertEquals(2, d.lengthOfOne(bytes(0x0f, 0x0b), BASE));
    }

    @Test
    void movRbpRsp() {
        Disassembler d = requireCapstone();
        assertEquals("mov rbp, rsp", d.disassembleOne(bytes(0x48, 0x89, 0xe5), BASE));
        assertEquals(3, d.lengthOfOne(bytes(0x48, 0x89, 0xe5), BASE));
        // Trailing bytes do not change the first instruction.
        assertEquals(3, d.lengthOfOne(bytes(0x48, 0x89, 0xe5, 0xc3, 0x90), BASE));
    }

    @Test
    void ret() {
        Disassembler d = requireCapstone();
        assertEquals("ret", d.disassembleOne(bytes(0xc3), BASE));
        assertEquals(1, d.lengthOfOne(bytes(0xc3), BASE));
    }

    @Test
    void memoryOperandAndRipRelativeUseAddress() {
        Disassembler d = requireCapstone();
        assertEquals("mov dword ptr [rax], 1", d.disassembleOne(bytes(0xc7, 0x00, 0x01, 0x00, 0x00, 0x00), BASE));
        // jmp rel8 +0 at 0x401000 targets 0x401002.
        assertEquals("jmp 0x401002", d.disassembleOne(bytes(0xeb, 0x00), BASE));
    }

    @Test
    void invalidInstruction() {
        Disassembler d = requireCapstone();
        // push es does not exist in 64-bit mode.
        assertNull(d.disassembleOne(bytes(0x06), BASE));
        assertEquals(0, d.lengthOfOne(bytes(0x06), BASE));
        // Truncated instruction.
        assertNull(d.disassembleOne(bytes(0x48, 0x89), BASE));
        assertEquals(0, d.lengthOfOne(bytes(0x48, 0x89), BASE));
        assertNull(d.disassembleOne(new byte[0], BASE));
        assertEquals(0, d.lengthOfOne(new byte[0], BASE));
    }

    @Test
    void listing() {
        Disassembler d = requireCapstone();
        byte[] code = bytes(0x55, 0x48, 0x89, 0xe5, 0xc3, 0x06, 0x90);
        assertEquals(List.of(
                "0x401000: 55  push rbp",
                "0x401001: 48 89 e5  mov rbp, rsp",
                "0x401004: c3  ret"), d.disassemble(code, BASE, 10));
        assertEquals(List.of("0x401000: 55  push rbp"), d.disassemble(code, BASE, 1));
        assertTrue(d.disassemble(code, BASE, 0).isEmpty());
        assertTrue(d.disassemble(bytes(0x06), BASE, 5).isEmpty());
    }

    @Test
    void longListingGrowsBuffer() {
        Disassembler d = requireCapstone();
        byte[] code = new byte[1000];
        java.util.Arrays.fill(code, (byte) 0x90);
        List<String> lines = d.disassemble(code, BASE, 2000);
        assertEquals(1000, lines.size());
        assertEquals("0x4013e7: 90  nop", lines.get(999));
        // Single-instruction calls still work after the buffer grew.
        assertEquals("ret", d.disassembleOne(bytes(0xc3), BASE));
    }

    @Test
    void concurrentUse() throws Exception {
        Disassembler d = requireCapstone();
        byte[] mov = bytes(0x48, 0x89, 0xe5);
        byte[] ud2 = bytes(0x0f, 0x0b);
        List<Thread> threads = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        for (int t = 0; t < 4; t++) {
            boolean even = t % 2 == 0;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 5000; i++) {
                    boolean ok = even
                            ? d.lengthOfOne(mov, BASE) == 3 && "mov rbp, rsp".equals(d.disassembleOne(mov, BASE))
                            : d.lengthOfOne(ud2, BASE) == 2 && "ud2".equals(d.disassembleOne(ud2, BASE));
                    if (!ok) {
                        failures.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, failures.get());
    }

    @Test
    void unavailableReturnsNothing() {
        Disassembler d = Disassembler.get();
        assumeFalse(d.available(), "capstone is available; unavailable behaviour not exercised");
        assertNotNull(d.unavailableReason());
        assertTrue(d.unavailableReason().startsWith("disassembly unavailable"), d.unavailableReason());
        assertNull(d.disassembleOne(bytes(0x0f, 0x0b), BASE));
        assertEquals(0, d.lengthOfOne(bytes(0x0f, 0x0b), BASE));
        assertTrue(d.disassemble(bytes(0x0f, 0x0b), BASE, 1).isEmpty());
        assertEquals("0f 0b", Disassembler.hex(bytes(0x0f, 0x0b), 0, 2));
    }
}
