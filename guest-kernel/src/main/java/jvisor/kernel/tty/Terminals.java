package jvisor.kernel.tty;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import jvisor.kernel.host.HostProcStat;

/**
 * The terminals of one sandbox, by host device number: the same terminal reached through two
 * descriptors (fd 0 and fd 1 on the user's terminal, a pty slave opened twice) has one state.
 */
public final class Terminals {
    private final Map<Long, Terminal> byDevice = new HashMap<>();

    /** The terminal with host device number rdev, created (controlling no session) on first use. */
    public synchronized Terminal forDevice(long rdev, byte[] hostPath, boolean pty) {
        // No computeIfAbsent with a lambda: a start on a terminal comes here before the guest's
        // first instruction, and a lambda the AOT cache's training run did not meet is generated
        // then (3.6-5 ms of a hello).
        Terminal t = byDevice.get(rdev);
        if (t == null) byDevice.put(rdev, t = new Terminal(rdev, hostPath, pty));
        return t;
    }

    /** The pty slave with host device number rdev, reached on the host as /dev/pts/index. */
    public Terminal ptySlave(long rdev, int index) {
        return forDevice(rdev, ("/dev/pts/" + index).getBytes(StandardCharsets.US_ASCII), true);
    }

    /** Forgets a pty whose master was closed: the host may give its number to a new one. */
    synchronized void forget(Terminal t) {
        byDevice.remove(t.rdev, t);
    }

    /**
     * The controlling terminal jvisor was started with (/proc/self/stat's tty_nr), controlling
     * session sid with the foreground group the host names (tpgid); null without one.
     */
    public Terminal hostControllingTerminal(int sid) {
        HostProcStat self = HostProcStat.of("self");
        if (self == null || self.ttyNr() == 0) return null;
        byte[] path = "/dev/tty".getBytes(StandardCharsets.US_ASCII);
        Terminal t = forDevice(self.ttyNr() & 0xFFFFFFFFL, path, false);
        t.session = sid;
        // In the guest the first process's group is in front; the host says whether jvisor is.
        t.pgrp = self.pgrp();
        t.hostGroup = self.pgrp();
        // The path in the thread's scratch buffer, not an Arena's memory: this runs in every start
        // on a terminal, and the JVM's first Arena costs milliseconds of generated method handles.
        int fd = jvisor.kernel.host.Libc.open(jvisor.kernel.host.Scratch.withCString(path, path.length + 1),
                jvisor.kernel.abi.Fs.O_RDONLY | jvisor.kernel.abi.Fs.O_NOCTTY | jvisor.kernel.abi.Fs.O_CLOEXEC
                        | jvisor.kernel.abi.Fs.O_NONBLOCK, 0);
        t.hostFd = Math.max(fd, -1);
        return t;
    }
}
