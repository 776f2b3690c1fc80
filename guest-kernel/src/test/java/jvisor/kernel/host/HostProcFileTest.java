package jvisor.kernel.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The raw reader of /proc files against the JDK's own file reading. */
class HostProcFileTest {
    @Test
    void aFileReadsAsTheJdkReadsIt(@TempDir Path dir) throws IOException {
        // Larger than the first buffer, so the reader must read it again into a larger one.
        StringBuilder text = new StringBuilder();
        for (int k = 0; text.length() < 100_000; k++) text.append("line ").append(k).append('\t').append(k * k).append('\n');
        Path f = dir.resolve("big");
        Files.writeString(f, text);
        assertEquals(text.toString(), HostProcFile.read(f.toString()));
        Path empty = dir.resolve("empty");
        Files.writeString(empty, "");
        assertEquals("", HostProcFile.read(empty.toString()));
    }

    @Test
    void procFilesThatDoNotChangeReadTheSame() throws IOException {
        // /proc/self/limits changes only when a limit does; this test changes none.
        assertEquals(Files.readString(Path.of("/proc/self/limits"), StandardCharsets.ISO_8859_1),
                HostProcFile.read("/proc/self/limits"));
    }

    @Test
    void aMissingFileIsNull() {
        assertNull(HostProcFile.read("/proc/self/no-such-file"));
        assertNull(HostProcFile.read("/no/such/dir/file"));
        assertNull(HostProcFile.read("/proc/self")); // a directory: read fails with EISDIR
    }

    @Test
    void fieldsAreFoundByTheirWholeName() {
        String status = "Name:\tjava\nUid:\t1000\t1000\t1000\t1000\nUidx:\t7\nGroups:\t\nSigIgn:\t0000000000000006\n";
        assertEquals("1000\t1000\t1000\t1000", HostProcFile.field(status, "Uid"));
        assertEquals("", HostProcFile.field(status, "Groups"));
        assertEquals("0000000000000006", HostProcFile.field(status, "SigIgn"));
        assertNull(HostProcFile.field(status, "Gid"));
        assertNull(HostProcFile.field(status, "Ui"));
        assertEquals("java", HostProcFile.field("Name:  java", "Name")); // no final newline
    }
}
