package jvisor.kernel.host;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import jvisor.mmu.HostAccess;
import jvisor.mmu.HostSyscall;

/**
 * Random bytes from the host kernel's getrandom(2), as Linux fills AT_RANDOM, getrandom and
 * /dev/urandom from its own pool. Not java.security.SecureRandom: its first use initializes the
 * JDK's security providers, about 40 ms of every start-up of a JVM that just started.
 */
public final class HostRandom {
    private HostRandom() {}

    private static final long EINTR = 4;

    /** Fills b[off, off+len) with random bytes; never blocks once the host booted. */
    public static void fill(byte[] b, int off, int len) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, len));
            long done = 0;
            while (done < len) {
                long n = HostSyscall.call(HostSyscall.GETRANDOM, buf.address() + done, len - done, 0);
                if (n == -EINTR) continue; // a signal came before any byte: ask again
                if (n <= 0) throw new IllegalStateException("host getrandom failed: errno " + -n);
                done += n;
            }
            HostAccess.copyOut(buf.address(), b, off, len);
        }
    }

    public static void fill(byte[] b) {
        fill(b, 0, b.length);
    }
}
