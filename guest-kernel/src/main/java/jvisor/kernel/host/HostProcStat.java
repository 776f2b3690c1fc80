package jvisor.kernel.host;

/**
 * A few fields of a host process's /proc/PID/stat (proc(5)): its parent, process group, session,
 * controlling terminal and that terminal's foreground group. Job control in the sandbox starts
 * from the host's: the first guest process keeps jvisor's own ids and terminal.
 *
 * @param ppid the parent's pid
 * @param pgrp the process group
 * @param session the session
 * @param ttyNr the controlling terminal's device number (0: none)
 * @param tpgid the foreground process group of that terminal (-1: none)
 * @param nice the nice value (-20..19)
 */
public record HostProcStat(int ppid, int pgrp, int session, int ttyNr, int tpgid, int nice) {

    /**
     * The fields of host process pid ("self" for jvisor: read once per guest start, see
     * {@link HostSelf#duringOneStart}), or null if it is gone or unreadable.
     */
    public static HostProcStat of(String pid) {
        return pid.equals("self") ? HostSelf.stat() : read(pid);
    }

    static HostProcStat read(String pid) {
        String text = HostProcFile.read("/proc/" + pid + "/stat");
        return text == null ? null : parse(text);
    }

    /** The fields of a /proc/PID/stat line, or null if it is not one. */
    static HostProcStat parse(String s) {
        // "pid (comm) state ppid pgrp session tty_nr tpgid ...": comm may hold spaces and parentheses.
        int close = s.lastIndexOf(')');
        if (close < 0) return null;
        String[] f = s.substring(close + 2).trim().split(" ");
        // f[0] is the state; nice is field 19 of proc(5), f[16] here.
        if (f.length < 17) return null;
        try {
            return new HostProcStat(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                    Integer.parseInt(f[4]), Integer.parseInt(f[5]), Integer.parseInt(f[16]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * True if host process group pgrp of session sid has a member whose parent is in another
     * group of the same session, looking up jvisor's ancestors (the members of that group that
     * jvisor can name): the group is then not orphaned (POSIX; Linux's will_become_orphaned_pgrp).
     */
    public static boolean groupConnected(int pgrp, int sid) {
        HostProcStat cur = of("self");
        for (int depth = 0; cur != null && depth < 4096; depth++) {
            if (cur.ppid <= 1) return false; // the host's init is never in the session
            HostProcStat parent = of(Integer.toString(cur.ppid));
            if (parent == null) return false;
            if (parent.pgrp != pgrp) return parent.session == sid;
            cur = parent;
        }
        return false;
    }
}
