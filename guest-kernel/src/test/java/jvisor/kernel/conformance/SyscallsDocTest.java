package jvisor.kernel.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import jvisor.kernel.syscall.SyscallEntry;
import jvisor.kernel.syscall.SyscallStates;
import jvisor.kernel.syscall.SyscallTable;

/**
 * docs/SYSCALLS.md is what `jvisor syscalls --markdown` prints now (JVISOR_REGENERATE=1 rewrites
 * it), and the metadata behind it names real syscalls in states that make sense.
 */
class SyscallsDocTest {
    /** The repository root: surefire runs in the module's directory. */
    private static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("docs")) ? here : here.getParent();
    }

    @Test
    void docsSyscallsMdIsCurrent() throws IOException {
        Path doc = root().resolve("docs/SYSCALLS.md");
        String generated = ConformanceTable.current().markdown();
        if ("1".equals(System.getenv("JVISOR_REGENERATE"))) Files.writeString(doc, generated, StandardCharsets.UTF_8);
        String committed = Files.exists(doc) ? Files.readString(doc, StandardCharsets.UTF_8) : "";
        assertEquals(generated, committed, "docs/SYSCALLS.md is stale: regenerate it with "
                + "JVISOR_REGENERATE=1 scripts/test -pl guest-kernel -am -Dtest=SyscallsDocTest");
    }

    @Test
    void metadataNamesRealSyscallsInSensibleStates() {
        SyscallTable table = SyscallTable.linux();
        for (SyscallStates.Entry e : SyscallStates.entries()) {
            SyscallEntry s = table.get(table.number(e.name()));
            assertNotNull(s, e.name());
            assertTrue(!e.detail().isBlank(), e.name() + " needs a reason");
            if (e.state() == SyscallStates.State.PARTIAL) assertNotNull(s.handler(), e.name() + " is partial but has no handler");
        }
    }

    @Test
    void everyNumberOfTheTableIsARow() {
        SyscallTable table = SyscallTable.linux();
        ConformanceTable t = new ConformanceTable(table, new Coverage(java.util.Map.of()));
        int known = 0;
        for (int nr = 0; nr < SyscallTable.SIZE; nr++) if (table.get(nr) != null) known++;
        assertEquals(known, t.rows().size());
        assertEquals(table.implemented().size(), t.rows().stream()
                .filter(r -> r.state() != SyscallStates.State.NOT_IMPLEMENTED).count());
        assertTrue(t.text().contains("openat"));
    }
}
