package jvisor.cpu.debug;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import jvisor.cpu.Cpu;
import jvisor.mmu.Access;
import jvisor.mmu.HostMemory;
import jvisor.mmu.MemoryObserver;

/**
 * The hooks, breakpoints and watchpoints of a machine, shared by all its vCPUs (as gdb's
 * breakpoints apply to every thread). Any thread may change them; vCPUs read immutable
 * snapshots, so the instrumented loop never locks. Every change kicks the attached vCPUs, so a
 * vCPU running the plain loop comes back and takes the instrumented one.
 *
 * <p>It is also the address space's {@link MemoryObserver} while memory hooks or watchpoints
 * exist: an access is attributed to the vCPU whose thread made it ({@link CpuProbe}), or to the
 * guest kernel when it happened outside guest execution.
 */
public final class Probes implements MemoryObserver {
    private static final long ALL_END = -1L; // unsigned: the top of the address space

    private record InsnEntry(long begin, long end, InsnHook hook) {
    }

    private record BlockEntry(long begin, long end, BlockHook hook) {
    }

    private record MemEntry(long begin, long end, boolean reads, boolean writes, MemoryHook hook) {
    }

    private volatile InsnEntry[] insnHooks = {};
    private volatile BlockEntry[] blockHooks = {};
    private volatile MemEntry[] memHooks = {};
    /** Sorted, distinct breakpoint addresses; the counts (several owners of one address) in breakpointCounts. */
    private volatile long[] breakpoints = {};
    private final TreeMap<Long, Integer> breakpointCounts = new TreeMap<>(Long::compareUnsigned);
    private volatile Watchpoint[] watchpoints = {};
    private volatile boolean active;

    private final List<CpuProbe> cpus = new CopyOnWriteArrayList<>();
    private final ThreadLocal<CpuProbe> onThread = new ThreadLocal<>();

    /** A registered hook; {@link #remove()} unregisters it (idempotent). */
    public final class Handle implements AutoCloseable {
        private final Object entry;

        private Handle(Object entry) {
            this.entry = entry;
        }

        public void remove() {
            removeEntry(entry);
        }

        @Override
        public void close() {
            remove();
        }
    }

    // ---------------------------------------------------------------- vCPUs

    /** Attaches this machine's probes to a vCPU (every vCPU of the machine, including later ones). */
    public CpuProbe attach(Cpu cpu) {
        CpuProbe p = new CpuProbe(this, cpu);
        cpus.add(p);
        cpu.setProbe(p);
        return p;
    }

    public void detach(Cpu cpu) {
        CpuProbe p = cpu.probe();
        if (p != null) cpus.remove(p);
        cpu.setProbe(null);
    }

    /** The attached vCPUs' probes. */
    public List<CpuProbe> cpus() {
        return List.copyOf(cpus);
    }

    void bindThread(CpuProbe p) {
        if (onThread.get() != p) onThread.set(p);
    }

    /** The calling thread runs none of these vCPUs any more (a pooled thread, see Hypervisor.leaveThread). */
    public void unbindThread() {
        onThread.remove();
    }

    // ---------------------------------------------------------------- registration

    /** Calls hook for every instruction whose address is in [begin, end) (unsigned); 0, -1 for all. */
    public Handle addInsnHook(long begin, long end, InsnHook hook) {
        InsnEntry e = new InsnEntry(begin, end, hook);
        synchronized (this) {
            insnHooks = append(insnHooks, e);
        }
        changed();
        return new Handle(e);
    }

    public Handle addInsnHook(InsnHook hook) {
        return addInsnHook(0, ALL_END, hook);
    }

    /** Calls hook on entry to every block that starts in [begin, end). */
    public Handle addBlockHook(long begin, long end, BlockHook hook) {
        BlockEntry e = new BlockEntry(begin, end, hook);
        synchronized (this) {
            blockHooks = append(blockHooks, e);
        }
        changed();
        return new Handle(e);
    }

    /** Calls hook for loads (reads) and/or stores (writes) touching [begin, end). */
    public Handle addMemoryHook(long begin, long end, boolean reads, boolean writes, MemoryHook hook) {
        MemEntry e = new MemEntry(begin, end, reads, writes, hook);
        synchronized (this) {
            memHooks = append(memHooks, e);
        }
        changed();
        return new Handle(e);
    }

    /** Adds an execution breakpoint; an address may be added several times and needs as many removals. */
    public void addBreakpoint(long address) {
        synchronized (this) {
            breakpointCounts.merge(address, 1, Integer::sum);
            breakpoints = breakpointCounts.keySet().stream().mapToLong(Long::longValue).toArray();
        }
        changed();
    }

    /** @return false if there was no breakpoint at address */
    public boolean removeBreakpoint(long address) {
        synchronized (this) {
            Integer n = breakpointCounts.get(address);
            if (n == null) return false;
            if (n == 1) breakpointCounts.remove(address);
            else breakpointCounts.put(address, n - 1);
            breakpoints = breakpointCounts.keySet().stream().mapToLong(Long::longValue).toArray();
        }
        changed();
        return true;
    }

    public Watchpoint addWatchpoint(long address, int length, Watchpoint.Kind kind) {
        Watchpoint w = new Watchpoint(address, length, kind);
        synchronized (this) {
            watchpoints = append(watchpoints, w);
        }
        changed();
        return w;
    }

    public void removeWatchpoint(Watchpoint w) {
        removeEntry(w);
    }

    public List<Watchpoint> watchpoints() {
        return List.of(watchpoints);
    }

    private void removeEntry(Object e) {
        synchronized (this) {
            insnHooks = without(insnHooks, e);
            blockHooks = without(blockHooks, e);
            memHooks = without(memHooks, e);
            watchpoints = without(watchpoints, e);
        }
        changed();
    }

    private static <T> T[] append(T[] a, T e) {
        T[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = e;
        return b;
    }

    private static <T> T[] without(T[] a, Object e) {
        List<T> l = new ArrayList<>(a.length);
        for (T x : a) if (x != e) l.add(x);
        return l.size() == a.length ? a : l.toArray(Arrays.copyOf(a, 0));
    }

    private void changed() {
        active = insnHooks.length + blockHooks.length + memHooks.length + breakpoints.length + watchpoints.length > 0;
        for (CpuProbe p : cpus) p.cpu.kick(); // leave the plain loop; the next switch looks again
    }

    // ---------------------------------------------------------------- queries of the loop

    /** Whether any hook, breakpoint or watchpoint exists. */
    public boolean active() {
        return active;
    }

    boolean needsObserver() {
        return memHooks.length + watchpoints.length > 0;
    }

    public boolean isBreakpoint(long address) {
        long[] b = breakpoints;
        if (b.length == 0) return false;
        int lo = 0, hi = b.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compareUnsigned(b[mid], address);
            if (c == 0) return true;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return false;
    }

    /** Breakpoint addresses, sorted. */
    public long[] breakpoints() {
        return breakpoints.clone();
    }

    boolean hasBlockHooks() {
        return blockHooks.length > 0;
    }

    void fireBlock(Cpu cpu, long start, int length) {
        for (BlockEntry e : blockHooks) {
            if (inRange(start, e.begin, e.end)) e.hook.block(cpu, start, length);
        }
    }

    /** Runs the before-hooks of the instruction; returns whether there were any. */
    void fireBefore(Cpu cpu, jvisor.cpu.decode.Insn i) {
        for (InsnEntry e : insnHooks) {
            if (inRange(i.addr, e.begin, e.end)) e.hook.before(cpu, i);
        }
    }

    void fireAfter(Cpu cpu, jvisor.cpu.decode.Insn i) {
        for (InsnEntry e : insnHooks) {
            if (inRange(i.addr, e.begin, e.end)) e.hook.after(cpu, i);
        }
    }

    private static boolean inRange(long a, long begin, long end) {
        return Long.compareUnsigned(a, begin) >= 0 && Long.compareUnsigned(a, end) < 0;
    }

    private static boolean overlaps(long gva, int size, long begin, long end) {
        return Long.compareUnsigned(gva, end) < 0 && Long.compareUnsigned(begin, gva + size) < 0;
    }

    // ---------------------------------------------------------------- MemoryObserver

    @Override
    public boolean covers(long page) {
        long end = page + HostMemory.PAGE_SIZE;
        for (MemEntry e : memHooks) if (overlaps(page, HostMemory.PAGE_SIZE, e.begin, e.end)) return true;
        for (Watchpoint w : watchpoints) {
            if (Long.compareUnsigned(w.address, end) < 0 && Long.compareUnsigned(page, w.address + w.length) < 0) return true;
        }
        return false;
    }

    @Override
    public void accessed(long gva, int size, Access kind, long value) {
        CpuProbe p = onThread.get();
        Cpu cpu = p != null && p.inGuest() ? p.cpu : null;
        for (MemEntry e : memHooks) {
            if ((kind == Access.READ ? e.reads : e.writes) && overlaps(gva, size, e.begin, e.end)) {
                e.hook.access(cpu, kind, gva, size, value);
            }
        }
        if (p == null) return;
        for (Watchpoint w : watchpoints) {
            if (w.watches(kind) && w.overlaps(gva, size)) p.watchedAccess(w, gva, kind);
        }
    }
}
