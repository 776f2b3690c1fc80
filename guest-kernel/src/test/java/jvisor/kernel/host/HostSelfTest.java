package jvisor.kernel.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** What /proc/self says about this JVM against what the host's own calls say. */
class HostSelfTest {
    private static final int F_GETFL = 3;

    @Test
    void idsAndGroupsAreTheGetIdCalls() {
        HostSelf.Status self = HostSelf.status();
        assertNotNull(self);
        int[] uids = self.uids(), gids = self.gids();
        assertEquals(Libc.getuid(), uids[0]);
        assertEquals(Libc.geteuid(), uids[1]);
        assertEquals(Libc.getgid(), gids[0]);
        assertEquals(Libc.getegid(), gids[1]);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4 * 65536);
            int n = Libc.getgroups(65536, buf);
            int[] host = buf.asSlice(0, 4L * Math.max(n, 0)).toArray(ValueLayout.JAVA_INT);
            int[] proc = self.groups().clone();
            Arrays.sort(host);
            Arrays.sort(proc);
            assertArrayEquals(host, proc);
        }
    }

    @Test
    void umaskIsTheProcesss() {
        assertEquals(jvisor.kernel.fs.HostOps.currentUmaskBySyscall(), HostSelf.status().umask());
    }

    @Test
    void limitsAreGetrlimit() {
        long[][] proc = HostSelf.limits(16);
        assertNotNull(proc);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16);
            for (int r = 0; r < 16; r++) {
                assertEquals(0, Libc.getrlimit(r, buf));
                assertEquals(buf.get(ValueLayout.JAVA_LONG, 0), proc[0][r], "soft limit " + r);
                assertEquals(buf.get(ValueLayout.JAVA_LONG, 8), proc[1][r], "hard limit " + r);
            }
        }
    }

    @Test
    void fdFlagsAreFGetfl() throws IOException {
        for (int fd = 0; fd <= 2; fd++) {
            int host = Libc.fcntl(fd, F_GETFL, 0);
            assertEquals(host < 0 ? -1 : host, HostSelf.fdFlags(fd), "fd " + fd);
        }
        assertEquals(-1, HostSelf.fdFlags(1 << 20));
        // The JVM opens files close-on-exec: fdinfo shows O_CLOEXEC, F_GETFL does not.
        try (FileInputStream in = new FileInputStream("/proc/self/stat")) {
            int fd = fdOpenOn("/proc/" + ProcessHandle.current().pid() + "/stat");
            assertTrue(fd >= 0);
            assertEquals(Libc.fcntl(fd, F_GETFL, 0), HostSelf.fdFlags(fd));
        }
    }

    /** The fd of this JVM whose /proc/self/fd link is target, or -1. */
    private static int fdOpenOn(String target) {
        File[] fds = new File("/proc/self/fd").listFiles();
        if (fds == null) return -1;
        for (File f : fds) {
            try {
                if (Files.readSymbolicLink(f.toPath()).toString().equals(target)) return Integer.parseInt(f.getName());
            } catch (IOException | NumberFormatException e) {
                // closed meanwhile (the listing's own fd)
            }
        }
        return -1;
    }
}
