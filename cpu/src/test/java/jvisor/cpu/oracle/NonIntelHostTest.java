package jvisor.cpu.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import org.junit.jupiter.api.Test;

/**
 * What {@link NonIntelHost} leaves out of the comparison on a non-Intel host, pinned down on
 * small cases (reproducer syntax: {@link KnownMismatches}); runs on any host, without the oracle.
 */
class NonIntelHostTest {
    static final long CF = Flags.CF, PF = Flags.PF, AF = Flags.AF, ZF = Flags.ZF, SF = Flags.SF, OF = Flags.OF;
    static final long ALL = Flags.STATUS;

    private static NonIntelHost.Allowance of(String reproducer) {
        DiffCase c = KnownMismatches.parse(reproducer);
        return NonIntelHost.analyse(c, new EmulatorRunner().run(c));
    }

    @Test
    void undefinedFlagsOfOneInstruction() {
        assertEquals(AF | OF, of("code c1 e0 03").flags()); // SHL EAX,3: AF; OF (count > 1)
        assertEquals(AF, of("code d1 e0").flags()); // SHL EAX,1
        assertEquals(0, of("code d3 e0 | rcx 100").flags()); // SHL EAX,CL with CL = 0: flags unchanged
        assertEquals(AF | OF | CF, of("code 66 c1 e0 11").flags()); // SHL AX,17: CF too (count >= size)
        assertEquals(AF | OF, of("code 66 c1 f8 11").flags()); // SAR AX,17: CF is the sign
        assertEquals(OF, of("code c1 c0 05").flags()); // ROL EAX,5
        assertEquals(0, of("code 01 d8").flags()); // ADD: all defined
        assertEquals(AF, of("code 21 d8").flags()); // AND
        assertEquals(SF | ZF | AF | PF, of("code 48 0f af c3").flags()); // IMUL
        assertEquals(ALL, of("code 48 f7 f3 | rbx 3").flags()); // DIV
        assertEquals(0, of("code 48 f7 f3 | rbx 0").flags()); // DIV by zero: #DE, nothing done
        assertEquals(ALL & ~ZF, of("code 0f bc c3 | rbx 10").flags()); // BSF
        assertEquals(AF | PF, of("code 41 67 c4 e2 78 f2 00 | rax 20000000").flags()); // ANDN
        assertEquals(OF | SF | AF | PF, of("code 0f a3 d8").flags()); // BT: ZF unaffected
    }

    @Test
    void undefinedFlagsThroughASequence() {
        assertEquals(0, of("code c1 e0 03 01 d8").flags()); // SHL then ADD redefines everything
        assertEquals(0, of("code c1 e0 03 ff c0").flags()); // SHL then INC: INC defines AF and OF again
        assertEquals(AF | OF, of("code 48 0f af c3 c1 e0 03 f9").flags()); // IMUL, SHL EAX,3, STC: the last writers count
        assertEquals(SF | ZF | AF | PF, of("code 48 0f af c3 f5").flags()); // IMUL then CMC: CF stays defined
        assertEquals(AF, of("code 48 0f af c3 d1 e0").flags()); // IMUL then SHL by 1: only AF left open
    }

    @Test
    void aReadOfAnUndefinedFlagCutsTheSequence() {
        DiffCase c = KnownMismatches.parse("code 48 0f af c3 0f 94 c0"); // IMUL RAX,RBX; SETZ AL
        NonIntelHost.Allowance a = NonIntelHost.analyse(c, new EmulatorRunner().run(c));
        assertEquals(c.codeAddr + 4, a.undefinedReadAt());
        assertEquals(-1, of("code 48 0f af c3 0f 92 c0").undefinedReadAt()); // SETC reads CF: defined after IMUL
        assertEquals(-1, of("code 48 0f af c3 01 d8 0f 94 c0").undefinedReadAt()); // ADD redefined ZF first
    }

    @Test
    void undefinedAndImplementationSpecificResults() {
        NonIntelHost.Allowance shld = of("code 66 0f a4 d8 14"); // SHLD AX,BX,20: destination undefined
        assertEquals(0xFFFF, shld.gprIgnore(Reg.RAX));
        assertEquals(ALL, shld.flags());
        NonIntelHost.Allowance rep = of("code 67 f3 aa | rcx ffffffff00000000"); // REP STOSB, ECX = 0
        assertEquals(0xFFFF_FFFF_0000_0000L, rep.gprIgnore(Reg.RCX));
        assertEquals(0, of("code 67 f3 aa | rcx 0").gprIgnore(Reg.RCX)); // nothing to differ in
    }

    /** A flag the SDM leaves undefined may differ; a defined one, a register or memory may not. */
    @Test
    void onlyWhatIsLeftOpenIsLeftOut() {
        DiffCase c = KnownMismatches.parse("code c1 e0 03 | rax 1234"); // SHL EAX,3
        Outcome emu = new EmulatorRunner().run(c);
        NonIntelHost.Allowance a = NonIntelHost.analyse(c, emu);
        Outcome afFlipped = withFlags(emu, emu.rflags() ^ AF), cfFlipped = withFlags(emu, emu.rflags() ^ CF);
        assertNull(Differ.compareWithout(c, afFlipped, emu, a));
        assertNotNull(Differ.compareWithout(c, afFlipped, emu, NonIntelHost.Allowance.NONE)); // as on an Intel host
        assertNotNull(Differ.compareWithout(c, cfFlipped, emu, a));
        long[] gpr = emu.gpr().clone();
        gpr[Reg.RAX] ^= 8;
        Outcome raxChanged = new Outcome(emu.vector(), emu.rip(), gpr, emu.rflags(), emu.xmm(), emu.ymmHi(), emu.mxcsr(), emu.page());
        assertNotNull(Differ.compareWithout(c, raxChanged, emu, a));
        byte[] page = emu.page().clone();
        page[0xF00] ^= 1;
        Outcome memoryChanged = new Outcome(emu.vector(), emu.rip(), emu.gpr(), emu.rflags(), emu.xmm(), emu.ymmHi(), emu.mxcsr(), page);
        assertNotNull(Differ.compareWithout(c, memoryChanged, emu, a));
    }

    private static Outcome withFlags(Outcome o, long rflags) {
        return new Outcome(o.vector(), o.rip(), o.gpr(), rflags, o.xmm(), o.ymmHi(), o.mxcsr(), o.page());
    }
}
