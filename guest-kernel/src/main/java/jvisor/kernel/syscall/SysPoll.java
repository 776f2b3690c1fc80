package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.HEX;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.ULONG;

import java.util.List;
import java.util.function.LongSupplier;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.fs.Blocking;
import jvisor.kernel.fs.EpollFile;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.TimerFd;
import jvisor.kernel.proc.Task;
import jvisor.mmu.AddressSpace;

/**
 * poll(2), ppoll(2), select(2), pselect6(2) and epoll(7) (fs/select.c, fs/eventpoll.c). Readiness
 * is asked of every file (host fds through a zero-timeout host poll); while nothing is ready the
 * task naps in short ticks until the deadline, through {@link Blocking}, so a pending signal
 * (once the signal code sets the hook) ends the wait with EINTR. The signal masks of ppoll,
 * pselect6 and epoll_pwait are read but not applied: temporary masks are the signal code's.
 */
final class SysPoll {
    private SysPoll() {}

    static void register(SyscallTable t) {
        t.define("poll", (k, a, b, c, d, e, f) -> pollWithRestart(k, a, b, (int) c), RET_DEC, PTR, ULONG, INT);
        t.define("ppoll", (k, a, b, c, d, e, f) -> poll(k, a, b, timespecNs(k, c), c), RET_DEC, PTR, ULONG, PTR, PTR,
                ULONG);
        t.define("select", (k, a, b, c, d, e, f) -> select(k, (int) a, b, c, d, e, false), RET_DEC,
                INT, PTR, PTR, PTR, PTR);
        t.define("pselect6", (k, a, b, c, d, e, f) -> select(k, (int) a, b, c, d, e, true), RET_DEC,
                INT, PTR, PTR, PTR, PTR, PTR);
        t.define("epoll_create", (k, a, b, c, d, e, f) -> (int) a <= 0 ? -Errno.EINVAL : epollCreate(k, 0), RET_DEC, INT);
        t.define("epoll_create1", (k, a, b, c, d, e, f) -> epollCreate(k, (int) a), RET_DEC, HEX);
        t.define("epoll_ctl", (k, a, b, c, d, e, f) -> epollCtl(k, a, (int) b, c, d), RET_DEC, INT, INT, INT, PTR);
        t.define("epoll_wait", (k, a, b, c, d, e, f) -> epollWait(k, a, b, (int) c, (int) d < 0 ? -1 : msToNs((int) d)),
                RET_DEC, INT, PTR, INT, INT);
        t.define("epoll_pwait", (k, a, b, c, d, e, f) -> epollWait(k, a, b, (int) c,
                (int) d < 0 ? -1 : msToNs((int) d)), RET_DEC, INT, PTR, INT, INT, PTR, ULONG);
        t.define("epoll_pwait2", (k, a, b, c, d, e, f) -> epollWait(k, a, b, (int) c, timespecNs(k, d)), RET_DEC,
                INT, PTR, INT, PTR, PTR, ULONG);
    }

    private static long msToNs(long ms) {
        return ms * 1_000_000L;
    }

    /** A struct timespec timeout in ns; -1 for NULL (forever); EINVAL if malformed. */
    private static long timespecNs(Task t, long addr) {
        if (addr == 0) return -1;
        long s = t.memory().read64(addr), ns = t.memory().read64(addr + 8);
        if (s < 0 || ns < 0 || ns >= 1_000_000_000L) throw SysSupport.err(Errno.EINVAL);
        if (s > Long.MAX_VALUE / 2_000_000_000L) return Long.MAX_VALUE / 2;
        return s * 1_000_000_000L + ns;
    }

    /**
     * Calls check until it returns non-zero or the timeout (ns, -1 forever) passes; napping
     * between checks. Returns check's value, 0 on timeout, -ERESTARTNOHAND if a signal interrupts.
     */
    static long waitFor(long timeoutNs, LongSupplier check) {
        return waitUntil(timeoutNs < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNs, timeoutNs == 0, check);
    }

    /** {@link #waitFor} to a deadline of System.nanoTime (Long.MAX_VALUE: forever); once: only one check. */
    private static long waitUntil(long deadline, boolean once, LongSupplier check) {
        while (true) {
            long n = check.getAsLong();
            if (n != 0) return n;
            long left = deadline - System.nanoTime();
            if (once || left <= 0) return 0;
            long napMs = Math.max(1, Math.min(left / 1_000_000L, 5));
            int r = Blocking.nap(napMs);
            if (r < 0) return r;
        }
    }

    /**
     * poll(2) itself: with a timeout, an interrupting signal ends it with ERESTART_RESTARTBLOCK and
     * restart_syscall continues to the same deadline (fs/select.c, do_restart_poll); without one it
     * is ERESTARTNOHAND. ppoll keeps ERESTARTNOHAND (poll_select_finish).
     */
    private static long pollWithRestart(Task t, long fdsAddr, long nfds, int timeoutMs) {
        if (timeoutMs < 0) return poll(t, fdsAddr, nfds, -1, 0);
        long ns = msToNs(timeoutMs);
        return pollUntil(t, fdsAddr, nfds, System.nanoTime() + ns, ns == 0);
    }

    private static long pollUntil(Task t, long fdsAddr, long nfds, long deadline, boolean once) {
        long r = pollWaiting(t, fdsAddr, nfds, deadline, once);
        if (r != -Signals.ERESTARTNOHAND) return r;
        t.restartBlock = task -> pollUntil(task, fdsAddr, nfds, deadline, false);
        return -Signals.ERESTART_RESTARTBLOCK;
    }

    static long poll(Task t, long fdsAddr, long nfds, long timeoutNs, long tsAddr) {
        return pollWaiting(t, fdsAddr, nfds, timeoutNs < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNs,
                timeoutNs == 0);
    }

    private static long pollWaiting(Task t, long fdsAddr, long nfds, long deadline, boolean once) {
        if (Long.compareUnsigned(nfds, SysSupport.fdLimit(t)) > 0) return -Errno.EINVAL;
        AddressSpace m = t.memory();
        int n = (int) nfds;
        int[] fds = new int[n];
        short[] events = new short[n];
        for (int i = 0; i < n; i++) {
            fds[i] = m.read32(fdsAddr + 8L * i);
            events[i] = (short) m.read16(fdsAddr + 8L * i + 4);
        }
        short[] revents = new short[n];
        long r = waitUntil(deadline, once, () -> {
            int ready = 0;
            for (int i = 0; i < n; i++) {
                revents[i] = 0;
                if (fds[i] < 0) continue;
                FileDescription f = t.process.fds.get(fds[i]);
                int ev;
                if (f == null) {
                    ev = FileDescription.POLLNVAL;
                } else {
                    int want = (events[i] & 0xffff) | FileDescription.POLLERR | FileDescription.POLLHUP;
                    ev = f.poll(want) & want;
                }
                revents[i] = (short) ev;
                if (ev != 0) ready++;
            }
            return ready;
        });
        if (r < 0) return r;
        for (int i = 0; i < n; i++) m.write16(fdsAddr + 8L * i + 6, revents[i]);
        return r;
    }

    private static final int POLLIN_SET = FileDescription.POLLIN | FileDescription.POLLRDNORM
            | FileDescription.POLLRDBAND | FileDescription.POLLHUP | FileDescription.POLLERR;
    private static final int POLLOUT_SET = FileDescription.POLLOUT | FileDescription.POLLWRNORM
            | FileDescription.POLLWRBAND | FileDescription.POLLERR;
    private static final int POLLEX_SET = FileDescription.POLLPRI;

    static long select(Task t, int nfds, long rAddr, long wAddr, long eAddr, long tAddr, boolean pselect) {
        if (nfds < 0) return -Errno.EINVAL;
        AddressSpace m = t.memory();
        long timeoutNs;
        if (tAddr == 0) {
            timeoutNs = -1;
        } else if (pselect) {
            timeoutNs = timespecNs(t, tAddr);
        } else {
            long s = m.read64(tAddr), us = m.read64(tAddr + 8);
            if (s < 0 || us < 0) return -Errno.EINVAL;
            timeoutNs = s * 1_000_000_000L + Math.min(us, 999_999_999L / 1000) * 1000L + (us / 1_000_000) * 1_000_000_000L;
        }
        int max = (int) Math.min(nfds, t.process.fds.capacity()); // core_sys_select clamps to max_fds
        int words = (max + 63) / 64;
        long[] in = new long[words * 3];
        long[] addrs = {rAddr, wAddr, eAddr};
        for (int s = 0; s < 3; s++) {
            if (addrs[s] == 0) continue;
            for (int w = 0; w < words; w++) in[s * words + w] = m.read64(addrs[s] + 8L * w);
        }
        if (max % 64 != 0) {
            long keep = (1L << (max % 64)) - 1;
            for (int s = 0; s < 3; s++) in[s * words + words - 1] &= keep;
        }
        for (int fd = 0; fd < max; fd++) {
            int w = fd / 64;
            long bit = 1L << (fd % 64);
            if (((in[w] | in[words + w] | in[2 * words + w]) & bit) != 0 && t.process.fds.get(fd) == null) {
                return -Errno.EBADF;
            }
        }
        long[] out = new long[words * 3];
        long start = System.nanoTime();
        long r = waitFor(timeoutNs, () -> {
            java.util.Arrays.fill(out, 0);
            int count = 0;
            for (int fd = 0; fd < max; fd++) {
                int w = fd / 64;
                long bit = 1L << (fd % 64);
                boolean rd = (in[w] & bit) != 0, wr = (in[words + w] & bit) != 0, ex = (in[2 * words + w] & bit) != 0;
                if (!rd && !wr && !ex) continue;
                FileDescription f = t.process.fds.get(fd);
                int ev = f.poll(POLLIN_SET | POLLOUT_SET | POLLEX_SET | FileDescription.POLLERR | FileDescription.POLLHUP);
                if (rd && (ev & POLLIN_SET) != 0) {
                    out[w] |= bit;
                    count++;
                }
                if (wr && (ev & POLLOUT_SET) != 0) {
                    out[words + w] |= bit;
                    count++;
                }
                if (ex && (ev & POLLEX_SET) != 0) {
                    out[2 * words + w] |= bit;
                    count++;
                }
            }
            return count;
        });
        if (r < 0) return r;
        for (int s = 0; s < 3; s++) {
            if (addrs[s] == 0) continue;
            for (int w = 0; w < words; w++) m.write64(addrs[s] + 8L * w, out[s * words + w]);
        }
        if (tAddr != 0 && timeoutNs > 0) {
            long left = Math.max(0, timeoutNs - (System.nanoTime() - start));
            if (r == 0) left = 0;
            m.write64(tAddr, left / 1_000_000_000L);
            m.write64(tAddr + 8, pselect ? left % 1_000_000_000L : (left % 1_000_000_000L) / 1000);
        }
        return r;
    }

    static long epollCreate(Task t, int flags) {
        if ((flags & ~Fs.O_CLOEXEC) != 0) return -Errno.EINVAL;
        return t.process.fds.install(new EpollFile(flags), (flags & Fs.O_CLOEXEC) != 0, 0, SysSupport.fdLimit(t));
    }

    static long epollCtl(Task t, long epfd, int op, long fd, long eventAddr) {
        FileDescription ef = SysSupport.file(t, epfd);
        FileDescription f = SysSupport.file(t, fd);
        if (!f.pollable()) return -Errno.EPERM;
        if (!(ef instanceof EpollFile ep) || epfd == fd) return -Errno.EINVAL;
        int events = 0;
        long data = 0;
        if (op != EpollFile.EPOLL_CTL_DEL) {
            events = t.memory().read32(eventAddr);
            data = t.memory().read64(eventAddr + 4);
            if ((events & EpollFile.EPOLLEXCLUSIVE) != 0) {
                if (op == EpollFile.EPOLL_CTL_MOD) return -Errno.EINVAL;
                if (f instanceof EpollFile) return -Errno.EINVAL;
            }
        }
        if (f instanceof EpollFile other && other.watches(ep)) return -Errno.ELOOP;
        return ep.ctl(op, (int) fd, f, events, data);
    }

    static long epollWait(Task t, long epfd, long eventsAddr, int max, long timeoutNs) {
        if (max <= 0 || max > Integer.MAX_VALUE / 12) return -Errno.EINVAL;
        FileDescription ef = SysSupport.file(t, epfd);
        if (!(ef instanceof EpollFile ep)) return -Errno.EINVAL;
        @SuppressWarnings("unchecked")
        List<long[]>[] got = new List[1];
        long r = waitFor(timeoutNs, () -> {
            got[0] = ep.collect(max);
            return got[0].size();
        });
        if (r < 0) return -Errno.EINTR; // epoll_wait is never restarted (signal(7))
        if (r == 0) return 0;
        AddressSpace m = t.memory();
        for (int i = 0; i < got[0].size(); i++) {
            m.write32(eventsAddr + 12L * i, (int) got[0].get(i)[0]);
            m.write64(eventsAddr + 12L * i + 4, got[0].get(i)[1]);
        }
        return r;
    }

    static boolean isTimer(FileDescription f) {
        return f instanceof TimerFd;
    }
}
