package jvisor.kernel.syscall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jvisor.kernel.TestProcess;
import jvisor.kernel.abi.Clocks;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Misc;
import jvisor.kernel.abi.Mman;
import jvisor.kernel.abi.Rlimits;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.mm.MemoryManager;

/** Memory, thread, signal, time and identity syscalls through the dispatcher. */
class SysMiscTest {
    @TempDir
    Path root;
    TestProcess p;

    @BeforeEach
    void setUp() throws IOException {
        p = new TestProcess(root);
    }

    @Test
    void memorySyscalls() {
        long a = p.call("mmap", 0, 8192, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
        assertEquals(MemoryManager.MMAP_BASE - 8192, a);
        p.space.write64(a, 7);
        assertEquals(0, p.call("mprotect", a, 4096, Mman.PROT_READ));
        assertEquals(0, p.call("munmap", a, 8192));
        assertEquals(-Errno.EBADF, p.call("mmap", 0, 4096, Mman.PROT_READ, Mman.MAP_PRIVATE, 55, 0));
        assertEquals(-Errno.EINVAL, p.call("mmap", 0, 4096, Mman.PROT_READ, Mman.MAP_PRIVATE, 55, 5),
                "the offset is checked before the fd");
        assertEquals(0x40_0000, p.call("brk", 0));
        assertEquals(0x40_1000, p.call("brk", 0x40_1000));
    }

    @Test
    void unknownAndUnimplementedSyscallsFailWithEnosys() {
        assertEquals(-Errno.ENOSYS, p.callNr(1000));
        assertEquals(-Errno.ENOSYS, p.callNr(335));
        assertEquals(-Errno.ENOSYS, p.call("acct", 0));
        assertEquals(-Errno.ENOSYS, p.callNr(-1));
    }

    @Test
    void archPrctlSetsAndGetsFsAndGs() {
        assertEquals(0, p.call("arch_prctl", Misc.ARCH_SET_FS, 0x4c93c0));
        assertEquals(0x4c93c0, p.task.regs.fsBase);
        long out = p.alloc(8);
        assertEquals(0, p.call("arch_prctl", Misc.ARCH_GET_FS, out));
        assertEquals(0x4c93c0, p.space.read64(out));
        assertEquals(0, p.call("arch_prctl", Misc.ARCH_SET_GS, 0x1234));
        assertEquals(0, p.call("arch_prctl", Misc.ARCH_GET_GS, out));
        assertEquals(0x1234, p.space.read64(out));
        assertEquals(-Errno.EPERM, p.call("arch_prctl", Misc.ARCH_SET_FS, 0x800000000000L));
        assertEquals(-Errno.EINVAL, p.call("arch_prctl", 0x1234, 0));
        assertEquals(-Errno.EFAULT, p.call("arch_prctl", Misc.ARCH_GET_FS, 8));
    }

    @Test
    void threadBookkeeping() {
        assertEquals(p.task.tid, p.call("set_tid_address", 0x1000));
        assertEquals(0x1000, p.task.clearChildTid);
        assertEquals(0, p.call("set_robust_list", 0x2000, 24));
        assertEquals(-Errno.EINVAL, p.call("set_robust_list", 0x2000, 23));
        assertEquals(4242, p.call("getpid"));
        assertEquals(4242, p.call("gettid"));
        assertEquals(1, p.call("getppid"));

        long rseq = p.alloc(64);
        long area = (rseq + 31) & ~31L;
        p.space.write32(area + 4, 77);
        assertEquals(0, p.call("rseq", area, 32, 0, 0x53053053));
        assertEquals(0, p.space.read32(area + 4), "cpu_id is the only CPU");
        assertEquals(-Errno.EBUSY, p.call("rseq", area, 32, 0, 0x53053053));
        assertEquals(-Errno.EPERM, p.call("rseq", area, 32, 0, 1));
        assertEquals(-Errno.EINVAL, p.call("rseq", area + 8, 32, 0, 0x53053053));
        assertEquals(0, p.call("rseq", area, 32, Misc.RSEQ_FLAG_UNREGISTER, 0x53053053));
        assertEquals(-Errno.EINVAL, p.call("rseq", area + 1, 32, 0, 0));

        long mask = p.alloc(128);
        assertEquals(Math.min(128, jvisor.kernel.host.Libc.hostCpumaskSize()), p.call("sched_getaffinity", 0, 128, mask),
                "the host kernel's cpumask size");
        int cpus = Math.min(64, Runtime.getRuntime().availableProcessors());
        assertEquals(cpus == 64 ? -1L : (1L << cpus) - 1, p.space.read64(mask), "one CPU per host processor");
        assertEquals(-Errno.EINVAL, p.call("sched_getaffinity", 0, 3, mask));
        assertEquals(-Errno.ESRCH, p.call("sched_getaffinity", 99999, 8, mask));
        long cpu = p.alloc(8);
        p.space.write32(cpu, 5);
        assertEquals(0, p.call("getcpu", cpu, 0, 0));
        assertEquals(0, p.space.read32(cpu));
    }

    @Test
    void exitEndsTheProcessWithoutTouchingRax() {
        p.task.regs.r[jvisor.cpu.Reg.RAX] = 0;
        p.call("exit_group", 0x1ff);
        assertTrue(p.process.exited());
        assertEquals(0xff, p.process.exitStatus());
        assertTrue(p.task.exiting);
    }

    @Test
    void sigactionStoresAndReturnsKernelSigactions() {
        long act = p.alloc(32), old = p.alloc(32);
        p.space.write64(act, Signals.SIG_IGN);
        p.space.write64(act + 8, Signals.SA_RESTORER | Signals.SA_RESTART);
        p.space.write64(act + 16, 0x408f30);
        p.space.write64(act + 24, Signals.bit(Signals.SIGINT) | Signals.bit(Signals.SIGKILL));
        assertEquals(0, p.call("rt_sigaction", Signals.SIGPIPE, act, 0, 8));
        assertEquals(0, p.call("rt_sigaction", Signals.SIGPIPE, 0, old, 8));
        assertEquals(Signals.SIG_IGN, p.space.read64(old));
        assertEquals(Signals.SA_RESTORER | Signals.SA_RESTART, p.space.read64(old + 8));
        assertEquals(0x408f30, p.space.read64(old + 16));
        assertEquals(Signals.bit(Signals.SIGINT), p.space.read64(old + 24), "SIGKILL cannot be in sa_mask");
        assertEquals(-Errno.EINVAL, p.call("rt_sigaction", Signals.SIGKILL, act, 0, 8));
        assertEquals(0, p.call("rt_sigaction", Signals.SIGKILL, 0, old, 8), "reading SIGKILL's action is fine");
        assertEquals(-Errno.EINVAL, p.call("rt_sigaction", Signals.SIGSTOP, act, 0, 8));
        assertEquals(-Errno.EINVAL, p.call("rt_sigaction", 65, 0, old, 8));
        assertEquals(-Errno.EINVAL, p.call("rt_sigaction", 0, 0, old, 8));
        assertEquals(-Errno.EINVAL, p.call("rt_sigaction", Signals.SIGINT, act, 0, 16));
        assertEquals(-Errno.EFAULT, p.call("rt_sigaction", Signals.SIGINT, 8, 0, 8));
    }

    @Test
    void sigprocmaskBlocksUnblocksAndSets() {
        long set = p.alloc(8), old = p.alloc(8);
        p.space.write64(set, Signals.bit(Signals.SIGINT) | Signals.bit(Signals.SIGKILL));
        assertEquals(0, p.call("rt_sigprocmask", Signals.SIG_BLOCK, set, old, 8));
        assertEquals(0, p.space.read64(old));
        assertEquals(Signals.bit(Signals.SIGINT), p.task.sigmask, "SIGKILL cannot be blocked");
        p.space.write64(set, Signals.bit(Signals.SIGTERM));
        assertEquals(0, p.call("rt_sigprocmask", Signals.SIG_SETMASK, set, old, 8));
        assertEquals(Signals.bit(Signals.SIGINT), p.space.read64(old));
        assertEquals(0, p.call("rt_sigprocmask", Signals.SIG_UNBLOCK, set, 0, 8));
        assertEquals(0, p.task.sigmask);
        assertEquals(-Errno.EINVAL, p.call("rt_sigprocmask", 7, set, 0, 8));
        assertEquals(-Errno.EINVAL, p.call("rt_sigprocmask", Signals.SIG_BLOCK, set, 0, 4));
    }

    @Test
    void sigaltstackBookkeeping() {
        long ss = p.alloc(24), old = p.alloc(24);
        assertEquals(0, p.call("sigaltstack", 0, old));
        assertEquals(Signals.SS_DISABLE, p.space.read32(old + 8));
        p.space.write64(ss, 0x7000_0000L);
        p.space.write32(ss + 8, 0);
        p.space.write64(ss + 16, 1024);
        assertEquals(-Errno.ENOMEM, p.call("sigaltstack", ss, 0));
        p.space.write64(ss + 16, 65536);
        assertEquals(0, p.call("sigaltstack", ss, 0));
        assertEquals(0, p.call("sigaltstack", 0, old));
        assertEquals(0x7000_0000L, p.space.read64(old));
        assertEquals(0, p.space.read32(old + 8));
        assertEquals(65536, p.space.read64(old + 16));
        p.space.write32(ss + 8, 7);
        assertEquals(-Errno.EINVAL, p.call("sigaltstack", ss, 0));
    }

    @Test
    void killingItselfWithADefaultSignalEndsTheProcess() {
        assertEquals(0, p.call("kill", 4242, 0), "signal 0 only checks");
        assertEquals(-Errno.ESRCH, p.call("kill", 4243, Signals.SIGTERM));
        long act = p.alloc(32);
        p.space.write64(act, Signals.SIG_IGN);
        p.call("rt_sigaction", Signals.SIGUSR1, act, 0, 8);
        assertEquals(0, p.call("kill", 4242, Signals.SIGUSR1));
        assertTrue(!p.process.exited(), "an ignored signal does nothing");
        assertEquals(0, p.call("tgkill", 4242, 4242, Signals.SIGABRT));
        jvisor.kernel.signal.Delivery.deliver(p.task, null); // delivered on the way back to the guest
        assertTrue(p.process.exited());
        assertEquals(Signals.SIGABRT, p.process.killedBy().signo());
        assertEquals(Signals.SI_TKILL, p.process.killedBy().code());
    }

    @Test
    void limitsComeFromTheTable() {
        long rl = p.alloc(16), old = p.alloc(16);
        assertEquals(0, p.call("prlimit64", 0, Rlimits.RLIMIT_NOFILE, 0, old));
        assertEquals(Rlimits.RLIM_INFINITY, p.space.read64(old));
        p.space.write64(rl, 8);
        p.space.write64(rl + 8, 100);
        assertEquals(0, p.call("setrlimit", Rlimits.RLIMIT_NOFILE, rl));
        assertEquals(0, p.call("getrlimit", Rlimits.RLIMIT_NOFILE, old));
        assertEquals(8, p.space.read64(old));
        assertEquals(100, p.space.read64(old + 8));
        // The fd table honours RLIMIT_NOFILE.
        assertEquals(-Errno.EBADF, p.call("dup2", 0, 8));
        p.space.write64(rl, 200);
        assertEquals(-Errno.EINVAL, p.call("setrlimit", Rlimits.RLIMIT_NOFILE, rl), "soft above hard");
        assertEquals(-Errno.EINVAL, p.call("prlimit64", 0, 16, 0, old));
        assertEquals(-Errno.ESRCH, p.call("prlimit64", 99999, Rlimits.RLIMIT_NOFILE, 0, old));
    }

    @Test
    void timeAndRandomAndUname() {
        long ts = p.alloc(16);
        assertEquals(0, p.call("clock_gettime", Clocks.CLOCK_MONOTONIC, ts));
        long t1 = p.space.read64(ts) * 1_000_000_000L + p.space.read64(ts + 8);
        assertEquals(0, p.call("clock_gettime", Clocks.CLOCK_MONOTONIC, ts));
        long t2 = p.space.read64(ts) * 1_000_000_000L + p.space.read64(ts + 8);
        assertTrue(t2 >= t1);
        assertEquals(0, p.call("clock_gettime", Clocks.CLOCK_REALTIME, ts));
        long now = System.currentTimeMillis() / 1000;
        assertTrue(Math.abs(p.space.read64(ts) - now) <= 2);
        assertEquals(-Errno.EINVAL, p.call("clock_gettime", 77, ts));
        assertEquals(0, p.call("clock_gettime", -6, ts), "-6: the own process CPU clock (clock_getcpuclockid(0))");
        assertEquals(-Errno.EINVAL, p.call("clock_gettime", -5, ts), "CPU clock type 3 does not exist");
        assertEquals(0, p.call("clock_getres", Clocks.CLOCK_MONOTONIC, 0));
        assertTrue(Math.abs(p.call("time", 0) - now) <= 2);
        p.space.write64(ts, 0);
        p.space.write64(ts + 8, 1000);
        assertEquals(0, p.call("nanosleep", ts, 0));
        p.space.write64(ts + 8, 1_000_000_000L);
        assertEquals(-Errno.EINVAL, p.call("nanosleep", ts, 0));

        long buf = p.alloc(64);
        assertEquals(32, p.call("getrandom", buf, 32, Misc.GRND_NONBLOCK));
        assertNotEquals(0, p.space.read64(buf) | p.space.read64(buf + 8));
        assertEquals(-Errno.EINVAL, p.call("getrandom", buf, 3, 0x10));
        assertEquals(-Errno.EFAULT, p.call("getrandom", 8, 3, 0));

        long u = p.alloc(390);
        assertEquals(0, p.call("uname", u));
        assertEquals("Linux", p.readString(u, 5));
        assertEquals("x86_64", p.readString(u + 4 * 65, 6));
    }
}
