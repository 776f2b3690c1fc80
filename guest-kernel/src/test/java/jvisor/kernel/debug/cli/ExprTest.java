package jvisor.kernel.debug.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
import jvisor.kernel.elf.ElfSymbols;

class ExprTest {
    final CpuState s = new CpuState();
    final ElfSymbols none = ElfSymbols.empty();

    long eval(String e) {
        return Expr.eval(e, s, none, a -> {
            if (a == 0x1000) return 0x4242;
            throw new IllegalArgumentException("Cannot access memory at address 0x" + Long.toHexString(a));
        });
    }

    @Test
    void numbersRegistersArithmeticAndDereference() {
        s.r[Reg.RSP] = 0xff8;
        s.r[Reg.RAX] = 0x1_0000_0005L;
        s.rip = 0x401000;
        assertEquals(42, eval("42"));
        assertEquals(0x2a, eval("0x2a"));
        assertEquals(0x1000, eval("$sp + 8"));
        assertEquals(5, eval("$eax"));
        assertEquals(0x401000, eval("$pc"));
        assertEquals(-3, eval("-(1+2)"));
        assertEquals(14, eval("2 + 3 * 4"));
        assertEquals(0x4242, eval("*($rsp + 8)"));
        assertEquals(2, eval("7 / 3"));
    }

    @Test
    void errorsSayWhatIsWrong() {
        assertEquals("No symbol \"nope\" in the program.",
                assertThrows(IllegalArgumentException.class, () -> eval("nope")).getMessage());
        assertEquals("no register named '$zz'", assertThrows(IllegalArgumentException.class, () -> eval("$zz")).getMessage());
        assertEquals("missing ')'", assertThrows(IllegalArgumentException.class, () -> eval("(1")).getMessage());
        assertEquals("division by zero", assertThrows(IllegalArgumentException.class, () -> eval("1/0")).getMessage());
        assertEquals("Cannot access memory at address 0x0", assertThrows(IllegalArgumentException.class, () -> eval("*0")).getMessage());
        assertEquals("cannot make sense of ')'", assertThrows(IllegalArgumentException.class, () -> eval("1)")).getMessage());
    }
}
