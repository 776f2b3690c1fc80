package jvisor.kernel.syscall;

import jvisor.kernel.abi.Errno;

/**
 * Ends a syscall with an error from deep inside a helper (a bad fd, an unreadable path). One
 * preallocated instance per errno, no stack trace: failing syscalls allocate nothing.
 */
public final class SyscallException extends RuntimeException {
    private static final SyscallException[] INSTANCES = new SyscallException[Errno.MAX_ERRNO + 1];

    static {
        for (int e = 1; e < INSTANCES.length; e++) INSTANCES[e] = new SyscallException(e);
    }

    public final int errno;

    private SyscallException(int errno) {
        super(null, null, false, false);
        this.errno = errno;
    }

    public static SyscallException of(int errno) {
        return INSTANCES[errno];
    }

    @Override
    public String getMessage() {
        String n = Errno.name(errno);
        return n != null ? n : "errno " + errno;
    }
}
