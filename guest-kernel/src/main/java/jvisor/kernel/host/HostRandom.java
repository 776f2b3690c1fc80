package jvisor.kernel.host;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;

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
        // A direct buffer, not an Arena: the first Arena.allocate of a JVM makes it generate method
        // handle classes (milliseconds), and every start asks for AT_RANDOM's bytes here.
        ByteBuffer direct = ByteBuffer.allocateDirect(Math.max(1, Math.min(len, CHUNK)));
        long buf = MemorySegment.ofBuffer(direct).address();
        int done = 0;
        while (done < len) {
            long n = HostSyscall.call(HostSyscall.GETRANDOM, buf, Math.min(len - done, CHUNK), 0);
            if (n == -EINTR) continue; // a signal came before any byte: ask again
            if (n <= 0) throw new IllegalStateException("host getrandom failed: errno " + -n);
            HostAccess.copyOut(buf, b, off + done, (int) n);
            done += (int) n;
        }
        Reference.reachabilityFence(direct); // the buffer's memory is in use until here
    }

    public static void fill(byte[] b) {
        fill(b, 0, b.length);
    }
}
