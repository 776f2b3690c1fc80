package jvisor.kernel.signal;

import jvisor.kernel.abi.Signals;
import jvisor.mmu.AddressSpace;

/**
 * One queued signal: Linux's kernel_siginfo (include/uapi/asm-generic/siginfo.h), 48 bytes on
 * x86-64: si_signo, si_errno, si_code (ints), a pad, then the 32-byte union _sifields, kept here
 * as four words at offsets 16, 24, 32 and 40. The user-visible siginfo_t is 128 bytes: the rest
 * is zero.
 *
 * <p>Union views used here (offsets in siginfo_t): _kill / _rt {si_pid@16, si_uid@20,
 * si_value@24}; _timer {si_tid@16, si_overrun@20, si_value@24}; _sigfault {si_addr@16,
 * si_addr_lsb@24}; _sigchld {si_pid, si_uid, si_status@24, si_utime@32, si_stime@40}.
 */
public final class SigInfo {
    /** sizeof(siginfo_t). */
    public static final int SIZE = 128;
    public static final int SI_QUEUE = -1, SI_TIMER = -2, SI_MESGQ = -3, SI_ASYNCIO = -4, SI_SIGIO = -5;

    public final int signo;
    public final int errno;
    public final int code;
    /** The union's words at offsets 16, 24, 32, 40. */
    public final long w0, w1, w2, w3;
    /** Set for signals raised by a fault: the one-line report if the signal ends the process. */
    public final FaultReport report;
    /** Set for a POSIX timer's signal: the timer, whose overrun count is settled at delivery. */
    final PosixTimer timer;
    /** si_overrun of a timer signal, fixed when it is dequeued. */
    int overrun;

    public SigInfo(int signo, int errno, int code, long w0, long w1, long w2, long w3, FaultReport report,
            PosixTimer timer) {
        this.signo = signo;
        this.errno = errno;
        this.code = code;
        this.w0 = w0;
        this.w1 = w1;
        this.w2 = w2;
        this.w3 = w3;
        this.report = report;
        this.timer = timer;
    }

    /** kill(2), tgkill(2), raise: si_pid and si_uid of the sender. */
    public static SigInfo fromProcess(int signo, int code, int pid, int uid) {
        return new SigInfo(signo, 0, code, (pid & 0xFFFFFFFFL) | ((long) uid << 32), 0, 0, 0, null, null);
    }

    /** Sent by the kernel itself (SEND_SIG_PRIV): SI_KERNEL, every field zero (alarm, itimers). */
    public static SigInfo kernel(int signo) {
        return new SigInfo(signo, 0, Signals.SI_KERNEL, 0, 0, 0, 0, null, null);
    }

    /** A fault: si_addr and the report. */
    public static SigInfo fault(int signo, int code, long addr, FaultReport report) {
        return new SigInfo(signo, 0, code, addr, 0, 0, 0, report, null);
    }

    /**
     * SIGCHLD for a child that ended (do_notify_parent): si_pid, si_uid, si_status (the exit
     * code, or the signal for CLD_KILLED), si_utime and si_stime in clock ticks.
     */
    public static SigInfo child(int signo, int code, int pid, int uid, int status, long utime, long stime) {
        return new SigInfo(signo, 0, code, (pid & 0xFFFFFFFFL) | ((long) uid << 32), status & 0xFFFFFFFFL, utime,
                stime, null, null);
    }

    /** A POSIX timer's signal. */
    static SigInfo timer(int signo, PosixTimer t) {
        return new SigInfo(signo, 0, SI_TIMER, t.id & 0xFFFFFFFFL, t.value, 0, 0, null, t);
    }

    /** From rt_sigqueueinfo(2): the first 48 bytes of the user's siginfo, si_signo replaced. */
    public static SigInfo read(AddressSpace mem, long addr, int signo) {
        return new SigInfo(signo, mem.read32(addr + 4), mem.read32(addr + 8), mem.read64(addr + 16),
                mem.read64(addr + 24), mem.read64(addr + 32), mem.read64(addr + 40), null, null);
    }

    public int pid() {
        return (int) w0;
    }

    public int uid() {
        return (int) (w0 >>> 32);
    }

    public long addr() {
        return w0;
    }

    /** Writes the 128-byte siginfo_t. */
    public void write(AddressSpace mem, long addr) {
        mem.fill(addr, SIZE, (byte) 0);
        mem.write32(addr, signo);
        mem.write32(addr + 4, errno);
        mem.write32(addr + 8, code);
        mem.write64(addr + 16, timer != null ? (w0 & 0xFFFFFFFFL) | ((long) overrun << 32) : w0);
        mem.write64(addr + 24, w1);
        mem.write64(addr + 32, w2);
        mem.write64(addr + 40, w3);
    }

    /** True for the si_codes of a user-space sender (SI_FROMUSER: code <= 0). */
    public boolean fromUser() {
        return code <= 0;
    }

    /** The siginfo as strace 6 prints it ({@code {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=1, si_uid=0}}). */
    public String format() {
        StringBuilder sb = new StringBuilder("{si_signo=").append(Signals.name(signo)).append(", si_code=");
        String cn = codeName();
        sb.append(cn != null ? cn : Integer.toString(code));
        if (errno != 0) sb.append(", si_errno=").append(errno);
        if (fromUser()) {
            switch (code) {
                case Signals.SI_USER, Signals.SI_TKILL -> source(sb);
                case SI_TIMER -> {
                    sb.append(", si_timerid=0x").append(Integer.toHexString((int) w0)).append(", si_overrun=")
                            .append(timer != null ? overrun : (int) (w0 >>> 32));
                    value(sb);
                }
                default -> {
                    source(sb);
                    value(sb);
                }
            }
        } else {
            switch (signo) {
                case Signals.SIGILL, Signals.SIGFPE, Signals.SIGSEGV, Signals.SIGBUS ->
                        sb.append(", si_addr=").append(w0 == 0 ? "NULL" : "0x" + Long.toHexString(w0));
                case Signals.SIGCHLD -> {
                    source(sb);
                    sb.append(", si_status=");
                    if (code == Signals.CLD_EXITED) sb.append((int) w1);
                    else sb.append(Signals.name((int) w1));
                    sb.append(", si_utime=").append(w2).append(", si_stime=").append(w3);
                }
                default -> {
                    if (w0 != 0) source(sb);
                }
            }
        }
        return sb.append('}').toString();
    }

    private void source(StringBuilder sb) {
        sb.append(", si_pid=").append(pid()).append(", si_uid=").append(Integer.toUnsignedString(uid()));
    }

    private void value(StringBuilder sb) {
        sb.append(", si_int=").append((int) w1).append(", si_ptr=").append(w1 == 0 ? "NULL" : "0x" + Long.toHexString(w1));
    }

    private String codeName() {
        return switch (code) {
            case SI_QUEUE -> "SI_QUEUE";
            case SI_TIMER -> "SI_TIMER";
            case SI_MESGQ -> "SI_MESGQ";
            case SI_ASYNCIO -> "SI_ASYNCIO";
            case SI_SIGIO -> "SI_SIGIO";
            case -7 -> "SI_DETHREAD";
            case -60 -> "SI_ASYNCNL";
            default -> Signals.codeName(signo, code);
        };
    }

    /** The FatalSignal (report line, jvisor's own death) for this signal ending the process. */
    public FatalSignal fatal() {
        boolean sender = code == Signals.SI_USER || code == Signals.SI_TKILL;
        return new FatalSignal(signo, code, sender ? 0 : w0, sender ? pid() : 0, sender ? uid() : 0, report, format());
    }

    @Override
    public String toString() {
        return format();
    }
}
