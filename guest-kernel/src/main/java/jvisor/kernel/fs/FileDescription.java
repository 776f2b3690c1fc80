package jvisor.kernel.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.syscall.SyscallException;

/**
 * An open file description (open(2)'s "open file description"): what file descriptors point to.
 * Several descriptors share one after dup(2); the description goes away with its last reference.
 *
 * <p>I/O methods take host addresses: the syscall layer has already checked and translated the
 * guest buffer, so a description never sees guest addresses. Every method returns a count or
 * {@code -errno}, like the syscall it serves.
 */
public abstract class FileDescription {
    /** Descriptors (in any process's table) and in-flight users referring to this description. */
    private final java.util.concurrent.atomic.AtomicInteger refs = new java.util.concurrent.atomic.AtomicInteger(1);
    /** Access mode and status flags as F_GETFL reports them. */
    protected int flags;
    /** The path inside the sandbox, for /proc/self/fd, /proc/self/maps and *at(2) lookups; may be synthetic. */
    protected final byte[] guestPath;
    /** The file this description is open on, or null for pipes, event and timer fds, inherited fds. */
    protected Vnode vnode;

    protected FileDescription(byte[] guestPath, int flags) {
        this.guestPath = guestPath;
        this.flags = flags;
    }

    public final void incRef() {
        refs.incrementAndGet();
    }

    public final void decRef() {
        if (refs.decrementAndGet() != 0) return;
        if (lockedOnce) FileLocks.INSTANCE.releaseDescription(lockKey(), this);
        release();
    }

    /** Set once an OFD or flock lock was taken through this description (its last close releases them). */
    private volatile boolean lockedOnce;

    public void lockedThrough() {
        lockedOnce = true;
    }

    /** True once the last reference is gone. */
    public final boolean released() {
        return refs.get() <= 0;
    }

    /** Called when the last descriptor referring to this description is closed. */
    protected void release() {}

    public byte[] guestPath() {
        return guestPath;
    }

    public Vnode vnode() {
        return vnode;
    }

    public void setVnode(Vnode v) {
        this.vnode = v;
    }

    /**
     * The identity locks are kept under: the file (its host device and inode, or the tmpfs node),
     * or the description itself; computed once, so a file unlinked later keeps its key.
     */
    public Object lockKey() {
        Object k = lockKey;
        if (k == null) lockKey = k = vnode != null ? vnode.key() : this;
        return k;
    }

    private volatile Object lockKey;

    // poll(2) event bits.
    public static final int POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10,
            POLLNVAL = 0x20, POLLRDNORM = 0x40, POLLRDBAND = 0x80, POLLWRNORM = 0x100, POLLWRBAND = 0x200,
            POLLRDHUP = 0x2000;

    /**
     * The poll(2) events ready now, among events (POLLERR and POLLHUP are always reported).
     * Regular files are always ready.
     */
    public int poll(int events) {
        return (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM) & events;
    }

    /** Whether epoll may watch the file (regular files and directories: EPERM). */
    public boolean pollable() {
        return false;
    }

    /** True if readiness must be asked of the host (a host fd that is a pipe, socket or terminal). */
    public boolean pollsHost() {
        return false;
    }

    /** fsync(2)/fdatasync(2). */
    public int fsync(boolean dataOnly) {
        return 0;
    }

    /** ftruncate(2): EINVAL unless a regular file open for writing. */
    public int truncate(long length) {
        if (!writable()) return -Errno.EINVAL;
        if (vnode == null || vnode.type() != Fs.S_IFREG) return -Errno.EINVAL;
        try {
            vnode.truncate(length);
            return 0;
        } catch (SyscallException e) {
            return -e.errno;
        }
    }

    /** fallocate(2) mode 0 (the default for files that do not support it: EOPNOTSUPP). */
    public int fallocate(int mode, long offset, long length) {
        return -Errno.EOPNOTSUPP;
    }

    /** Bytes readable without blocking, for FIONREAD; -ENOTTY if the file has no such notion. */
    public long available() {
        return -Errno.ENOTTY;
    }

    public int accessMode() {
        return flags & Fs.O_ACCMODE;
    }

    public boolean readable() {
        int m = accessMode();
        return (flags & Fs.O_PATH) == 0 && (m == Fs.O_RDONLY || m == Fs.O_RDWR);
    }

    public boolean writable() {
        int m = accessMode();
        return (flags & Fs.O_PATH) == 0 && (m == Fs.O_WRONLY || m == Fs.O_RDWR);
    }

    public boolean isPathOnly() {
        return (flags & Fs.O_PATH) != 0;
    }

    public int getFlags() {
        return flags;
    }

    /** F_SETFL: only the status flags in Fs.SETFL_MASK change. */
    public int setFlags(int newFlags) {
        flags = (flags & ~Fs.SETFL_MASK) | (newFlags & Fs.SETFL_MASK);
        return 0;
    }

    public boolean isDirectory() {
        return false;
    }

    /** read(2) into host memory. */
    public long read(long hostBuf, long count) {
        return -Errno.EINVAL;
    }

    public long write(long hostBuf, long count) {
        return -Errno.EINVAL;
    }

    /**
     * Whether writes never look at their data (drivers/char/mem.c: write_null, which /dev/zero
     * shares, and write_full). The write system calls then only check that the buffer lies in
     * user space, as vfs_write's access_ok does, and pass no data: a write from unmapped memory
     * succeeds as it does on Linux, and costs no page walk.
     */
    public boolean writeIgnoresData() {
        return false;
    }

    public long pread(long hostBuf, long count, long offset) {
        return -Errno.ESPIPE;
    }

    /**
     * The whole file, read from offset 0 with pread (the file offset does not move): what execve
     * loads, and what the debugger reads symbol tables from.
     *
     * @throws SyscallException with the errno of a failed read, or ENOMEM
     *         when the file is longer than max bytes
     */
    public final byte[] readAll(int max) {
        try (Arena arena = Arena.ofConfined()) {
            int chunk = 1 << 20;
            MemorySegment buf = arena.allocate(chunk);
            byte[] out = new byte[0];
            int len = 0;
            long off = 0;
            while (true) {
                long n = pread(buf.address(), chunk, off);
                if (n < 0) throw SyscallException.of((int) -n);
                if (n == 0) break;
                if (len + n > max) throw SyscallException.of(Errno.ENOMEM);
                if (len + n > out.length) out = Arrays.copyOf(out, (int) Math.max(len + n, out.length * 2L));
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, out, len, (int) n);
                len += (int) n;
                off += n;
            }
            return Arrays.copyOf(out, len);
        }
    }

    public long pwrite(long hostBuf, long count, long offset) {
        return -Errno.ESPIPE;
    }

    public long seek(long offset, int whence) {
        return -Errno.ESPIPE;
    }

    /** getdents64(2): directory entries as struct linux_dirent64 records into host memory. */
    public long getdents64(long hostBuf, long count) {
        return -Errno.ENOTDIR;
    }

    /** Fills a 144-byte x86-64 struct stat. */
    public abstract int stat(MemorySegment statBuf);

    /** statx(2) of this file, into a 256-byte struct statx. */
    public int statx(int mask, MemorySegment statxBuf) {
        return -Errno.ENOSYS;
    }

    /**
     * ioctl(2) with the argument already copied into a host buffer of argSize bytes (for requests
     * with a known argument size) or the raw argument value.
     */
    public long ioctl(long request, MemorySegment arg) {
        return -Errno.ENOTTY;
    }

    /**
     * Copies length bytes of the file from offset into host memory (a private file mapping is a copy
     * in this kernel); bytes past the end of the file are left as they are (zero).
     */
    public long mmapCopy(long hostAddr, long length, long offset) {
        return -Errno.ENODEV;
    }

    /** The terminal this file is (with its job control state), or null if it is none. */
    public jvisor.kernel.tty.Terminal terminal() {
        return null;
    }

    /** True if this file is the master side of a pseudoterminal (its terminal is the slave). */
    public boolean ptyMaster() {
        return false;
    }

    /** The host fd behind this description, or -1 (for /proc/self/fd and faccessat). */
    public int hostFd() {
        return -1;
    }
}
