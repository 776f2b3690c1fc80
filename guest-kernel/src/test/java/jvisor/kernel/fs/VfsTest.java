package jvisor.kernel.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jvisor.kernel.TestProcess;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;

/** The mount table, tmpfs, /dev, /proc and the sandbox: escapes, EROFS, EXDEV, --rw. */
class VfsTest {
    @TempDir
    Path tmp;
    Path root;
    TestProcess p;

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("root");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "inside\n");
        Files.writeString(tmp.resolve("secret"), "outside the root\n");
        Files.createSymbolicLink(root.resolve("toetc"), Path.of("/etc"));
        Files.createSymbolicLink(root.resolve("up"), Path.of("../../../../.."));
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));
        p = new TestProcess(root);
    }

    private long open(String path, int flags) {
        return p.call("openat", Fs.AT_FDCWD, p.string(path), flags, 0644);
    }

    private String readAll(String path) {
        long fd = open(path, Fs.O_RDONLY);
        if (fd < 0) return "errno " + (-fd);
        long buf = p.alloc(8192);
        long n = p.call("read", fd, buf, 8192);
        p.call("close", fd);
        return p.readString(buf, (int) n);
    }

    @Test
    void escapesStayInsideTheRoot() {
        assertEquals("inside\n", readAll("/../../../../etc/passwd"));
        assertEquals("inside\n", readAll("/toetc/passwd"), "an absolute link is re-rooted");
        assertEquals("inside\n", readAll("/up/etc/passwd"), "a link climbing with .. stops at the root");
        assertEquals("inside\n", readAll("/proc/self/root/../etc/passwd"));
        assertEquals("inside\n", readAll("/tmp/../../etc/passwd"), ".. leaves the tmpfs mount for the root");
        assertEquals("errno " + Errno.ENOENT, readAll("/../secret"));
        assertEquals("errno " + Errno.ELOOP, readAll("/loop"));
        assertEquals(-Errno.ELOOP, p.call("mkdir", p.string("/loop/x"), 0755));
    }

    @Test
    void symlinkInTmpfsToRootStaysInside() {
        assertEquals(0, p.call("symlink", p.string("/etc"), p.string("/tmp/e")));
        assertEquals("inside\n", readAll("/tmp/e/passwd"));
        assertEquals(0, p.call("symlink", p.string("../../../../../.."), p.string("/tmp/u")));
        assertEquals("inside\n", readAll("/tmp/u/etc/passwd"));
    }

    @Test
    void theRootIsReadOnlyByDefault() {
        assertEquals(-Errno.EROFS, p.call("mkdir", p.string("/newdir"), 0755));
        assertEquals(-Errno.EROFS, open("/newfile", Fs.O_CREAT | Fs.O_WRONLY));
        assertEquals(-Errno.EROFS, open("/etc/passwd", Fs.O_WRONLY));
        assertEquals(-Errno.EROFS, p.call("unlink", p.string("/etc/passwd")));
        assertEquals(-Errno.EEXIST, p.call("mkdir", p.string("/etc"), 0755), "EEXIST before EROFS");
        assertEquals(-Errno.EROFS, p.call("chmod", p.string("/etc/passwd"), 0600));
        assertFalse(Files.exists(root.resolve("newdir")));
    }

    @Test
    void renameAndLinkAcrossMountsAreEXDEV() {
        assertTrue(open("/tmp/a", Fs.O_CREAT | Fs.O_WRONLY) >= 0);
        assertEquals(-Errno.EXDEV, p.call("rename", p.string("/tmp/a"), p.string("/etc/a")));
        assertEquals(-Errno.EXDEV, p.call("link", p.string("/tmp/a"), p.string("/dev/shm/a")));
        assertEquals(-Errno.EBUSY, p.call("rmdir", p.string("/tmp")));
    }

    @Test
    void writableRootWithRw() throws IOException {
        PathResolver.rootWritableDefault = true;
        try {
            TestProcess rw = new TestProcess(root);
            assertEquals(0, rw.call("mkdir", rw.string("/newdir"), 0755));
            assertTrue(Files.isDirectory(root.resolve("newdir")));
            long fd = rw.call("openat", Fs.AT_FDCWD, rw.string("/newdir/f"), Fs.O_CREAT | Fs.O_WRONLY, 0644);
            assertTrue(fd >= 0);
            long buf = rw.string("data");
            assertEquals(4, rw.call("write", fd, buf, 4));
            assertEquals("data", Files.readString(root.resolve("newdir/f")));
            // ownership is virtual: recorded and shown, not applied to the host
            int hostUid = (Integer) Files.getAttribute(root.resolve("newdir/f"), "unix:uid");
            assertEquals(0, rw.call("chown", rw.string("/newdir/f"), 4321, 4321));
            long st = rw.alloc(144);
            assertEquals(0, rw.call("stat", rw.string("/newdir/f"), st));
            assertEquals(4321, rw.space.read32(st + StatBuf.ST_UID));
            assertEquals(hostUid, (int) (Integer) Files.getAttribute(root.resolve("newdir/f"), "unix:uid"));
            assertEquals(0, rw.call("rename", rw.string("/newdir/f"), rw.string("/newdir/g")));
            assertTrue(Files.exists(root.resolve("newdir/g")));
            assertEquals(0, rw.call("unlink", rw.string("/newdir/g")));
            assertEquals(0, rw.call("rmdir", rw.string("/newdir")));
            assertFalse(Files.exists(root.resolve("newdir")));
            // escapes are refused with --rw too
            assertEquals(0, rw.call("symlink", rw.string("/etc"), rw.string("/lnk")));
            long f2 = rw.call("openat", Fs.AT_FDCWD, rw.string("/lnk/created"), Fs.O_CREAT | Fs.O_WRONLY, 0644);
            assertTrue(f2 >= 0);
            assertTrue(Files.exists(root.resolve("etc/created")), "created inside the root, not in the host's /etc");
        } finally {
            PathResolver.rootWritableDefault = false;
        }
    }

    @Test
    void tmpfsSparseFilesSeekDataAndHole() {
        long fd = open("/tmp/sparse", Fs.O_CREAT | Fs.O_RDWR);
        long buf = p.string("x");
        assertEquals(1, p.call("pwrite64", fd, buf, 1, 1 << 20));
        assertEquals(0, p.call("lseek", fd, 0, Fs.SEEK_HOLE));
        assertEquals(1 << 20, p.call("lseek", fd, 0, Fs.SEEK_DATA));
        assertEquals((1 << 20) + 1, p.call("lseek", fd, 1 << 20, Fs.SEEK_HOLE));
        assertEquals(-Errno.ENXIO, p.call("lseek", fd, (1 << 20) + 1, Fs.SEEK_DATA));
        long st = p.alloc(144);
        assertEquals(0, p.call("fstat", fd, st));
        assertEquals((1 << 20) + 1, p.space.read64(st + StatBuf.ST_SIZE));
        assertEquals(8, p.space.read64(st + StatBuf.ST_BLOCKS), "one page allocated");
    }

    @Test
    void tmpfileAndMemfd() {
        long fd = p.call("openat", Fs.AT_FDCWD, p.string("/tmp"), Fs.O_TMPFILE | Fs.O_RDWR, 0600);
        assertTrue(fd >= 0, "O_TMPFILE: " + fd);
        assertEquals(-Errno.EINVAL, p.call("openat", Fs.AT_FDCWD, p.string("/tmp"), Fs.O_TMPFILE, 0600));
        assertEquals(-Errno.EROFS, p.call("openat", Fs.AT_FDCWD, p.string("/etc"), Fs.O_TMPFILE | Fs.O_RDWR, 0600));
        assertEquals(0, p.call("linkat", fd, p.string(""), Fs.AT_FDCWD, p.string("/tmp/named"), Fs.AT_EMPTY_PATH));
        assertTrue(open("/tmp/named", Fs.O_RDONLY) >= 0);
        long m = p.call("memfd_create", p.string("buf"), 2);
        assertTrue(m >= 0);
        assertEquals(0, p.call("ftruncate", m, 4096));
        assertEquals(0, p.call("fcntl", m, Fs.F_ADD_SEALS, 4)); // F_SEAL_GROW
        assertEquals(-Errno.EPERM, p.call("ftruncate", m, 8192));
        long buf = p.alloc(64);
        assertEquals(20, p.call("readlink", p.string("/proc/self/fd/" + m), buf, 64));
        assertEquals("/memfd:buf (deleted)", p.readString(buf, 20));
    }

    @Test
    void devAndProcFiles() {
        assertEquals("", readAll("/dev/null"));
        long fd = open("/dev/full", Fs.O_WRONLY);
        assertEquals(-Errno.ENOSPC, p.call("write", fd, p.string("x"), 1));
        String cpuinfo = readAll("/proc/cpuinfo");
        assertTrue(cpuinfo.contains("vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 94\n"), cpuinfo);
        assertTrue(cpuinfo.contains("cache size\t: 8192 KB"), cpuinfo);
        // The flags are CPUID's (leaf 1 EDX, 0x80000001 EDX, leaf 1 ECX, 0x80000001 ECX, leaf 7 EBX,
        // leaf 0xD.1 EAX, in Linux's order): AVX, AVX2 and XSAVE are advertised, OSXSAVE has no name.
        assertTrue(cpuinfo.contains("\nflags\t\t: fpu tsc cx8 cmov fxsr sse sse2 syscall nx rdtscp lm pni ssse3 cx16"
                + " sse4_1 sse4_2 movbe popcnt xsave avx hypervisor lahf_lm abm bmi1 avx2 bmi2 adx xsaveopt\n"), cpuinfo);
        assertTrue(readAll("/proc/self/status").contains("Pid:\t4242"));
        assertTrue(readAll("/proc/sys/kernel/ostype").startsWith("Linux"));
        assertEquals(-Errno.EACCES, open("/proc/self/status", Fs.O_WRONLY));
        long dir = open("/proc/self/fd", Fs.O_RDONLY | Fs.O_DIRECTORY);
        long buf = p.alloc(1024);
        long n = p.call("getdents64", dir, buf, 1024);
        assertTrue(n > 0);
        String names = new String(p.space.readBytes(buf, (int) n), StandardCharsets.ISO_8859_1);
        assertTrue(names.contains(Long.toString(dir)), "lists its own fd");
    }
}
