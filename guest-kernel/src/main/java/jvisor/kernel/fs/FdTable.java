package jvisor.kernel.fs;

import java.util.Arrays;

import jvisor.kernel.abi.Errno;

/**
 * A process's file descriptor table: small integers to shared {@link FileDescription}s, with the
 * per-descriptor close-on-exec flag. New descriptors take the lowest free number (open(2)).
 */
public final class FdTable {
    private FileDescription[] files = new FileDescription[64];
    private boolean[] cloexec = new boolean[64];
    private void released(FileDescription f) {
        // POSIX record locks belong to the descriptor table: closing any descriptor of a file
        // releases all of the table's locks on that file (fcntl(2), "Record locking").
        if (f.vnode() != null && FileLocks.INSTANCE.holdsAny(this)) FileLocks.INSTANCE.releaseOwner(f.lockKey(), this);
        f.decRef();
    }

    /** The description behind fd, or null if fd is not open. */
    public synchronized FileDescription get(long fd) {
        if (fd < 0 || fd >= files.length) return null;
        return files[(int) fd];
    }

    public synchronized boolean isCloexec(int fd) {
        return get(fd) != null && cloexec[fd];
    }

    public synchronized void setCloexec(int fd, boolean value) {
        if (get(fd) != null) cloexec[fd] = value;
    }

    /**
     * Installs file at the lowest free descriptor that is at least minFd, taking over the caller's
     * reference. Returns the descriptor, or -EMFILE if none is below limit (RLIMIT_NOFILE).
     */
    public synchronized int install(FileDescription file, boolean closeOnExec, int minFd, long limit) {
        for (int fd = Math.max(minFd, 0); fd < limit; fd++) {
            if (fd >= files.length) grow(fd + 1);
            if (files[fd] == null) {
                files[fd] = file;
                cloexec[fd] = closeOnExec;
                return fd;
            }
        }
        file.decRef();
        return -Errno.EMFILE;
    }

    /** Installs file exactly at fd (dup2), closing what was there; takes over the caller's reference. */
    public synchronized void installAt(int fd, FileDescription file, boolean closeOnExec) {
        if (fd >= files.length) grow(fd + 1);
        FileDescription old = files[fd];
        files[fd] = file;
        cloexec[fd] = closeOnExec;
        if (old != null) released(old);
    }

    /** close(2): 0 or -EBADF. */
    public synchronized int close(long fd) {
        FileDescription f = get(fd);
        if (f == null) return -Errno.EBADF;
        files[(int) fd] = null;
        cloexec[(int) fd] = false;
        released(f);
        return 0;
    }

    /** Processes sharing this table (clone with CLONE_FILES); the last one to let go closes everything. */
    private int users = 1;

    /** Another process shares this table (CLONE_FILES). */
    public synchronized FdTable share() {
        users++;
        return this;
    }

    /**
     * fork's copy (dup_fd): the same descriptions under the same numbers, each referenced once
     * more, with the close-on-exec flags. Record locks are not inherited (fcntl(2)).
     */
    public synchronized FdTable copy() {
        FdTable c = new FdTable();
        c.files = files.clone();
        c.cloexec = cloexec.clone();
        for (FileDescription f : c.files) if (f != null) f.incRef();
        return c;
    }

    /** A process stops using the table (exit, execve after unsharing): the last user closes every descriptor. */
    public void release() {
        synchronized (this) {
            if (--users > 0) return;
        }
        closeAll();
    }

    /** execve (unshare_files): a table shared with another process is replaced by a private copy. */
    public FdTable unshareForExec() {
        synchronized (this) {
            if (users == 1) return this;
        }
        FdTable c = copy();
        release();
        return c;
    }

    /** execve: closes the descriptors marked close-on-exec. */
    public synchronized void closeOnExec() {
        for (int fd = 0; fd < files.length; fd++) {
            if (files[fd] != null && cloexec[fd]) close(fd);
        }
    }

    /** Closes every descriptor (process exit). */
    public synchronized void closeAll() {
        for (int fd = 0; fd < files.length; fd++) {
            if (files[fd] != null) close(fd);
        }
    }

    /** The size of the table (Linux's max_fds: select ignores descriptors at or above it). */
    public synchronized int capacity() {
        return files.length;
    }

    /** Open descriptors in increasing order (for /proc/self/fd). */
    public synchronized int[] openFds() {
        int n = 0;
        int[] out = new int[files.length];
        for (int fd = 0; fd < files.length; fd++) if (files[fd] != null) out[n++] = fd;
        return Arrays.copyOf(out, n);
    }

    private void grow(int atLeast) {
        int n = files.length;
        while (n < atLeast) n *= 2;
        files = Arrays.copyOf(files, n);
        cloexec = Arrays.copyOf(cloexec, n);
    }
}
