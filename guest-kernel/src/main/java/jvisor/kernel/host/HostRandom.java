package jvisor.kernel.host;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;

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

    /** The most bytes asked of the host at once (and the size of the native buffer for them). */
    private static final int CHUNK = 64 * 1024;

    /** Fills b[off, off+len) with random bytes; never blocks once the host booted. */
    public static void fill(byte[] b, int off, int len) {
        // Memory of its own, not the scratch buffer: a read of /dev/urandom may fill that buffer
        // with what this returns. Direct, not an Arena: every start asks for AT_RANDOM's bytes here.
        MemorySegment segment = Scratch.direct(Math.max(1, Math.min(len, CHUNK)), 1);
        long buf = segment.address();
        int done = 0;
        while (done < len) {
            long n = HostSyscall.call(HostSyscall.GETRANDOM, buf, Math.min(len - done, CHUNK), 0);
            if (n == -EINTR) continue; // a signal came before any byte: ask again
            if (n <= 0) throw new IllegalStateException("host getrandom failed: errno " + -n);
            HostAccess.copyOut(buf, b, off + done, (int) n);
            done += (int) n;
        }
        Reference.reachabilityFence(segment); // its memory is in use until here
    }

    public static void fill(byte[] b) {
        fill(b, 0, b.length);
    }
}
