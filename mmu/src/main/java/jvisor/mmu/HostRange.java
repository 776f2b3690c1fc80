package jvisor.mmu;

import java.util.ArrayList;
import java.util.List;

/**
 * The host memory behind a guest range, pinned: until {@link #close}, none of it goes back to the
 * host, even if a thread unmaps the range meanwhile (Linux's pin_user_pages). It lets the kernel
 * hand guest buffers to host system calls that may block (read from a pipe straight into guest
 * memory) without holding any lock of the address space. The range is one or more host segments,
 * in guest order; a range pinned for writing has had its copy-on-write pages copied and its
 * decoded code dropped, so the host may write it directly.
 *
 * <p>A write that lands after the range was unmapped is lost, as on Linux. If the process forks
 * while a write is pending, the data lands in the page the two sides still share.
 */
public final class HostRange implements AutoCloseable {
    private final long[] address, length;
    private final HostPages[] pinned;
    private boolean closed;

    private HostRange(long[] address, long[] length, HostPages[] pinned) {
        this.address = address;
        this.length = length;
        this.pinned = pinned;
    }

    public int segments() {
        return address.length;
    }

    /** Host address of segment i. */
    public long address(int i) {
        return address[i];
    }

    public long length(int i) {
        return length[i];
    }

    /** The host address of the whole range if it is one host segment, else -1. */
    public long contiguous() {
        return address.length == 1 ? address[0] : -1;
    }

    /** Unpins: pages unmapped meanwhile go back to the host now. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (HostPages p : pinned) p.unpin();
    }

    /** Collects segments and pins, page by page. */
    static final class Builder {
        private final List<long[]> segments = new ArrayList<>();
        private final List<HostPages> pinned = new ArrayList<>();

        /** Adds chunk bytes at host address host, in run (pinned once per run in a row). */
        void add(HostPages run, long host, long chunk) {
            if (pinned.isEmpty() || pinned.get(pinned.size() - 1) != run) {
                run.pin();
                pinned.add(run);
            }
            long[] last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
            if (last != null && last[0] + last[1] == host) last[1] += chunk;
            else segments.add(new long[] {host, chunk});
        }

        HostRange build() {
            long[] a = new long[segments.size()], l = new long[segments.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = segments.get(i)[0];
                l[i] = segments.get(i)[1];
            }
            return new HostRange(a, l, pinned.toArray(new HostPages[0]));
        }
    }
}
