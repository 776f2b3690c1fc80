package jvisor.kernel.debug;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import jvisor.cpu.Reg;
import jvisor.cpu.debug.CpuProbe;
import jvisor.cpu.debug.DebugStop;
import jvisor.cpu.debug.Probes;
import jvisor.hypervisor.ExitKind;
import jvisor.hypervisor.Hypervisor;
import jvisor.hypervisor.VmExit;
import jvisor.kernel.Kernel;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.Task;
import jvisor.kernel.signal.FatalSignal;
import jvisor.kernel.signal.Faults;
import jvisor.kernel.syscall.SyscallInterceptor;

/**
 * The stop-and-go of a debugged program, in gdb's all-stop mode: when one task stops (a
 * breakpoint, a watchpoint, a step, a fault, a caught syscall, a signal, a request), it blocks on
 * its own thread and every other task is asked to stop at its next instruction boundary; a
 * frontend (the command-line debugger, the gdb stub, the embedding API) waits for the event,
 * reads and changes registers and memory of the stopped tasks, and resumes them.
 *
 * <p>The session is the kernel's {@link TaskMonitor} and its {@link SyscallInterceptor}; the
 * syscall hooks of the embedding API are chained through it. Frontend methods may be called from
 * any thread; tasks call the monitor methods on their own threads. One lock (this object) guards
 * the stop state.
 *
 * <p>A task blocked inside a syscall (a read from a terminal) cannot stop until the syscall
 * returns; the frontend waits a moment for it and then treats it as stopped (it will stop as
 * soon as it comes back to the guest).
 */
public final class DebugSession implements TaskMonitor {
    /** How long a frontend waits for the other tasks to stop after an event. */
    private static final long STOP_ALL_GRACE_MS = 500;

    /** What a stopped task does when resumed. */
    public record Action(Mode mode, long steps, long until, long untilSp, boolean deliverSignal) {
        public enum Mode {
            CONTINUE, STEP, UNTIL, STAY
        }

        public static final Action CONTINUE = new Action(Mode.CONTINUE, 0, -1, Long.MIN_VALUE, true);
        public static final Action STAY = new Action(Mode.STAY, 0, -1, Long.MIN_VALUE, true);

        public static Action step(long n) {
            return new Action(Mode.STEP, n, -1, Long.MIN_VALUE, true);
        }

        /** Runs until RIP is address with RSP equal to sp (Long.MIN_VALUE: any RSP). */
        public static Action until(long address, long sp) {
            return new Action(Mode.UNTIL, 0, address, sp, true);
        }

        /** The same action, without delivering the signal the task stopped for (gdb's "signal 0"). */
        public Action withoutSignal() {
            return new Action(mode, steps, until, untilSp, false);
        }
    }

    private static final class Tracked {
        final Task task;
        boolean parked;
        long generation;
        Action action = Action.CONTINUE;
        Stop stop;
        /** A signal reported as a FAULT stop, not to be reported again when it becomes pending. */
        int reportedSignal;

        Tracked(Task task) {
            this.task = task;
        }
    }

    private final Kernel kernel;
    private final Hypervisor hv;
    private final Probes probes;
    private final Map<Integer, Tracked> tasks = new LinkedHashMap<>();
    private final ArrayDeque<Stop> events = new ArrayDeque<>();
    private Stop current;
    private boolean ended;
    private boolean detached;
    private Process process;
    private final List<SyscallInterceptor> syscallHooks = new CopyOnWriteArrayList<>();
    private final ProgramSymbols symbols = new ProgramSymbols();

    // What stops (the policy): set by the frontends, read by the tasks.
    private volatile boolean stopAtStart;
    private volatile boolean stopOnFault;
    private volatile boolean stopOnExec;
    private volatile long signalStops;
    private final BitSet catchEntry = new BitSet();
    private final BitSet catchReturn = new BitSet();
    private volatile boolean catchingSyscalls;

    public DebugSession(Kernel kernel) {
        this.kernel = kernel;
        this.hv = kernel.hypervisor();
        this.probes = hv.probes();
        kernel.setInterceptor(new Interceptor());
        kernel.setMonitor(this);
    }

    public Kernel kernel() {
        return kernel;
    }

    public Probes probes() {
        return probes;
    }

    /** The symbol tables of the programs the processes run, kept current across execve. */
    public ProgramSymbols symbols() {
        return symbols;
    }

    // ---------------------------------------------------------------- policy

    /** Stop before the program's first instruction (a debugger's "starti"). */
    public void setStopAtStart(boolean on) {
        stopAtStart = on;
    }

    /** Stop at exception exits (faults) before they become signals. */
    public void setStopOnFault(boolean on) {
        stopOnFault = on;
    }

    public boolean stopsOnFault() {
        return stopOnFault;
    }

    /** Stop after every successful execve, before the new program's first instruction (gdb's "catch exec"). */
    public void setStopOnExec(boolean on) {
        stopOnExec = on;
    }

    public boolean stopsOnExec() {
        return stopOnExec;
    }

    /** Signals that stop the task before they are delivered: {@code Signals.bit(n)} for signal n. */
    public void setSignalStops(long mask) {
        signalStops = mask;
    }

    public long signalStops() {
        return signalStops;
    }

    /** Stops at the entry and/or the return of syscall nr (-1: every syscall). */
    public synchronized void catchSyscall(int nr, boolean entry, boolean ret) {
        if (nr < 0) {
            if (entry) catchEntry.set(0, 1024);
            if (ret) catchReturn.set(0, 1024);
        } else {
            if (entry) catchEntry.set(nr);
            if (ret) catchReturn.set(nr);
        }
        catchingSyscalls = !catchEntry.isEmpty() || !catchReturn.isEmpty();
    }

    public synchronized void clearSyscallCatches() {
        catchEntry.clear();
        catchReturn.clear();
        catchingSyscalls = false;
    }

    private synchronized boolean catches(BitSet set, int nr) {
        return nr >= 0 && set.get(nr);
    }

    /** Adds a syscall hook (before/after with override) to the chain; returns what removes it. */
    public AutoCloseable addSyscallHook(SyscallInterceptor hook) {
        syscallHooks.add(hook);
        return () -> syscallHooks.remove(hook);
    }

    // ---------------------------------------------------------------- frontend side

    /** The live tasks, in creation order. */
    public synchronized List<Task> tasks() {
        List<Task> out = new ArrayList<>();
        for (Tracked t : tasks.values()) out.add(t.task);
        return out;
    }

    public synchronized Task task(int tid) {
        Tracked t = tasks.get(tid);
        return t != null ? t.task : null;
    }

    /** The process being debugged (known once its first task started), or null. */
    public synchronized Process process() {
        return process;
    }

    /** The stop the frontend is looking at, or null while the program runs. */
    public synchronized Stop current() {
        return current;
    }

    public synchronized boolean ended() {
        return ended && events.isEmpty();
    }

    /**
     * Waits for the next event: a task stopped (and the others with it) or the program ended.
     *
     * @return the event, or null if none came within timeoutMillis (0: wait for ever)
     */
    public synchronized Stop waitForEvent(long timeoutMillis) throws InterruptedException {
        long deadline = timeoutMillis > 0 ? System.currentTimeMillis() + timeoutMillis : Long.MAX_VALUE;
        while (events.isEmpty()) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) return null;
            wait(Math.min(left, 1000));
        }
        long grace = System.currentTimeMillis() + STOP_ALL_GRACE_MS;
        while (!allParked() && !ended && System.currentTimeMillis() < grace) wait(50);
        current = events.poll();
        return current;
    }

    private boolean allParked() {
        for (Tracked t : tasks.values()) if (!t.parked) return false;
        return true;
    }

    /** Asks every running task to stop; the first to stop makes an INTERRUPT event. */
    public synchronized void interrupt() {
        for (Tracked t : tasks.values()) {
            if (!t.parked) probe(t.task).requestStop();
        }
    }

    /** Resumes every stopped task with the same action. */
    public void resumeAll(Action action) {
        resume(Map.of(), action);
    }

    /**
     * Resumes stopped tasks: the action of its tid for each task in actions, others get
     * otherwise (Action.STAY keeps them stopped, as gdb's scheduler locking). If another event
     * is already waiting, nothing resumes: the next {@link #waitForEvent} returns it at once.
     */
    public synchronized void resume(Map<Integer, Action> actions, Action otherwise) {
        current = null;
        if (!events.isEmpty()) {
            notifyAll();
            return;
        }
        for (Tracked t : tasks.values()) {
            CpuProbe p = probe(t.task);
            p.cancelStop();
            if (!t.parked) continue;
            Action a = actions.getOrDefault(t.task.tid, otherwise);
            if (a.mode() == Action.Mode.STAY) continue;
            p.step(a.mode() == Action.Mode.STEP ? a.steps() : 0);
            p.runUntil(a.mode() == Action.Mode.UNTIL ? a.until() : -1, a.untilSp());
            t.action = a;
            t.generation++;
        }
        notifyAll();
    }

    /** Ends the debugging: no more stops, every task runs freely. */
    public synchronized void detach() {
        detached = true;
        events.clear();
        current = null;
        stopAtStart = stopOnFault = stopOnExec = false;
        signalStops = 0;
        catchEntry.clear();
        catchReturn.clear();
        catchingSyscalls = false;
        for (Tracked t : tasks.values()) {
            probe(t.task).cancelStop();
            probe(t.task).step(0);
            probe(t.task).runUntil(-1);
            t.generation++;
        }
        notifyAll();
    }

    /** Kills the program (SIGKILL) and lets its tasks run into their end. */
    public void kill() {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p != null) p.kill(new FatalSignal(Signals.SIGKILL, Signals.SI_KERNEL, 0, 0, 0, null));
        detach();
        synchronized (this) {
            for (Tracked t : tasks.values()) t.task.vcpu.cpu().kick(); // a running task notices the end at its next exit
        }
    }

    private static CpuProbe probe(Task t) {
        return t.vcpu.cpu().probe();
    }

    // ---------------------------------------------------------------- task side (TaskMonitor)

    private synchronized Tracked track(Task t) {
        Tracked tr = tasks.get(t.tid);
        if (tr == null || tr.task != t) { // new, or a thread that took its leader's tid at execve
            tr = new Tracked(t);
            tasks.put(t.tid, tr);
        }
        if (process == null) process = t.process;
        return tr;
    }

    /**
     * A stop the kernel decides on the task's thread, outside the guest (a caught syscall, an
     * execve, a signal about to be delivered): it ends a step that ended on the syscall
     * instruction, whose own stop would otherwise come at the next entry into the guest.
     */
    private Action parkInKernel(Task t, Stop s) {
        probe(t).dropStopAtEntry();
        return park(t, s, true);
    }

    /** Blocks the calling task in a stop until the frontend resumes it; returns how to go on. */
    private Action park(Task t, Stop s, boolean event) {
        Tracked tr = track(t);
        synchronized (this) {
            if (detached) return Action.CONTINUE;
            if (event) {
                events.add(s);
                for (Tracked o : tasks.values()) {
                    if (o != tr && !o.parked) probe(o.task).requestStop();
                }
            }
            tr.parked = true;
            tr.stop = s;
            notifyAll();
            long gen = tr.generation;
            try {
                while (tr.generation == gen && !detached) wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                tr.parked = false;
            }
            return detached ? Action.CONTINUE : tr.action;
        }
    }

    /** The stop a task is parked in, or null. */
    public synchronized Stop stopOf(Task t) {
        Tracked tr = tasks.get(t.tid);
        return tr != null && tr.parked ? tr.stop : null;
    }

    @Override
    public void started(Task t) {
        track(t);
        if (stopAtStart) park(t, Stop.of(Stop.Kind.START, t, Signals.SIGTRAP, "program start, before the first instruction", null), true);
    }

    @Override
    public void execed(Task t) {
        symbols.execed(t.process);
        synchronized (this) {
            // execve from a thread other than the leader gave it the leader's tid: forget its old one
            tasks.entrySet().removeIf(e -> e.getValue().task == t && e.getKey() != t.tid);
        }
        track(t);
        probe(t).runUntil(-1); // a "finish" or "until" aimed at the old program (gdb drops it too)
        if (stopOnExec) {
            String program = new String(t.process.exePath, StandardCharsets.UTF_8);
            parkInKernel(t, new Stop(Stop.Kind.EXEC, t, Signals.SIGTRAP,
                    "syscall exit: execve, before the new program's first instruction", null, -1, 0, null, 0, program));
        }
    }

    @Override
    public void beforeSwitch(Task t) {
        long stops = signalStops;
        if (stops == 0) return;
        long deliverable = t.process.signals.pending(t) & ~t.sigmask & stops;
        if (deliverable == 0) return;
        int sig = Long.numberOfTrailingZeros(deliverable) + 1; // bit n-1 is signal n
        Tracked tr = track(t);
        synchronized (this) {
            if (tr.reportedSignal == sig) {
                tr.reportedSignal = 0;
                return;
            }
        }
        Action a = parkInKernel(t, Stop.of(Stop.Kind.SIGNAL, t, sig, "pending signal, before switching into the guest", null));
        if (!a.deliverSignal()) t.process.signals.dequeue(t, Signals.bit(sig));
    }

    @Override
    public boolean vmExit(Task t, VmExit exit) {
        if (exit.kind != ExitKind.EXCEPTION) return false;
        DebugStop d = exit.debug;
        if (d != null) {
            Stop.Kind kind = switch (d.kind()) {
                case BREAKPOINT -> Stop.Kind.BREAKPOINT;
                case WATCHPOINT -> Stop.Kind.WATCHPOINT;
                case STEP, UNTIL -> Stop.Kind.STEP;
                case REQUESTED -> Stop.Kind.INTERRUPT;
            };
            boolean event;
            synchronized (this) {
                event = kind != Stop.Kind.INTERRUPT || (events.isEmpty() && current == null);
            }
            String how = kind == Stop.Kind.INTERRUPT ? String.format("kick: stopped on request at 0x%x", d.pc())
                    : exit.toString();
            park(t, Stop.of(kind, t, kind == Stop.Kind.INTERRUPT ? Signals.SIGINT : Signals.SIGTRAP, how, d), event);
            return true;
        }
        if (!stopOnFault) return false;
        FatalSignal f = Faults.signalFor(exit, t.vcpu);
        Action a = park(t, new Stop(Stop.Kind.FAULT, t, f.signo(), exit.toString(), null, -1, 0, f, 0), true);
        if (!a.deliverSignal()) return true; // suppressed: the instruction runs again
        Tracked tr = track(t);
        synchronized (this) {
            tr.reportedSignal = f.signo();
        }
        return false;
    }

    @Override
    public void exited(Process p) {
        FatalSignal killer = p.killedBy();
        Stop s = killer != null
                ? new Stop(Stop.Kind.KILLED, null, killer.signo(), "the program was killed", null, -1, 0, killer, 0)
                : new Stop(Stop.Kind.EXITED, null, 0, "the program exited", null, -1, 0, null, p.exitStatus());
        synchronized (this) {
            for (Tracked t : tasks.values()) if (t.task.process == p) t.parked = false;
            tasks.values().removeIf(t -> t.task.process == p);
            events.add(s); // also after a detach: whoever started the program learns its end
            ended = true;
            notifyAll();
        }
    }

    @Override
    public synchronized void taskExited(Task t) {
        Tracked tr = tasks.get(t.tid);
        if (tr != null && tr.task == t) tasks.remove(t.tid); // not the execve'ing thread that took over its tid
        notifyAll(); // a frontend waiting for every task to stop no longer waits for this one
    }

    /** The kernel's syscall interceptor: catch points around the chained hooks. */
    private final class Interceptor implements SyscallInterceptor {
        @Override
        public long before(Task t, int nr, long[] args) {
            if (catchingSyscalls && catches(catchEntry, nr)) {
                parkInKernel(t, new Stop(Stop.Kind.SYSCALL_ENTRY, t, Signals.SIGTRAP, "syscall exit", null, nr, 0, null, 0));
                long[] r = t.regs.r; // the frontend may have changed the arguments
                args[0] = r[Reg.RDI];
                args[1] = r[Reg.RSI];
                args[2] = r[Reg.RDX];
                args[3] = r[Reg.R10];
                args[4] = r[Reg.R8];
                args[5] = r[Reg.R9];
            }
            for (SyscallInterceptor h : syscallHooks) {
                long result = h.before(t, nr, args);
                if (result != PROCEED) return result;
            }
            return PROCEED;
        }

        @Override
        public long after(Task t, int nr, long[] args, long result) {
            for (SyscallInterceptor h : syscallHooks) result = h.after(t, nr, args, result);
            if (catchingSyscalls && !t.exiting && catches(catchReturn, nr)) {
                t.regs.r[Reg.RAX] = result; // what the guest will see; the frontend may change it
                parkInKernel(t, new Stop(Stop.Kind.SYSCALL_RETURN, t, Signals.SIGTRAP, "syscall exit", null, nr, result,
                        null, 0));
                result = t.regs.r[Reg.RAX];
            }
            return result;
        }
    }
}
