package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.HEX;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.PATH;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.SOCK_FDS_OUT;
import static jvisor.kernel.strace.ArgFormat.ULONG;

import java.nio.charset.StandardCharsets;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.fs.EventFd;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.Pipe;
import jvisor.kernel.fs.TimerFd;
import jvisor.kernel.fs.TmpFile;
import jvisor.kernel.fs.TmpFs;
import jvisor.kernel.proc.Task;
import jvisor.mmu.AddressSpace;

/** pipe(2), pipe2(2), eventfd(2), timerfd_create(2) and friends, memfd_create(2). */
final class SysPipe {
    private SysPipe() {}

    static void register(SyscallTable t) {
        t.define("pipe", (k, a, b, c, d, e, f) -> pipe2(k, a, 0), RET_DEC, SOCK_FDS_OUT);
        t.define("pipe2", (k, a, b, c, d, e, f) -> pipe2(k, a, (int) b), RET_DEC, SOCK_FDS_OUT, HEX);
        t.define("eventfd", (k, a, b, c, d, e, f) -> eventfd(k, a, 0), RET_DEC, ULONG);
        t.define("eventfd2", (k, a, b, c, d, e, f) -> eventfd(k, a, (int) b), RET_DEC, ULONG, HEX);
        t.define("timerfd_create", (k, a, b, c, d, e, f) -> timerfdCreate(k, (int) a, (int) b), RET_DEC, INT, HEX);
        t.define("timerfd_settime", (k, a, b, c, d, e, f) -> timerfdSettime(k, a, (int) b, c, d), RET_DEC,
                INT, HEX, PTR, PTR);
        t.define("timerfd_gettime", (k, a, b, c, d, e, f) -> timerfdGettime(k, a, b), RET_DEC, INT, PTR);
        t.define("memfd_create", (k, a, b, c, d, e, f) -> memfdCreate(k, a, (int) b), RET_DEC, PATH, HEX);
    }

    static long pipe2(Task t, long fdsAddr, int flags) {
        if ((flags & ~(Fs.O_CLOEXEC | Fs.O_NONBLOCK | Fs.O_DIRECT)) != 0) return -Errno.EINVAL;
        Pipe p = new Pipe();
        FileDescription r = p.readEnd(flags & Fs.O_NONBLOCK, null);
        FileDescription w = p.writeEnd(flags & Fs.O_NONBLOCK, null);
        return SysSupport.installPair(t, r, w, (flags & Fs.O_CLOEXEC) != 0, fdsAddr);
    }

    static long eventfd(Task t, long initval, int flags) {
        if ((flags & ~(Fs.O_CLOEXEC | Fs.O_NONBLOCK | EventFd.EFD_SEMAPHORE)) != 0) return -Errno.EINVAL;
        EventFd e = new EventFd(initval & 0xffffffffL, flags);
        return t.process.fds.install(e, (flags & Fs.O_CLOEXEC) != 0, 0, SysSupport.fdLimit(t));
    }

    static long timerfdCreate(Task t, int clock, int flags) {
        if ((flags & ~(Fs.O_CLOEXEC | Fs.O_NONBLOCK)) != 0) return -Errno.EINVAL;
        if (clock != 0 && clock != 1 && clock != 7 && clock != 8 && clock != 9) return -Errno.EINVAL;
        if (clock == 8 || clock == 9) return -Errno.EPERM;
        TimerFd tf = new TimerFd(clock, flags);
        return t.process.fds.install(tf, (flags & Fs.O_CLOEXEC) != 0, 0, SysSupport.fdLimit(t));
    }

    private static TimerFd timerfd(Task t, long fd) {
        FileDescription f = SysSupport.file(t, fd);
        if (!(f instanceof TimerFd tf)) throw SysSupport.err(Errno.EINVAL);
        return tf;
    }

    private static void writeItimerspec(AddressSpace m, long addr, long[] v) {
        m.write64(addr, v[1] / 1_000_000_000L);
        m.write64(addr + 8, v[1] % 1_000_000_000L);
        m.write64(addr + 16, v[0] / 1_000_000_000L);
        m.write64(addr + 24, v[0] % 1_000_000_000L);
    }

    static long timerfdSettime(Task t, long fd, int flags, long newAddr, long oldAddr) {
        TimerFd tf = timerfd(t, fd);
        if ((flags & ~3) != 0) return -Errno.EINVAL;
        AddressSpace m = t.memory();
        long is = m.read64(newAddr), ins = m.read64(newAddr + 8);
        long vs = m.read64(newAddr + 16), vns = m.read64(newAddr + 24);
        if (ins < 0 || ins >= 1_000_000_000L || vns < 0 || vns >= 1_000_000_000L || is < 0 || vs < 0) {
            return -Errno.EINVAL;
        }
        long[] old = tf.set(vs * 1_000_000_000L + vns, is * 1_000_000_000L + ins, (flags & 1) != 0);
        if (oldAddr != 0) writeItimerspec(m, oldAddr, old);
        return 0;
    }

    static long timerfdGettime(Task t, long fd, long addr) {
        TimerFd tf = timerfd(t, fd);
        writeItimerspec(t.memory(), addr, tf.get());
        return 0;
    }

    static final int MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_HUGETLB = 4, MFD_NOEXEC_SEAL = 8, MFD_EXEC = 0x10;

    static long memfdCreate(Task t, long nameAddr, int flags) {
        if ((flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC)) != 0) {
            return (flags & MFD_HUGETLB) != 0 ? -Errno.EINVAL : -Errno.EINVAL;
        }
        if ((flags & MFD_NOEXEC_SEAL) != 0 && (flags & MFD_EXEC) != 0) return -Errno.EINVAL;
        byte[] name = t.memory().readCString(nameAddr, 250);
        if (name == null) return -Errno.EINVAL;
        TmpFs fs = t.process.fs.tmpfs();
        TmpFs.File file = fs.newUnlinkedFile((flags & MFD_NOEXEC_SEAL) != 0 ? 0666 : 0777,
                t.process.creds.fsuid(), t.process.creds.fsgid());
        file.setSealable((flags & (MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL)) != 0);
        byte[] path = ("/memfd:" + new String(name, StandardCharsets.UTF_8) + " (deleted)")
                .getBytes(StandardCharsets.UTF_8);
        TmpFile f = new TmpFile(path, Fs.O_RDWR | Fs.O_LARGEFILE, file);
        return t.process.fds.install(f, (flags & MFD_CLOEXEC) != 0, 0, SysSupport.fdLimit(t));
    }
}
