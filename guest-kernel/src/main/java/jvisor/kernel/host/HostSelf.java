package jvisor.kernel.host;

import java.lang.foreign.MemorySegment;

import jvisor.mmu.HostAccess;
import jvisor.mmu.HostSyscall;
import jvisor.mmu.Words;

/**
 * What the first guest process inherits from jvisor's own host process (its ids, groups, limits,
 * the status flags and names of fds 0-2): read from /proc/self (proc(5), by {@link HostProcFile}),
 * or asked through {@link HostSyscall}'s one downcall stub, rather than through a typed FFM
 * downcall each. The values are the same; the reason is start-up: the first call of each downcall
 * shape makes the JVM generate its stub, milliseconds apiece, and a program's start needs a dozen
 * of them. Each method
 * returns null (or -1) when it learns nothing usable, and the caller asks {@link Libc} instead.
 */
public final class HostSelf {
    private static final int F_GETFL = 3, PATH_MAX = 4096;

    private HostSelf() {}

    /**
     * What /proc/self/status says of jvisor's credentials and file creation mask, read once.
     *
     * @param uids the real, effective, saved and file system user ids ("Uid:")
     * @param gids the same four group ids ("Gid:")
     * @param groups the supplementary groups ("Groups:")
     * @param umask the file mode creation mask ("Umask:", octal)
     * @param ignoredSignals the signals jvisor was started with set to SIG_IGN ("SigIgn:", bit
     *     n-1 for signal n), which a process it started would inherit across execve (nohup, a
     *     background job of a non-interactive shell)
     */
    public record Status(int[] uids, int[] gids, int[] groups, int umask, long ignoredSignals) {
    }

    /**
     * What one guest start read of /proc/self so far: the credentials, the file system's owner, the
     * umask, the parent, the process group and the terminal all come from the same two files, and
     * one read of each serves them all (each read costs tens of microseconds).
     */
    private static final class StartSnapshot {
        Status status;
        HostProcStat stat;
        boolean statusRead, statRead;
    }

    private static final ScopedValue<StartSnapshot> ONE_START = ScopedValue.newInstance();

    /**
     * Runs op with /proc/self/status and /proc/self/stat read at most once each, at their first use
     * inside it (a guest's start: its values are those of one moment, as a fork of jvisor would
     * inherit them); outside such a call every use reads them again.
     */
    public static <T, X extends Throwable> T duringOneStart(ScopedValue.CallableOp<? extends T, X> op) throws X {
        return ScopedValue.where(ONE_START, new StartSnapshot()).call(op);
    }

    /** jvisor's credentials and umask from one read of /proc/self/status, or null if it says nothing usable. */
    public static Status status() {
        if (!ONE_START.isBound()) return readStatus();
        StartSnapshot s = ONE_START.get();
        if (!s.statusRead) {
            s.status = readStatus();
            s.statusRead = true;
        }
        return s.status;
    }

    /** /proc/self/stat's fields (see {@link HostProcStat#of}), or null. */
    static HostProcStat stat() {
        if (!ONE_START.isBound()) return HostProcStat.read("self");
        StartSnapshot s = ONE_START.get();
        if (!s.statRead) {
            s.stat = HostProcStat.read("self");
            s.statRead = true;
        }
        return s.stat;
    }

    private static Status readStatus() {
        String text = HostProcFile.read("/proc/self/status");
        if (text == null) return null;
        int[] uids = numbers(HostProcFile.field(text, "Uid")), gids = numbers(HostProcFile.field(text, "Gid"));
        int[] groups = numbers(HostProcFile.field(text, "Groups"));
        String umask = HostProcFile.field(text, "Umask"), sigIgn = HostProcFile.field(text, "SigIgn");
        if (uids == null || uids.length != 4 || gids == null || gids.length != 4 || groups == null || umask == null
                || sigIgn == null) {
            return null;
        }
        try {
            return new Status(uids, gids, groups, Integer.parseInt(umask, 8), Long.parseUnsignedLong(sigIgn, 16));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The soft and hard limits of jvisor's own process, in the order of the RLIMIT_ constants, by
     * prlimit64(2) (what getrlimit(2) returns: 16 host calls cost less than reading and parsing
     * /proc/self/limits). A resource the host does not know reads as unlimited (-1, RLIM_INFINITY).
     */
    public static long[][] limits(int count) {
        MemorySegment rlimit = Scratch.get(16);
        long[][] out = new long[2][count];
        for (int r = 0; r < count; r++) {
            boolean known = HostSyscall.call(HostSyscall.PRLIMIT64, 0, r, 0, rlimit.address(), 0, 0) == 0;
            // HostAccess rather than the segment's get: the segment's first access of a kind makes
            // its access classes (several milliseconds), and this runs at every start.
            out[0][r] = known ? HostAccess.getLong(rlimit.address()) : -1;
            out[1][r] = known ? HostAccess.getLong(rlimit.address() + 8) : -1;
        }
        return out;
    }

    /** fcntl(fd, F_GETFL) of jvisor's own fd, or -1 if fd is not open. */
    public static int fdFlags(int fd) {
        long fl = HostSyscall.call(HostSyscall.FCNTL, fd, F_GETFL, 0);
        return fl < 0 ? -1 : (int) fl;
    }

    /** What /proc/self/fd/FD links to ("/dev/pts/0", "pipe:[1234]"), or null. */
    public static byte[] fdLink(int fd) {
        // The path and the answer share the thread's scratch buffer: a start asks this for fds 0-2.
        byte[] path = ("/proc/self/fd/" + fd).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        MemorySegment buf = Scratch.withCString(path, 2L * PATH_MAX);
        long n = HostSyscall.call(HostSyscall.READLINK, buf.address(), buf.address() + PATH_MAX, PATH_MAX);
        return n < 0 ? null : HostAccess.bytes(buf.address() + PATH_MAX, (int) n); // see HostProcFile.read
    }

    private static int[] numbers(String s) {
        if (s == null) return null;
        String[] parts = Words.of(s);
        int[] out = new int[parts.length];
        try {
            for (int k = 0; k < parts.length; k++) out[k] = Integer.parseInt(parts[k]);
        } catch (NumberFormatException e) {
            return null;
        }
        return out;
    }
}
