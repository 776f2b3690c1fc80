package jvisor.kernel.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Ioctls;
import jvisor.kernel.host.Libc;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.tty.Terminal;
import jvisor.kernel.tty.TtyJobControl;
import jvisor.mmu.HostAccess;

/**
 * A file description backed by a host file descriptor: files of the sandbox root opened read-only,
 * /dev/null and /dev/tty, and the inherited fds 0, 1 and 2. The host kernel does the I/O, so reads
 * from pipes and terminals are as partial, blocking and interruptible as natively.
 */
public final class HostFile extends FileDescription {
    private final int fd;
    /** False for the inherited stdio fds: the JVM keeps them open after the guest closes its copies. */
    private final boolean owned;
    private final boolean directory;

    public HostFile(int hostFd, boolean owned, byte[] guestPath, int flags, boolean directory) {
        super(guestPath, flags);
        this.fd = hostFd;
        this.owned = owned;
        this.directory = directory;
    }

    /**
     * Wraps an inherited host fd (0, 1 or 2): the status flags and the /proc/self/fd name are the
     * host's. Returns null if the host fd is not open.
     */
    public static HostFile inherited(int hostFd) {
        int fl = jvisor.kernel.host.HostSelf.fdFlags(hostFd);
        if (fl < 0) fl = Libc.fcntl(hostFd, Fs.F_GETFL, 0);
        if (fl < 0) return null;
        byte[] name = jvisor.kernel.host.HostSelf.fdLink(hostFd);
        return new HostFile(hostFd, false, name != null ? name : hostLinkName(hostFd), fl, false);
    }

    /**
     * Opens a resolved host path for the guest. The host fd is always close-on-exec and never
     * follows a final link (the resolver has already followed the ones the guest asked for; a link
     * swapped in since then is refused rather than followed out of the root).
     *
     * @return the description, or null with the host's errno in errnoOut[0]
     */
    public static HostFile open(byte[] hostPath, byte[] guestPath, int guestFlags, int[] errnoOut) {
        int access = (guestFlags & Fs.O_PATH) != 0 ? 0 : guestFlags & Fs.O_ACCMODE;
        int hostFlags = access | Fs.O_CLOEXEC | Fs.O_NOCTTY | Fs.O_NOFOLLOW
                | (guestFlags & (Fs.O_DIRECTORY | Fs.O_NONBLOCK | Fs.O_PATH | Fs.O_APPEND));
        int fd;
        boolean dir;
        try (Arena arena = Arena.ofConfined()) {
            fd = Libc.open(Scratch.cString(arena, hostPath), hostFlags, 0);
            if (fd < 0) {
                errnoOut[0] = -fd;
                return null;
            }
            MemorySegment st = arena.allocate(StatBuf.SIZE);
            dir = Libc.fstatat(fd, arena.allocate(1), st, Fs.AT_EMPTY_PATH) == 0
                    && (st.get(java.lang.foreign.ValueLayout.JAVA_INT, StatBuf.ST_MODE) & Fs.S_IFMT) == Fs.S_IFDIR;
        }
        // F_GETFL shows what the guest asked for (Linux keeps the open flags minus the creation ones).
        int flags = (guestFlags & ~(Fs.O_CREAT | Fs.O_EXCL | Fs.O_NOCTTY | Fs.O_TRUNC | Fs.O_CLOEXEC))
                | Fs.O_LARGEFILE;
        return new HostFile(fd, true, guestPath, flags, dir);
    }

    /** What the host's /proc/self/fd/N says ("/dev/pts/0", "pipe:[1234]"), or "" if unknown. */
    private static byte[] hostLinkName(int hostFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = Scratch.cString(arena, "/proc/self/fd/" + hostFd);
            MemorySegment buf = arena.allocate(Fs.PATH_MAX);
            long n = Libc.readlink(path, buf, Fs.PATH_MAX);
            if (n <= 0) return new byte[0];
            return buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    /**
     * A new description of the file behind an inherited host fd (opening /proc/self/fd/N or
     * /dev/stdout): the host reopens it through its own /proc/self/fd.
     */
    public static HostFile reopen(HostFile of, int guestFlags, int[] errnoOut) {
        int access = (guestFlags & Fs.O_PATH) != 0 ? 0 : guestFlags & Fs.O_ACCMODE;
        int hostFlags = access | Fs.O_CLOEXEC | Fs.O_NOCTTY
                | (guestFlags & (Fs.O_DIRECTORY | Fs.O_NONBLOCK | Fs.O_PATH | Fs.O_APPEND | Fs.O_TRUNC));
        int fd = HostOps.openat(("/proc/self/fd/" + of.fd).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                hostFlags, 0);
        if (fd < 0) {
            errnoOut[0] = -fd;
            return null;
        }
        int flags = (guestFlags & ~(Fs.O_CREAT | Fs.O_EXCL | Fs.O_NOCTTY | Fs.O_TRUNC | Fs.O_CLOEXEC)) | Fs.O_LARGEFILE;
        return new HostFile(fd, true, of.guestPath, flags, of.directory);
    }

    /**
     * The file type (st_mode &amp; S_IFMT) of a host fd, or -errno. Through {@link Scratch#direct}
     * memory and HostAccess, not an Arena and a segment's get: the first Arena.allocate and
     * ValueLayout of a JVM cost 6-7 ms (the JVM makes method handle classes then), and a guest's
     * first write asks this on the way to a hello's only line.
     */
    private static int fileType(int fd) {
        MemorySegment st = Scratch.direct(StatBuf.SIZE, 8);
        int r = Libc.fstat(fd, st);
        int type = r < 0 ? r : HostAccess.getInt(st.address() + StatBuf.ST_MODE) & Fs.S_IFMT;
        java.lang.ref.Reference.reachabilityFence(st);
        return type;
    }

    /** True for a host fd that is not a regular file or directory (a pipe, terminal, socket). */
    private int kind = -1;

    private int hostKind() {
        if (kind == -1) {
            int type = fileType(fd); // every guest's first write asks
            kind = type < 0 ? 0 : type;
        }
        return kind;
    }

    @Override
    public boolean pollable() {
        return pollsHost();
    }

    @Override
    public boolean pollsHost() {
        int k = hostKind();
        return k != Fs.S_IFREG && k != Fs.S_IFDIR;
    }

    @Override
    public int poll(int events) {
        if (!pollsHost()) return super.poll(events);
        int r = HostOps.poll(fd, events, 0);
        return r < 0 ? POLLERR : r;
    }

    @Override
    public int fsync(boolean dataOnly) {
        int r = HostOps.fsync(fd, dataOnly);
        return r == -Errno.EINVAL || r == -Errno.EROFS ? (hostKind() == Fs.S_IFREG ? r : -Errno.EINVAL) : r;
    }

    @Override
    public int truncate(long length) {
        if (!writable()) return -Errno.EINVAL;
        if (hostKind() != Fs.S_IFREG) return -Errno.EINVAL;
        return HostOps.ftruncate(fd, length);
    }

    @Override
    public int fallocate(int mode, long offset, long length) {
        if (!writable()) return -Errno.EBADF;
        return HostOps.fallocate(fd, mode, offset, length);
    }

    @Override
    public long available() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocate(4);
            int r = Libc.ioctl(fd, Ioctls.FIONREAD, n);
            if (r < 0) {
                if (hostKind() == Fs.S_IFREG) {
                    long pos = Libc.lseek(fd, 0, Fs.SEEK_CUR);
                    MemorySegment st = arena.allocate(StatBuf.SIZE);
                    Libc.fstatat(fd, arena.allocate(1), st, Fs.AT_EMPTY_PATH);
                    return Math.max(0, st.get(java.lang.foreign.ValueLayout.JAVA_LONG, StatBuf.ST_SIZE) - pos);
                }
                return r;
            }
            return n.get(java.lang.foreign.ValueLayout.JAVA_INT, 0);
        }
    }

    @Override
    public int stat(MemorySegment statBuf) {
        int r = Libc.fstat(fd, statBuf); // no Arena for an empty path: see fileType
        if (r == 0 && vnode instanceof HostNode h) h.applyOwner(statBuf);
        if (r == 0 && vnode instanceof TmpFs.Device d) d.stat(statBuf);
        return r;
    }

    @Override
    protected void release() {
        if (owned) Libc.close(fd);
        if (onRelease != null) onRelease.run();
    }

    @Override
    public int hostFd() {
        return fd;
    }

    @Override
    public boolean isDirectory() {
        return directory;
    }

    @Override
    public int setFlags(int newFlags) {
        // The host fd is the one doing the I/O: O_NONBLOCK and O_APPEND must reach it.
        int host = Libc.fcntl(fd, Fs.F_GETFL, 0);
        if (host >= 0) {
            int r = Libc.fcntl(fd, Fs.F_SETFL, (host & ~Fs.SETFL_MASK) | (newFlags & Fs.SETFL_MASK));
            if (r < 0) return r;
        }
        return super.setFlags(newFlags);
    }

    @Override
    public long read(long hostBuf, long count) {
        if (directory) return -Errno.EISDIR;
        if (!readable()) return -Errno.EBADF;
        Terminal term = terminal();
        if (term != null) {
            jvisor.kernel.proc.Task t = jvisor.kernel.proc.Task.current();
            long r = ptyMaster || t == null ? 0 : TtyJobControl.checkRead(t, term);
            if (r == 0) r = HostTerminal.awaitInput(fd, ptyMaster, getFlags());
            if (r != 0) return r;
        }
        return Libc.read(fd, hostBuf, count);
    }

    @Override
    public long write(long hostBuf, long count) {
        if (!writable()) return -Errno.EBADF;
        Terminal term = terminal();
        if (term != null && !ptyMaster) {
            jvisor.kernel.proc.Task t = jvisor.kernel.proc.Task.current();
            long r = t == null ? 0 : TtyJobControl.checkWrite(t, term, () -> HostTerminal.tostop(fd));
            if (r != 0) return r;
        }
        long n = Libc.write(fd, hostBuf, count);
        if (term != null && ptyMaster && n > 0) {
            // The host's line discipline sees the slave's special characters but no session to signal.
            jvisor.kernel.proc.Task t = jvisor.kernel.proc.Task.current();
            int[] signals = HostTerminal.inputSignals(fd, hostBuf, n, lnext);
            if (t != null) for (int sig : signals) TtyJobControl.signalForeground(t.process.table, term, sig);
        }
        return n;
    }

    // ---------------------------------------------------------------- terminals

    /** For a pty master: a VLNEXT was the last byte written, the next one is literal. */
    private final boolean[] lnext = new boolean[1];

    /** Set once {@link #terminal} has looked (or the opener said what this file is). */
    private volatile boolean terminalKnown;
    private Terminal terminal;
    private boolean ptyMaster;
    /** Run when the description is released, or null (a pty master hangs its slave up). */
    private Runnable onRelease;

    /** The opener knows the terminal (/dev/tty, a pty's two sides): no need to ask the host. */
    public void setTerminal(Terminal t, boolean master) {
        terminal = t;
        ptyMaster = master;
        terminalKnown = true;
    }

    /** Runs r when the last descriptor of this description is closed. */
    public void onRelease(Runnable r) {
        onRelease = r;
    }

    @Override
    public Terminal terminal() {
        if (!terminalKnown) {
            if (hostKind() != Fs.S_IFCHR) {
                terminalKnown = true;
                return null;
            }
            jvisor.kernel.proc.Task t = jvisor.kernel.proc.Task.current();
            if (t == null) return null;
            HostTerminal.Found found = HostTerminal.lookUp(fd, t.process.table.terminals);
            if (found != null) setTerminal(found.terminal(), found.master());
            terminalKnown = true;
        }
        return terminal;
    }

    @Override
    public boolean ptyMaster() {
        return terminal() != null && ptyMaster;
    }

    @Override
    public long pread(long hostBuf, long count, long offset) {
        if (directory) return -Errno.EISDIR;
        if (!readable()) return -Errno.EBADF;
        return Libc.pread(fd, hostBuf, count, offset);
    }

    @Override
    public long pwrite(long hostBuf, long count, long offset) {
        if (!writable()) return -Errno.EBADF;
        return Libc.pwrite(fd, hostBuf, count, offset);
    }

    @Override
    public long getdents64(long hostBuf, long count) {
        if (isPathOnly()) return -Errno.EBADF;
        return Libc.getdents64(fd, hostBuf, count);
    }

    @Override
    public long seek(long offset, int whence) {
        if (isPathOnly()) return -Errno.EBADF;
        return Libc.lseek(fd, offset, whence);
    }

    @Override
    public int statx(int mask, MemorySegment statxBuf) {
        try (Arena arena = Arena.ofConfined()) {
            return Libc.statx(fd, arena.allocate(1), Fs.AT_EMPTY_PATH, mask, statxBuf);
        }
    }

    /**
     * Terminal and FIONREAD requests go to the host fd, which answers exactly as the host would
     * (ENOTTY for a pipe or a file); anything else is refused with ENOTTY without reaching the host.
     */
    @Override
    public long ioctl(long request, MemorySegment arg) {
        if (isPathOnly()) return -Errno.EBADF;
        int req = (int) request;
        return switch (req) {
            case Ioctls.TCGETS, Ioctls.TCSETS, Ioctls.TCSETSW, Ioctls.TCSETSF, Ioctls.TIOCGWINSZ,
                    Ioctls.TIOCSWINSZ, Ioctls.FIONREAD, Ioctls.TIOCGPGRP, Ioctls.TIOCSPGRP, Ioctls.TIOCOUTQ, Ioctls.TIOCGSID,
                    Ioctls.TCFLSH, Ioctls.TCXONC, Ioctls.TCSBRK, Ioctls.TIOCGPTN, Ioctls.TIOCSPTLCK ->
                    Libc.ioctl(fd, request & 0xFFFFFFFFL, arg);
            default -> -Errno.ENOTTY;
        };
    }

    @Override
    public long mmapCopy(long hostAddr, long length, long offset) {
        if (directory) return -Errno.ENODEV;
        long done = 0;
        while (done < length) {
            long n = Libc.pread(fd, hostAddr + done, length - done, offset + done);
            if (n < 0) return n == -Errno.ESPIPE ? -Errno.ENODEV : n;
            if (n == 0) break; // end of file: the rest stays zero
            done += n;
        }
        return 0;
    }
}
