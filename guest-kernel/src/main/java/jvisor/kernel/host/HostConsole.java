package jvisor.kernel.host;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import jvisor.mmu.HostAccess;

/**
 * jvisor's own messages and the strace lines, written to the host's fd 2 with write(2) directly:
 * no Java stream buffers anything, so they interleave with the guest's writes to fd 2 exactly in
 * the order they happen. Never throws: a closed stderr just loses the text.
 */
public final class HostConsole {
    private HostConsole() {}

    /** Writes text and a newline to fd 2. */
    public static void errLine(String text) {
        write(2, text + "\n");
    }

    /** Writes text and a newline to fd 1 (the debugger's output, in order with the guest's). */
    public static void outLine(String text) {
        write(1, text + "\n");
    }

    public static void outText(String text) {
        write(1, text);
    }

    public static synchronized void write(int fd, String text) {
        try {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            MemorySegment buf = Scratch.get(b.length + 1L);
            HostAccess.copyIn(b, 0, buf.address(), b.length);
            long done = 0;
            while (done < b.length) {
                long n = Libc.write(fd, buf.address() + done, b.length - done);
                if (n == -4 /* EINTR */) continue;
                if (n <= 0) return;
                done += n;
            }
        } catch (RuntimeException | LinkageError e) {
            // Nowhere left to report it.
        }
    }
}
