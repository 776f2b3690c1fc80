package jvisor.cpu.insn;

import static jvisor.cpu.insn.SseTestSupport.assertSameAsHost;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.Reg;
import jvisor.cpu.insn.SseTestSupport.Case;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/** FpuState: LDMXCSR, STMXCSR, FXSAVE, FXRSTOR and the x87 control/status word instructions. */
class SseFpuStateTest {

    @Test
    void mxcsrAndControlWordsMatchHost() {
        List<Case> cases = new ArrayList<>();
        int[] values = {0x1F80, 0x0000, 0xFFFF, 0x9FC0, 0x7F80 | 0x3F, 0x10000, 0x80001F80, 0x1F80 | 0x40};
        for (int v : values) {
            Case c = new Case("ldmxcsr (%rsi)").mem(0, v & 0xFFFFFFFFL);
            cases.add(c);
            Case u = new Case("ldmxcsr 4(%rsi)").mem(0, (v & 0xFFFFFFFFL) << 32);
            cases.add(u);
            Case st = new Case("stmxcsr 8(%rsi)");
            st.mxcsr = v & 0xFFFF;
            cases.add(st);
            Case cw = new Case("fldcw (%rsi); fnstcw 8(%rsi); fninit").mem(0, v & 0xFFFFL);
            cases.add(cw);
        }
        cases.add(new Case("fnstcw 2(%rsi)"));
        cases.add(new Case("fnstsw 2(%rsi)"));
        cases.add(new Case("fnstsw %ax"));
        cases.add(new Case("fwait"));
        cases.add(new Case("fnclex; fnstsw %ax"));
        cases.add(new Case("fninit; fnstcw (%rsi); fnstsw 4(%rsi)"));
        cases.add(new Case("fnstenv (%rsi); fnstcw 32(%rsi)"));
        cases.add(new Case("fnstenv 3(%rsi); fnstcw 32(%rsi)"));
        Case env = new Case("fldenv (%rsi); fnstcw 32(%rsi); fnstsw 36(%rsi); fnstenv 40(%rsi); fninit");
        env.mem(0, 0xFFFF0A7FL | 0xFFFF3821L << 32, 0xFFFFFFFFL, 0, 0xFFFF000000000000L);
        cases.add(env);
        Case env2 = new Case("fldcw (%rsi); fnstenv 8(%rsi); fnstcw 40(%rsi); fninit").mem(0, 0x0A60);
        cases.add(env2);
        assertSameAsHost(cases);
    }

    private static final long CODE = 0x10000, DATA = 0x20000;

    private static Cpu machine(int... bytes) {
        byte[] code = new byte[bytes.length];
        for (int k = 0; k < bytes.length; k++) code[k] = (byte) bytes[k];
        AddressSpace space = new AddressSpace();
        space.mapAnonymous(CODE, 0x1000, Prot.RX, "code");
        space.mapAnonymous(DATA, 0x2000, Prot.RW, "data");
        byte[] c = java.util.Arrays.copyOf(code, code.length + 1);
        c[code.length] = (byte) 0xCC;
        space.pokeBytes(CODE, c, 0, c.length);
        Cpu cpu = new Cpu(space);
        cpu.state.rip = CODE;
        return cpu;
    }

    @Test
    void fxsaveLayout() {
        Cpu cpu = machine(0x48, 0x0F, 0xAE, 0x06); // fxsave64 (%rsi)
        AddressSpace m = cpu.addressSpace();
        for (int k = 0; k < 512; k += 8) m.write64(DATA + k, 0xAAAAAAAAAAAAAAAAL);
        for (int k = 0; k < 32; k++) cpu.state.xmm[k] = 0x0101010101010101L * k;
        cpu.state.mxcsr = 0x9FA1;
        cpu.state.fpuControl = 0x027F;
        cpu.state.fpuStatus = 0x0020;
        cpu.state.r[Reg.RSI] = DATA;
        assertEquals(Cpu.EXIT_EXCEPTION, cpu.run());
        assertEquals(CpuFault.BP, cpu.exitVector);
        assertEquals(0x027F, m.read16(DATA));
        assertEquals(0x0020, m.read16(DATA + 2));
        assertEquals(0, m.read32(DATA + 4));
        assertEquals(0L, m.read64(DATA + 8));
        assertEquals(0L, m.read64(DATA + 16));
        assertEquals(0x9FA1, m.read32(DATA + 24));
        assertEquals(0xFFFF, m.read32(DATA + 28));
        for (int k = 32; k < 160; k += 8) assertEquals(0L, m.read64(DATA + k));
        for (int k = 0; k < 32; k++) assertEquals(0x0101010101010101L * k, m.read64(DATA + 160 + 8 * k));
        for (int k = 416; k < 512; k += 8) assertEquals(0xAAAAAAAAAAAAAAAAL, m.read64(DATA + k), "reserved area written");
    }

    @Test
    void fxrstorRestoresAndChecks() {
        // fxsave (%rsi); fxrstor 512(%rsi)
        Cpu cpu = machine(0x0F, 0xAE, 0x06, 0x0F, 0xAE, 0x8E, 0x00, 0x02, 0x00, 0x00);
        AddressSpace m = cpu.addressSpace();
        m.write16(DATA + 512, 0x037F);
        m.write16(DATA + 514, 0x3800);
        m.write32(DATA + 512 + 24, 0x3F80);
        for (int k = 0; k < 32; k++) m.write64(DATA + 512 + 160 + 8 * k, ~k);
        cpu.state.r[Reg.RSI] = DATA;
        cpu.run();
        assertEquals(CpuFault.BP, cpu.exitVector);
        assertEquals(0x037F, cpu.state.fpuControl);
        assertEquals(0x3800, cpu.state.fpuStatus);
        assertEquals(0x3F80, cpu.state.mxcsr);
        for (int k = 0; k < 32; k++) assertEquals(~k, cpu.state.xmm[k]);

        // Reserved MXCSR bits in the image: #GP, nothing loaded.
        Cpu bad = machine(0x0F, 0xAE, 0x0E); // fxrstor (%rsi)
        bad.addressSpace().write32(DATA + 24, 0x10000);
        bad.state.r[Reg.RSI] = DATA;
        bad.run();
        assertEquals(CpuFault.GP, bad.exitVector);
        assertEquals(0x1F80, bad.state.mxcsr);

        // Misaligned area: #GP.
        Cpu mis = machine(0x0F, 0xAE, 0x06);
        mis.state.r[Reg.RSI] = DATA + 8;
        mis.run();
        assertEquals(CpuFault.GP, mis.exitVector);
        assertEquals(CODE, mis.state.rip);
    }
}
