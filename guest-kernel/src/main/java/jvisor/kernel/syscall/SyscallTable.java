package jvisor.kernel.syscall;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import jvisor.kernel.strace.ArgFormat;

/**
 * The table from x86-64 syscall number to handler (Linux's sys_call_table built from
 * syscall_64.tbl; gVisor's pkg/sentry/syscalls/linux/linux64.go). Every known number has a name and
 * an argument count for strace; the families (SysRead, SysFile, SysMemory, ...) fill in the
 * handlers and argument formats of what they implement. Unimplemented calls fail with ENOSYS.
 */
public final class SyscallTable {
    /** Numbers at or above this have no entry (Linux's are below 470). */
    public static final int SIZE = 512;

    private final SyscallEntry[] entries = new SyscallEntry[SIZE];
    private final Map<String, Integer> numbers = new HashMap<>();

    private SyscallTable() {
        SyscallNames.forEach((nr, name, nargs) -> {
            ArgFormat[] hex = new ArgFormat[nargs];
            Arrays.fill(hex, ArgFormat.HEX);
            entries[nr] = new SyscallEntry(nr, name, hex, ArgFormat.RET_DEC, null);
            numbers.put(name, nr);
        });
    }

    /** The table with every implemented syscall of jvisor. */
    public static SyscallTable linux() {
        SyscallTable t = new SyscallTable();
        SysRead.register(t);
        SysWrite.register(t);
        SysFile.register(t);
        SysStat.register(t);
        SysDirent.register(t);
        SysPath.register(t);
        SysFcntl.register(t);
        SysPipe.register(t);
        SysPoll.register(t);
        SysSocket.register(t);
        SysSendfile.register(t);
        SysMemory.register(t);
        SysThread.register(t);
        SysClone.register(t);
        SysWait.register(t);
        SysFutex.register(t);
        SysProcessGroup.register(t);
        SysExec.register(t);
        SysPrctl.register(t);
        SysIdentity.register(t);
        SysSched.register(t);
        SysTime.register(t);
        SysSignal.register(t);
        SysInfo.register(t);
        SysRlimit.register(t);
        SysRandom.register(t);
        return t;
    }

    /** The entry for nr, or null for a number Linux does not have. */
    public SyscallEntry get(int nr) {
        return nr >= 0 && nr < SIZE ? entries[nr] : null;
    }

    public int number(String name) {
        Integer nr = numbers.get(name);
        if (nr == null) throw new IllegalArgumentException("unknown syscall " + name);
        return nr;
    }

    /** Installs the handler of a named syscall with the formats strace uses for it. */
    void define(String name, SyscallHandler handler, ArgFormat ret, ArgFormat... args) {
        int nr = number(name);
        entries[nr] = new SyscallEntry(nr, name, args, ret, handler);
    }

    /** Names of the implemented syscalls (tests, documentation). */
    public java.util.List<String> implemented() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (SyscallEntry e : entries) if (e != null && e.handler() != null) out.add(e.name());
        return out;
    }
}
