package jvisor.kernel.proc;

import java.io.IOException;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bytes of the executables the JVM started guests from, kept while the file stays the same
 * (same file, size and modification time) and memory allows: a program started again in a
 * running JVM (the embedding API's harnesses, a shell script's loop) is not read again. The
 * arrays are shared, so nobody may write into them; the ELF loader only reads.
 */
final class ProgramFiles {
    private static final int ENTRIES = 8;

    private record Cached(Object fileKey, long size, FileTime modified, SoftReference<byte[]> data) {
    }

    private static final Map<Path, Cached> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, Cached> eldest) {
            return size() > ENTRIES;
        }
    };

    private ProgramFiles() {}

    /** The whole file at binary (a regular file no larger than max, which the caller checked). */
    static byte[] read(Path binary, BasicFileAttributes a) throws IOException {
        FileTime modified = a.lastModifiedTime();
        Path key = binary.toAbsolutePath();
        synchronized (CACHE) {
            Cached e = CACHE.get(key);
            byte[] data = e != null ? e.data().get() : null;
            if (data != null && e.size() == a.size() && e.modified().equals(modified)
                    && java.util.Objects.equals(e.fileKey(), a.fileKey())) {
                return data;
            }
        }
        byte[] data = Files.readAllBytes(binary);
        if (data.length == a.size()) {
            synchronized (CACHE) {
                CACHE.put(key, new Cached(a.fileKey(), a.size(), modified, new SoftReference<>(data)));
            }
        }
        return data;
    }
}
