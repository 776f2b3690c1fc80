package jvisor.kernel.check;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Ioctls;
import jvisor.kernel.abi.Misc;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.signal.SigInfo;
import jvisor.kernel.strace.ArgFormat;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.PageFault;

/**
 * Turns a syscall argument of jvisor's record (the register and the guest memory it points to)
 * into the {@link Value} strace prints for it with {@code -X raw -xx -v}, driven by the argument
 * formats of the kernel's syscall table. Input arguments are read before the call, output ones
 * after it (only when it succeeded, as strace shows a pointer otherwise). Structures carry the
 * field names strace uses (struct stat: st_dev, st_ino, ...); memory that cannot be read gives
 * the pointer.
 */
final class GuestValues {
    private GuestValues() {}

    /** Longest buffer kept (as strace's -s): the rest is cut and marked truncated. */
    static final int MAX_BYTES = 1 << 20;

    /** True for formats whose value is known only after the call (it writes them). */
    static boolean isOutput(ArgFormat f) {
        return switch (f) {
            case BUF_OUT, BUF_OUT_HEX, PATH_OUT, TIMESPEC_OUT, TIMESPEC_REMAIN, TIMEVAL_OUT, TIMEZONE_OUT, SIGSET_OUT,
                    SIGACTION_OUT, STACK_OUT, RLIMIT_OUT, STAT_OUT, STATX_OUT, UTSNAME_OUT, SYSINFO_OUT, IOVEC_OUT,
                    CPUSET_OUT, UINT_OUT, WSTATUS_OUT, SOCK_FDS_OUT, SOCKADDR_OUT, GROUPS_OUT, SIGINFO_OUT, ITIMERVAL_OUT,
                    ITIMERSPEC_OUT, IOCTL_ARG,
                    ARCH_ADDR -> true;
            default -> false;
        };
    }

    /** The value of argument i (args are the six registers), result the call's return value. */
    static Value arg(AddressSpace mem, ArgFormat f, int i, long[] args, long result) {
        long v = args[i];
        boolean ok = !Errno.isError(result);
        try {
            return switch (f) {
                case INT, DIRFD, SIGNUM -> new Value.Num((int) v);
                case PTR, MREMAP_NEWADDR -> new Value.Addr(v);
                case PATH -> v == 0 ? new Value.Addr(0) : cstring(mem, v, Fs.PATH_MAX);
                case BUF_IN -> bytes(mem, v, args[i + 1]);
                // What the call wrote: recvfrom with MSG_TRUNC returns more than the buffer holds.
                case BUF_OUT, BUF_OUT_HEX -> ok ? bytes(mem, v, Long.compareUnsigned(result, args[i + 1]) > 0 ? args[i + 1] : result)
                        : new Value.Addr(v);
                case PATH_OUT -> ok ? cstring(mem, v, (int) Math.min(Math.max(result, 0), Fs.PATH_MAX)) : new Value.Addr(v);
                case IOCTL_ARG -> ok || ioctlInput(args[1]) ? ioctl(mem, args[1] & 0xFFFFFFFFL, v) : new Value.Addr(v);
                case ARCH_ADDR -> {
                    int code = (int) args[0];
                    boolean get = code == Misc.ARCH_GET_FS || code == Misc.ARCH_GET_GS;
                    yield get && ok ? new Value.Arr(List.of(new Value.Addr(mem.read64(v)))) : new Value.Addr(v);
                }
                case TIMESPEC_IN -> timespec(mem, v, "tv_nsec");
                case TIMESPEC_OUT -> ok ? timespec(mem, v, "tv_nsec") : new Value.Addr(v);
                case TIMESPEC_REMAIN -> result == -Errno.EINTR || Signals.restartName(result) != null
                        ? timespec(mem, v, "tv_nsec") : new Value.Addr(v);
                case TIMEVAL_OUT -> ok ? timespec(mem, v, "tv_usec") : new Value.Addr(v);
                case TIMEZONE_OUT -> ok && v != 0 ? struct("tz_minuteswest", num(mem.read32(v)), "tz_dsttime",
                        num(mem.read32(v + 4))) : new Value.Addr(v);
                case SIGSET_IN -> v == 0 ? new Value.Addr(0) : sigset(mem.read64(v));
                case SIGSET_OUT -> ok && v != 0 ? sigset(mem.read64(v)) : new Value.Addr(v);
                case SIGACTION_IN -> sigaction(mem, v);
                case SIGACTION_OUT -> ok ? sigaction(mem, v) : new Value.Addr(v);
                case STACK_IN -> stack(mem, v);
                case STACK_OUT -> ok ? stack(mem, v) : new Value.Addr(v);
                case RLIMIT_IN -> rlimit(mem, v);
                case RLIMIT_OUT -> ok ? rlimit(mem, v) : new Value.Addr(v);
                case STAT_OUT -> ok ? stat(mem, v) : new Value.Addr(v);
                case STATX_OUT -> ok ? statx(mem, v) : new Value.Addr(v);
                case UTSNAME_OUT -> ok ? utsname(mem, v) : new Value.Addr(v);
                case SYSINFO_OUT -> ok ? sysinfo(mem, v) : new Value.Addr(v);
                case SOCKADDR_IN -> sockaddr(mem, v, args[i + 1]);
                case SOCK_FDS_OUT -> ok && v != 0 ? new Value.Arr(List.of(num(mem.read32(v)), num(mem.read32(v + 4))))
                        : new Value.Addr(v);
                case SOCKADDR_OUT -> ok ? sockaddrOut(mem, v, args[i + 1]) : new Value.Addr(v);
                // Pointers to what strace decodes and this record does not (yet): compared as addresses.
                case SOCKLEN_INOUT, SOCKOPT_IN, SOCKOPT_OUT, MSGHDR_IN, MSGHDR_OUT, MMSGHDR_IN,
                        MMSGHDR_OUT -> new Value.Addr(v);
                case IOVEC_IN -> iovec(mem, v, args[i + 1], Long.MAX_VALUE);
                case IOVEC_OUT -> ok ? iovec(mem, v, args[i + 1], result) : new Value.Addr(v);
                case CPUSET_OUT -> ok ? bits(mem.readBytes(v, (int) Math.min(result, 1024)), 0) : new Value.Addr(v);
                // wait4's status: strace shows the pointer when nothing was reaped (result 0, or an error).
                case WSTATUS_OUT -> ok && result > 0 && v != 0 ? new Value.Arr(List.of(num(mem.read32(v)))) : new Value.Addr(v);
                case UINT_OUT -> ok && v != 0 ? new Value.Arr(List.of(num(mem.read32(v) & 0xFFFFFFFFL))) : new Value.Addr(v);
                case GROUPS_OUT -> ok && args[0] != 0 ? groups(mem, v, result) : new Value.Addr(v);
                case SIGINFO_IN -> v == 0 ? new Value.Addr(0) : siginfo(SigInfo.read(mem, v, mem.read32(v)));
                case SIGINFO_OUT -> ok && v != 0 ? siginfo(SigInfo.read(mem, v, mem.read32(v))) : new Value.Addr(v);
                case SIGRETURN_FRAME -> struct("mask", sigset(mem.read64(v + jvisor.kernel.signal.SignalFrame.UC_SIGMASK
                        - jvisor.kernel.signal.SignalFrame.UC)));
                case ITIMERVAL_IN -> itimer(mem, v, "tv_usec");
                case ITIMERVAL_OUT -> ok ? itimer(mem, v, "tv_usec") : new Value.Addr(v);
                case ITIMERSPEC_IN -> itimer(mem, v, "tv_nsec");
                case ITIMERSPEC_OUT -> ok ? itimer(mem, v, "tv_nsec") : new Value.Addr(v);
                // Numbers: flags and constants strace prints raw with -X raw, sizes, offsets.
                default -> new Value.Num(v);
            };
        } catch (PageFault e) {
            return new Value.Addr(v);
        }
    }

    /** The siginfo as strace prints it (a superset of fields: comparisons use the ones both sides have). */
    static Value siginfo(SigInfo s) {
        Map<String, Value> f = new LinkedHashMap<>();
        f.put("si_signo", num(s.signo));
        f.put("si_code", num(s.code));
        if (s.errno != 0) f.put("si_errno", num(s.errno));
        if (s.fromUser()) {
            f.put("si_pid", num(s.pid()));
            f.put("si_uid", num(s.uid() & 0xFFFFFFFFL));
            f.put("si_int", num((int) s.w1));
            f.put("si_ptr", new Value.Addr(s.w1));
        } else if (s.signo == jvisor.kernel.abi.Signals.SIGCHLD) {
            // si_utime and si_stime are left out: CPU ticks of different machines.
            f.put("si_pid", num(s.pid()));
            f.put("si_uid", num(s.uid() & 0xFFFFFFFFL));
            f.put("si_status", num((int) s.w1));
        } else {
            f.put("si_addr", new Value.Addr(s.addr()));
        }
        return new Value.Struct(f);
    }

    /** A fatal signal's siginfo, as strace prints it before "+++ killed by". */
    static Value siginfo(jvisor.kernel.signal.FatalSignal s) {
        Map<String, Value> f = new LinkedHashMap<>();
        f.put("si_signo", num(s.signo()));
        f.put("si_code", num(s.code()));
        if (s.fromProcess()) {
            f.put("si_pid", num(s.senderPid()));
            f.put("si_uid", num(s.senderUid() & 0xFFFFFFFFL));
        } else {
            f.put("si_addr", new Value.Addr(s.addr()));
        }
        return new Value.Struct(f);
    }

    private static Value num(long v) {
        return new Value.Num(v);
    }

    private static Value struct(Object... namesAndValues) {
        Map<String, Value> f = new LinkedHashMap<>();
        for (int k = 0; k < namesAndValues.length; k += 2) f.put((String) namesAndValues[k], (Value) namesAndValues[k + 1]);
        return new Value.Struct(f);
    }

    private static Value cstring(AddressSpace mem, long addr, int max) {
        byte[] s = mem.readCString(addr, max);
        return s != null ? new Value.Str(s, false) : new Value.Str(mem.readBytes(addr, max), true);
    }

    /** Size of struct sockaddr_un's sun_path; of struct sockaddr_in and sockaddr_in6; of sockaddr_storage. */
    private static final int SUN_PATH = 108, SOCKADDR_IN = 16, SOCKADDR_IN6 = 28, SOCKADDR_STORAGE = 128;

    /**
     * A socket address as strace prints it with -X raw: the family and, by family, sun_path (an
     * abstract name, a leading NUL, strace prints as @"...", which is not read here), sin_port and
     * sin_addr, sin6_port, sin6_flowinfo, sin6_addr and sin6_scope_id (ports and addresses as
     * their bytes), or the bytes of sa_data for a length that fits no family's structure.
     */
    private static Value sockaddr(AddressSpace mem, long addr, long len) {
        if (addr == 0 || len < 2) return new Value.Addr(addr);
        len = Math.min(len, SOCKADDR_STORAGE);
        int family = mem.read16(addr) & 0xFFFF;
        if (family == jvisor.kernel.abi.Net.AF_UNIX) {
            if (len == 2) return struct("sa_family", num(family));
            if (mem.read8(addr + 2) == 0) return struct("sa_family", num(family), "sun_path", new Value.Other("@"));
            byte[] path = mem.readBytes(addr + 2, (int) Math.min(len - 2, SUN_PATH));
            int end = 0;
            while (end < path.length && path[end] != 0) end++;
            return struct("sa_family", num(family), "sun_path", new Value.Str(java.util.Arrays.copyOf(path, end), false));
        }
        if (family == jvisor.kernel.abi.Net.AF_INET && len >= SOCKADDR_IN) {
            return struct("sa_family", num(family), "sin_port", bytes(mem, addr + 2, 2), "sin_addr", bytes(mem, addr + 4, 4));
        }
        if (family == jvisor.kernel.abi.Net.AF_INET6 && len >= SOCKADDR_IN6) {
            return struct("sa_family", num(family), "sin6_port", bytes(mem, addr + 2, 2), "sin6_flowinfo",
                    bytes(mem, addr + 4, 4), "sin6_addr", bytes(mem, addr + 8, 16), "sin6_scope_id",
                    num(mem.read32(addr + 24) & 0xFFFFFFFFL));
        }
        return struct("sa_family", num(family), "sa_data", bytes(mem, addr + 2, Math.min(len, SOCKADDR_IN) - 2));
    }

    /** A socket address the call filled in: its length is what the call stored in *lenAddr. */
    private static Value sockaddrOut(AddressSpace mem, long addr, long lenAddr) {
        if (addr == 0 || lenAddr == 0) return new Value.Addr(addr);
        return sockaddr(mem, addr, mem.read32(lenAddr) & 0xFFFFFFFFL);
    }

    static Value bytes(AddressSpace mem, long addr, long count) {
        if (addr == 0) return new Value.Addr(0);
        int n = (int) Math.min(Math.max(count, 0), MAX_BYTES);
        return new Value.Str(mem.readBytes(addr, n), n < count);
    }

    private static Value sigset(long mask) {
        BitSet set = new BitSet();
        for (int sig = 1; sig <= Signals.NSIG; sig++) if ((mask & Signals.bit(sig)) != 0) set.set(sig);
        return new Value.Bits(set, false);
    }

    private static Value bits(byte[] b, int base) {
        BitSet set = new BitSet();
        for (int i = 0; i < b.length * 8; i++) if ((b[i / 8] & (1 << (i % 8))) != 0) set.set(base + i);
        return new Value.Bits(set, false);
    }

    private static Value timespec(AddressSpace mem, long addr, String fraction) {
        if (addr == 0) return new Value.Addr(0);
        return struct("tv_sec", num(mem.read64(addr)), fraction, num(mem.read64(addr + 8)));
    }

    private static Value itimer(AddressSpace mem, long addr, String fraction) {
        if (addr == 0) return new Value.Addr(0);
        return struct("it_interval", timespec(mem, addr, fraction), "it_value", timespec(mem, addr + 16, fraction));
    }

    private static Value sigaction(AddressSpace mem, long addr) {
        if (addr == 0) return new Value.Addr(0);
        long handler = mem.read64(addr), flags = mem.read64(addr + 8), restorer = mem.read64(addr + 16);
        Map<String, Value> f = new LinkedHashMap<>();
        f.put("sa_handler", new Value.Addr(handler));
        f.put("sa_mask", sigset(mem.read64(addr + 24)));
        f.put("sa_flags", num(flags));
        if ((flags & Signals.SA_RESTORER) != 0) f.put("sa_restorer", new Value.Addr(restorer));
        return new Value.Struct(f);
    }

    private static Value stack(AddressSpace mem, long addr) {
        if (addr == 0) return new Value.Addr(0);
        return struct("ss_sp", new Value.Addr(mem.read64(addr)), "ss_flags", num(mem.read32(addr + 8) & 0xFFFFFFFFL),
                "ss_size", num(mem.read64(addr + 16)));
    }

    private static Value rlimit(AddressSpace mem, long addr) {
        if (addr == 0) return new Value.Addr(0);
        return struct("rlim_cur", num(mem.read64(addr)), "rlim_max", num(mem.read64(addr + 8)));
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** struct stat (x86-64), every field strace -v prints. */
    private static Value stat(AddressSpace mem, long addr) {
        ByteBuffer s = le(mem.readBytes(addr, 144));
        return struct("st_dev", num(s.getLong(0)), "st_ino", num(s.getLong(8)), "st_mode", num(s.getInt(24) & 0xFFFFFFFFL),
                "st_nlink", num(s.getLong(16)), "st_uid", num(s.getInt(28) & 0xFFFFFFFFL), "st_gid",
                num(s.getInt(32) & 0xFFFFFFFFL), "st_blksize", num(s.getLong(56)), "st_blocks", num(s.getLong(64)),
                "st_size", num(s.getLong(48)), "st_rdev", num(s.getLong(40)), "st_atime", num(s.getLong(72)),
                "st_atime_nsec", num(s.getLong(80)), "st_mtime", num(s.getLong(88)), "st_mtime_nsec", num(s.getLong(96)),
                "st_ctime", num(s.getLong(104)), "st_ctime_nsec", num(s.getLong(112)));
    }

    /** struct statx (include/uapi/linux/stat.h). */
    private static Value statx(AddressSpace mem, long addr) {
        ByteBuffer s = le(mem.readBytes(addr, 256));
        Map<String, Value> f = new LinkedHashMap<>();
        f.put("stx_mask", num(s.getInt(0) & 0xFFFFFFFFL));
        f.put("stx_blksize", num(s.getInt(4) & 0xFFFFFFFFL));
        f.put("stx_attributes", num(s.getLong(8)));
        f.put("stx_nlink", num(s.getInt(16) & 0xFFFFFFFFL));
        f.put("stx_uid", num(s.getInt(20) & 0xFFFFFFFFL));
        f.put("stx_gid", num(s.getInt(24) & 0xFFFFFFFFL));
        f.put("stx_mode", num(s.getShort(28) & 0xFFFF));
        f.put("stx_ino", num(s.getLong(32)));
        f.put("stx_size", num(s.getLong(40)));
        f.put("stx_blocks", num(s.getLong(48)));
        f.put("stx_attributes_mask", num(s.getLong(56)));
        String[] times = {"stx_atime", "stx_btime", "stx_ctime", "stx_mtime"};
        for (int k = 0; k < times.length; k++) {
            f.put(times[k], struct("tv_sec", num(s.getLong(64 + 16 * k)), "tv_nsec", num(s.getInt(72 + 16 * k) & 0xFFFFFFFFL)));
        }
        f.put("stx_rdev_major", num(s.getInt(128) & 0xFFFFFFFFL));
        f.put("stx_rdev_minor", num(s.getInt(132) & 0xFFFFFFFFL));
        f.put("stx_dev_major", num(s.getInt(136) & 0xFFFFFFFFL));
        f.put("stx_dev_minor", num(s.getInt(140) & 0xFFFFFFFFL));
        f.put("stx_mnt_id", num(s.getLong(144)));
        return new Value.Struct(f);
    }

    private static Value utsname(AddressSpace mem, long addr) {
        byte[] b = mem.readBytes(addr, 6 * 65);
        String[] names = {"sysname", "nodename", "release", "version", "machine", "domainname"};
        Map<String, Value> f = new LinkedHashMap<>();
        for (int k = 0; k < names.length; k++) {
            int n = 0;
            while (n < 65 && b[65 * k + n] != 0) n++;
            f.put(names[k], Value.str(java.util.Arrays.copyOfRange(b, 65 * k, 65 * k + n)));
        }
        return new Value.Struct(f);
    }

    private static Value sysinfo(AddressSpace mem, long addr) {
        ByteBuffer s = le(mem.readBytes(addr, 112));
        return struct("uptime", num(s.getLong(0)), "loads",
                new Value.Arr(List.of(num(s.getLong(8)), num(s.getLong(16)), num(s.getLong(24)))), "totalram",
                num(s.getLong(32)), "freeram", num(s.getLong(40)), "sharedram", num(s.getLong(48)), "bufferram",
                num(s.getLong(56)), "totalswap", num(s.getLong(64)), "freeswap", num(s.getLong(72)), "procs",
                num(s.getShort(80) & 0xFFFF), "totalhigh", num(s.getLong(88)), "freehigh", num(s.getLong(96)),
                "mem_unit", num(s.getInt(104) & 0xFFFFFFFFL));
    }

    private static Value iovec(AddressSpace mem, long addr, long count, long total) {
        if (count < 0 || count > 1024) return new Value.Addr(addr);
        List<Value> items = new ArrayList<>();
        long left = total;
        for (int k = 0; k < count; k++) {
            long base = mem.read64(addr + 16L * k), len = mem.read64(addr + 16L * k + 8);
            long shown = Math.min(len, Math.max(left, 0));
            left -= shown;
            items.add(struct("iov_base", bytes(mem, base, shown), "iov_len", num(len)));
        }
        return new Value.Arr(items);
    }

    private static Value groups(AddressSpace mem, long addr, long n) {
        List<Value> items = new ArrayList<>();
        for (int k = 0; k < Math.min(n, 65536); k++) items.add(num(mem.read32(addr + 4L * k) & 0xFFFFFFFFL));
        return new Value.Arr(items);
    }

    /** ioctl requests whose argument the kernel reads: strace shows it even when the call fails. */
    private static boolean ioctlInput(long req) {
        int r = (int) req;
        return r == Ioctls.TIOCSPGRP || r == Ioctls.TIOCSPTLCK;
    }

    private static Value ioctl(AddressSpace mem, long req, long v) {
        if (req == Ioctls.TCGETS) {
            return struct("c_iflag", num(mem.read32(v) & 0xFFFFFFFFL), "c_oflag", num(mem.read32(v + 4) & 0xFFFFFFFFL),
                    "c_cflag", num(mem.read32(v + 8) & 0xFFFFFFFFL), "c_lflag", num(mem.read32(v + 12) & 0xFFFFFFFFL),
                    "c_line", num(mem.read8(v + 16)));
        }
        if (req == Ioctls.TIOCGWINSZ) {
            return struct("ws_row", num(mem.read16(v)), "ws_col", num(mem.read16(v + 2)), "ws_xpixel",
                    num(mem.read16(v + 4)), "ws_ypixel", num(mem.read16(v + 6)));
        }
        if (req == Ioctls.FIONREAD || req == Ioctls.TIOCGPGRP || req == Ioctls.TIOCSPGRP || req == Ioctls.TIOCGSID
                || req == Ioctls.TIOCOUTQ || req == (Ioctls.TIOCGPTN & 0xFFFFFFFFL) || req == Ioctls.TIOCSPTLCK) {
            return new Value.Arr(List.of(num(mem.read32(v))));
        }
        return new Value.Addr(v);
    }
}
