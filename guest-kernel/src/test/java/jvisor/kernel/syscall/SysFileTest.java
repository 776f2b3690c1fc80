package jvisor.kernel.syscall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jvisor.kernel.TestProcess;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;

/** File syscalls through the dispatcher, on a temporary sandbox root. */
class SysFileTest {
    @TempDir
    Path tmp;
    Path root;
    TestProcess p;

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("root");
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(tmp.resolve("secret"), "outside the root\n");
        Files.createSymbolicLink(root.resolve("etc/link"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("out"), tmp.resolve("secret").toAbsolutePath());
        p = new TestProcess(root);
    }

    private long open(String path, int flags) {
        return p.call("openat", Fs.AT_FDCWD, p.string(path), flags, 0644);
    }

    @Test
    void openReadFstatClose() throws IOException {
        long fd = open("/etc/passwd", Fs.O_RDONLY | Fs.O_CLOEXEC);
        assertEquals(0, fd, "the lowest free descriptor");
        long buf = p.alloc(100);
        assertEquals(10, p.call("read", fd, buf, 10));
        assertEquals("root:x:0:0", p.readString(buf, 10));
        assertEquals(20, p.call("read", fd, buf, 100));
        assertEquals(":root:/root:/bin/sh\n", p.readString(buf, 20));
        assertEquals(0, p.call("read", fd, buf, 100));
        assertEquals(4, p.call("pread64", fd, buf, 4, 5));
        assertEquals("x:0:", p.readString(buf, 4));

        long st = p.alloc(144);
        assertEquals(0, p.call("fstat", fd, st));
        ByteBuffer s = ByteBuffer.wrap(p.space.readBytes(st, 144)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(Fs.S_IFREG, s.getInt(24) & Fs.S_IFMT);
        assertEquals(30, s.getLong(48));
        assertEquals(Files.getAttribute(root.resolve("etc/passwd"), "unix:ino"), s.getLong(8));

        assertEquals(Fs.FD_CLOEXEC, p.call("fcntl", fd, Fs.F_GETFD));
        assertEquals(Fs.O_RDONLY | Fs.O_LARGEFILE, p.call("fcntl", fd, Fs.F_GETFL));
        assertEquals(30, p.call("lseek", fd, 0, Fs.SEEK_END));
        assertEquals(0, p.call("close", fd));
        assertEquals(-Errno.EBADF, p.call("close", fd));
        assertEquals(-Errno.EBADF, p.call("read", fd, buf, 1));
    }

    @Test
    void statByPathAndNoFollow() {
        long st = p.alloc(144);
        assertEquals(0, p.call("newfstatat", Fs.AT_FDCWD, p.string("/etc/link"), st, 0));
        assertEquals(Fs.S_IFREG, p.space.read32(st + 24) & Fs.S_IFMT);
        assertEquals(0, p.call("newfstatat", Fs.AT_FDCWD, p.string("/etc/link"), st, Fs.AT_SYMLINK_NOFOLLOW));
        assertEquals(Fs.S_IFLNK, p.space.read32(st + 24) & Fs.S_IFMT);
        assertEquals(-Errno.ENOENT, p.call("stat", p.string("/nope"), st));
        assertEquals(-Errno.EINVAL, p.call("newfstatat", Fs.AT_FDCWD, p.string("/etc"), st, 0x4));
        assertEquals(-Errno.EFAULT, p.call("stat", p.string("/etc"), 8));
        assertEquals(-Errno.EFAULT, p.call("stat", 8, st));
    }

    @Test
    void theRootIsReadOnly() {
        assertEquals(-Errno.EROFS, open("/etc/passwd", Fs.O_WRONLY));
        assertEquals(-Errno.EROFS, open("/etc/passwd", Fs.O_RDWR));
        assertEquals(-Errno.EROFS, open("/etc/new", Fs.O_WRONLY | Fs.O_CREAT));
        assertEquals(-Errno.EROFS, open("/etc/passwd", Fs.O_RDONLY | Fs.O_TRUNC));
        assertEquals(-Errno.EEXIST, open("/etc/passwd", Fs.O_RDONLY | Fs.O_CREAT | Fs.O_EXCL));
        assertEquals(-Errno.EISDIR, open("/etc", Fs.O_WRONLY));
        assertEquals(-Errno.ENOENT, open("/etc/new", Fs.O_RDONLY));
        assertEquals(-Errno.ENOTDIR, open("/etc/passwd", Fs.O_RDONLY | Fs.O_DIRECTORY));
        assertEquals(-Errno.ELOOP, open("/etc/link", Fs.O_RDONLY | Fs.O_NOFOLLOW));
        assertEquals(-Errno.EROFS, p.call("access", p.string("/etc/passwd"), Fs.W_OK));
        assertEquals(0, p.call("access", p.string("/etc/passwd"), Fs.R_OK));
        assertEquals(-Errno.ENOENT, p.call("access", p.string("/etc/none"), Fs.F_OK));
        assertEquals(-Errno.EINVAL, p.call("access", p.string("/etc/passwd"), 8));
        // /dev/null is writable whatever the root holds.
        long fd = open("/dev/null", Fs.O_WRONLY);
        assertTrue(fd >= 0);
        long buf = p.string("data");
        assertEquals(4, p.call("write", fd, buf, 4));
    }

    @Test
    void pathsCannotEscapeTheRoot() {
        long buf = p.alloc(64);
        long fd = open("../../etc/passwd", Fs.O_RDONLY);
        assertTrue(fd >= 0, "../.. stops at the root");
        assertEquals(4, p.call("read", fd, buf, 4));
        assertEquals("root", p.readString(buf, 4));
        assertEquals(-Errno.ENOENT, open("/../secret", Fs.O_RDONLY));
        assertEquals(-Errno.ENOENT, open("/out", Fs.O_RDONLY), "an absolute link is looked up inside the root");
        long fd2 = open("/etc/link", Fs.O_RDONLY);
        assertEquals(4, p.call("read", fd2, buf, 4));
        assertEquals("root", p.readString(buf, 4));
    }

    @Test
    void getdents64ListsTheHostDirectory() {
        long dir = open("/etc", Fs.O_RDONLY | Fs.O_DIRECTORY);
        long buf = p.alloc(4096);
        long n = p.call("getdents64", dir, buf, 4096);
        assertTrue(n > 0);
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (long off = 0; off < n; ) {
            int reclen = p.space.read16(buf + off + 16);
            byte[] name = p.space.readCString(buf + off + 19, 256);
            names.add(new String(name, java.nio.charset.StandardCharsets.UTF_8));
            off += reclen;
        }
        assertEquals(java.util.Set.of(".", "..", "passwd", "link"), names);
        assertEquals(0, p.call("getdents64", dir, buf, 4096), "end of directory");
        assertEquals(-Errno.ENOTDIR, p.call("getdents64", open("/etc/passwd", 0), buf, 4096));
        assertEquals(-Errno.EISDIR, p.call("read", dir, buf, 10));
    }

    @Test
    void dupFamily() {
        long fd = open("/etc/passwd", Fs.O_RDONLY);
        assertEquals(fd + 1, p.call("dup", fd));
        assertEquals(10, p.call("dup2", fd, 10));
        assertEquals(10, p.call("dup2", 10, 10));
        assertEquals(11, p.call("dup3", fd, 11, Fs.O_CLOEXEC));
        assertEquals(Fs.FD_CLOEXEC, p.call("fcntl", 11, Fs.F_GETFD));
        assertEquals(-Errno.EINVAL, p.call("dup3", fd, fd, 0));
        assertEquals(-Errno.EINVAL, p.call("dup3", fd, 12, 1));
        assertEquals(20, p.call("fcntl", fd, Fs.F_DUPFD, 20));
        assertEquals(21, p.call("fcntl", fd, Fs.F_DUPFD_CLOEXEC, 20));
        assertEquals(Fs.FD_CLOEXEC, p.call("fcntl", 21, Fs.F_GETFD));
        assertEquals(-Errno.EBADF, p.call("dup", 99));
        assertEquals(-Errno.EBADF, p.call("dup2", fd, -1));
        // Descriptors share the file position.
        long buf = p.alloc(8);
        p.call("read", fd, buf, 5);
        assertEquals(5, p.call("lseek", 10, 0, Fs.SEEK_CUR));
    }

    @Test
    void ioctlOnAFileIsNotATerminal() {
        long fd = open("/etc/passwd", Fs.O_RDONLY);
        long buf = p.alloc(64);
        assertEquals(-Errno.ENOTTY, p.call("ioctl", fd, jvisor.kernel.abi.Ioctls.TCGETS, buf));
        assertEquals(-Errno.ENOTTY, p.call("ioctl", fd, jvisor.kernel.abi.Ioctls.TIOCGWINSZ, buf));
        assertEquals(0, p.call("ioctl", fd, jvisor.kernel.abi.Ioctls.FIONREAD, buf));
        assertEquals(30, p.space.read32(buf));
        assertEquals(0, p.call("ioctl", fd, jvisor.kernel.abi.Ioctls.FIOCLEX, 0));
        assertEquals(Fs.FD_CLOEXEC, p.call("fcntl", fd, Fs.F_GETFD));
        assertEquals(-Errno.EBADF, p.call("ioctl", 77, jvisor.kernel.abi.Ioctls.TCGETS, buf));
    }

    @Test
    void readlinkGetcwdChdirAndProcSelf() {
        long buf = p.alloc(256);
        assertEquals(11, p.call("readlink", p.string("/etc/link"), buf, 256));
        assertEquals("/etc/passwd", p.readString(buf, 11));
        assertEquals(4, p.call("readlink", p.string("/etc/link"), buf, 4), "truncated to the buffer, no NUL");
        assertEquals(-Errno.EINVAL, p.call("readlink", p.string("/etc/passwd"), buf, 256));
        assertEquals(9, p.call("readlink", p.string("/proc/self/exe"), buf, 256));
        assertEquals("/bin/test", p.readString(buf, 9));

        assertEquals(2, p.call("getcwd", buf, 256));
        assertEquals("/\0", p.readString(buf, 2));
        assertEquals(-Errno.ERANGE, p.call("getcwd", buf, 1));
        assertEquals(0, p.call("chdir", p.string("/etc")));
        assertEquals(5, p.call("getcwd", buf, 256));
        assertEquals("/etc\0", p.readString(buf, 5));
        assertTrue(p.call("openat", Fs.AT_FDCWD, p.string("passwd"), 0, 0) >= 0, "relative to the new cwd");
        assertEquals(-Errno.ENOTDIR, p.call("chdir", p.string("/etc/passwd")));

        long dir = p.call("openat", Fs.AT_FDCWD, p.string("/etc"), Fs.O_RDONLY | Fs.O_DIRECTORY, 0);
        long fd = p.call("openat", dir, p.string("passwd"), Fs.O_RDONLY, 0);
        assertTrue(fd >= 0);
        assertEquals(-Errno.ENOTDIR, p.call("openat", fd, p.string("x"), Fs.O_RDONLY, 0));
        assertEquals(-Errno.EBADF, p.call("openat", 77, p.string("x"), Fs.O_RDONLY, 0));

        // /proc/self/fd/N names the open file; opening it reaches the same file.
        String link = "/proc/self/fd/" + fd;
        assertEquals(11, p.call("readlink", p.string(link), buf, 256));
        assertEquals("/etc/passwd", p.readString(buf, 11));
        long again = p.call("openat", Fs.AT_FDCWD, p.string(link), Fs.O_RDONLY, 0);
        assertTrue(again >= 0);

        long maps = p.call("openat", Fs.AT_FDCWD, p.string("/proc/self/maps"), Fs.O_RDONLY, 0);
        long n = p.call("read", maps, buf, 256);
        assertTrue(p.readString(buf, (int) n).contains("scratch"), p.readString(buf, (int) n));
    }
}
