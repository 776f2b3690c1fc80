package jvisor.mmu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Host system calls by number, all through one FFM downcall: the C library's syscall(2) with six
 * long arguments.
 *
 * <p>Why one: the JVM makes a downcall stub per function shape the first time one is linked
 * (generated classes and method-handle forms), 10 to 35 ms each in a JVM that just started, even
 * with the AOT cache. A hello run linked four (mmap, sched_getaffinity, fstatat, write); now it
 * links this one. The calls of every start and the frequent ones (read, write, stat) go through
 * here; rarer host calls keep their own typed stubs, made on their first use.
 *
 * <p>Pointers are passed as host addresses (longs). The result is the kernel's, or -errno when it
 * failed, as the Linux system call itself returns it; errno is captured per call into a
 * per-thread segment, so nothing allocates per call.
 */
public final class HostSyscall {
    private HostSyscall() {}

    // x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
    public static final long READ = 0, WRITE = 1, CLOSE = 3, LSEEK = 8, MMAP = 9, MUNMAP = 11, IOCTL = 16, PREAD64 = 17,
            PWRITE64 = 18, MADVISE = 28, FCNTL = 72, READLINK = 89, GETDENTS64 = 217, OPENAT = 257, NEWFSTATAT = 262,
            PRLIMIT64 = 302;

    private static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;
    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private static final MethodHandle SYSCALL = link();

    private static MethodHandle link() {
        Linker linker = Linker.nativeLinker();
        // long syscall(long number, ...): the arguments after the number are variadic.
        return linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(J, J, J, J, J, J, J, J),
                Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));
    }

    /** The system call nr with six arguments: its result, or -errno. */
    public static long call(long nr, long a, long b, long c, long d, long e, long f) {
        MemorySegment capture = CAPTURE.get();
        long r;
        try {
            r = (long) SYSCALL.invokeExact(capture, nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw new IllegalStateException("host syscall " + nr, t);
        }
        return r == -1 ? -errno(capture) : r;
    }

    /**
     * The calling thread's segment for {@code Linker.Option.captureCallState("errno")}, shared
     * with the typed downcalls of the guest kernel's host classes: one per thread for all of them.
     */
    public static MemorySegment errnoCapture() {
        return CAPTURE.get();
    }

    /** The errno a downcall left in capture (see {@link #errnoCapture}). */
    public static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    public static long call(long nr, long a, long b, long c) {
        return call(nr, a, b, c, 0, 0, 0);
    }
}
