package jvisor.kernel.fs;

import java.nio.charset.StandardCharsets;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.syscall.SyscallException;

/** The nodes of the guest's /dev. */
public final class Devices {
    private Devices() {}

    static void populate(TmpFs.Dir dev) {
        int chr = Fs.S_IFCHR | 0666;
        dev.device("null", chr, 1, 3, (p, f) -> new DevFile(p, f, DevFile.Kind.NULL));
        dev.device("zero", chr, 1, 5, (p, f) -> new DevFile(p, f, DevFile.Kind.ZERO));
        dev.device("full", chr, 1, 7, (p, f) -> new DevFile(p, f, DevFile.Kind.FULL));
        dev.device("random", chr, 1, 8, (p, f) -> new DevFile(p, f, DevFile.Kind.RANDOM));
        dev.device("urandom", chr, 1, 9, (p, f) -> new DevFile(p, f, DevFile.Kind.RANDOM));
        dev.device("tty", chr, 5, 0, Devices::openTty);
        dev.symlinkEntry("stdin", "/proc/self/fd/0");
        dev.symlinkEntry("stdout", "/proc/self/fd/1");
        dev.symlinkEntry("stderr", "/proc/self/fd/2");
        dev.symlinkEntry("fd", "/proc/self/fd");
        dev.subdir("shm", 01777);
        dev.subdir("pts", 0755);
    }

    /** /dev/tty: the host's controlling terminal (ENXIO without one, as natively). */
    private static FileDescription openTty(byte[] guestPath, int flags) {
        int[] errno = new int[1];
        HostFile f = HostFile.open("/dev/tty".getBytes(StandardCharsets.US_ASCII), guestPath,
                flags & ~(Fs.O_CREAT | Fs.O_TRUNC | Fs.O_EXCL), errno);
        if (f == null) throw SyscallException.of(errno[0] != 0 ? errno[0] : Errno.ENXIO);
        return f;
    }
}
