package jvisor.kernel.host;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import jvisor.mmu.HostAccess;
import jvisor.mmu.HostSyscall;

/**
 * Reads a small host /proc file (status, stat, limits: proc(5)) with raw openat, read and close
 * into the thread's {@link Scratch} buffer. The reason is the cost of starting another guest in a
 * running JVM: NIO's Files.readAllLines made a channel, a decoder, a reader and a list of lines,
 * and four such reads were a third of a start. These files are ASCII; the text comes back as
 * Latin-1, one char per byte.
 */
public final class HostProcFile {
    private static final int AT_FDCWD = -100, O_RDONLY = 0, O_CLOEXEC = 0x80000;
    /** Where the text starts in the scratch buffer: the NUL-terminated path sits before it. */
    private static final int TEXT = 4096;
    /** Enough for every file read here; a longer one is read again into a larger buffer. */
    private static final int FIRST_SIZE = 16 * 1024;

    private HostProcFile() {}

    /** The whole file as text, or null if it cannot be opened or read. */
    public static String read(String path) {
        byte[] b = bytes(path);
        return b == null ? null : new String(b, StandardCharsets.ISO_8859_1);
    }

    /**
     * The whole file's bytes, or null if it cannot be opened or read: for /proc files, which have
     * no size, read until end of file. Not Files.readAllBytes, whose channel and stream a starting
     * JVM sets up in interpreted code (every start reads /proc/self/cmdline and environ).
     */
    public static byte[] bytes(String path) {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= TEXT) return null;
        for (long room = FIRST_SIZE; room <= 1 << 24; room *= 4) {
            MemorySegment buf = Scratch.withCString(name, TEXT + room);
            long fd = HostSyscall.call(HostSyscall.OPENAT, AT_FDCWD, buf.address(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) return null;
            long n = 0;
            try {
                // /proc's seq files hand out a page or so per read: read until end of file.
                while (n < room) {
                    long r = HostSyscall.call(HostSyscall.READ, fd, buf.address() + TEXT + n, room - n);
                    if (r < 0) return null;
                    if (r == 0) break;
                    n += r;
                }
            } finally {
                HostSyscall.call(HostSyscall.CLOSE, fd, 0, 0);
            }
            if (n < room) {
                // A plain host copy, not the segment's toArray: that needs ValueLayout, whose
                // initialization makes the JVM generate method handle classes (milliseconds of
                // every start, which reads /proc/self/status on its way to the guest).
                return HostAccess.bytes(buf.address() + TEXT, (int) n);
            }
        }
        return null;
    }

    /** The value of the line "name:" of a /proc status-style text, trimmed, or null. */
    public static String field(String text, String name) {
        int at = 0;
        while (at < text.length()) {
            int end = text.indexOf('\n', at);
            if (end < 0) end = text.length();
            if (end - at > name.length() && text.charAt(at + name.length()) == ':' && text.startsWith(name, at)) {
                return text.substring(at + name.length() + 1, end).trim();
            }
            at = end + 1;
        }
        return null;
    }
}
