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
    /** The process's POSIX record locks (released when any descriptor of the file is closed). */
    public final RecordLocks locks = new RecordLocks();

    private void released(FileDescription f) {
        if (f.vnode() != null) {
            try {
                locks.releaseAll(f.lockKey());
            } catch (RuntimeException e) {
                // the file vanished: its locks went with it
            }
        }
        f.decRef();
    }

    /** The description behind fd, or null if fd is not open. */
    public FileDescription get(long fd) {
        if (fd < 0 || fd >= files.length) return null;
        return files[(int) fd];
    }

    public boolean isCloexec(int fd) {
        return get(fd) != null && cloexec[fd];
    }

    public void setCloexec(int fd, boolean value) {
        if (get(fd) != null) cloexec[fd] = value;
    }

    /**
     * Installs file at the lowest free descriptor that is at least minFd, taking over the caller's
     * reference. Returns the descriptor, or -EMFILE if none is below limit (RLIMIT_NOFILE).
     */
    public int install(FileDescription file, boolean closeOnExec, int minFd, long limit) {
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
    public void installAt(int fd, FileDescription file, boolean closeOnExec) {
        if (fd >= files.length) grow(fd + 1);
        FileDescription old = files[fd];
        files[fd] = file;
        cloexec[fd] = closeOnExec;
        if (old != null) released(old);
    }

    /** close(2): 0 or -EBADF. */
    public int close(long fd) {
        FileDescription f = get(fd);
        if (f == null) return -Errno.EBADF;
        files[(int) fd] = null;
        cloexec[(int) fd] = false;
        released(f);
        return 0;
    }

    /** Closes every descriptor (process exit). */
    public void closeAll() {
        for (int fd = 0; fd < files.length; fd++) {
            if (files[fd] != null) close(fd);
        }
    }

    /** The size of the table (Linux's max_fds: select ignores descriptors at or above it). */
    public int capacity() {
        return files.length;
    }

    /** Open descriptors in increasing order (for /proc/self/fd). */
    public int[] openFds() {
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
