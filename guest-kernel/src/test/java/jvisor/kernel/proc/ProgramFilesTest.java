package jvisor.kernel.proc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgramFilesTest {
    @Test
    void readsTheWholeFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("prog");
        byte[] bytes = new byte[100_000];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i * 31);
        Files.write(f, bytes);
        assertArrayEquals(bytes, ProgramFiles.read(f, Files.readAttributes(f, BasicFileAttributes.class)));
    }

    @Test
    void aFileGoneSinceItWasCheckedIsReportedAsMissing(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("prog");
        Files.write(f, new byte[] {1, 2, 3});
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        Files.delete(f);
        // The reason the caller turns into "No such file or directory", not a message of java.io's.
        assertThrows(NoSuchFileException.class, () -> ProgramFiles.read(f, a));
    }
}
