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
        // struct _fpx_sw_bytes in the FXSAVE region's software-reserved bytes 464..511
        assertEquals(464, SignalFrame.FP_SW_MAGIC1);
        assertEquals(468, SignalFrame.FP_SW_EXTENDED_SIZE);
        assertEquals(472, SignalFrame.FP_SW_XFEATURES);
        assertEquals(480, SignalFrame.FP_SW_XSTATE_SIZE);
        assertEquals(512, SignalFrame.FP_SW_END);
        // x87+SSE+AVX: 512 legacy + 64 header + 256 YMM_Hi128, then FP_XSTATE_MAGIC2
        assertEquals(836, SignalFrame.FPSTATE_SIZE);
        assertEquals(0x46505853, SignalFrame.FP_XSTATE_MAGIC1); // "SXPF"
        assertEquals(0x46505845, SignalFrame.FP_XSTATE_MAGIC2); // "EXPF"
    }

    /** get_sigframe: the FP state 64-byte aligned below the red zone, the frame 16-byte aligned - 8 below it. */
    @Test
    void frameIsPlacedAsLinuxPlacesIt() throws Exception {
        TestProcess p = new TestProcess(root);
        for (int skew = 0; skew < 128; skew += 8) {
            long rsp = TestProcess.SCRATCH + TestProcess.SCRATCH_SIZE - 0x100 - skew;
            long[] where = SignalFrame.place(p.task, rsp, false);
            long fp = (rsp - 128 - 836) & ~63L;
            assertEquals(fp, where[1]);
            assertEquals(((fp - 440) & ~15L) - 8, where[0]);
            assertTrue(where[0] + SignalFrame.SIZE <= where[1]);
            assertTrue(where[1] + SignalFrame.FPSTATE_SIZE <= rsp - 128);
        }
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
        p.task.regs.ymmHi[3] = 0x0102030405060708L; // bits 255:192 of YMM1
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
        assertEquals(0, p.task.regs.ymmHi[3]);

        var m = p.space;
        assertEquals(0x403000, m.read64(frame));
        assertEquals(SignalFrame.UC_FP_XSTATE | 6, m.read64(frame + SignalFrame.UC_FLAGS));
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
        assertEquals(0x1122334455667788L, m.read64(fp + 160), "XMM0 in the legacy region");
        assertEquals(0x0102030405060708L, m.read64(fp + 576 + 24), "YMM1 bits 255:192 in the AVX component");
        assertEquals(7, m.read64(fp + 512), "XSTATE_BV: x87, SSE, AVX");
        assertEquals(0x46505853, m.read32(fp + 464), "FP_XSTATE_MAGIC1");
        assertEquals(836, m.read32(fp + 468), "extended_size");
        assertEquals(7, m.read64(fp + 472), "xfeatures");
        assertEquals(832, m.read32(fp + 480), "xstate_size");
        for (int o = 484; o < 512; o += 4) assertEquals(0, m.read32(fp + o), "padding");
        assertEquals(0x46505845, m.read32(fp + 832), "FP_XSTATE_MAGIC2");
        assertTrue(fp + 836 <= stackTop - 128, "the FP state below the red zone");
        assertEquals(Signals.SIGUSR1, m.read32(frame + SignalFrame.INFO));
        assertEquals(Signals.SI_TKILL, m.read32(frame + SignalFrame.INFO + 8));
        assertEquals(42, m.read32(frame + SignalFrame.INFO + 16));
        assertEquals(1000, m.read32(frame + SignalFrame.INFO + 20));

        // The handler changes the context; the restorer's ret pops pretcode; rt_sigreturn.
        m.write64(sc + SignalFrame.SC_RIP, 0x401005);
        m.write64(sc + SignalFrame.SC_EFLAGS, 0x246 | 0x400 | (1L << 21)); // DF set; ID is not restored
        m.write64(frame + SignalFrame.UC_SIGMASK, Signals.bit(Signals.SIGINT) | Signals.bit(Signals.SIGKILL));
        m.write64(fp + 576 + 16, 0x55); // YMM1 bits 191:128
        r[Reg.RSP] = frame + 8;
        assertTrue(SignalFrame.restore(p.task));
        assertEquals(0x401005, p.task.regs.rip);
        assertEquals(stackTop, r[Reg.RSP]);
        assertEquals(0x1000 + Reg.RAX, r[Reg.RAX]);
        assertTrue(p.task.regs.df());
        assertEquals(0, p.task.regs.rflags() & (1L << 21));
        assertEquals(0x3f80, p.task.regs.mxcsr);
        assertEquals(0x1122334455667788L, p.task.regs.xmm[0]);
        assertEquals(0x55, p.task.regs.ymmHi[2]);
        assertEquals(0x0102030405060708L, p.task.regs.ymmHi[3]);
        assertEquals(Signals.bit(Signals.SIGINT), p.task.sigmask, "SIGKILL cannot be blocked");
    }

    /** A frame for SIGUSR1 at 0x401000 with XMM0, YMM1's upper half and MXCSR set; returns the frame. */
    private static long deliver(TestProcess p) {
        long[] r = p.task.regs.r;
        r[Reg.RSP] = TestProcess.SCRATCH + TestProcess.SCRATCH_SIZE - 0x100;
        p.task.regs.rip = 0x401000;
        p.task.regs.xmm[0] = 0x1122334455667788L;
        p.task.regs.ymmHi[2] = 0x99;
        p.task.regs.mxcsr = 0x3f80;
        SigAction a = new SigAction(0x402000, Signals.SA_SIGINFO | Signals.SA_RESTORER, 0x403000, 0);
        assertTrue(SignalFrame.setup(p.task, SigInfo.kernel(Signals.SIGUSR1), a, 0));
        p.task.regs.r[Reg.RSP] += 8; // the restorer's ret
        return r[Reg.RSP] - 8;
    }

    private static long fpstate(TestProcess p, long frame) throws Exception {
        return p.space.read64(frame + SignalFrame.UC_MCONTEXT + SignalFrame.SC_FPSTATE);
    }

    /** Without the magic words the image is an FXSAVE one: the legacy region is loaded, AVX reset. */
    @Test
    void missingMagicMeansLegacyImage() throws Exception {
        for (int where : new int[] {464, 832}) {
            TestProcess p = new TestProcess(root);
            long frame = deliver(p);
            long fp = fpstate(p, frame);
            p.space.write32(fp + where, 0);
            assertTrue(SignalFrame.restore(p.task));
            assertEquals(0x1122334455667788L, p.task.regs.xmm[0]);
            assertEquals(0x3f80, p.task.regs.mxcsr);
            assertEquals(0, p.task.regs.ymmHi[2], "AVX state initialized");
        }
    }

    /** xfeatures in the software bytes selects what XRSTOR loads; the rest is initialized. */
    @Test
    void xfeaturesSelectComponents() throws Exception {
        TestProcess p = new TestProcess(root);
        long frame = deliver(p);
        p.space.write64(fpstate(p, frame) + 472, 3);
        assertTrue(SignalFrame.restore(p.task));
        assertEquals(0x1122334455667788L, p.task.regs.xmm[0]);
        assertEquals(0, p.task.regs.ymmHi[2]);
    }

    /** An image XRSTOR refuses, or a misaligned one: SIGSEGV, registers and mask restored, the FPU reset. */
    @Test
    void refusedImageFailsWithFpuReset() throws Exception {
        for (int bad = 0; bad < 3; bad++) {
            TestProcess p = new TestProcess(root);
            long frame = deliver(p);
            long fp = fpstate(p, frame);
            long sc = frame + SignalFrame.UC_MCONTEXT;
            p.space.write64(frame + SignalFrame.UC_SIGMASK, Signals.bit(Signals.SIGINT));
            switch (bad) {
                case 0 -> p.space.write64(fp + 512 + 16, 1); // reserved header bytes
                case 1 -> p.space.write32(fp + 24, 0x80003f80); // reserved MXCSR bit
                default -> { // the image moved to a 16-byte boundary, magic words intact
                    byte[] image = p.space.readBytes(fp, SignalFrame.FPSTATE_SIZE);
                    p.space.writeBytes(fp - 48, image, 0, image.length);
                    p.space.write64(sc + SignalFrame.SC_FPSTATE, fp - 48);
                }
            }
            p.task.regs.ymmHi[2] = 7;
            assertFalse(SignalFrame.restore(p.task));
            assertEquals(0x401000, p.task.regs.rip, "registers are restored before the FP state");
            assertEquals(Signals.bit(Signals.SIGINT), p.task.sigmask);
            assertEquals(0, p.task.regs.xmm[0]);
            assertEquals(0, p.task.regs.ymmHi[2]);
            assertEquals(0x1f80, p.task.regs.mxcsr);
        }
    }

    @Test
    void noRestorerMeansNoFrame() throws Exception {
        TestProcess p = new TestProcess(root);
        p.task.regs.r[Reg.RSP] = TestProcess.SCRATCH + TestProcess.SCRATCH_SIZE;
        SigAction a = new SigAction(0x402000, Signals.SA_SIGINFO, 0, 0);
        assertFalse(SignalFrame.setup(p.task, SigInfo.kernel(Signals.SIGALRM), a, 0));
    }
}
