package jvisor.mmu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * Host system calls by number: the C library's syscall(2) with six long arguments, through a
 * small JNI library of jvisor's own (src/main/native/hostsyscall.c) or, without it, one FFM
 * downcall.
 *
 * <p>Why JNI first: a JNI method is bound by a symbol lookup on its first call, while the JVM makes
 * an FFM downcall stub from generated classes and method-handle forms, about 60 ms of a JVM that
 * just started (even with the AOT cache), on the way to a guest's first instruction. That was a
 * fifth of a hello run (median 309 ms with the stub, 259 ms with JNI, 15 alternating runs).
 *
 * <p>Why one entry point: each function shape would need a stub (or a native method) of its own.
 * The calls of every start and the frequent ones (read, write, stat) go through here; rarer host
 * calls keep their own typed FFM stubs, made on their first use.
 *
 * <p>Pointers are passed as host addresses (longs). The result is the kernel's, or -errno when it
 * failed, as the Linux system call itself returns it; nothing allocates per call.
 */
public final class HostSyscall {
    private HostSyscall() {}

    // x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
    public static final long READ = 0, WRITE = 1, CLOSE = 3, FSTAT = 5, LSEEK = 8, MMAP = 9, MUNMAP = 11, RT_SIGACTION = 13,
            RT_SIGPROCMASK = 14, IOCTL = 16, PREAD64 = 17, PWRITE64 = 18, MADVISE = 28, GETPID = 39, KILL = 62,
            UNAME = 63, FCNTL = 72, READLINK = 89, SYSINFO = 99, GETUID = 102, GETGID = 104, GETEUID = 107,
            GETEGID = 108, GETPPID = 110, GETGROUPS = 115, GETPGID = 121, GETSID = 124, GETTID = 186,
            SCHED_GETAFFINITY = 204, GETDENTS64 = 217, CLOCK_GETTIME = 228, EXIT_GROUP = 231, TGKILL = 234, OPENAT = 257,
            NEWFSTATAT = 262, FACCESSAT = 269, PRLIMIT64 = 302, GETRANDOM = 318, STATX = 332, FACCESSAT2 = 439;

    /** The errno capture of the typed downcalls; made on first use, a JNI-only start never needs it. */
    private static final class Capture {
        static final MemoryLayout LAYOUT = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final ThreadLocal<MemorySegment> SEGMENT = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(LAYOUT));
    }

    /** syscall(2) as an FFM downcall: the path when the JNI library is not there. */
    private static final class Downcall {
        private static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;
        // long syscall(long number, ...): the arguments after the number are variadic.
        static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(J, J, J, J, J, J, J, J),
                Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));

        static long call(long nr, long a, long b, long c, long d, long e, long f) {
            MemorySegment capture = Capture.SEGMENT.get();
            long r;
            try {
                r = (long) SYSCALL.invokeExact(capture, nr, a, b, c, d, e, f);
            } catch (Throwable t) {
                throw new IllegalStateException("host syscall " + nr, t);
            }
            return r == -1 ? -errno(capture) : r;
        }
    }

    /** The library's file name; the build puts it beside mmu's jar (mmu/pom.xml, guest-kernel/pom.xml). */
    static final String LIBRARY = "libjvisorhost.so";

    /**
     * Where the library is looked for: the jvisor.host.library property when set ("none": nowhere,
     * host calls go through FFM), else beside the jar this class came from, or above its classes
     * folder when it came from one (a module's target/classes in the build).
     */
    static final String LIBRARY_PROPERTY = "jvisor.host.library";

    private static final boolean JNI = loadLibrary();

    private static boolean loadLibrary() {
        Path library = libraryPath();
        if (library == null || !Files.isRegularFile(library)) return false;
        try {
            System.load(library.toString());
            syscall6(GETPID, 0, 0, 0, 0, 0, 0); // binds the native method now, or fails here
            return true;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            return false;
        }
    }

    private static Path libraryPath() {
        String named = System.getProperty(LIBRARY_PROPERTY, "");
        if (named.equals("none")) return null;
        if (!named.isEmpty()) return Path.of(named);
        try {
            CodeSource source = HostSyscall.class.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) return null;
            Path classes = Path.of(source.getLocation().toURI());
            Path folder = classes.getParent();
            return folder == null ? null : folder.resolve(LIBRARY);
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** "jni" when host calls go through the library, "ffm" when through a downcall. */
    public static String implementation() {
        return JNI ? "jni" : "ffm";
    }

    /** syscall(2) through JNI (mmu/src/main/native/hostsyscall.c): the result, or -errno. */
    private static native long syscall6(long nr, long a, long b, long c, long d, long e, long f);

    /** The system call nr with six arguments: its result, or -errno. */
    public static long call(long nr, long a, long b, long c, long d, long e, long f) {
        return JNI ? syscall6(nr, a, b, c, d, e, f) : Downcall.call(nr, a, b, c, d, e, f);
    }

    /**
     * clock_gettime(2) into the struct timespec at host address timespec: 0, or -errno. Through
     * the C library when the JNI library is there (its vDSO path answers without entering the
     * kernel), else the system call itself: a guest that reads the time once (every benchmark
     * does) would otherwise wait for the JVM to make a downcall stub, tens of milliseconds.
     */
    public static long clockGettime(long clock, long timespec) {
        return JNI ? clockGettime0(clock, timespec) : call(CLOCK_GETTIME, clock, timespec, 0);
    }

    private static native long clockGettime0(long clock, long timespec);

    /**
     * The calling thread's segment for {@code Linker.Option.captureCallState("errno")}, shared
     * with the typed downcalls of the guest kernel's host classes: one per thread for all of them.
     */
    public static MemorySegment errnoCapture() {
        return Capture.SEGMENT.get();
    }

    /** The errno a downcall left in capture (see {@link #errnoCapture}). */
    public static int errno(MemorySegment capture) {
        return (int) Capture.ERRNO.get(capture, 0L);
    }

    public static long call(long nr, long a, long b, long c) {
        return call(nr, a, b, c, 0, 0, 0);
    }
}
