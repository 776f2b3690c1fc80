package jvisor.kernel.host;

import static jvisor.kernel.host.NativeLayouts.I;
import static jvisor.kernel.host.NativeLayouts.J;
import static jvisor.kernel.host.NativeLayouts.P;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import jvisor.mmu.HostAccess;
import jvisor.mmu.HostSyscall;

/**
 * The host C library, reached through FFM downcalls. This is the guest kernel's only door to the
 * host kernel for files, terminals, clocks and identity: host fds give exact Linux semantics
 * (partial reads from pipes and terminals, errno values, st_mode of fds 0-2) that java.io cannot.
 *
 * <p>Convention: every method returns the C result, or {@code -errno} when the call failed,
 * exactly like a Linux syscall; the host is x86-64 Linux, so its errno values are the guest's.
 *
 * <p>errno is captured per call with {@link Linker.Option#captureCallState}, into the per-thread
 * segment {@link HostSyscall} keeps for every host call, so nothing allocates per call.
 */
public final class Libc {
    /** The linker and the C library's symbols: made with the first typed stub, which most runs never need. */
    private static final class Ffm {
        static final Linker LINKER = Linker.nativeLinker();
        static final SymbolLookup LIBC = LINKER.defaultLookup();
        static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    }

    // One holder class per function: its downcall stub (a handful of generated classes, tens of
    // milliseconds at its first use in a JVM that just started) is made when the function is first
    // called, not when the class is loaded; after that the handle is a constant the JIT inlines, as
    // a static final field is. The calls a run is likely to make are system calls by number through
    // HostSyscall instead (the JNI library), which costs no stub; what remains here is rare.
    private static final class Mmap {
        static final MethodHandle H = errnoCall("mmap",
                FunctionDescriptor.of(P, P, J, I, I, I, J));
    }

    private static final class Fcntl {
        static final MethodHandle H = errnoCall("fcntl", FunctionDescriptor.of(I, I, I, J),
                Linker.Option.firstVariadicArg(2));
    }

    private static final class Getrlimit {
        static final MethodHandle H = errnoCall("getrlimit", FunctionDescriptor.of(I, I, P));
    }

    private static final class ClockGetres {
        static final MethodHandle H = errnoCall("clock_getres", FunctionDescriptor.of(I, I, P));
    }

    // clock_nanosleep returns the error number itself instead of setting errno.
    private static final class ClockNanosleep {
        static final MethodHandle H = plainCall("clock_nanosleep",
                FunctionDescriptor.of(I, I, I, P, P));
    }

    // Arguments of the calls made by number (their numbers are HostSyscall's).
    private static final long AT_FDCWD = -100, ENOSYS = 38, RLIMIT_CORE = 4, SIG_UNBLOCK = 1, SIGSET_BYTES = 8;

    private Libc() {}

    private static MethodHandle errnoCall(String name, FunctionDescriptor fd, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = Ffm.CAPTURE;
        System.arraycopy(more, 0, options, 1, more.length);
        return Ffm.LINKER.downcallHandle(Ffm.LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), fd, options);
    }

    private static MethodHandle plainCall(String name, FunctionDescriptor fd) {
        return Ffm.LINKER.downcallHandle(Ffm.LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), fd);
    }

    private static MemorySegment capture() {
        return HostSyscall.errnoCapture();
    }

    private static int errno(MemorySegment capture) {
        return HostSyscall.errno(capture);
    }

    private static long result(long r, MemorySegment capture) {
        return r == -1 ? -errno(capture) : r;
    }

    private static RuntimeException fail(Throwable t) {
        if (t instanceof RuntimeException re) return re;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    // ---------------------------------------------------------------- I/O

    /** read(2) into host memory at buf. */
    public static long read(int fd, long buf, long count) {
        return HostSyscall.call(HostSyscall.READ, fd, buf, count);
    }

    public static long write(int fd, long buf, long count) {
        return HostSyscall.call(HostSyscall.WRITE, fd, buf, count);
    }

    /**
     * A MAP_SHARED mapping of a host file (a guest's shared file mapping is the host's own, so its
     * writes reach the file and other mappings at once): the host address, or -errno.
     */
    public static long mmapShared(int fd, long length, boolean writable, long offset) {
        try {
            MemorySegment c = capture();
            int prot = writable ? 3 : 1; // PROT_READ | PROT_WRITE, or PROT_READ
            MemorySegment p = (MemorySegment) Mmap.H.invokeExact(c, MemorySegment.NULL, length, prot, 1 /* MAP_SHARED */,
                    fd, offset);
            if (p.address() == -1L) return -errno(c);
            return p.address();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static long pread(int fd, long buf, long count, long offset) {
        return HostSyscall.call(HostSyscall.PREAD64, fd, buf, count, offset, 0, 0);
    }

    public static long pwrite(int fd, long buf, long count, long offset) {
        return HostSyscall.call(HostSyscall.PWRITE64, fd, buf, count, offset, 0, 0);
    }

    /** getdents64(2) into host memory: struct linux_dirent64 records, the same for host and guest. */
    public static long getdents64(int fd, long buf, long count) {
        return HostSyscall.call(HostSyscall.GETDENTS64, fd, buf, count);
    }

    public static long lseek(int fd, long offset, int whence) {
        return HostSyscall.call(HostSyscall.LSEEK, fd, offset, whence);
    }

    /** open(2) of a NUL-terminated host path held in a native segment. */
    public static int open(MemorySegment path, int flags, int mode) {
        return (int) HostSyscall.call(HostSyscall.OPENAT, AT_FDCWD, path.address(), flags, mode, 0, 0);
    }

    public static int close(int fd) {
        return (int) HostSyscall.call(HostSyscall.CLOSE, fd, 0, 0);
    }

    /** fstatat(2) into a 144-byte struct stat (x86-64 layout, identical for glibc and the kernel). */
    public static int fstatat(int dirfd, MemorySegment path, MemorySegment statBuf, int flags) {
        return (int) HostSyscall.call(HostSyscall.NEWFSTATAT, dirfd, path.address(), statBuf.address(), flags, 0, 0);
    }

    /** fstat(2) into a 144-byte struct stat: what fstatat(fd, "", buf, AT_EMPTY_PATH) answers, without a path. */
    public static int fstat(int fd, MemorySegment statBuf) {
        return (int) HostSyscall.call(HostSyscall.FSTAT, fd, statBuf.address(), 0);
    }

    /** statx(2) into a 256-byte struct statx. */
    public static int statx(int dirfd, MemorySegment path, int flags, int mask, MemorySegment buf) {
        return (int) HostSyscall.call(HostSyscall.STATX, dirfd, path.address(), flags, mask, buf.address(), 0);
    }

    public static long readlink(MemorySegment path, MemorySegment buf, long size) {
        return HostSyscall.call(HostSyscall.READLINK, path.address(), buf.address(), size);
    }

    /**
     * ioctl(2), the system call itself as glibc makes it on x86-64 (a typed handle of its own was
     * linked on a guest's first write, when HostTerminal asks whether the file is a terminal).
     */
    public static int ioctl(int fd, long request, MemorySegment arg) {
        return (int) HostSyscall.call(HostSyscall.IOCTL, fd, request, arg.address());
    }

    /**
     * tcgetpgrp(3) of a host terminal: TIOCGPGRP; the group, or -errno. Asked on every write to a
     * terminal: the answer goes to the thread's {@link Scratch#answer} buffer, not to an Arena's
     * memory (the JVM's first Arena costs milliseconds of generated method handles).
     */
    public static int tcgetpgrp(int fd) {
        MemorySegment pgrp = Scratch.answer(4);
        int r = ioctl(fd, 0x540F /* TIOCGPGRP */, pgrp);
        return r < 0 ? r : HostAccess.getInt(pgrp.address());
    }

    public static int fcntl(int fd, int cmd, long arg) {
        try {
            MemorySegment c = capture();
            return (int) result((int) Fcntl.H.invokeExact(c, fd, cmd, arg), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int faccessat(int dirfd, MemorySegment path, int mode, int flags) {
        // As the C library makes it: faccessat2, or faccessat where the host kernel (before 5.8)
        // has no faccessat2 and there are no flags (which only the older call cannot take).
        long r = HostSyscall.call(HostSyscall.FACCESSAT2, dirfd, path.address(), mode, flags, 0, 0);
        if (r == -ENOSYS && flags == 0) r = HostSyscall.call(HostSyscall.FACCESSAT, dirfd, path.address(), mode);
        return (int) r;
    }

    // ---------------------------------------------------------------- time

    public static int clockGetres(int clock, MemorySegment timespec) {
        try {
            MemorySegment c = capture();
            return (int) result((int) ClockGetres.H.invokeExact(c, clock, timespec), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** clock_nanosleep(2); returns 0 or -errno (EINTR with remain filled in). */
    public static int clockNanosleep(int clock, int flags, MemorySegment request, MemorySegment remain) {
        try {
            return -(int) ClockNanosleep.H.invokeExact(clock, flags, request, remain);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---------------------------------------------------------------- identity and limits

    /** uname(2) into a 390-byte struct utsname (six 65-byte fields). */
    public static int uname(MemorySegment buf) {
        return (int) HostSyscall.call(HostSyscall.UNAME, buf.address(), 0, 0);
    }

    /** sysinfo(2) into a 112-byte struct sysinfo. */
    public static int sysinfo(MemorySegment buf) {
        return (int) HostSyscall.call(HostSyscall.SYSINFO, buf.address(), 0, 0);
    }

    public static int getgroups(int size, MemorySegment list) {
        return (int) HostSyscall.call(HostSyscall.GETGROUPS, size, list.address(), 0);
    }

    /** The nice value jvisor itself runs at (the guest's first process starts with it), or 0. */
    public static int hostNice() {
        HostProcStat self = HostProcStat.of("self");
        return self != null ? Math.max(-20, Math.min(19, self.nice())) : 0;
    }

    /**
     * The host kernel's cpumask_size(): what sched_getaffinity(2) returns for a large buffer (it
     * depends on the kernel's configuration, NR_CPUS or the possible CPUs), or 8 if unknown.
     */
    public static int hostCpumaskSize() {
        try (Arena arena = Arena.ofConfined()) {
            long n = HostSyscall.call(HostSyscall.SCHED_GETAFFINITY, 0, 1024, arena.allocate(1024).address());
            return n > 0 && n <= 1024 ? (int) n : 8;
        }
    }

    public static int getuid() {
        return (int) HostSyscall.call(HostSyscall.GETUID, 0, 0, 0);
    }

    public static int geteuid() {
        return (int) HostSyscall.call(HostSyscall.GETEUID, 0, 0, 0);
    }

    public static int getgid() {
        return (int) HostSyscall.call(HostSyscall.GETGID, 0, 0, 0);
    }

    public static int getegid() {
        return (int) HostSyscall.call(HostSyscall.GETEGID, 0, 0, 0);
    }

    public static int getpid() {
        // By number, not ProcessHandle.current(): its class's initialization starts the JDK's process
        // reaper machinery, a millisecond or two of interpreted code at every start.
        return (int) HostSyscall.call(HostSyscall.GETPID, 0, 0, 0);
    }

    public static int getppid() {
        return (int) HostSyscall.call(HostSyscall.GETPPID, 0, 0, 0);
    }

    /** The host process group of jvisor itself (the first guest process starts in it). */
    public static int getpgid() {
        return (int) HostSyscall.call(HostSyscall.GETPGID, 0, 0, 0);
    }

    /** The host session of jvisor itself. */
    public static int getsid() {
        return (int) HostSyscall.call(HostSyscall.GETSID, 0, 0, 0);
    }

    /** getrlimit(2) into a 16-byte struct rlimit. */
    public static int getrlimit(int resource, MemorySegment rlim) {
        try {
            MemorySegment c = capture();
            return (int) result((int) Getrlimit.H.invokeExact(c, resource, rlim), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /**
     * Sends sig to jvisor's own host process group (kill(2) with -pgrp): how a terminal's job
     * control reaches jvisor as a whole when jvisor is in the background of the host's terminal.
     */
    public static void signalOwnGroup(int pgrp, int sig) {
        long unused = HostSyscall.call(HostSyscall.KILL, -pgrp, sig, 0);
    }

    // ---------------------------------------------------------------- ending

    /**
     * Ends the process at once with the given status (exit_group(2)), without the JVM's shutdown:
     * no shutdown hook runs and nothing of the JVM's is written. Returns only if the call failed.
     */
    public static void exitGroup(int status) {
        long unused = HostSyscall.call(HostSyscall.EXIT_GROUP, status, 0, 0);
    }

    // ---------------------------------------------------------------- dying by a signal

    /**
     * Kills this JVM with signal sig so that its parent sees the same wait status as for a native
     * process killed by it (exit status 128+sig in a shell). HotSpot installs handlers for SIGSEGV,
     * SIGBUS, SIGFPE, SIGILL, SIGPIPE..., so the disposition is reset to SIG_DFL first; core dumps
     * are disabled so that no core file of the JVM is left behind. Returns only if that failed.
     *
     * <p>System calls by number, as the C library's setrlimit, signal, pthread_sigmask and raise
     * make them: through typed FFM stubs, a crashing guest's jvisor spent some 150 ms making four
     * stubs on its way out.
     */
    public static void dieBySignal(int sig) {
        try (Arena arena = Arena.ofConfined()) {
            long noCore = arena.allocate(16).address(); // struct rlimit {0, 0}
            HostSyscall.call(HostSyscall.PRLIMIT64, 0, RLIMIT_CORE, noCore, 0, 0, 0);
            long byDefault = arena.allocate(32).address(); // struct kernel_sigaction: SIG_DFL, no flags, empty mask
            HostSyscall.call(HostSyscall.RT_SIGACTION, sig, byDefault, 0, SIGSET_BYTES, 0, 0);
            long unblock = arena.allocate(SIGSET_BYTES).address();
            HostAccess.putLong(unblock, 1L << (sig - 1));
            HostSyscall.call(HostSyscall.RT_SIGPROCMASK, SIG_UNBLOCK, unblock, 0, SIGSET_BYTES, 0, 0);
            long pid = getpid();
            HostSyscall.call(HostSyscall.TGKILL, pid, HostSyscall.call(HostSyscall.GETTID, 0, 0, 0), sig); // raise(3)
            // Should the signal be left pending for another thread, send it to the process as a whole.
            HostSyscall.call(HostSyscall.KILL, pid, sig, 0);
        } catch (RuntimeException e) {
            // Fall through: the caller exits with 128+sig instead.
        }
    }
}
