package jvisor.kernel.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jvisor.cpu.Reg;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.Task;
import jvisor.kernel.signal.FatalSignal;
import jvisor.kernel.signal.SigInfo;
import jvisor.kernel.strace.ArgFormat;
import jvisor.kernel.strace.Strace;
import jvisor.kernel.syscall.SyscallEntry;
import jvisor.kernel.syscall.SyscallInterceptor;
import jvisor.kernel.syscall.SyscallTable;

/**
 * jvisor's side of a check: a {@link SyscallInterceptor} that records every syscall of every task
 * as strace would show it (arguments decoded from guest memory by {@link GuestValues}, inputs before
 * the call and outputs after it), every delivered signal, and the end of every task. Another
 * interceptor may sit inside it (a test's planted fault, an embedder's hook): the record holds
 * what the guest saw, that is the results after the inner interceptor changed them.
 */
final class Recorder implements SyscallInterceptor {
    private static final int NR_EXIT = 60;
    private final SyscallTable table;
    private final SyscallInterceptor inner;
    private final Trace trace = new Trace();
    /** Per task: the call in progress (its inputs as read before it ran). */
    private final Map<Task, Value[]> inputs = new HashMap<>();
    /** Per process still running: the tasks that have exited (they end when the process does). */
    private final Map<Process, List<Integer>> exited = new HashMap<>();

    Recorder(SyscallTable table, SyscallInterceptor inner) {
        this.table = table;
        this.inner = inner;
    }

    Trace trace() {
        return trace;
    }

    /** The first event: strace shows the execve that started the program. */
    void started(Process p) {
        List<Value> argv = new ArrayList<>(), envp = new ArrayList<>();
        for (byte[] a : p.argv) argv.add(Value.str(a));
        for (byte[] e : p.envp) envp.add(Value.str(e));
        Event.Call execve = new Event.Call("execve",
                List.of(Value.str(p.execfn()), new Value.Arr(argv), new Value.Arr(envp)), 0, false);
        trace.task(p.mainTask().tid).events.add(execve);
    }

    /**
     * After the run: links every task to its creator. A task still running when the first process
     * ended (a detached child) has no end event, as strace shows none when it stops tracing.
     */
    void ended(Process p) {
        trace.linkChildren();
    }

    /**
     * The end of a task, as strace prints it for every task: a thread that left with exit(2) has
     * its own already; the others end with their process, once its last task is gone: the exit
     * status, or the fatal signal (on the leader) and the death.
     */
    @Override
    public void taskExited(Task t, boolean processEnded) {
        Process p = t.process;
        List<Integer> tids;
        synchronized (exited) {
            tids = exited.computeIfAbsent(p, k -> new ArrayList<>());
            tids.add(t.tid);
            if (!processEnded) return;
            exited.remove(p);
        }
        FatalSignal s = p.killedBy();
        // strace cannot stop a task at SIGKILL: it shows only the death.
        if (s != null && s.signo() != jvisor.kernel.abi.Signals.SIGKILL) trace.task(p.pid).events.add(new Event.Signal(s.signo(), GuestValues.siginfo(s)));
        for (int tid : tids) {
            List<Event> events = trace.task(tid).events;
            Event last = events.isEmpty() ? null : events.get(events.size() - 1);
            if (last instanceof Event.Exit || last instanceof Event.Killed) continue;
            events.add(s == null ? new Event.Exit(p.exitStatus()) : new Event.Killed(s.signo()));
        }
        if (inner != null) inner.taskExited(t, processEnded);
    }

    private ArgFormat[] formats(int nr) {
        SyscallEntry e = table.get(nr);
        if (e != null) return e.args();
        ArgFormat[] hex = new ArgFormat[6];
        java.util.Arrays.fill(hex, ArgFormat.HEX);
        return hex;
    }

    @Override
    public long before(Task t, int nr, long[] args) {
        ArgFormat[] f = formats(nr);
        Value[] in = new Value[f.length];
        long[] regs = args.clone();
        // rt_sigreturn's frame is at the stack pointer of the call (the registers change in it).
        if (nr == table.number("rt_sigreturn")) regs[0] = t.regs.r[Reg.RSP];
        for (int i = 0; i < f.length; i++) {
            if (!GuestValues.isOutput(f[i])) in[i] = GuestValues.arg(t.memory(), f[i], i, regs, 0);
        }
        synchronized (inputs) {
            inputs.put(t, in);
        }
        return inner != null ? inner.before(t, nr, args) : PROCEED;
    }

    @Override
    public long after(Task t, int nr, long[] args, long result) {
        long r = inner != null ? inner.after(t, nr, args, result) : result;
        Value[] in;
        synchronized (inputs) {
            in = inputs.remove(t);
        }
        ArgFormat[] f = formats(nr);
        List<Value> values = new ArrayList<>(f.length);
        for (int i = 0; i < f.length; i++) {
            if (Strace.omitted(f[i], i, args)) continue;
            Value v = in != null ? in[i] : null;
            if (v == null) v = GuestValues.arg(t.memory(), f[i], i, args, r);
            values.add(v);
        }
        SyscallEntry e = table.get(nr);
        String name = e != null ? e.name() : "syscall_0x" + Integer.toHexString(nr);
        List<Event> events = trace.task(t.tid).events;
        events.add(new Event.Call(name, values, r, t.exiting || killPending(t)));
        // A thread that leaves by exit(2) ends there (strace: "+++ exited with N +++").
        if (t.exiting && nr == NR_EXIT && t != t.process.mainTask()) events.add(new Event.Exit((int) args[0] & 0xff));
        return r;
    }

    /**
     * A SIGKILL is pending (sent by the task itself, kill(getpid(), SIGKILL), or by anyone during the
     * call): the task dies on its way back to user space, and a tracer never sees the call return
     * (ptrace_stop skips the syscall-exit stop when a fatal signal is pending), so strace shows "= ?".
     */
    private static boolean killPending(Task t) {
        return t.process.signals.pendingIn(t, jvisor.kernel.abi.Signals.bit(jvisor.kernel.abi.Signals.SIGKILL));
    }

    @Override
    public void signalDelivered(Task t, SigInfo info) {
        trace.task(t.tid).events.add(new Event.Signal(info.signo, GuestValues.siginfo(info)));
        if (inner != null) inner.signalDelivered(t, info);
    }
}
