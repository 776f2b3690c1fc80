package jvisor.cpu.debug;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;

class RegistersTest {
    final CpuState s = new CpuState();

    @Test
    void viewsOfTheGeneralRegistersFollowTheArchitecture() {
        s.r[Reg.RAX] = 0x1122334455667788L;
        assertEquals(0x55667788L, Registers.get(s, "eax"));
        assertEquals(0x7788, Registers.get(s, "ax"));
        assertEquals(0x88, Registers.get(s, "al"));
        assertEquals(0x77, Registers.get(s, "ah"));
        Registers.set(s, "eax", -1);
        assertEquals(0xFFFFFFFFL, s.r[Reg.RAX], "32-bit writes zero the upper half");
        Registers.set(s, "ah", 0x12);
        assertEquals(0xFFFF12FFL, s.r[Reg.RAX], "8 and 16-bit writes merge");
        Registers.set(s, "r9w", 0xBEEF);
        assertEquals(0xBEEF, Registers.get(s, "R9D"));
        assertTrue(Registers.exists("r15b") && Registers.exists("xmm15") && Registers.exists("fs_base"));
        assertFalse(Registers.exists("xmm16") || Registers.exists("foo"));
        assertThrows(IllegalArgumentException.class, () -> Registers.get(s, "foo"));
    }

    @Test
    void flagsSelectorsAndTheX87Stack() {
        Registers.set(s, "eflags", 0x246 | (1L << 21));
        assertEquals("[ PF ZF IF ID ]", Registers.flagNames(Registers.get(s, "eflags")));
        assertEquals(Registers.USER_CS, Registers.get(s, "cs"));
        Registers.set(s, "cs", 0); // fixed in user mode
        assertEquals(Registers.USER_CS, Registers.get(s, "cs"));
        byte[] one = {0, 0, 0, 0, 0, 0, 0, (byte) 0x80, (byte) 0xff, 0x3f}; // 1.0 in the 80-bit format
        Registers.setSt(s, 0, one);
        assertArrayEquals(one, Registers.st(s, 0));
        s.fpuTags = 1;
        assertEquals(1.0, Registers.stAsDouble(s, 0));
        assertEquals(0xfffc, Registers.get(s, "ftag"), "R0 valid (00), the others empty (11)");
    }
}
