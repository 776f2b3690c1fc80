package jvisor.kernel.strace;

import static jvisor.kernel.abi.Clone.FUTEX_CMD_MASK;
import static jvisor.kernel.abi.Clone.FUTEX_CMP_REQUEUE;
import static jvisor.kernel.abi.Clone.FUTEX_CMP_REQUEUE_PI;
import static jvisor.kernel.abi.Clone.FUTEX_FD;
import static jvisor.kernel.abi.Clone.FUTEX_LOCK_PI;
import static jvisor.kernel.abi.Clone.FUTEX_LOCK_PI2;
import static jvisor.kernel.abi.Clone.FUTEX_REQUEUE;
import static jvisor.kernel.abi.Clone.FUTEX_TRYLOCK_PI;
import static jvisor.kernel.abi.Clone.FUTEX_UNLOCK_PI;
import static jvisor.kernel.abi.Clone.FUTEX_WAIT_BITSET;
import static jvisor.kernel.abi.Clone.FUTEX_WAIT_REQUEUE_PI;
import static jvisor.kernel.abi.Clone.FUTEX_WAKE;
import static jvisor.kernel.abi.Clone.FUTEX_WAKE_BITSET;
import static jvisor.kernel.abi.Clone.FUTEX_WAKE_OP;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import jvisor.kernel.abi.Clocks;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Ioctls;
import jvisor.kernel.abi.Misc;
import jvisor.kernel.abi.Mman;
import jvisor.kernel.abi.Rlimits;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.signal.FatalSignal;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.PageFault;

/**
 * The --strace printer: one line per syscall in strace's format, written when the call returns
 * ({@code openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3}), plus strace's lines for
 * fatal signals and exit. Guest memory is read defensively: what cannot be read is shown as the
 * pointer, as strace does.
 */
public final class Strace {
    /** Where lines go: jvisor's real stderr, shared with the guest's fd 2 as with strace. */
    @FunctionalInterface
    public interface Sink {
        void line(String text);
    }

    /** strace's -a default: results are aligned at this column. */
    private static final int RESULT_COLUMN = 40;
    private static final DateTimeFormatter TIME_FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssZ");

    private final Sink sink;
    /** The pid to put in front of a line ("[pid  1234] ", as strace -f once several tasks exist), or 0 for none. */
    private volatile java.util.function.IntSupplier pidPrefix = () -> 0;

    public Strace(Sink sink) {
        this.sink = sink;
    }

    /** Sets where the calling task's pid comes from when lines need one (0: no prefix). */
    public void setPidPrefix(java.util.function.IntSupplier pidPrefix) {
        this.pidPrefix = pidPrefix;
    }

    private void emit(String line) {
        int pid = pidPrefix.getAsInt();
        sink.line(pid != 0 ? String.format("[pid %5d] %s", pid, line) : line);
    }

    // ---------------------------------------------------------------- lines

    /**
     * Prints one syscall.
     *
     * @param name the syscall's name, or null for a number without one
     * @param formats how to print each argument (their count is the argument count)
     * @param noReturn the call did not return (exit): the result is "?"
     */
    public void syscall(AddressSpace mem, int nr, String name, ArgFormat[] formats, ArgFormat ret, long[] args,
            long result, boolean noReturn) {
        syscall(mem, nr, name, formats, ret, args, result, noReturn, null);
    }

    /**
     * What a call's value-result arguments held before it ran (socklen_t *addrlen, msg_namelen),
     * for the [in => out] notation; null when the call has none. Without --strace never called.
     */
    public long[] beforeCall(AddressSpace mem, ArgFormat[] formats, long[] args) {
        return StraceNet.before(mem, formats, args);
    }

    /** Prints one syscall; pre is what {@link #beforeCall} read, or null. */
    public void syscall(AddressSpace mem, int nr, String name, ArgFormat[] formats, ArgFormat ret, long[] args,
            long result, boolean noReturn, long[] pre) {
        StringBuilder sb = new StringBuilder(96);
        sb.append(name != null ? name : "syscall_0x" + Integer.toHexString(nr)).append('(');
        boolean first = true;
        for (int i = 0; i < formats.length; i++) {
            if (omitted(formats[i], i, args)) continue;
            if (!first) sb.append(", ");
            first = false;
            arg(sb, mem, formats[i], i, args, result, pre);
        }
        sb.append(") ");
        while (sb.length() < RESULT_COLUMN) sb.append(' ');
        sb.append("= ");
        if (noReturn || ret == ArgFormat.RET_NONE) {
            sb.append('?');
        } else if (Signals.restartName(result) != null) {
            String[] rn = Signals.restartName(result);
            sb.append("? ").append(rn[0]).append(" (").append(rn[1]).append(')');
        } else if (Errno.isError(result)) {
            int e = (int) -result;
            String en = Errno.name(e);
            sb.append("-1 ").append(en != null ? en : "E???").append(" (").append(Errno.message(e)).append(')');
        } else {
            result(sb, ret, args, result);
        }
        emit(sb.toString());
    }

    /**
     * The first line, as strace prints the execve that started the program:
     * {@code execve("./hello", ["./hello"], 0x7fffffffe818 /* 35 vars *}{@code /) = 0}.
     */
    public void execve(byte[] path, java.util.List<byte[]> argv, long envpAddr, int envc) {
        execve(path, argv, envpAddr, envc, 0);
    }

    /** An execve the guest made, with its result (formatted from what was read before the image changed). */
    public void execve(byte[] path, java.util.List<byte[]> argv, long envpAddr, int envc, long result) {
        StringBuilder sb = new StringBuilder("execve(");
        StraceStrings.quote(sb, path, path.length, false, false);
        sb.append(", [");
        for (int i = 0; i < argv.size(); i++) {
            if (i > 0) sb.append(", ");
            if (i >= StraceStrings.MAX_STRLEN) {
                sb.append("...");
                break;
            }
            byte[] a = argv.get(i);
            StraceStrings.quoteBuffer(sb, a, a.length, false);
        }
        sb.append("], 0x").append(Long.toHexString(envpAddr)).append(" /* ").append(envc).append(" var")
                .append(envc == 1 ? "" : "s").append(" */) ");
        while (sb.length() < RESULT_COLUMN) sb.append(' ');
        sb.append("= ");
        if (Errno.isError(result)) {
            int e = (int) -result;
            String en = Errno.name(e);
            sb.append("-1 ").append(en != null ? en : "E???").append(" (").append(Errno.message(e)).append(')');
        } else {
            sb.append(result);
        }
        emit(sb.toString());
    }

    /** "--- SIGSEGV {si_signo=SIGSEGV, ...} ---" */
    public void signal(FatalSignal s) {
        emit("--- " + Signals.name(s.signo()) + " " + s.siginfo() + " ---");
    }

    /** "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=42, si_uid=1000} ---" for a delivered signal. */
    public void signal(jvisor.kernel.signal.SigInfo info) {
        emit("--- " + Signals.name(info.signo) + " " + info.format() + " ---");
    }

    /** "--- stopped by SIGSTOP ---": the task stopped in a group stop. */
    public void stopped(int signo) {
        emit("--- stopped by " + Signals.name(signo) + " ---");
    }

    public void exited(int status) {
        emit("+++ exited with " + status + " +++");
    }

    public void killed(int signo) {
        emit("+++ killed by " + Signals.name(signo) + " +++");
    }

    // ---------------------------------------------------------------- arguments

    /** clone flags as strace prints them: the CLONE_ names, then the exit signal of the low byte. */
    private static void cloneFlags(StringBuilder sb, long v) {
        long flags = v & ~jvisor.kernel.abi.Clone.CSIGNAL;
        int sig = (int) (v & jvisor.kernel.abi.Clone.CSIGNAL);
        if (flags != 0) jvisor.kernel.abi.Clone.FLAGS.appendFlags(sb, flags);
        if (sig != 0) {
            if (flags != 0) sb.append('|');
            sb.append(Signals.name(sig));
        } else if (flags == 0) {
            sb.append('0');
        }
    }

    /** A wait status word as strace decodes it (the WIFEXITED/WIFSIGNALED macros of wait(2)). */
    private static void waitStatus(StringBuilder sb, int s) {
        sb.append("[{");
        if ((s & 0x7f) == 0) {
            sb.append("WIFEXITED(s) && WEXITSTATUS(s) == ").append((s >> 8) & 0xff);
        } else if ((s & 0xff) == 0x7f) {
            sb.append("WIFSTOPPED(s) && WSTOPSIG(s) == ").append(Signals.name((s >> 8) & 0xff));
        } else {
            sb.append("WIFSIGNALED(s) && WTERMSIG(s) == ").append(Signals.name(s & 0x7f));
            if ((s & 0x80) != 0) sb.append(" && WCOREDUMP(s)");
        }
        sb.append("}]");
    }

    private static final String[] FUTEX_CMDS = {"FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_FD", "FUTEX_REQUEUE",
        "FUTEX_CMP_REQUEUE", "FUTEX_WAKE_OP", "FUTEX_LOCK_PI", "FUTEX_UNLOCK_PI", "FUTEX_TRYLOCK_PI",
        "FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET", "FUTEX_WAIT_REQUEUE_PI", "FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2"};

    private static void futexOp(StringBuilder sb, int op) {
        int cmd = op & jvisor.kernel.abi.Clone.FUTEX_CMD_MASK;
        if (cmd >= 0 && cmd < FUTEX_CMDS.length) sb.append(FUTEX_CMDS[cmd]);
        else sb.append(cmd);
        if ((op & jvisor.kernel.abi.Clone.FUTEX_PRIVATE_FLAG) != 0) sb.append("_PRIVATE");
        if ((op & jvisor.kernel.abi.Clone.FUTEX_CLOCK_REALTIME) != 0) sb.append("|FUTEX_CLOCK_REALTIME");
    }

    /**
     * True if strace leaves argument i out (open's mode without O_CREAT, fcntl's unused third
     * argument, the high half of a split offset).
     */
    public static boolean omitted(ArgFormat f, int i, long[] args) {
        return switch (f) {
            case OFFSET_HIGH -> true;
            case CREATE_MODE -> i == 0 || (args[i - 1] & (Fs.O_CREAT | Fs.O_TMPFILE_BIT)) == 0;
            case MREMAP_NEWADDR -> i == 0 || (args[i - 1] & Mman.MREMAP_FIXED) == 0;
            case FCNTL_ARG -> switch ((int) args[1]) {
                case Fs.F_GETFD, Fs.F_GETFL, Fs.F_GETOWN, Fs.F_GETSIG, Fs.F_GETLEASE, Fs.F_GETPIPE_SZ,
                        Fs.F_GET_SEALS -> true;
                default -> false;
            };
            case FUTEX_VAL, FUTEX_TIMEOUT_OR_VAL2, FUTEX_UADDR2, FUTEX_VAL3 -> !futexShows(f, (int) args[1]);
            default -> false;
        };
    }

    /** Whether strace shows futex argument f for operation op (strace's futex.c, SYS_FUNC(futex)). */
    private static boolean futexShows(ArgFormat f, int op) {
        int cmd = op & FUTEX_CMD_MASK;
        return switch (f) {
            case FUTEX_VAL -> cmd != FUTEX_LOCK_PI && cmd != FUTEX_LOCK_PI2 && cmd != FUTEX_UNLOCK_PI
                    && cmd != FUTEX_TRYLOCK_PI;
            case FUTEX_TIMEOUT_OR_VAL2 -> cmd != FUTEX_WAKE && cmd != FUTEX_WAKE_BITSET && cmd != FUTEX_FD
                    && cmd != FUTEX_UNLOCK_PI && cmd != FUTEX_TRYLOCK_PI;
            case FUTEX_UADDR2 -> cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE || cmd == FUTEX_WAKE_OP
                    || cmd == FUTEX_WAIT_REQUEUE_PI || cmd == FUTEX_CMP_REQUEUE_PI;
            default -> cmd == FUTEX_CMP_REQUEUE || cmd == FUTEX_WAKE_OP || cmd == FUTEX_WAIT_BITSET
                    || cmd == FUTEX_WAKE_BITSET || cmd == FUTEX_CMP_REQUEUE_PI; // FUTEX_VAL3
        };
    }

    /** futex's fourth argument is a count (val2) for the requeue and wake-op commands, else a timeout. */
    private static boolean futexVal2(int op) {
        int cmd = op & FUTEX_CMD_MASK;
        return cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE || cmd == FUTEX_WAKE_OP || cmd == FUTEX_CMP_REQUEUE_PI;
    }

    private void arg(StringBuilder sb, AddressSpace mem, ArgFormat f, int i, long[] args, long result, long[] pre) {
        long v = args[i];
        boolean ok = !Errno.isError(result);
        switch (f) {
            case INT, FUTEX_VAL -> sb.append((int) v);
            case FUTEX_TIMEOUT_OR_VAL2 -> {
                if (futexVal2((int) args[1])) sb.append((int) v);
                else ptr(sb, v);
            }
            case FUTEX_UADDR2 -> ptr(sb, v);
            case FUTEX_VAL3 -> hex(sb, v);
            case LONG -> sb.append(v);
            case ULONG -> sb.append(Long.toUnsignedString(v));
            case HEX -> hex(sb, v);
            case PTR, MREMAP_NEWADDR -> ptr(sb, v);
            case CREATE_MODE -> octalMode(sb, (int) v & 07777);
            case DIRFD -> {
                if ((int) v == Fs.AT_FDCWD) sb.append("AT_FDCWD");
                else sb.append((int) v);
            }
            case PATH -> path(sb, mem, v, Fs.PATH_MAX);
            case BUF_IN -> buffer(sb, mem, v, args[i + 1], false);
            case BUF_OUT -> {
                // recv(MSG_TRUNC) returns more than it copied: the buffer holds at most count bytes.
                if (ok) buffer(sb, mem, v, Long.compareUnsigned(result, args[i + 1]) > 0 ? args[i + 1] : result, false);
                else ptr(sb, v);
            }
            case BUF_OUT_HEX -> {
                if (ok) buffer(sb, mem, v, result, true);
                else ptr(sb, v);
            }
            case PATH_OUT -> {
                if (ok) path(sb, mem, v, (int) Math.min(result, Fs.PATH_MAX));
                else ptr(sb, v);
            }
            case OPEN_FLAGS -> openFlags(sb, (int) v);
            case DUP3_FLAGS -> Xlats.DUP3.appendFlags(sb, (int) v);
            case AT_FLAGS -> Fs.AT_FLAGS.appendFlags(sb, (int) v);
            case FACCESSAT_FLAGS -> Fs.FACCESSAT_FLAGS.appendFlags(sb, (int) v);
            case ACCESS_MODE -> Fs.ACCESS_FLAGS.appendFlags(sb, (int) v);
            case WHENCE -> Fs.WHENCE.appendValue(sb, (int) v);
            case PROT -> Mman.PROT.appendFlags(sb, (int) v);
            case MMAP_FLAGS -> mmapFlags(sb, (int) v);
            case MREMAP_FLAGS -> Mman.MREMAP_FLAGS.appendFlags(sb, (int) v);
            case MADVICE -> Mman.MADVICE.appendValue(sb, (int) v);
            case CLOCK -> Clocks.NAMES.appendValue(sb, (int) v);
            case CLONE_FLAGS -> cloneFlags(sb, v);
            case WAIT_OPTIONS -> {
                if (v == 0) sb.append('0');
                else jvisor.kernel.abi.Clone.WAIT_OPTIONS.appendFlags(sb, v & 0xFFFFFFFFL);
            }
            case WSTATUS_OUT -> {
                if (!ok || v == 0 || result == 0) ptr(sb, v);
                else waitStatus(sb, mem.read32(v));
            }
            case FUTEX_OP -> futexOp(sb, (int) v);
            case TIMER_FLAGS -> Clocks.TIMER_FLAGS.appendFlags(sb, (int) v);
            case GRND_FLAGS -> Misc.GRND_FLAGS.appendFlags(sb, (int) v);
            case RSEQ_FLAGS -> Misc.RSEQ_FLAGS.appendFlags(sb, (int) v);
            case SIGNUM -> sb.append(Signals.name((int) v));
            case SIGHOW -> Signals.HOW.appendValue(sb, (int) v);
            case RLIMIT_RESOURCE -> Rlimits.NAMES.appendValue(sb, (int) v);
            case ARCH_CODE -> Misc.ARCH_CODES.appendValue(sb, (int) v);
            case FCNTL_CMD -> Fs.FCNTL_CMDS.appendValue(sb, (int) v);
            case IOCTL_CMD -> Ioctls.NAMES.appendValue(sb, v & 0xFFFFFFFFL);
            case FCNTL_ARG -> fcntlArg(sb, (int) args[1], v);
            case IOCTL_ARG -> ioctlArg(sb, mem, args[1] & 0xFFFFFFFFL, v, ok);
            case ARCH_ADDR -> {
                int code = (int) args[0];
                if ((code == Misc.ARCH_GET_FS || code == Misc.ARCH_GET_GS) && ok) {
                    Long value = read64(mem, v);
                    if (value != null) sb.append("[0x").append(Long.toHexString(value)).append(']');
                    else ptr(sb, v);
                } else {
                    hex(sb, v);
                }
            }
            case TIMESPEC_IN -> timespec(sb, mem, v, "tv_nsec");
            case TIMESPEC_OUT -> {
                if (ok) timespec(sb, mem, v, "tv_nsec");
                else ptr(sb, v);
            }
            case TIMESPEC_REMAIN -> {
                if (result == -Errno.EINTR || Signals.restartName(result) != null) timespec(sb, mem, v, "tv_nsec");
                else ptr(sb, v);
            }
            case TIMEVAL_OUT -> {
                if (ok) timespec(sb, mem, v, "tv_usec");
                else ptr(sb, v);
            }
            case TIMEZONE_OUT -> {
                long[] tz = ok ? ints(mem, v, 2) : null;
                if (tz != null) sb.append("{tz_minuteswest=").append(tz[0]).append(", tz_dsttime=").append(tz[1]).append('}');
                else ptr(sb, v);
            }
            case SIGINFO_IN -> siginfo(sb, mem, v);
            case SIGINFO_OUT -> {
                if (ok) siginfo(sb, mem, v);
                else ptr(sb, v);
            }
            case SIGRETURN_FRAME -> {
                Long m = read64(mem, v + jvisor.kernel.signal.SignalFrame.UC_SIGMASK - jvisor.kernel.signal.SignalFrame.UC);
                sb.append("{mask=");
                if (m == null) ptr(sb, v);
                else Signals.appendSigset(sb, m);
                sb.append('}');
            }
            case ITIMER_WHICH -> sb.append(switch ((int) v) {
                case 0 -> "ITIMER_REAL";
                case 1 -> "ITIMER_VIRTUAL";
                case 2 -> "ITIMER_PROF";
                default -> Integer.toString((int) v) + " /* ITIMER_??? */";
            });
            case ITIMERVAL_IN -> itimer(sb, mem, v, "tv_usec");
            case ITIMERVAL_OUT -> {
                if (ok) itimer(sb, mem, v, "tv_usec");
                else ptr(sb, v);
            }
            case ITIMERSPEC_IN -> itimer(sb, mem, v, "tv_nsec");
            case ITIMERSPEC_OUT -> {
                if (ok) itimer(sb, mem, v, "tv_nsec");
                else ptr(sb, v);
            }
            case RUSAGE_WHO -> sb.append(switch ((int) v) {
                case 0 -> "RUSAGE_SELF";
                case 1 -> "RUSAGE_THREAD";
                case -1 -> "RUSAGE_CHILDREN";
                default -> Integer.toString((int) v) + " /* RUSAGE_??? */";
            });
            case SIGSET_IN -> sigset(sb, mem, v);
            case SIGSET_OUT -> {
                if (ok) sigset(sb, mem, v);
                else ptr(sb, v);
            }
            case SIGACTION_IN -> sigaction(sb, mem, v);
            case SIGACTION_OUT -> {
                if (ok) sigaction(sb, mem, v);
                else ptr(sb, v);
            }
            case STACK_IN -> stack(sb, mem, v);
            case STACK_OUT -> {
                if (ok) stack(sb, mem, v);
                else ptr(sb, v);
            }
            case RLIMIT_IN -> rlimit(sb, mem, v);
            case RLIMIT_OUT -> {
                if (ok) rlimit(sb, mem, v);
                else ptr(sb, v);
            }
            case STAT_OUT -> {
                if (ok) stat(sb, mem, v);
                else ptr(sb, v);
            }
            case STATX_OUT -> {
                if (ok) statx(sb, mem, v);
                else ptr(sb, v);
            }
            case UTSNAME_OUT -> {
                if (ok) utsname(sb, mem, v);
                else ptr(sb, v);
            }
            case SYSINFO_OUT -> {
                if (ok) sysinfo(sb, mem, v);
                else ptr(sb, v);
            }
            case IOVEC_IN -> iovec(sb, mem, v, args[i + 1], Long.MAX_VALUE);
            case IOVEC_OUT -> {
                if (ok) iovec(sb, mem, v, args[i + 1], result);
                else ptr(sb, v);
            }
            case CPUSET_OUT -> {
                if (ok) cpuset(sb, mem, v, result);
                else ptr(sb, v);
            }
            case UINT_OUT -> {
                long[] x = ok && v != 0 ? ints(mem, v, 1) : null;
                if (x != null) sb.append('[').append(x[0]).append(']');
                else ptr(sb, v);
            }
            case GROUPS_OUT -> {
                if (ok && args[0] != 0) groups(sb, mem, v, result);
                else ptr(sb, v);
            }
            case GROUPS_IN -> {
                if (args[0] > 0 && args[0] <= 65536) groups(sb, mem, v, args[0]);
                else ptr(sb, v);
            }
            case SOCK_FAMILY, SOCK_TYPE, SOCK_PROTOCOL, SOCK_FLAGS, SOCK_FDS_OUT, SOCKADDR_IN, SOCKADDR_OUT,
                    SOCKLEN_INOUT, SHUT_HOW, SOCKOPT_LEVEL, SOCKOPT_NAME, SOCKOPT_IN, SOCKOPT_OUT, MSG_FLAGS, MSGHDR_IN,
                    MSGHDR_OUT, MMSGHDR_IN, MMSGHDR_OUT -> StraceNet.arg(sb, mem, f, i, args, result, pre);
            default -> hex(sb, v);
        }
    }

    private void result(StringBuilder sb, ArgFormat ret, long[] args, long result) {
        switch (ret) {
            case RET_HEX -> hex(sb, result);
            case RET_FCNTL -> {
                int cmd = (int) args[1];
                if (cmd == Fs.F_GETFL) {
                    sb.append("0x").append(Long.toHexString(result)).append(" (flags ");
                    openFlags(sb, (int) result);
                    sb.append(')');
                } else if (cmd == Fs.F_GETFD && result != 0) {
                    sb.append("0x").append(Long.toHexString(result)).append(" (flags ");
                    Fs.FD_FLAGS.appendFlags(sb, result);
                    sb.append(')');
                } else {
                    sb.append(result);
                }
            }
            case RET_TIME -> sb.append(result).append(" (")
                    .append(TIME_FORMAT.format(Instant.ofEpochSecond(result).atZone(ZoneId.systemDefault())))
                    .append(')');
            default -> sb.append(result);
        }
    }

    // ---------------------------------------------------------------- helpers

    static void hex(StringBuilder sb, long v) {
        if (v == 0) sb.append('0');
        else sb.append("0x").append(Long.toHexString(v));
    }

    static void ptr(StringBuilder sb, long v) {
        if (v == 0) sb.append("NULL");
        else sb.append("0x").append(Long.toHexString(v));
    }

    private static void octalMode(StringBuilder sb, int mode) {
        String o = Integer.toOctalString(mode);
        sb.append('0');
        for (int k = o.length(); k < 2; k++) sb.append('0');
        sb.append(o);
    }

    static void openFlags(StringBuilder sb, int flags) {
        Fs.ACCESS_MODES.appendValue(sb, flags & Fs.O_ACCMODE);
        int rest = flags & ~Fs.O_ACCMODE;
        if (rest != 0) {
            sb.append('|');
            Fs.OPEN_FLAGS.appendFlags(sb, rest);
        }
    }

    private static void mmapFlags(StringBuilder sb, int flags) {
        int type = flags & Mman.MAP_TYPE;
        Mman.MAP_TYPES.appendValue(sb, type);
        int rest = flags & ~Mman.MAP_TYPE;
        if (rest != 0) {
            sb.append('|');
            Mman.MAP_FLAGS.appendFlags(sb, rest);
        }
    }

    private static void fcntlArg(StringBuilder sb, int cmd, long v) {
        switch (cmd) {
            case Fs.F_SETFD -> Fs.FD_FLAGS.appendFlags(sb, (int) v);
            case Fs.F_SETFL -> openFlags(sb, (int) v);
            case Fs.F_DUPFD, Fs.F_DUPFD_CLOEXEC, Fs.F_SETOWN, Fs.F_SETSIG, Fs.F_SETPIPE_SZ -> sb.append((int) v);
            default -> hex(sb, v);
        }
    }

    private static void ioctlArg(StringBuilder sb, AddressSpace mem, long req, long v, boolean ok) {
        if (req == Ioctls.TIOCSPGRP || req == Ioctls.TIOCSPTLCK) { // inputs: shown whatever the result
            long[] x = ints(mem, v, 1);
            if (x != null) {
                sb.append('[').append((int) x[0]).append(']');
                return;
            }
        }
        if (ok) {
            if (req == Ioctls.TCGETS) {
                long[] t = ints(mem, v, 4);
                if (t != null) {
                    Termios.append(sb, t[0], t[1], t[2], t[3]);
                    return;
                }
            } else if (req == Ioctls.TIOCGWINSZ) {
                byte[] b = bytes(mem, v, 8);
                if (b != null) {
                    ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                    sb.append("{ws_row=").append(w.getShort(0) & 0xffff).append(", ws_col=").append(w.getShort(2) & 0xffff)
                            .append(", ws_xpixel=").append(w.getShort(4) & 0xffff).append(", ws_ypixel=")
                            .append(w.getShort(6) & 0xffff).append('}');
                    return;
                }
            } else if (req == Ioctls.FIONREAD || req == Ioctls.TIOCGPGRP || req == Ioctls.TIOCGSID
                    || req == Ioctls.TIOCOUTQ || req == (Ioctls.TIOCGPTN & 0xFFFFFFFFL)) {
                long[] x = ints(mem, v, 1);
                if (x != null) {
                    sb.append('[').append((int) x[0]).append(']');
                    return;
                }
            }
        }
        ptr(sb, v);
    }

    private static void path(StringBuilder sb, AddressSpace mem, long addr, int max) {
        if (addr == 0) {
            sb.append("NULL");
            return;
        }
        byte[] s = cstring(mem, addr, max);
        if (s == null) {
            ptr(sb, addr);
            return;
        }
        boolean truncated = s.length == max && max > 0;
        StraceStrings.quote(sb, s, s.length, truncated, false);
    }

    private static void buffer(StringBuilder sb, AddressSpace mem, long addr, long count, boolean hex) {
        if (addr == 0) {
            sb.append("NULL");
            return;
        }
        int shown = (int) Math.min(Math.max(count, 0), StraceStrings.MAX_STRLEN);
        byte[] b = bytes(mem, addr, shown);
        if (b == null) {
            ptr(sb, addr);
            return;
        }
        StraceStrings.quoteBuffer(sb, b, count, hex);
    }

    private static void timespec(StringBuilder sb, AddressSpace mem, long addr, String fraction) {
        if (addr == 0) {
            sb.append("NULL");
            return;
        }
        long[] t = longs(mem, addr, 2);
        if (t == null) {
            ptr(sb, addr);
            return;
        }
        sb.append("{tv_sec=").append(t[0]).append(", ").append(fraction).append('=').append(t[1]).append('}');
    }

    private static void siginfo(StringBuilder sb, AddressSpace mem, long addr) {
        if (addr == 0) {
            sb.append("NULL");
            return;
        }
        try {
            sb.append(jvisor.kernel.signal.SigInfo.read(mem, addr, mem.read32(addr)).format());
        } catch (PageFault f) {
            ptr(sb, addr);
        }
    }

    /** struct itimerval / itimerspec: {it_interval=..., it_value=...}. */
    private static void itimer(StringBuilder sb, AddressSpace mem, long addr, String fraction) {
        if (addr == 0) {
            sb.append("NULL");
            return;
        }
        long[] t = longs(mem, addr, 4);
        if (t == null) {
            ptr(sb, addr);
            return;
        }
        sb.append("{it_interval={tv_sec=").append(t[0]).append(", ").append(fraction).append('=').append(t[1])
                .append("}, it_value={tv_sec=").append(t[2]).append(", ").append(fraction).append('=').append(t[3])
                .append("}}");
    }

    private static void sigset(StringBuilder sb, AddressSpace mem, long addr) {
        if (addr == 0) {
            sb.append("NULL");
            return;
        }
        Long m = read64(mem, addr);
        if (m == null) ptr(sb, addr);
        else Signals.appendSigset(sb, m);
    }

    private static void sigaction(StringBuilder sb, AddressSpace mem, long addr) {
        if (addr == 0) {
            sb.append("NULL");
            return;
        }
        long[] a = longs(mem, addr, 4);
        if (a == null) {
            ptr(sb, addr);
            return;
        }
        sb.append("{sa_handler=");
        if (a[0] == Signals.SIG_DFL) sb.append("SIG_DFL");
        else if (a[0] == Signals.SIG_IGN) sb.append("SIG_IGN");
        else sb.append("0x").append(Long.toHexString(a[0]));
        sb.append(", sa_mask=");
        Signals.appendSigset(sb, a[3]);
        sb.append(", sa_flags=");
        Signals.SA_FLAGS.appendFlags(sb, a[1]);
        if ((a[1] & Signals.SA_RESTORER) != 0) sb.append(", sa_restorer=0x").append(Long.toHexString(a[2]));
        sb.append('}');
    }

    private static void stack(StringBuilder sb, AddressSpace mem, long addr) {
        if (addr == 0) {
            sb.append("NULL");
            return;
        }
        long[] s = longs(mem, addr, 3);
        if (s == null) {
            ptr(sb, addr);
            return;
        }
        sb.append("{ss_sp=");
        ptr(sb, s[0]);
        sb.append(", ss_flags=");
        Signals.SS_FLAGS.appendFlags(sb, s[1] & 0xFFFFFFFFL);
        sb.append(", ss_size=").append(Long.toUnsignedString(s[2])).append('}');
    }

    private static void rlimit(StringBuilder sb, AddressSpace mem, long addr) {
        if (addr == 0) {
            sb.append("NULL");
            return;
        }
        long[] r = longs(mem, addr, 2);
        if (r == null) {
            ptr(sb, addr);
            return;
        }
        sb.append("{rlim_cur=");
        rlim(sb, r[0]);
        sb.append(", rlim_max=");
        rlim(sb, r[1]);
        sb.append('}');
    }

    private static void rlim(StringBuilder sb, long v) {
        if (v == Rlimits.RLIM_INFINITY) sb.append("RLIM64_INFINITY");
        else if (Long.compareUnsigned(v, 1024) > 0 && v % 1024 == 0) sb.append(Long.toUnsignedString(v / 1024)).append("*1024");
        else sb.append(Long.toUnsignedString(v));
    }

    private static void stat(StringBuilder sb, AddressSpace mem, long addr) {
        byte[] b = bytes(mem, addr, 144);
        if (b == null) {
            ptr(sb, addr);
            return;
        }
        ByteBuffer s = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int mode = s.getInt(24);
        sb.append("{st_mode=");
        mode(sb, mode);
        int type = mode & Fs.S_IFMT;
        if (type == Fs.S_IFCHR || type == Fs.S_IFBLK) {
            long rdev = s.getLong(40);
            sb.append(", st_rdev=makedev(");
            hex(sb, devMajor(rdev));
            sb.append(", ");
            hex(sb, devMinor(rdev));
            sb.append(')');
        } else {
            sb.append(", st_size=").append(s.getLong(48));
        }
        sb.append(", ...}");
    }

    private static void statx(StringBuilder sb, AddressSpace mem, long addr) {
        byte[] b = bytes(mem, addr, 256);
        if (b == null) {
            ptr(sb, addr);
            return;
        }
        ByteBuffer s = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        sb.append("{stx_mask=0x").append(Integer.toHexString(s.getInt(0))).append(", stx_attributes=");
        hex(sb, s.getLong(8));
        sb.append(", stx_mode=");
        mode(sb, s.getShort(28) & 0xffff);
        sb.append(", stx_size=").append(s.getLong(40)).append(", ...}");
    }

    private static void mode(StringBuilder sb, int mode) {
        String type = Fs.FILE_TYPES.name(mode & Fs.S_IFMT);
        if (type != null) sb.append(type).append('|');
        if ((mode & Fs.S_ISUID) != 0) sb.append("S_ISUID|");
        if ((mode & Fs.S_ISGID) != 0) sb.append("S_ISGID|");
        if ((mode & Fs.S_ISVTX) != 0) sb.append("S_ISVTX|");
        octalMode(sb, mode & 0777);
    }

    static long devMajor(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    static long devMinor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }

    private static void utsname(StringBuilder sb, AddressSpace mem, long addr) {
        byte[] b = bytes(mem, addr, 130);
        if (b == null) {
            ptr(sb, addr);
            return;
        }
        sb.append("{sysname=");
        StraceStrings.quote(sb, b, strlen(b, 0, 65), false, false);
        sb.append(", nodename=");
        byte[] node = java.util.Arrays.copyOfRange(b, 65, 130);
        StraceStrings.quote(sb, node, strlen(node, 0, 65), false, false);
        sb.append(", ...}");
    }

    private static void sysinfo(StringBuilder sb, AddressSpace mem, long addr) {
        byte[] b = bytes(mem, addr, 112);
        if (b == null) {
            ptr(sb, addr);
            return;
        }
        ByteBuffer s = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        sb.append("{uptime=").append(s.getLong(0)).append(", loads=[").append(Long.toUnsignedString(s.getLong(8)))
                .append(", ").append(Long.toUnsignedString(s.getLong(16))).append(", ")
                .append(Long.toUnsignedString(s.getLong(24))).append("], totalram=")
                .append(Long.toUnsignedString(s.getLong(32))).append(", freeram=").append(Long.toUnsignedString(s.getLong(40)))
                .append(", sharedram=").append(Long.toUnsignedString(s.getLong(48))).append(", bufferram=")
                .append(Long.toUnsignedString(s.getLong(56))).append(", totalswap=").append(Long.toUnsignedString(s.getLong(64)))
                .append(", freeswap=").append(Long.toUnsignedString(s.getLong(72))).append(", procs=")
                .append(s.getShort(80) & 0xffff).append(", totalhigh=").append(Long.toUnsignedString(s.getLong(88)))
                .append(", freehigh=").append(Long.toUnsignedString(s.getLong(96))).append(", mem_unit=")
                .append(s.getInt(104) & 0xFFFFFFFFL).append('}');
    }

    private static int strlen(byte[] b, int off, int max) {
        int n = 0;
        while (n < max && b[off + n] != 0) n++;
        return n;
    }

    static void iovec(StringBuilder sb, AddressSpace mem, long addr, long count, long total) {
        if (count < 0 || count > 1024) {
            ptr(sb, addr);
            return;
        }
        long[] iov = longs(mem, addr, (int) count * 2);
        if (iov == null) {
            ptr(sb, addr);
            return;
        }
        sb.append('[');
        long left = total;
        for (int k = 0; k < count; k++) {
            if (k > 0) sb.append(", ");
            if (k >= StraceStrings.MAX_STRLEN) {
                sb.append("...");
                break;
            }
            long base = iov[2 * k], len = iov[2 * k + 1];
            sb.append("{iov_base=");
            long shown = Math.min(len, Math.max(left, 0));
            buffer(sb, mem, base, shown);
            left -= shown;
            sb.append(", iov_len=").append(Long.toUnsignedString(len)).append('}');
        }
        sb.append(']');
    }

    private static void buffer(StringBuilder sb, AddressSpace mem, long addr, long count) {
        buffer(sb, mem, addr, count, false);
    }

    private static void cpuset(StringBuilder sb, AddressSpace mem, long addr, long bytes) {
        byte[] b = bytes(mem, addr, (int) Math.min(bytes, 1024));
        if (b == null) {
            ptr(sb, addr);
            return;
        }
        sb.append('[');
        boolean first = true;
        for (int i = 0; i < b.length * 8; i++) {
            if ((b[i / 8] & (1 << (i % 8))) != 0) {
                if (!first) sb.append(' ');
                first = false;
                sb.append(i);
            }
        }
        sb.append(']');
    }

    private static void groups(StringBuilder sb, AddressSpace mem, long addr, long n) {
        long[] g = ints(mem, addr, (int) Math.min(n, 65536));
        if (g == null) {
            ptr(sb, addr);
            return;
        }
        sb.append('[');
        for (int k = 0; k < g.length; k++) {
            if (k > 0) sb.append(", ");
            sb.append(g[k]);
        }
        sb.append(']');
    }

    // ---------------------------------------------------------------- safe guest reads

    static byte[] bytes(AddressSpace mem, long addr, int n) {
        if (mem == null) return null;
        try {
            return mem.readBytes(addr, n);
        } catch (PageFault e) {
            return null;
        }
    }

    private static byte[] cstring(AddressSpace mem, long addr, int max) {
        if (mem == null) return null;
        try {
            byte[] s = mem.readCString(addr, max);
            return s != null ? s : mem.readBytes(addr, max);
        } catch (PageFault e) {
            return null;
        }
    }

    private static Long read64(AddressSpace mem, long addr) {
        long[] v = longs(mem, addr, 1);
        return v == null ? null : v[0];
    }

    private static long[] longs(AddressSpace mem, long addr, int n) {
        byte[] b = bytes(mem, addr, n * 8);
        if (b == null) return null;
        long[] out = new long[n];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    /** n unsigned 32-bit values. */
    static long[] ints(AddressSpace mem, long addr, int n) {
        byte[] b = bytes(mem, addr, n * 4);
        if (b == null) return null;
        long[] out = new long[n];
        ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < n; k++) out[k] = w.getInt(4 * k) & 0xFFFFFFFFL;
        return out;
    }
}
