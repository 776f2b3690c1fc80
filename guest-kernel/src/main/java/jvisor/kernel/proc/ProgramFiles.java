package jvisor.kernel.proc;

import java.io.IOException;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import jvisor.kernel.elf.ElfException;
import jvisor.kernel.elf.ElfFile;
import jvisor.kernel.elf.ProgramImage;

/**
 * The executables the JVM started guests from, kept while the file stays the same (same file,
 * size and modification time): their bytes while memory allows, and their loaded segments
 * ({@link ProgramImage}), so a program started again in a running JVM (the embedding API's
 * harnesses, a shell script's loop) is neither read nor copied into memory again. The arrays are
 * shared, so nobody may write into them; the ELF loader only reads. The least recently started
 * program goes when there are more than {@link #ENTRIES}; its image goes back to the host once
 * the guests that map it are gone.
 */
final class ProgramFiles {
    private static final int ENTRIES = 8;
    /** Larger programs get their segments copied per guest: an image is kept only below this. */
    private static final long MAX_IMAGE_FILE = 32L << 20;

    private static final class Cached {
        final Object fileKey;
        final long size;
        final FileTime modified;
        SoftReference<byte[]> data;
        ProgramImage image;

        Cached(BasicFileAttributes a, byte[] data) {
            this.fileKey = a.fileKey();
            this.size = a.size();
            this.modified = a.lastModifiedTime();
            this.data = new SoftReference<>(data);
        }

        boolean describes(BasicFileAttributes a) {
            return size == a.size() && modified.equals(a.lastModifiedTime()) && Objects.equals(fileKey, a.fileKey());
        }

        void drop() {
            if (image != null) image.close();
        }
    }

    private static final Map<Path, Cached> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, Cached> eldest) {
            if (size() <= ENTRIES) return false;
            eldest.getValue().drop();
            return true;
        }
    };

    private ProgramFiles() {}

    /**
     * The file's bytes as they are now: one read(2) into the array, not Files.readAllBytes (a
     * channel, its stream and a temporary direct buffer, set up in interpreted code at every start).
     * A file that cannot be opened, or shrank meanwhile, is left to Files.readAllBytes: its
     * exceptions name the reason (NoSuchFileException, AccessDeniedException) as the caller reports it.
     */
    private static byte[] readFully(Path binary) throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(binary.toFile(), "r")) {
            long length = f.length();
            if (length > Integer.MAX_VALUE - 8) return Files.readAllBytes(binary);
            byte[] data = new byte[(int) length];
            f.readFully(data);
            return data;
        } catch (java.io.FileNotFoundException | java.io.EOFException e) {
            return Files.readAllBytes(binary);
        }
    }

    /** The whole file at binary (a regular file no larger than max, which the caller checked). */
    static byte[] read(Path binary, BasicFileAttributes a) throws IOException {
        Path key = binary.toAbsolutePath();
        synchronized (CACHE) {
            Cached e = CACHE.get(key);
            byte[] data = e != null && e.describes(a) ? e.data.get() : null;
            if (data != null) return data;
        }
        byte[] data = readFully(binary);
        if (data.length == a.size()) {
            synchronized (CACHE) {
                Cached e = CACHE.get(key);
                if (e != null && e.describes(a)) {
                    e.data = new SoftReference<>(data);
                } else {
                    if (e != null) e.drop();
                    CACHE.put(key, new Cached(a, data));
                }
            }
        }
        return data;
    }

    /**
     * The loaded segments of the ELF file at binary (checked as for {@link #read}), built at its
     * first start and kept with the file's entry; null for a file too large to keep.
     *
     * @throws ElfException if the file is not a program jvisor runs
     */
    static ProgramImage image(Path binary, BasicFileAttributes a) throws IOException, ElfException {
        if (a.size() > MAX_IMAGE_FILE) return null;
        Path key = binary.toAbsolutePath();
        synchronized (CACHE) {
            Cached e = CACHE.get(key);
            if (e != null && e.describes(a) && e.image != null) return e.image;
        }
        byte[] data = read(binary, a);
        ProgramImage image = ProgramImage.build(ElfFile.parse(data));
        synchronized (CACHE) {
            Cached e = CACHE.get(key);
            if (e == null || !e.describes(a)) {
                // The first start, or the file changed, or its entry went meanwhile.
                if (e != null) e.drop();
                e = new Cached(a, data);
                CACHE.put(key, e);
            }
            if (e.image == null) {
                e.image = image;
            } else if (e.image != image) {
                image.close(); // another start built it first
                image = e.image;
            }
            return image;
        }
    }
}
