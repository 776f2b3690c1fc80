package jvisor.kernel.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.proc.Task;
import jvisor.kernel.syscall.SyscallException;
import jvisor.kernel.tty.Terminal;
import jvisor.kernel.tty.TtyJobControl;

/** The nodes of the guest's /dev. */
public final class Devices {
    private Devices() {}

    private static final byte[] HOST_PTMX = "/dev/ptmx".getBytes(StandardCharsets.US_ASCII);

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
        TmpFs.Dir pts = dev.subdir("pts", 0755);
        dev.device("ptmx", chr, 5, 2, (p, f) -> openPtmx(pts, p, f));
    }

    private static int openFlags(int flags) {
        return flags & ~(Fs.O_CREAT | Fs.O_TRUNC | Fs.O_EXCL);
    }

    private static HostFile openHost(byte[] hostPath, byte[] guestPath, int flags) {
        int[] errno = new int[1];
        HostFile f = HostFile.open(hostPath, guestPath, openFlags(flags), errno);
        if (f == null) throw SyscallException.of(errno[0] != 0 ? errno[0] : Errno.ENXIO);
        return f;
    }

    /** /dev/tty: the caller's controlling terminal (ENXIO without one, as natively; tty_open_current_tty). */
    private static FileDescription openTty(byte[] guestPath, int flags) {
        Task t = Task.current();
        Terminal term = t != null ? TtyJobControl.controlling(t.process) : null;
        if (term == null) throw SyscallException.of(Errno.ENXIO);
        HostFile f = openHost(TtyJobControl.hostPath(term), guestPath, flags);
        f.setTerminal(term, false);
        return f;
    }

    /**
     * /dev/ptmx: a new pseudoterminal pair (pty(7)) from the host's /dev/ptmx, whose slave appears
     * as /dev/pts/N (the host's number, with the host's owner and mode) until the master is closed.
     * The pair's data goes through the host; its job control state is the sandbox's.
     */
    private static FileDescription openPtmx(TmpFs.Dir pts, byte[] guestPath, int flags) {
        Task t = Task.current();
        if (t == null) throw SyscallException.of(Errno.ENXIO);
        HostFile master = openHost(HOST_PTMX, guestPath, flags);
        int index = HostTerminal.ptyIndex(master.hostFd());
        long rdev;
        int mode, uid, gid;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = index < 0 ? null : HostTerminal.slaveStat(arena, index);
            if (st == null) {
                master.decRef();
                throw SyscallException.of(Errno.EIO);
            }
            rdev = st.get(ValueLayout.JAVA_LONG, StatBuf.ST_RDEV);
            mode = st.get(ValueLayout.JAVA_INT, StatBuf.ST_MODE);
            uid = st.get(ValueLayout.JAVA_INT, StatBuf.ST_UID);
            gid = st.get(ValueLayout.JAVA_INT, StatBuf.ST_GID);
        }
        Terminal slave = t.process.table.terminals.ptySlave(rdev, index);
        master.setTerminal(slave, true);
        String name = Integer.toString(index);
        int major = (int) (rdev >>> 8 & 0xfff), minor = (int) ((rdev & 0xff) | (rdev >>> 12 & ~0xffL));
        TmpFs.Device node = pts.device(name, mode, major, minor, (p, f) -> {
            HostFile s = openHost(TtyJobControl.hostPath(slave), p, f);
            s.setTerminal(slave, false);
            return s;
        });
        node.uid = uid;
        node.gid = gid;
        jvisor.kernel.proc.ProcessTable table = t.process.table;
        master.onRelease(() -> {
            pts.removeDevice(name, node);
            TtyJobControl.hungUp(table, slave);
        });
        return master;
    }
}
