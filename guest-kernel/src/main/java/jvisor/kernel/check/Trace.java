package jvisor.kernel.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run's record: every task (thread or process) with its events in order, and who created
 * whom. Tasks are told apart by their host-given ids, which differ between runs; the check pairs
 * them by their place in the creation tree ({@link #root()} and each task's {@link Task#children}).
 */
public final class Trace {
    /** One task: its id (a pid or tid), its events, and the tasks it created, in creation order. */
    public static final class Task {
        public final int tid;
        public final List<Event> events = new ArrayList<>();
        public final List<Integer> children = new ArrayList<>();

        Task(int tid) {
            this.tid = tid;
        }
    }

    private final Map<Integer, Task> tasks = new LinkedHashMap<>();
    private int root = -1;

    /** The task with this id, created (the first one is the root) when new. */
    public synchronized Task task(int tid) {
        if (root < 0) root = tid;
        return tasks.computeIfAbsent(tid, Task::new);
    }

    public synchronized Task root() {
        return root < 0 ? null : tasks.get(root);
    }

    public synchronized Task get(int tid) {
        return tasks.get(tid);
    }

    public synchronized List<Task> tasks() {
        return List.copyOf(tasks.values());
    }

    /** The syscalls that create a task and return its id to the creator. */
    static boolean createsTask(String syscall) {
        return switch (syscall) {
            case "clone", "clone3", "fork", "vfork" -> true;
            default -> false;
        };
    }

    /** Links every task to the calls that created it (a successful clone/fork result names the child). */
    synchronized void linkChildren() {
        List<Integer> created = new ArrayList<>();
        for (Task t : tasks.values()) {
            t.children.clear();
            for (Event e : List.copyOf(t.events)) {
                if (e instanceof Event.Call c && createsTask(c.name()) && !c.noReturn() && c.result() > 0) {
                    t.children.add((int) c.result());
                    created.add((int) c.result());
                }
            }
        }
        for (int tid : created) tasks.computeIfAbsent(tid, Task::new); // a child that made no call yet
    }

    /** Number of syscalls in all tasks. */
    public synchronized int syscalls() {
        int n = 0;
        for (Task t : tasks.values()) for (Event e : t.events) if (e instanceof Event.Call) n++;
        return n;
    }
}
