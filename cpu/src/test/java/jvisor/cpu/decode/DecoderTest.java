package jvisor.cpu.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import jvisor.cpu.Reg;
import jvisor.cpu.insn.Instructions;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

class DecoderTest {
    static final long CODE = 0x1000;

    static Insn decode(String hex) {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(CODE, 0x2000, Prot.RX, "code");
        byte[] b = HexFormat.of().parseHex(hex.replace(" ", ""));
        as.pokeBytes(CODE, b, 0, b.length);
        return new Decoder(Instructions.TABLE).decode(as, CODE);
    }

    static boolean valid(Insn i) {
        return !i.form.mnemonic.startsWith("(");
    }

    @Test
    void registerToRegisterWithRexW() {
        Insn i = decode("48 89 e5"); // mov rbp, rsp
        assertEquals("mov Ev,Gv", i.form.mnemonic);
        assertEquals(3, i.len);
        assertEquals(8, i.opsize);
        assertEquals(Reg.RSP, i.reg);
        assertEquals(Reg.RBP, i.rm);
        assertFalse(i.mem);
    }

    @Test
    void vexPrefixesCarryRegistersSizeAndLength() {
        // pdep r11, r10, [r9 + r12*8 + 0x10]: C4, ~R ~X ~B = 011 (R, X, B set), map 0F38; W1, ~vvvv = 0101 (r10), L0, pp F2
        Insn i = decode("c4 02 ab f5 5c e1 10");
        assertEquals("pdep Gy,By,Ey", i.form.mnemonic);
        assertEquals(7, i.len);
        assertEquals(8, i.opsize);
        assertEquals(Reg.R11, i.reg);
        assertEquals(Reg.R10, i.vvvv);
        assertEquals(Reg.R9, i.base);
        assertEquals(Reg.R12, i.index);
        assertEquals(3, i.scale);
        assertEquals(0, i.vexL);
        Insn w0 = decode("c4 e2 70 f2 c2"); // andn eax, ecx, edx
        assertEquals(4, w0.opsize);
        assertEquals(Reg.RCX, w0.vvvv);
    }

    @Test
    void sibWithoutBaseIsAbsolute() {
        Insn i = decode("8b 04 25 10 00 00 00"); // mov eax, [0x10]
        assertEquals(7, i.len);
        assertTrue(i.mem);
        assertEquals(-1, i.base);
        assertEquals(-1, i.index);
        assertEquals(0x10, i.disp);
        assertEquals(4, i.opsize);
    }

    @Test
    void ripRelativeDisplacementIsResolved() {
        Insn i = decode("48 8b 05 10 00 00 00"); // mov rax, [rip+0x10]
        assertEquals(-1, i.base);
        assertEquals(CODE + 7 + 0x10, i.disp);
    }

    @Test
    void rexExtendsBaseAndIndex() {
        Insn a = decode("41 8a 44 24 08"); // mov al, [r12+8]: index 100b without REX.X means none
        assertEquals(Reg.R12, a.base);
        assertEquals(-1, a.index);
        assertEquals(8, a.disp);
        Insn b = decode("42 8b 04 a5 00 00 00 00"); // mov eax, [r12*4]: with REX.X it is r12
        assertEquals(Reg.R12, b.index);
        assertEquals(2, b.scale);
        assertEquals(-1, b.base);
    }

    @Test
    void highByteRegistersOnlyWithoutRex() {
        Insn ah = decode("88 e0"); // mov al, ah
        assertEquals(Reg.HIGH_BYTE, ah.reg);
        Insn spl = decode("40 88 e0"); // mov al, spl
        assertEquals(Reg.RSP, spl.reg);
    }

    @Test
    void immediatesFollowOperandSize() {
        assertEquals(4, decode("66 b8 34 12").len);
        assertEquals(0x1234, decode("66 b8 34 12").imm);
        Insn movabs = decode("48 b8 88 77 66 55 44 33 22 11");
        assertEquals(10, movabs.len);
        assertEquals(0x1122334455667788L, movabs.imm);
        Insn signExtended = decode("48 83 c0 ff"); // add rax, -1
        assertEquals(-1, signExtended.imm);
        Insn imm32 = decode("48 81 c0 00 00 00 80"); // add rax, -0x80000000
        assertEquals(-0x80000000L, imm32.imm);
    }

    @Test
    void relativeTargetsAreAbsolute() {
        assertEquals(CODE + 5, decode("e8 00 00 00 00").imm);
        assertEquals(CODE + 2 - 2, decode("eb fe").imm);
        Insn jcc = decode("0f 84 10 00 00 00");
        assertEquals(4, jcc.cc);
        assertEquals(CODE + 6 + 0x10, jcc.imm);
    }

    @Test
    void pushDefaultsTo64Bits() {
        assertEquals(8, decode("55").opsize);
        assertEquals(2, decode("66 55").opsize);
        assertEquals(Reg.R13, decode("41 55").reg);
    }

    @Test
    void rexBeforeLegacyPrefixIsIgnored() {
        Insn i = decode("48 66 89 c0"); // REX.W voided by the following 66: mov ax, ax
        assertEquals(2, i.opsize);
    }

    @Test
    void lockRules() {
        assertTrue(valid(decode("f0 01 00"))); // lock add [rax], eax
        assertFalse(valid(decode("f0 01 c0"))); // lock with a register destination
        assertFalse(valid(decode("f0 89 00"))); // mov is not lockable
    }

    @Test
    void invalidAndOverlongInstructions() {
        assertFalse(valid(decode("06"))); // push es does not exist in 64-bit mode
        Insn tooLong = decode("66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90");
        assertEquals("(too long)", tooLong.form.mnemonic);
        assertEquals(15, decode("66 66 66 66 66 66 66 66 66 66 66 66 66 66 90").len);
    }

    @Test
    void segmentOverridesFsGsOnly() {
        assertEquals(Insn.SEG_FS, decode("64 48 8b 04 25 28 00 00 00").seg);
        assertEquals(Insn.SEG_NONE, decode("2e 0f 1f 84 00 00 00 00 00").seg);
    }
}
