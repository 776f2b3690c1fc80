package jvisor.kernel.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jvisor.cpu.Reg;
import jvisor.kernel.TestProcess;
import jvisor.kernel.abi.Signals;

/**
 * The signal frame against Linux's x86-64 struct layout (arch/x86/include/uapi/asm/sigcontext.h,
 * include/uapi/asm-generic/ucontext.h, arch/x86/include/asm/sigframe.h), and a round trip
 * through rt_sigreturn.
 */
class SignalFrameTest {
    @TempDir
    Path root;

    @Test
    void offsetsAreLinuxs() {
        // struct rt_sigframe { char *pretcode; struct ucontext uc; struct siginfo info; }
        assertEquals(0, SignalFrame.PRETCODE);
        assertEquals(8, SignalFrame.UC);
        // struct ucontext { unsigned long uc_flags; struct ucontext *uc_link; stack_t uc_stack;
        //                   struct sigcontext uc_mcontext; sigset_t uc_sigmask; }
        assertEquals(SignalFrame.UC + 0, SignalFrame.UC_FLAGS);
        assertEquals(SignalFrame.UC + 8, SignalFrame.UC_LINK);
        assertEquals(SignalFrame.UC + 16, SignalFrame.UC_STACK);
        assertEquals(SignalFrame.UC_STACK + 24, SignalFrame.UC_MCONTEXT); // stack_t: sp 8, flags 4+4, size 8
        assertEquals(SignalFrame.UC_MCONTEXT + 256, SignalFrame.UC_SIGMASK);
        assertEquals(SignalFrame.UC_SIGMASK + 8, SignalFrame.INFO);
        assertEquals(SignalFrame.INFO + 128, SignalFrame.SIZE);
        // struct sigcontext_64
        int[] regs = {SignalFrame.SC_R8, SignalFrame.SC_RDI, SignalFrame.SC_RSI, SignalFrame.SC_RBP,
                SignalFrame.SC_RBX, SignalFrame.SC_RDX, SignalFrame.SC_RAX, SignalFrame.SC_RCX, SignalFrame.SC_RSP,
                SignalFrame.SC_RIP, SignalFrame.SC_EFLAGS};
        int[] expected = {0, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136};
        for (int i = 0; i < regs.length; i++) assertEquals(expected[i], regs[i]);
        assertEquals(144, SignalFrame.SC_CS);
        assertEquals(146, SignalFrame.SC_GS);
        assertEquals(148, SignalFrame.SC_FS);
        assertEquals(150, SignalFrame.SC_SS);
        assertEquals(152, SignalFrame.SC_ERR);
        assertEquals(160, SignalFrame.SC_TRAPNO);
        assertEquals(168, SignalFrame.SC_OLDMASK);
        assertEquals(176, SignalFrame.SC_CR2);
        assertEquals(184, SignalFrame.SC_FPSTATE);
        assertEquals(256, SignalFrame.SC_SIZE);
        // glibc's gregs[] indices map onto the same words: REG_RIP = 16, REG_CSGSFS = 18, REG_CR2 = 22.
        assertEquals(16 * 8, SignalFrame.SC_RIP);
        assertEquals(18 * 8, SignalFrame.SC_CS);
        assertEquals(22 * 8, SignalFrame.SC_CR2);
    }

    @Test
    void frameIsBuiltAndRestored() throws Exception {
        TestProcess p = new TestProcess(root);
        long stackTop = TestProcess.SCRATCH + TestProcess.SCRATCH_SIZE - 0x100 + 3; // deliberately misaligned
        long[] r = p.task.regs.r;
        for (int i = 0; i < 16; i++) r[i] = 0x1000 + i;
        r[Reg.RSP] = stackTop;
        p.task.regs.rip = 0x401000;
        p.task.regs.xmm[0] = 0x1122334455667788L;
        p.task.regs.mxcsr = 0x3f80;
        p.task.sigmask = Signals.bit(Signals.SIGHUP);
        SigAction a = new SigAction(0x402000, Signals.SA_SIGINFO | Signals.SA_RESTORER, 0x403000, 0);
        SigInfo info = SigInfo.fromProcess(Signals.SIGUSR1, Signals.SI_TKILL, 42, 1000);
        assertTrue(SignalFrame.setup(p.task, info, a, p.task.sigmask));

        long frame = r[Reg.RSP];
        assertEquals(0, (frame + 8) % 16, "rsp on handler entry is as right after a call");
        assertTrue(frame + SignalFrame.SIZE + 512 <= stackTop - 128, "below the red zone");
        assertEquals(0x402000, p.task.regs.rip);
        assertEquals(Signals.SIGUSR1, r[Reg.RDI]);
        assertEquals(frame + SignalFrame.INFO, r[Reg.RSI]);
        assertEquals(frame + SignalFrame.UC, r[Reg.RDX]);
        assertEquals(0, r[Reg.RAX]);
        assertEquals(0x1f80, p.task.regs.mxcsr, "handlers start with a fresh FPU");
        assertEquals(0, p.task.regs.xmm[0]);

        var m = p.space;
        assertEquals(0x403000, m.read64(frame));
        assertEquals(6, m.read64(frame + SignalFrame.UC_FLAGS));
        long sc = frame + SignalFrame.UC_MCONTEXT;
        assertEquals(0x1000 + Reg.R8, m.read64(sc));
        assertEquals(0x1000 + Reg.R15, m.read64(sc + 56));
        assertEquals(0x1000 + Reg.RDI, m.read64(sc + SignalFrame.SC_RDI));
        assertEquals(stackTop, m.read64(sc + SignalFrame.SC_RSP));
        assertEquals(0x401000, m.read64(sc + SignalFrame.SC_RIP));
        assertEquals(0x33, m.read16(sc + SignalFrame.SC_CS));
        assertEquals(0x2b, m.read16(sc + SignalFrame.SC_SS));
        assertEquals(Signals.bit(Signals.SIGHUP), m.read64(sc + SignalFrame.SC_OLDMASK));
        assertEquals(Signals.bit(Signals.SIGHUP), m.read64(frame + SignalFrame.UC_SIGMASK));
        long fp = m.read64(sc + SignalFrame.SC_FPSTATE);
        assertEquals(0, fp % 64);
        assertTrue(fp >= frame + SignalFrame.SIZE);
        assertEquals(0x3f80, m.read32(fp + 24), "MXCSR in the FXSAVE image");
        assertEquals(0x1122334455667788L, m.read64(fp + 160), "XMM0 in the FXSAVE image");
        assertEquals(0, m.read32(fp + 464), "no FP_XSTATE_MAGIC1 without XSAVE");
        assertEquals(Signals.SIGUSR1, m.read32(frame + SignalFrame.INFO));
        assertEquals(Signals.SI_TKILL, m.read32(frame + SignalFrame.INFO + 8));
        assertEquals(42, m.read32(frame + SignalFrame.INFO + 16));
        assertEquals(1000, m.read32(frame + SignalFrame.INFO + 20));

        // The handler changes the context; the restorer's ret pops pretcode; rt_sigreturn.
        m.write64(sc + SignalFrame.SC_RIP, 0x401005);
        m.write64(sc + SignalFrame.SC_EFLAGS, 0x246 | 0x400 | (1L << 21)); // DF set; ID is not restored
        m.write64(frame + SignalFrame.UC_SIGMASK, Signals.bit(Signals.SIGINT) | Signals.bit(Signals.SIGKILL));
        r[Reg.RSP] = frame + 8;
        assertTrue(SignalFrame.restore(p.task));
        assertEquals(0x401005, p.task.regs.rip);
        assertEquals(stackTop, r[Reg.RSP]);
        assertEquals(0x1000 + Reg.RAX, r[Reg.RAX]);
        assertTrue(p.task.regs.df());
        assertEquals(0, p.task.regs.rflags() & (1L << 21));
        assertEquals(0x3f80, p.task.regs.mxcsr);
        assertEquals(0x1122334455667788L, p.task.regs.xmm[0]);
        assertEquals(Signals.bit(Signals.SIGINT), p.task.sigmask, "SIGKILL cannot be blocked");
    }

    @Test
    void noRestorerMeansNoFrame() throws Exception {
        TestProcess p = new TestProcess(root);
        p.task.regs.r[Reg.RSP] = TestProcess.SCRATCH + TestProcess.SCRATCH_SIZE;
        SigAction a = new SigAction(0x402000, Signals.SA_SIGINFO, 0, 0);
        assertFalse(SignalFrame.setup(p.task, SigInfo.kernel(Signals.SIGALRM), a, 0));
    }
}
