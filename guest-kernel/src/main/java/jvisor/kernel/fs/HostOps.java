package jvisor.kernel.fs;

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

import jvisor.kernel.host.Scratch;

/**
 * The host calls the VFS needs beyond {@link jvisor.kernel.host.Libc}: the ones that change the
 * host directory (only reached for a root mounted with --rw), poll, umask. Same convention as
 * Libc: the C result or -errno. Paths are host paths as bytes.
 */
public final class HostOps {
    /** The linker and libc, made when the first downcall stub is: every start reads the umask here, without them. */
    private static final class Native {
        static final Linker LINKER = Linker.nativeLinker();
        static final SymbolLookup LIBC = LINKER.defaultLookup();
    }

    // One holder class per function: its downcall stub (a handful of generated classes, several
    // milliseconds each at start-up) is made when the function is first called, not when the class
    // is loaded; after that the handle is a constant the JIT inlines, as a static final field is.
    private static final class Openat {
        static final MethodHandle H = call("openat", FunctionDescriptor.of(I, I, P, I, I), 3);
    }

    private static final class Mkdirat {
        static final MethodHandle H = call("mkdirat", FunctionDescriptor.of(I, I, P, I), -1);
    }

    private static final class Mknodat {
        static final MethodHandle H = call("mknodat", FunctionDescriptor.of(I, I, P, I, J), -1);
    }

    private static final class Unlinkat {
        static final MethodHandle H = call("unlinkat", FunctionDescriptor.of(I, I, P, I), -1);
    }

    private static final class Renameat2 {
        static final MethodHandle H = call("renameat2", FunctionDescriptor.of(I, I, P, I, P, I), -1);
    }

    private static final class Linkat {
        static final MethodHandle H = call("linkat", FunctionDescriptor.of(I, I, P, I, P, I), -1);
    }

    private static final class Symlinkat {
        static final MethodHandle H = call("symlinkat", FunctionDescriptor.of(I, P, I, P), -1);
    }

    private static final class Chmod {
        static final MethodHandle H = call("chmod", FunctionDescriptor.of(I, P, I), -1);
    }

    private static final class Truncate {
        static final MethodHandle H = call("truncate64", FunctionDescriptor.of(I, P, J), -1);
    }

    private static final class Ftruncate {
        static final MethodHandle H = call("ftruncate64", FunctionDescriptor.of(I, I, J), -1);
    }

    private static final class Utimensat {
        static final MethodHandle H = call("utimensat", FunctionDescriptor.of(I, I, P, P, I), -1);
    }

    private static final class Fsync {
        static final MethodHandle H = call("fsync", FunctionDescriptor.of(I, I), -1);
    }

    private static final class Fdatasync {
        static final MethodHandle H = call("fdatasync", FunctionDescriptor.of(I, I), -1);
    }

    private static final class Poll {
        static final MethodHandle H = call("poll", FunctionDescriptor.of(I, P, J, I), -1);
    }

    private static final class Umask {
        static final MethodHandle H = plain("umask", FunctionDescriptor.of(I, I));
    }

    private static final class Fallocate {
        static final MethodHandle H = call("fallocate64", FunctionDescriptor.of(I, I, I, J, J), -1);
    }

    private HostOps() {}

    private static MethodHandle call(String name, FunctionDescriptor fd, int firstVariadic) {
        Linker.Option cap = Linker.Option.captureCallState("errno");
        Linker.Option[] opts = firstVariadic < 0 ? new Linker.Option[] {cap}
                : new Linker.Option[] {cap, Linker.Option.firstVariadicArg(firstVariadic)};
        return Native.LINKER.downcallHandle(function(name), fd, opts);
    }

    private static MethodHandle plain(String name, FunctionDescriptor fd) {
        return Native.LINKER.downcallHandle(function(name), fd);
    }

    private static MemorySegment function(String name) {
        return Native.LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name));
    }

    private static int res(int r, MemorySegment c) {
        return r == -1 ? -jvisor.mmu.HostSyscall.errno(c) : r;
    }

    private static RuntimeException fail(Throwable t) {
        if (t instanceof RuntimeException re) return re;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    public static int openat(byte[] path, int flags, int mode) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res((int) Openat.H.invokeExact(c, -100, Scratch.cString(a, path), flags, mode), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int mkdir(byte[] path, int mode) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res((int) Mkdirat.H.invokeExact(c, -100, Scratch.cString(a, path), mode), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** mknod(2) of a node without a device number (a socket inode for an AF_UNIX bind). */
    public static int mknod(byte[] path, int mode) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res((int) Mknodat.H.invokeExact(c, -100, Scratch.cString(a, path), mode, 0L), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int unlink(byte[] path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res((int) Unlinkat.H.invokeExact(c, -100, Scratch.cString(a, path), flags), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int rename(byte[] from, byte[] to, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res((int) Renameat2.H.invokeExact(c, -100, Scratch.cString(a, from), -100, Scratch.cString(a, to),
                    flags), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int link(byte[] from, byte[] to) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res((int) Linkat.H.invokeExact(c, -100, Scratch.cString(a, from), -100, Scratch.cString(a, to), 0), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int symlink(byte[] target, byte[] path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res((int) Symlinkat.H.invokeExact(c, Scratch.cString(a, target), -100, Scratch.cString(a, path)), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int chmod(byte[] path, int mode) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res((int) Chmod.H.invokeExact(c, Scratch.cString(a, path), mode), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int truncate(byte[] path, long len) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res((int) Truncate.H.invokeExact(c, Scratch.cString(a, path), len), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int ftruncate(int fd, long len) {
        try {
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res((int) Ftruncate.H.invokeExact(c, fd, len), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int fallocate(int fd, int mode, long off, long len) {
        try {
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res((int) Fallocate.H.invokeExact(c, fd, mode, off, len), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** utimensat on a host path without following a final link; times: {atime sec, nsec, mtime sec, nsec}. */
    public static int utimens(byte[] path, long[] times) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ts = a.allocate(32);
            for (int i = 0; i < 4; i++) ts.set(J, 8L * i, times[i]);
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res((int) Utimensat.H.invokeExact(c, -100, Scratch.cString(a, path), ts, 0x100), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int fsync(int fd, boolean dataOnly) {
        try {
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            return res(dataOnly ? (int) Fdatasync.H.invokeExact(c, fd) : (int) Fsync.H.invokeExact(c, fd), c);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** poll(2) of one host fd: the revents, or -errno. */
    public static int poll(int fd, int events, int timeoutMs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(8);
            p.set(I, 0, fd);
            p.set(ValueLayout.JAVA_SHORT, 4, (short) events);
            MemorySegment c = jvisor.mmu.HostSyscall.errnoCapture();
            int r = res((int) Poll.H.invokeExact(c, p, 1L, timeoutMs), c);
            if (r < 0) return r;
            return r == 0 ? 0 : p.get(ValueLayout.JAVA_SHORT, 6) & 0xffff;
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /**
     * The host process's umask: the "Umask:" of /proc/self/status, else read by setting and
     * restoring it (which also costs a downcall stub at start-up, see HostSelf).
     */
    public static synchronized int currentUmask() {
        jvisor.kernel.host.HostSelf.Status self = jvisor.kernel.host.HostSelf.status();
        return self != null ? self.umask() : currentUmaskBySyscall();
    }

    /** The host process's umask, read by setting and restoring it with umask(2). */
    public static synchronized int currentUmaskBySyscall() {
        try {
            int old = (int) Umask.H.invokeExact(022);
            int ignored = (int) Umask.H.invokeExact(old);
            return old;
        } catch (Throwable t) {
            throw fail(t);
        }
    }
}
