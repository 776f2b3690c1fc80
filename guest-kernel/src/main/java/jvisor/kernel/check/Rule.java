package jvisor.kernel.check;

import java.util.Set;

/**
 * The differences between a native run and a jvisor run that say nothing about syscall semantics,
 * each a named rule. The check applies a rule only where its condition holds, counts every use and
 * lists the rules it applied in the report; {@code --strict} applies none.
 *
 * <p>Most rules allow one value to differ where it is compared. Those for what the scheduler
 * decides work on a task's record before it is aligned: {@link #ASYNC_SIGNALS} takes signals
 * from outside out ({@link AsyncSignals}), {@link #REAP_TIMING} and {@link #WAIT_ORDER} the waits
 * for any child ({@link Reaping}), {@link #FUTEX_CONTENTION} the futex calls of threads
 * ({@link Contention}), and {@link #STREAM_CHUNKS} merges the pieces of stream data
 * ({@link StreamData}); what they take out is compared by what it means rather than by position.
 */
public enum Rule {
    ADDRESSES("addresses", "pointers differ (both non-NULL): the host randomizes its address-space layout, "
            + "jvisor uses Linux's layout without ASLR"),
    MMAP_ADDRESSES("mmap-addresses", "addresses chosen by mmap/mremap, and the address arguments that refer to them, differ"),
    BRK_ADDRESSES("brk-addresses", "the program break differs by the same offset throughout (the host randomizes "
            + "where the heap starts; how far each break lies from the start is compared)"),
    HEAP_LAYOUT("heap-layout", "malloc moves the break by other amounts, or once more or less: natively glibc keeps "
            + "the vDSO's link map on the heap and jvisor has no vDSO (a deliberate difference); compared is "
            + "that the kernel grants, refuses or reports the break alike"),
    PIDS("pids", "process and thread ids differ consistently: each native id always stands for the same jvisor id "
            + "(in results, arguments, siginfo, signalfd's records and the decimal ids in data)"),
    PORTS("ports", "port numbers the host chose (bind to port 0, connect's automatic bind) differ consistently: "
            + "each native port always stands for the same jvisor port, learned from the addresses the kernel "
            + "returns (getsockname, accept, ...), in socket addresses and in data that is exactly a port"),
    TIMES("times", "clock readings, timestamps and remaining times differ (the runs happen at different moments), "
            + "and so do times of day shown in text (ls -l), by at most ten minutes, and a child's CPU times in "
            + "the SIGCHLD a signalfd reads"),
    INODE_NUMBERS("inode-numbers", "inode numbers differ (jvisor's /tmp, /dev and /proc are its own file systems), "
            + "also in the names of pipes and sockets (pipe:[4711]) and the length of a link that names one"),
    DEVICE_NUMBERS("device-numbers", "device numbers of file systems differ (st_dev, stx_dev_*, stx_mnt_id)"),
    RANDOM_BYTES("random-bytes", "bytes from getrandom(2) differ"),
    RANDOM_DRAWS("random-draws", "the libc draws random bits (getrandom, or the clock) a number of times that "
            + "depends on the bits drawn (mkstemp's rejection sampling): getrandom and clock calls only one run makes"),
    TEMP_NAMES("temp-names", "mkstemp/mkdtemp names differ in their random six characters, each native name "
            + "always standing for the same jvisor name"),
    FILE_SYSTEM_LAYOUT("file-system-layout", "block counts, block sizes and directory sizes and link counts differ: they belong to "
            + "the file system (jvisor's /tmp is a tmpfs, the host's may not be)"),
    IGNORED_SIGNALS("ignored-signals", "strace shows signals the program ignores (a traced process queues them, "
            + "sig_ignored() being false under ptrace); jvisor, like an untraced Linux process, discards them"),
    ASYNC_SIGNALS("async-signals", "signals sent by another process, a timer or the kernel (SIGCHLD, kill, "
            + "alarm) arrive between different calls: they are compared by signal, si_code and siginfo, not by "
            + "position, with the rt_sigreturn ending a handler that made no call and the call they interrupted "
            + "(ERESTART*), which runs again; a standard signal sent while one is pending merges with it, so "
            + "either run may get it fewer times"),
    WAIT_ORDER("wait-order", "a wait for any child reaps another of the children that had ended (which ends "
            + "first is the scheduler's choice): both results are children of the run, each id paired, and each child's "
            + "status is compared with the status the same child had in the other run"),
    REAP_TIMING("reap-timing", "a wait for any child finds it at another moment (from a SIGCHLD handler natively, "
            + "blocking a few calls later under jvisor; a WNOHANG poll finds nothing where the other run finds a zombie): "
            + "the waits are compared child by child, each child reaped in both runs with the same status, and the "
            + "signal-mask and handler changes of the wait loop that repeat another number of times must leave the "
            + "mask and the handlers as they were"),
    STREAM_CHUNKS("stream-chunks", "a pipe or a stream socket delivers the same bytes in other pieces (a read returns "
            + "what was written by then; a write into a full stream takes part of its bytes): runs of reads of one "
            + "stream, copy loops that write each piece on, and a partial write with the write of the rest are each "
            + "compared as one call with all the bytes"),
    CONCURRENT_WRITERS("concurrent-writers", "several tasks write into one pipe and the reader gets their writes "
            + "in the order they ran: the bytes read are the same whole writes, in another order, each task's own "
            + "writes in the same order"),
    FUTEX_CONTENTION("futex-contention", "threads of one process contend: how many futex waits and wakes (and "
            + "sched_yield calls) each thread makes and what they return depends on the scheduler; they are "
            + "checked for results the kernel can give, everything else is compared call by call"),
    KILLED_MIDWAY("killed-midway", "a task killed by a signal from another process (kill(2)) is killed wherever "
            + "it is: the calls just before its death, which only one run made, are not compared, nor whether its "
            + "last call returned"),
    INTERRUPTED_REGISTERS("interrupted-registers", "rt_sigreturn returns the interrupted code's rax, which depends on "
            + "where the signal struck (and holds addresses)"),
    SYSTEM_LOAD("system-load", "sysinfo(2)'s live figures differ (uptime, load, free memory, process count)"),
    DELIBERATE("deliberate", "a deliberate difference of jvisor, stated in the kernel's syscall metadata "
            + "(SyscallStates), with its reason");

    /** The name reports use. */
    public final String id;
    public final String description;

    Rule(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** Syscalls whose address arguments and results are mmap's addresses. */
    static final Set<String> MMAP_SYSCALLS = Set.of("mmap", "munmap", "mprotect", "mremap", "madvise", "msync",
            "mincore", "mlock", "mlock2", "munlock", "pkey_mprotect", "remap_file_pages", "mbind", "process_madvise");

    /** Syscalls that return a pid or tid. */
    static final Set<String> PID_RESULTS = Set.of("getpid", "gettid", "getppid", "getpgrp", "getpgid", "getsid",
            "setsid", "set_tid_address", "clone", "clone3", "fork", "vfork", "wait4", "waitid");

    /** Syscalls whose result is learned as a new pid pairing (ids of the world outside the program). */
    static final Set<String> PID_LEARNING = Set.of("getppid", "getpgrp", "getpgid", "getsid", "setsid", "wait4");

    /** Syscall arguments (by index) that are pids or tids. */
    static boolean pidArgument(String syscall, int i) {
        return switch (syscall) {
            case "kill", "tkill", "rt_sigqueueinfo", "getpgid", "getsid", "sched_getaffinity", "sched_setaffinity",
                    "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",
                    "sched_rr_get_interval", "sched_getattr", "sched_setattr", "prlimit64", "wait4", "get_robust_list",
                    "pidfd_open", "process_vm_readv", "process_vm_writev", "migrate_pages", "move_pages" -> i == 0;
            case "tgkill", "rt_tgsigqueueinfo", "setpgid", "kcmp" -> i == 0 || i == 1;
            case "waitid", "getpriority", "setpriority", "ioprio_get", "ioprio_set" -> i == 1;
            // The value a futex waiter expects is a thread id when it waits for a thread's end
            // (pthread_join on the word CLONE_CHILD_CLEARTID clears): compared through the pairing
            // of known ids, so another number still has to be equal.
            case "futex" -> i == 2;
            default -> false;
        };
    }

    /** ioctl requests whose argument points to a process group or session id (TIOCGPGRP, TIOCSPGRP, TIOCGSID). */
    static boolean pidIoctl(Event.Call c) {
        if (!c.name().equals("ioctl") || c.args().size() < 2 || !(c.args().get(1) instanceof Value.Num req)) return false;
        int r = (int) req.value();
        return r == jvisor.kernel.abi.Ioctls.TIOCGPGRP || r == jvisor.kernel.abi.Ioctls.TIOCSPGRP
                || r == jvisor.kernel.abi.Ioctls.TIOCGSID;
    }

    /** Syscalls whose outputs (and result) are clock readings or times left. */
    static final Set<String> TIME_OUTPUTS = Set.of("clock_gettime", "gettimeofday", "time", "times", "getrusage",
            "nanosleep", "clock_nanosleep", "timer_gettime", "timerfd_gettime", "getitimer", "setitimer",
            "timer_settime", "timerfd_settime", "alarm", "rt_sigtimedwait", "select", "pselect6", "clock_adjtime",
            "adjtimex", "timer_getoverrun");

    /** Syscalls the libc draws random bits with. */
    static final Set<String> RANDOM_SOURCES = Set.of("getrandom", "clock_gettime", "gettimeofday", "time");

    /** stat and statx fields that belong to the file system's layout. */
    static boolean layoutField(String field) {
        return field.equals("st_blocks") || field.equals("st_blksize") || field.equals("stx_blocks")
                || field.equals("stx_blksize");
    }

    /** Structure fields that are timestamps (stat, statx). */
    static boolean timeField(String field) {
        return field.matches("st_[amc]time(_nsec)?|stx_[abcm]time");
    }

    static boolean inodeField(String field) {
        return field.equals("st_ino") || field.equals("stx_ino") || field.equals("d_ino");
    }

    static boolean deviceField(String field) {
        return field.equals("st_dev") || field.equals("stx_dev_major") || field.equals("stx_dev_minor")
                || field.equals("stx_mnt_id");
    }

    /** sysinfo(2) fields that are constants of the machine (compared); the rest are live figures. */
    static boolean systemLoadField(String field) {
        return switch (field) {
            case "uptime", "loads", "freeram", "sharedram", "bufferram", "freeswap", "procs", "freehigh" -> true;
            default -> false;
        };
    }
}
