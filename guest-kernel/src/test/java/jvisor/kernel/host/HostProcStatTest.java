package jvisor.kernel.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** /proc/PID/stat as job control reads it: the ids after a command name that may hold anything. */
class HostProcStatTest {
    @Test
    void fieldsAfterACommandNameWithSpacesAndParentheses() {
        HostProcStat s = HostProcStat.parse("4242 (a) (b c)) S 17 4242 17 34816 4250 4194560 0 0 0 0\n");
        assertNotNull(s);
        assertEquals(17, s.ppid());
        assertEquals(4242, s.pgrp());
        assertEquals(17, s.session());
        assertEquals(34816, s.ttyNr());
        assertEquals(4250, s.tpgid());
    }

    @Test
    void withoutAControllingTerminal() {
        HostProcStat s = HostProcStat.parse("9 (sh) S 1 9 9 0 -1 4194560 0\n");
        assertNotNull(s);
        assertEquals(0, s.ttyNr());
        assertEquals(-1, s.tpgid());
    }

    @Test
    void notAStatLine() {
        assertNull(HostProcStat.parse("no parenthesis here"));
        assertNull(HostProcStat.parse("1 (x) S 1"));
    }

    @Test
    void thisJvmAgreesWithTheHost() {
        HostProcStat self = HostProcStat.of("self");
        assertNotNull(self);
        assertEquals(ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L).intValue(), self.ppid());
        assertEquals(Libc.getpgid(), self.pgrp());
        assertEquals(Libc.getsid(), self.session());
    }
}
