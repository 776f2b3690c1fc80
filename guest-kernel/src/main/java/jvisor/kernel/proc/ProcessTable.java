package jvisor.kernel.proc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every process and task of one sandbox, by virtual pid and tid (Linux's pid namespace and
 * process tree; gVisor's kernel.PIDNamespace). The first process keeps the host's pid; later
 * ones get the following numbers, threads and processes from one sequence, as Linux's.
 *
 * <p>This object's monitor is the tree lock: parent and child links, process groups and
 * sessions, zombies, and the waits of wait4/waitid (notified whenever a child changes state).
 */
public final class ProcessTable {
    /** Linux's default pid_max: numbers wrap around below it. */
    private static final int PID_MAX = 4_194_304;

    /** The terminals the sandbox's processes have met, with their job control state. */
    public final jvisor.kernel.tty.Terminals terminals = new jvisor.kernel.tty.Terminals();

    /** The futex wait queues of every process in the sandbox. */
    public final jvisor.kernel.futex.Futexes futexes = new jvisor.kernel.futex.Futexes();

    private final Map<Integer, Process> processes = new HashMap<>();
    private final Map<Integer, Task> tasks = new HashMap<>();
    private int nextId;
    private Process init;
    /** Starts a new task's run loop on its own host thread (the kernel's). */
    private volatile java.util.function.Consumer<Task> starter;
    /** Where jvisor's notices about the sandbox's programs go: nowhere until {@link #setNotices}. */
    private volatile java.util.function.Consumer<String> notices = line -> {};
    /** The notices given so far, each said once (a shell tries every directory of its PATH). */
    private final java.util.Set<String> noticesGiven = new java.util.HashSet<>();
    /** Past this many different notices, the next ones are no longer remembered (nor held back). */
    private static final int NOTICES_REMEMBERED = 1000;

    ProcessTable(int firstPid) {
        this.nextId = firstPid + 1;
    }

    synchronized void setInit(Process p) {
        init = p;
        processes.put(p.pid, p);
    }

    /** The first process: orphans are reparented to it (it acts as the sandbox's init). */
    public synchronized Process init() {
        return init;
    }

    public void setStarter(java.util.function.Consumer<Task> starter) {
        this.starter = starter;
    }

    /** Sends jvisor's notices (one line each, without "jvisor: ") to the user, e.g. to jvisor's stderr. */
    public void setNotices(java.util.function.Consumer<String> notices) {
        this.notices = notices;
    }

    /**
     * Tells the user, once, something a program of the sandbox does not see, from jvisor rather
     * than from Linux: why an execve failed where Linux might have run the file.
     */
    public void notice(String line) {
        synchronized (noticesGiven) {
            if (noticesGiven.contains(line)) return;
            if (noticesGiven.size() < NOTICES_REMEMBERED) noticesGiven.add(line);
        }
        notices.accept(line);
    }

    /** Runs a new task (after clone) on a host thread of its own. */
    void start(Task t) {
        starter.accept(t);
    }

    /** The next free id for a task or a process (alloc_pid). */
    synchronized int allocateId() {
        for (int tries = 0; tries < PID_MAX; tries++) {
            int id = nextId;
            nextId = nextId + 1 >= PID_MAX ? 300 : nextId + 1;
            if (!tasks.containsKey(id) && !processes.containsKey(id) && !isGroupOrSession(id)) return id;
        }
        return -1;
    }

    private boolean isGroupOrSession(int id) {
        for (Process p : processes.values()) if (p.pgid == id || p.sid == id) return true;
        return false;
    }

    synchronized void registerTask(Task t) {
        tasks.put(t.tid, t);
    }

    synchronized void unregisterTask(Task t) {
        tasks.remove(t.tid, t);
    }

    synchronized void retid(Task t, int oldTid) {
        tasks.remove(oldTid, t);
        tasks.put(t.tid, t);
    }

    synchronized void addProcess(Process child, Process parent) {
        processes.put(child.pid, child);
        child.parent = parent;
        parent.children.add(child);
    }

    /** The live or zombie process with this pid, or null. */
    public synchronized Process process(int pid) {
        return processes.get(pid);
    }

    /** The task with this tid, or null. */
    public synchronized Task task(int tid) {
        return tasks.get(tid);
    }

    /** Every process, zombies included, in pid order. */
    public synchronized List<Process> processes() {
        List<Process> l = new ArrayList<>(processes.values());
        l.sort((a, b) -> Integer.compare(a.pid, b.pid));
        return l;
    }

    /** Number of live tasks (strace prefixes lines with the pid once there are several). */
    public synchronized int taskCount() {
        return tasks.size();
    }

    /** Every process, zombies included, in no order; the caller holds this table's lock. */
    Iterable<Process> all() {
        return processes.values();
    }

    /** The members of process group pgid that are not zombies. */
    public synchronized List<Process> group(int pgid) {
        List<Process> l = new ArrayList<>();
        for (Process p : processes.values()) if (p.pgid == pgid && !p.zombie) l.add(p);
        return l;
    }

    /**
     * setpgid(2) on target by caller (kernel/sys.c): 0, or -errno. pgid 0 means the target's pid.
     */
    public synchronized int setpgid(Process caller, Process target, int pgid) {
        if (target != caller && target.parent != caller) return -jvisor.kernel.abi.Errno.ESRCH;
        if (target != caller) {
            if (target.sid != caller.sid) return -jvisor.kernel.abi.Errno.EPERM;
            if (target.execed) return -jvisor.kernel.abi.Errno.EACCES;
        }
        if (target.sid == target.pid) return -jvisor.kernel.abi.Errno.EPERM; // a session leader
        if (pgid == 0) pgid = target.pid;
        if (pgid != target.pid) {
            boolean exists = false;
            for (Process p : processes.values()) {
                if (p.pgid == pgid && p.sid == caller.sid && !p.zombie) exists = true;
            }
            if (!exists) return -jvisor.kernel.abi.Errno.EPERM;
        }
        target.pgid = pgid;
        return 0;
    }

    /** setsid(2): a new session and group led by the caller, unless it already leads a group. */
    public synchronized int setsid(Process caller) {
        for (Process p : processes.values()) {
            if (p.pgid == caller.pid) return -jvisor.kernel.abi.Errno.EPERM;
        }
        caller.sid = caller.pid;
        caller.pgid = caller.pid;
        caller.ctty = null; // proc_clear_tty: a new session has no controlling terminal
        return caller.pid;
    }

    /**
     * The process has no tasks left: it becomes a zombie, its children go to init, and its
     * parent is told (the caller sends SIGCHLD). Returns true if it must be reaped at once
     * because the parent ignores SIGCHLD or set SA_NOCLDWAIT (autoreap: then no zombie stays).
     */
    synchronized boolean becomeZombie(Process p, boolean autoreap) {
        p.zombie = true;
        for (Process c : p.children) {
            c.parent = init != p ? init : null;
            if (init != null && init != p) {
                init.children.add(c);
                c.adopted = true;
            }
            JobControl.killOrphanedGroup(this, c, p);
        }
        p.children.clear();
        JobControl.killOrphanedGroup(this, p, null);
        if (autoreap || p.parent == null) reap(p);
        notifyAll();
        return p.reaped;
    }

    /** Removes a zombie for good (wait4 took its status). */
    synchronized void reap(Process p) {
        p.reaped = true;
        processes.remove(p.pid);
        if (p.parent != null) p.parent.children.remove(p);
        notifyAll();
    }
}
