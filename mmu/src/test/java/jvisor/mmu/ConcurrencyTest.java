package jvisor.mmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * Threads that read and write guest memory (as vCPUs through their TLBs, and as the kernel
 * through the address space) while other threads map, unmap, protect, discard, move and fork.
 * Host memory really goes back to the host on unmap, so an access to released memory would kill
 * the JVM: the tests pass only if every access is either done on live memory or a clean PageFault.
 * -Djvisor.mmu.stressMillis sets how long the stress test runs.
 */
class ConcurrencyTest {
    private static final int PAGE = HostMemory.PAGE_SIZE;
    private static final long CHURN = 0x1000_0000L, CHURN_PAGES = 64;
    private static final long STABLE = 0x2000_0000L;
    private static final long SCRATCH = 0x3000_0000L;
    private static final long STRESS_MILLIS = Long.getLong("jvisor.mmu.stressMillis", 3000);

    /** A vCPU's view of a block boundary: catch up with other threads' changes. */
    private static void boundary(Tlb t) {
        if (t.stale()) t.sync();
    }

    private static void checkFault(PageFault f, long from, long to, Access access) {
        if (Long.compareUnsigned(f.address, from) < 0 || Long.compareUnsigned(f.address, to) >= 0 || f.access != access) {
            throw new AssertionError("unexpected " + f.getMessage() + " for an access to [" + Long.toHexString(from)
                    + ", " + Long.toHexString(to) + ") " + access);
        }
    }

    @Test
    void vcpusAndKernelCopiesSurviveEveryMappingChange() throws Exception {
        AddressSpace space = new AddressSpace();
        space.mapAnonymous(CHURN, CHURN_PAGES * PAGE, Prot.RW, "churn");
        int vcpus = 3;
        space.mapAnonymous(STABLE, vcpus * (long) PAGE, Prot.RW, "stable");
        long deadline = System.nanoTime() + STRESS_MILLIS * 1_000_000;
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicLong accesses = new AtomicLong(), faults = new AtomicLong(), changes = new AtomicLong(), forks = new AtomicLong();
        List<Thread> threads = new ArrayList<>();

        for (int k = 0; k < vcpus; k++) {
            final long own = STABLE + (long) k * PAGE;
            final int seed = k;
            threads.add(new Thread(() -> {
                Tlb t = new Tlb(space);
                Random r = new Random(seed);
                long counter = 0;
                t.enter();
                try {
                    while (System.nanoTime() < deadline) {
                        for (int n = 0; n < 64; n++) {
                            boundary(t);
                            long at = CHURN + r.nextLong(CHURN_PAGES * PAGE - 8);
                            if (r.nextInt(8) == 0) at = (at | (PAGE - 1)) - 3; // across a page boundary
                            try {
                                switch (r.nextInt(4)) {
                                    case 0 -> t.read64(at);
                                    case 1 -> t.write64(at, at);
                                    case 2 -> t.read8(at);
                                    default -> {
                                        long h = t.translateForUpdate(at & ~7L);
                                        HostSegment.HOST.get(java.lang.foreign.ValueLayout.JAVA_LONG, h);
                                    }
                                }
                                accesses.incrementAndGet();
                            } catch (PageFault f) {
                                checkFault(f, at & ~7L, at + 8, f.access);
                                faults.incrementAndGet();
                            }
                            t.write64(own, ++counter);
                            if (t.read64(own) != counter) throw new AssertionError("own page lost a write");
                        }
                        if (r.nextInt(16) == 0) { // a VM exit and a re-entry
                            t.leave();
                            t.enter();
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    t.leave();
                    t.detach();
                }
            }, "vcpu-" + k));
        }

        threads.add(new Thread(() -> { // the kernel: copies from and to user memory
            Random r = new Random(99);
            byte[] buf = new byte[3 * PAGE];
            try {
                while (System.nanoTime() < deadline) {
                    long at = CHURN + r.nextLong(CHURN_PAGES * PAGE - buf.length);
                    int len = 1 + r.nextInt(buf.length);
                    try {
                        if (r.nextBoolean()) space.readBytes(at, buf, 0, len);
                        else space.writeBytes(at, buf, 0, len);
                        space.readCString(at, 2 * PAGE);
                        accesses.incrementAndGet();
                    } catch (PageFault f) {
                        checkFault(f, at, at + Math.max(len, 2 * PAGE), f.access);
                        faults.incrementAndGet();
                    }
                }
            } catch (Throwable e) {
                errors.add(e);
            }
        }, "kernel"));

        threads.add(new Thread(() -> { // the mapper: munmap, mmap, mprotect, madvise, mremap, fork
            Random r = new Random(7);
            List<AddressSpace> children = new ArrayList<>();
            try {
                while (System.nanoTime() < deadline) {
                    long first = r.nextLong(CHURN_PAGES);
                    long pages = 1 + r.nextLong(CHURN_PAGES - first);
                    long at = CHURN + first * PAGE, len = pages * PAGE;
                    switch (r.nextInt(7)) {
                        case 0 -> space.unmap(at, len);
                        case 1 -> space.mapAnonymous(at, len, Prot.RW, "churn");
                        case 2 -> space.protect(at, len, r.nextBoolean() ? Prot.READ : Prot.RW);
                        case 3 -> space.discard(at, len);
                        case 4 -> {
                            space.move(at, len, SCRATCH);
                            space.move(SCRATCH, len, at);
                        }
                        case 5 -> {
                            AddressSpace child = space.forkCopy();
                            forks.incrementAndGet();
                            try {
                                child.write64(CHURN + r.nextLong(CHURN_PAGES) * PAGE, 1);
                            } catch (PageFault f) {
                                // the page may be unmapped or read-only in the parent at fork time
                            }
                            children.add(child);
                            if (children.size() > 4) children.remove(0).clear();
                        }
                        default -> space.mapAnonymous(CHURN, CHURN_PAGES * PAGE, Prot.RW, "churn");
                    }
                    changes.incrementAndGet();
                }
                for (AddressSpace c : children) c.clear();
            } catch (Throwable e) {
                errors.add(e);
            }
        }, "mapper"));

        for (Thread t : threads) t.start();
        for (Thread t : threads) t.join();
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError(errors.size() + " thread(s) failed");
            errors.forEach(e::addSuppressed);
            throw e;
        }
        // A change waits for every vCPU thread to reach a block boundary, that is for the host to
        // schedule each of them: on a loaded machine that takes milliseconds, hence the low bars.
        assertTrue(accesses.get() > 1000 && faults.get() > 10 && changes.get() > 20 && forks.get() > 0,
                "too little happened: " + accesses + " accesses, " + faults + " faults, " + changes + " changes, "
                        + forks + " forks");
        assertEquals(0, space.vcpuCount());
        space.clear();
    }

    /**
     * One vCPU thread reads (or writes) a page until it faults, round after round, while this thread
     * unmaps the page (or write-protects it) after a random delay: once the change has returned, no
     * access may succeed, even one in the same block as the one that saw the change.
     */
    private static void afterTheChangeReturnsTheAccessFaults(boolean write) throws Exception {
        AddressSpace space = new AddressSpace();
        long page = CHURN;
        int rounds = 300;
        AtomicLong round = new AtomicLong(-1), faultedRound = new AtomicLong(-1);
        AtomicBoolean changed = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        Thread vcpu = new Thread(() -> {
            Tlb t = new Tlb(space);
            t.enter();
            try {
                for (long seen = 0; seen < rounds; ) {
                    boundary(t);
                    long r = round.get();
                    if (r < seen) continue;
                    boolean after = changed.get(); // read before the access: if set, the change has returned
                    try {
                        if (write) t.write64(page, r);
                        else t.read64(page);
                        if (after) throw new AssertionError("access succeeded after the change returned, round " + r);
                    } catch (PageFault f) {
                        checkFault(f, page, page + 8, write ? Access.WRITE : Access.READ);
                        faultedRound.set(r);
                        seen = r + 1;
                    }
                }
            } catch (Throwable e) {
                errors.add(e);
                faultedRound.set(Long.MAX_VALUE);
            } finally {
                t.leave();
                t.detach();
            }
        }, "vcpu");
        vcpu.start();
        Random rnd = new Random(5);
        // Memory that stays allocated, so that a late access shows as a failed assertion, not a crash.
        long host = HostMemory.allocate(PAGE);
        for (int r = 0; r < rounds && errors.isEmpty(); r++) {
            space.map(page, PAGE, Prot.RW, host, Backing.UNOWNED, "victim", 0);
            changed.set(false);
            round.set(r);
            long spin = rnd.nextInt(20_000);
            for (long s = System.nanoTime(); System.nanoTime() - s < spin; ) Thread.onSpinWait();
            if (write) space.protect(page, PAGE, Prot.READ);
            else space.unmap(page, PAGE);
            changed.set(true);
            while (faultedRound.get() < r) Thread.onSpinWait();
            if (write) space.unmap(page, PAGE);
        }
        vcpu.join();
        HostMemory.free(host, PAGE);
        if (!errors.isEmpty()) throw new AssertionError(errors.peek());
    }

    @Test
    void noVcpuReadsAPageOnceUnmapReturned() throws Exception {
        afterTheChangeReturnsTheAccessFaults(false);
    }

    @Test
    void noVcpuWritesAPageOnceProtectReturned() throws Exception {
        afterTheChangeReturnsTheAccessFaults(true);
    }

    @Test
    void forkTakesASnapshotWhileAnotherVcpuWrites() throws Exception {
        AddressSpace space = new AddressSpace();
        space.mapAnonymous(STABLE, 2L * PAGE, Prot.RW, "data");
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        Thread vcpu = new Thread(() -> {
            Tlb t = new Tlb(space);
            t.enter();
            try {
                for (long k = 1; !stop.get(); k++) {
                    boundary(t);
                    t.write64(STABLE, k);
                    t.write64(STABLE + PAGE, k); // a second page: both must be of one moment
                }
            } catch (Throwable e) {
                errors.add(e);
            } finally {
                t.leave();
                t.detach();
            }
        }, "vcpu");
        vcpu.start();
        try {
            for (int n = 0; n < 50; n++) {
                AddressSpace child = space.forkCopy();
                long v0 = child.read64(STABLE), w0 = child.read64(STABLE + PAGE);
                Thread.sleep(2);
                assertEquals(v0, child.read64(STABLE), "the parent's later write reached the child");
                assertEquals(w0, child.read64(STABLE + PAGE));
                assertTrue(v0 == w0 || v0 == w0 + 1, "pages of different moments: " + v0 + " and " + w0);
                child.clear();
            }
            assertTrue(space.pagesCopied() > 0);
        } finally {
            stop.set(true);
            vcpu.join();
        }
        if (!errors.isEmpty()) fail(errors.peek());
    }
}
