package jvisor.kernel.signal;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.fs.AnonInodeFile;
import jvisor.kernel.proc.Task;
import jvisor.mmu.HostAccess;

/**
 * signalfd(2): reading takes the reader's pending signals of a mask as 128-byte signalfd_siginfo
 * records, instead of their delivery (the program blocks them, or they are delivered first as
 * usual). The signals are the reading task's and its process's, whoever made the descriptor: after
 * fork, the child reads its own (fs/signalfd.c works on current). Ready for poll while one of
 * the mask is pending for the polling task.
 */
public final class SignalFd extends AnonInodeFile {
    /** sizeof(struct signalfd_siginfo). */
    public static final int RECORD = 128;
    public static final int SFD_CLOEXEC = Fs.O_CLOEXEC, SFD_NONBLOCK = Fs.O_NONBLOCK;

    private volatile long mask;

    public SignalFd(long mask, int flags) {
        super("signalfd", Fs.O_RDWR | (flags & Fs.O_NONBLOCK));
        setMask(mask);
    }

    /** The signals it reads; SIGKILL and SIGSTOP never (signalfd4 drops them from the mask). */
    public void setMask(long m) {
        mask = m & ~Signals.UNBLOCKABLE;
    }

    public long mask() {
        return mask;
    }

    /**
     * As many records as fit in count (at least one: EINVAL below 128 bytes). Without a pending
     * signal of the mask: EAGAIN if non-blocking, else a wait that another signal interrupts
     * (ERESTARTSYS, so SA_RESTART restarts it), as signalfd_dequeue does.
     */
    @Override
    public long read(long hostBuf, long count) {
        if (count < RECORD) return -Errno.EINVAL;
        Task t = Task.current();
        if (t == null) return -Errno.EINVAL;
        ProcessSignals ps = t.process.signals;
        long records = count / RECORD, done = 0;
        while (done < records) {
            long m = mask;
            SigInfo info = ps.dequeue(t, m);
            if (info == null && done == 0) {
                if ((flags & Fs.O_NONBLOCK) != 0) return -Errno.EAGAIN;
                ps.await(t, Long.MAX_VALUE, () -> mask | ~t.sigmask);
                info = ps.dequeue(t, mask);
                if (info == null) return -Signals.ERESTARTSYS; // another signal, or a stop
            }
            if (info == null) break;
            write(info, hostBuf + done * RECORD);
            done++;
        }
        ps.markRecheck(t);
        return done * RECORD;
    }

    /**
     * struct signalfd_siginfo (include/uapi/linux/signalfd.h) from a siginfo, field by field as
     * signalfd_copyinfo does after siginfo_layout: sender (kill, queued and real-time signals,
     * SIGCHLD), timer id and overrun, SIGIO's band and fd, a fault's address, a child's status and
     * times, the value of a queued or timer signal.
     */
    static void write(SigInfo info, long at) {
        HostAccess.fill(at, RECORD, (byte) 0);
        HostAccess.putInt(at, info.signo);
        HostAccess.putInt(at + 4, info.errno);
        HostAccess.putInt(at + 8, info.code);
        switch (layout(info)) {
            case KILL -> sender(info, at);
            case RT -> {
                sender(info, at);
                value(info.w1, at);
            }
            case TIMER -> {
                HostAccess.putInt(at + 24, (int) info.w0); // ssi_tid: the timer's id
                HostAccess.putInt(at + 32, info.timer != null ? info.overrun : (int) (info.w0 >>> 32));
                value(info.w1, at);
            }
            case POLL -> {
                HostAccess.putInt(at + 28, (int) info.w0); // ssi_band
                HostAccess.putInt(at + 20, (int) info.w1); // ssi_fd
            }
            case FAULT -> HostAccess.putLong(at + 72, info.w0); // ssi_addr
            case CHILD -> {
                sender(info, at);
                HostAccess.putInt(at + 40, (int) info.w1); // ssi_status
                HostAccess.putLong(at + 56, info.w2); // ssi_utime
                HostAccess.putLong(at + 64, info.w3); // ssi_stime
            }
        }
    }

    private static void sender(SigInfo info, long at) {
        HostAccess.putInt(at + 12, info.pid()); // ssi_pid
        HostAccess.putInt(at + 16, info.uid()); // ssi_uid
    }

    private static void value(long sigval, long at) {
        HostAccess.putInt(at + 44, (int) sigval); // ssi_int
        HostAccess.putLong(at + 48, sigval); // ssi_ptr
    }

    private enum Layout { KILL, RT, TIMER, POLL, FAULT, CHILD }

    /** kernel/signal.c siginfo_layout, for the signals and codes jvisor generates. */
    private static Layout layout(SigInfo info) {
        int code = info.code;
        if (code > Signals.SI_USER && code < Signals.SI_KERNEL) {
            return switch (info.signo) {
                case Signals.SIGILL, Signals.SIGFPE, Signals.SIGSEGV, Signals.SIGBUS, Signals.SIGTRAP -> Layout.FAULT;
                case Signals.SIGCHLD -> Layout.CHILD;
                case Signals.SIGIO -> Layout.POLL;
                default -> Layout.KILL;
            };
        }
        if (code == SigInfo.SI_TIMER) return Layout.TIMER;
        if (code == SigInfo.SI_SIGIO) return Layout.POLL;
        return code < 0 ? Layout.RT : Layout.KILL;
    }

    @Override
    public int poll(int events) {
        Task t = Task.current();
        boolean ready = t != null && t.process.signals.pendingIn(t, mask);
        return ready ? events & (POLLIN | POLLRDNORM) : 0;
    }


}
