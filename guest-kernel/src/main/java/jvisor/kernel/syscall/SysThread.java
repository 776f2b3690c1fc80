package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.ARCH_ADDR;
import static jvisor.kernel.strace.ArgFormat.ARCH_CODE;
import static jvisor.kernel.strace.ArgFormat.CPUSET_OUT;
import static jvisor.kernel.strace.ArgFormat.HEX;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.RET_NONE;
import static jvisor.kernel.strace.ArgFormat.RSEQ_FLAGS;
import static jvisor.kernel.strace.ArgFormat.UINT_OUT;
import static jvisor.kernel.strace.ArgFormat.ULONG;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Misc;
import jvisor.kernel.mm.MemoryManager;
import jvisor.kernel.proc.Task;
import jvisor.mmu.AddressSpace;

/**
 * The calling thread and process: exit, ids, TLS (arch_prctl), robust futex list, rseq, CPU
 * affinity (gVisor sys_thread.go, sys_tls_amd64.go, sys_rseq.go). The emulated machine has as many
 * CPUs as the host gives the JVM: guest threads run in parallel on host threads, and affinity
 * is recorded but not enforced (the host schedules the threads).
 */
final class SysThread {
    private SysThread() {}

    /** sizeof(struct robust_list_head). */
    private static final int ROBUST_LIST_HEAD_SIZE = 24;
    /** The emulated CPUs: one per host processor available to the JVM (at most 64 here). */
    static final int CPUS = Math.max(1, Math.min(64, Runtime.getRuntime().availableProcessors()));

    /**
     * The kernel's cpumask_size(), as the host's: what sched_getaffinity returns. Asked on the
     * first sched_getaffinity, not when the table is built: asking costs a downcall stub, tens
     * of milliseconds of every start-up otherwise.
     */
    private static final class CpumaskSize {
        static final int BYTES = jvisor.kernel.host.Libc.hostCpumaskSize();
    }

    static void register(SyscallTable t) {
        t.define("exit", (k, a, b, c, d, e, f) -> exitThread(k, (int) a), RET_NONE, INT);
        t.define("exit_group", (k, a, b, c, d, e, f) -> exitGroup(k, (int) a), RET_NONE, INT);
        t.define("getpid", (k, a, b, c, d, e, f) -> k.process.pid, RET_DEC);
        t.define("getppid", (k, a, b, c, d, e, f) -> k.process.ppid(), RET_DEC);
        t.define("gettid", (k, a, b, c, d, e, f) -> k.tid, RET_DEC);
        t.define("set_tid_address", (k, a, b, c, d, e, f) -> {
            k.clearChildTid = a;
            return k.tid;
        }, RET_DEC, PTR);
        t.define("set_robust_list", (k, a, b, c, d, e, f) -> setRobustList(k, a, b), RET_DEC, PTR, ULONG);
        t.define("get_robust_list", (k, a, b, c, d, e, f) -> getRobustList(k, (int) a, b, c), RET_DEC, INT, PTR, PTR);
        t.define("arch_prctl", (k, a, b, c, d, e, f) -> archPrctl(k, (int) a, b), RET_DEC, ARCH_CODE, ARCH_ADDR);
        t.define("rseq", (k, a, b, c, d, e, f) -> rseq(k, a, (int) b, (int) c, (int) d), RET_DEC,
                PTR, HEX, RSEQ_FLAGS, HEX);
        t.define("sched_getaffinity", (k, a, b, c, d, e, f) -> schedGetaffinity(k, (int) a, b, c), RET_DEC,
                INT, ULONG, CPUSET_OUT);
        t.define("sched_setaffinity", (k, a, b, c, d, e, f) -> schedSetaffinity(k, (int) a, b, c), RET_DEC,
                INT, ULONG, PTR);
        t.define("sched_yield", (k, a, b, c, d, e, f) -> 0, RET_DEC);
        t.define("getcpu", (k, a, b, c, d, e, f) -> getcpu(k, a, b), RET_DEC, UINT_OUT, UINT_OUT, PTR);
    }

    /**
     * exit(2): this thread ends; if it was the last one, the process ends with status & 0xff.
     * The call does not return; the task's run loop sees the stop.
     */
    static long exitThread(Task t, int status) {
        t.exiting = true;
        t.exitCode = status;
        t.requestStop();
        return 0;
    }

    /** exit_group(2): every thread ends and the process exits with status & 0xff. */
    static long exitGroup(Task t, int status) {
        t.exiting = true;
        t.process.exit(status);
        return 0;
    }

    static long setRobustList(Task t, long head, long len) {
        if (len != ROBUST_LIST_HEAD_SIZE) return -Errno.EINVAL;
        t.robustListHead = head;
        t.robustListLen = len;
        return 0;
    }

    static long getRobustList(Task t, int pid, long headPtr, long lenPtr) {
        if (pid != 0 && pid != t.tid) return -Errno.ESRCH;
        t.memory().write64(headPtr, t.robustListHead);
        t.memory().write64(lenPtr, ROBUST_LIST_HEAD_SIZE);
        return 0;
    }

    /** arch_prctl(2): the FS and GS bases that TLS lives on. */
    static long archPrctl(Task t, int code, long addr) {
        switch (code) {
            case Misc.ARCH_SET_FS, Misc.ARCH_SET_GS -> {
                if (Long.compareUnsigned(addr, MemoryManager.TASK_SIZE) >= 0) return -Errno.EPERM;
                if (code == Misc.ARCH_SET_FS) t.regs.fsBase = addr;
                else t.regs.gsBase = addr;
                return 0;
            }
            case Misc.ARCH_GET_FS -> {
                t.memory().write64(addr, t.regs.fsBase);
                return 0;
            }
            case Misc.ARCH_GET_GS -> {
                t.memory().write64(addr, t.regs.gsBase);
                return 0;
            }
            case Misc.ARCH_GET_CPUID -> {
                return 1; // CPUID does not fault
            }
            case Misc.ARCH_SET_CPUID -> {
                return -Errno.ENODEV; // no CPUID faulting
            }
            default -> {
                return -Errno.EINVAL;
            }
        }
    }

    /**
     * rseq(2) registration bookkeeping (kernel/rseq.c). A thread on the one emulated CPU is never
     * migrated, so the registration only has to hold the CPU number: cpu_id_start and cpu_id are
     * set to 0 (and node_id and mm_cid when the area has them).
     */
    static long rseq(Task t, long addr, int len, int flags, int sig) {
        if ((flags & ~Misc.RSEQ_FLAG_UNREGISTER) != 0) return -Errno.EINVAL;
        if ((flags & Misc.RSEQ_FLAG_UNREGISTER) != 0) {
            if (t.rseqAddr != addr) return -Errno.EINVAL;
            if (len != t.rseqLen) return -Errno.EINVAL;
            if (sig != t.rseqSig) return -Errno.EPERM;
            t.memory().write32(addr, 0); // cpu_id_start
            t.memory().write32(addr + 4, -1); // cpu_id = RSEQ_CPU_ID_UNINITIALIZED
            t.rseqAddr = 0;
            t.rseqLen = 0;
            t.rseqSig = 0;
            return 0;
        }
        if (t.rseqAddr != 0) {
            if (t.rseqAddr != addr || len != t.rseqLen) return -Errno.EINVAL;
            if (sig != t.rseqSig) return -Errno.EPERM;
            return -Errno.EBUSY;
        }
        boolean badSize = len < Misc.RSEQ_ORIG_SIZE
                || (len == Misc.RSEQ_ORIG_SIZE && (addr & (Misc.RSEQ_ORIG_SIZE - 1)) != 0)
                || (len != Misc.RSEQ_ORIG_SIZE && ((addr & 31) != 0 || len < 28));
        if (badSize) return -Errno.EINVAL;
        AddressSpace mem = t.memory();
        mem.write32(addr, 0); // cpu_id_start
        mem.write32(addr + 4, 0); // cpu_id
        if (len >= 28) {
            mem.write32(addr + 20, 0); // node_id
            mem.write32(addr + 24, 0); // mm_cid
        }
        t.rseqAddr = addr;
        t.rseqLen = len;
        t.rseqSig = sig;
        return 0;
    }

    static long schedGetaffinity(Task t, int pid, long len, long mask) {
        // kernel/sched/core.c: the length must hold nr_cpu_ids bits and be a multiple of a long.
        if (len * 8 < CPUS || (len & 7) != 0) return -Errno.EINVAL;
        if (pid < 0 || (pid != 0 && t.process.table.task(pid) == null)) return -Errno.ESRCH;
        int n = (int) Math.min(len, CpumaskSize.BYTES);
        long all = CPUS == 64 ? -1L : (1L << CPUS) - 1;
        byte[] bits = new byte[n];
        for (int i = 0; i < Math.min(n, 8); i++) bits[i] = (byte) (all >>> (8 * i)); // at most 64 CPUs
        t.memory().writeBytes(mask, bits, 0, n);
        return n;
    }

    static long schedSetaffinity(Task t, int pid, long len, long mask) {
        if (pid < 0 || (pid != 0 && t.process.table.task(pid) == null)) return -Errno.ESRCH;
        if (len <= 0) return -Errno.EINVAL;
        long all = CPUS == 64 ? -1L : (1L << CPUS) - 1;
        long m = 0;
        for (int i = 0; i < Math.min(len, 8); i++) m |= (long) t.memory().read8(mask + i) << (8 * i);
        return (m & all) != 0 ? 0 : -Errno.EINVAL; // a mask without any existing CPU
    }

    static long getcpu(Task t, long cpu, long node) {
        if (cpu != 0) t.memory().write32(cpu, 0);
        if (node != 0) t.memory().write32(node, 0);
        return 0;
    }
}
