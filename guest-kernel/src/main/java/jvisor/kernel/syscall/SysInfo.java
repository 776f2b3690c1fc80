package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.SYSINFO_OUT;
import static jvisor.kernel.strace.ArgFormat.UTSNAME_OUT;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import jvisor.kernel.host.Libc;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.proc.Task;

/**
 * uname(2) (gVisor sys_utsname.go): the host's names and release, on the emulated x86-64 machine;
 * sysinfo(2): the host's memory and load figures.
 */
final class SysInfo {
    private SysInfo() {}

    /** struct utsname: sysname, nodename, release, version, machine, domainname; 65 bytes each. */
    static final int FIELD = 65;
    static final int UTSNAME_SIZE = 6 * FIELD;

    static void register(SyscallTable t) {
        t.define("uname", (k, a, b, c, d, e, f) -> uname(k, a), RET_DEC, UTSNAME_OUT);
        t.define("sysinfo", (k, a, b, c, d, e, f) -> sysinfo(k, a), RET_DEC, SYSINFO_OUT);
    }

    /** sizeof(struct sysinfo) on x86-64. */
    static final int SYSINFO_SIZE = 112;

    static long sysinfo(Task t, long buf) {
        MemorySegment s = Scratch.get(SYSINFO_SIZE);
        s.asSlice(0, SYSINFO_SIZE).fill((byte) 0);
        int r = Libc.sysinfo(s);
        if (r < 0) return r;
        SysSupport.copyOut(t, buf, s, SYSINFO_SIZE);
        return 0;
    }

    static long uname(Task t, long buf) {
        MemorySegment u = Scratch.get(UTSNAME_SIZE);
        u.asSlice(0, UTSNAME_SIZE).fill((byte) 0);
        int r = Libc.uname(u);
        if (r < 0) return r;
        setField(u, 0, "Linux");
        setField(u, 4, "x86_64");
        SysSupport.copyOut(t, buf, u, UTSNAME_SIZE);
        return 0;
    }

    private static void setField(MemorySegment u, int index, String value) {
        MemorySegment f = u.asSlice((long) index * FIELD, FIELD);
        f.fill((byte) 0);
        byte[] b = value.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(b, 0, f, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b.length);
    }
}
