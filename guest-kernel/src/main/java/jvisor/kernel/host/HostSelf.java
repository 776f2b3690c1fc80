package jvisor.kernel.host;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import jvisor.mmu.HostSyscall;

/**
 * What the first guest process inherits from jvisor's own host process (its ids, groups, limits,
 * the status flags and names of fds 0-2): read from /proc/self (proc(5)), or asked through
 * {@link HostSyscall}'s one downcall stub, rather than through a typed FFM downcall each. The
 * values are the same; the reason is start-up: the first call of each downcall shape makes the JVM
 * generate its stub, milliseconds apiece, and a program's start needs a dozen of them. Each method
 * returns null (or -1) when it learns nothing usable, and the caller asks {@link Libc} instead.
 */
public final class HostSelf {
    /** Compiled once: String.split("\\s+") compiles its pattern on every call, and these run at start-up. */
    private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile("\\s+");

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
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/status"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        int[] uids = numbers(field(lines, "Uid")), gids = numbers(field(lines, "Gid"));
        int[] groups = numbers(field(lines, "Groups"));
        String umask = field(lines, "Umask"), sigIgn = field(lines, "SigIgn");
        if (uids == null || uids.length != 4 || gids == null || gids.length != 4 || groups == null || umask == null
                || sigIgn == null) {
            return null;
        }
        try {
            return new Status(uids, gids, groups, Integer.parseInt(umask, 8), Long.parseUnsignedLong(sigIgn.trim(), 16));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The soft and hard limits of /proc/self/limits, in the order of the RLIMIT_ constants
     * (which is the file's order), with "unlimited" as -1 (RLIM_INFINITY); null if unreadable.
     */
    public static long[][] limits(int count) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/limits"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        // "Limit                     Soft Limit           Hard Limit           Units": the names hold
        // spaces, the values from the "Soft Limit" column on do not.
        if (lines.size() < count + 1) return null;
        int soft = lines.get(0).indexOf("Soft Limit");
        if (soft < 0) return null;
        long[][] out = new long[2][count];
        try {
            for (int r = 0; r < count; r++) {
                String line = lines.get(r + 1);
                if (line.length() <= soft) return null;
                String[] v = SPACES.split(line.substring(soft).trim());
                if (v.length < 2) return null;
                out[0][r] = limit(v[0]);
                out[1][r] = limit(v[1]);
            }
        } catch (NumberFormatException e) {
            return null;
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
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom("/proc/self/fd/" + fd);
            MemorySegment buf = arena.allocate(PATH_MAX);
            long n = HostSyscall.call(HostSyscall.READLINK, path.address(), buf.address(), PATH_MAX);
            return n < 0 ? null : buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private static long limit(String s) {
        String t = s.trim();
        return t.equals("unlimited") ? -1 : Long.parseLong(t);
    }

    /** The value of the line "name:" of a /proc status file, or null. */
    private static String field(List<String> lines, String name) {
        for (String line : lines) {
            if (line.startsWith(name + ":")) return line.substring(name.length() + 1).trim();
        }
        return null;
    }

    private static int[] numbers(String s) {
        if (s == null) return null;
        if (s.isEmpty()) return new int[0];
        String[] parts = SPACES.split(s);
        int[] out = new int[parts.length];
        try {
            for (int k = 0; k < parts.length; k++) out[k] = Integer.parseInt(parts[k]);
        } catch (NumberFormatException e) {
            return null;
        }
        return out;
    }
}
