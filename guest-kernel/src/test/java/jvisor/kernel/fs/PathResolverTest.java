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

import jvisor.kernel.abi.Errno;

class PathResolverTest {
    @TempDir
    Path tmp;
    Path root;
    PathResolver fs;

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("root");
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("usr/lib"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
        Files.writeString(tmp.resolve("secret"), "outside\n"); // next to the root, not inside
        Files.createSymbolicLink(root.resolve("abs"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("usr/lib/rel"), Path.of("../../etc"));
        Files.createSymbolicLink(root.resolve("escape"), Path.of("../../../../secret"));
        Files.createSymbolicLink(root.resolve("loop1"), Path.of("loop2"));
        Files.createSymbolicLink(root.resolve("loop2"), Path.of("loop1"));
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("/nowhere"));
        fs = new PathResolver(root, null);
    }

    private Resolution resolve(String path, boolean follow) {
        return fs.resolve("/usr".getBytes(StandardCharsets.UTF_8), path.getBytes(StandardCharsets.UTF_8), follow);
    }

    private String guest(String path) {
        Resolution r = resolve(path, true);
        assertEquals(0, r.error(), path);
        return r.guestPathString();
    }

    private int error(String path) {
        return resolve(path, true).error();
    }

    @Test
    void plainPaths() throws IOException {
        assertEquals("/etc/passwd", guest("/etc/passwd"));
        assertEquals("/usr/lib", guest("lib"));
        assertEquals("/etc/passwd", guest("../etc/./passwd"));
        assertEquals("/", guest("/"));
        assertEquals("/etc", guest("//etc//"));
        Resolution r = resolve("/etc/passwd", true);
        assertEquals(root.toRealPath() + "/etc/passwd", new String(r.hostPath(), StandardCharsets.UTF_8));
        assertTrue(r.exists());
    }

    @Test
    void dotDotCannotClimbAboveTheRoot() {
        assertEquals("/etc/passwd", guest("../../etc/passwd"));
        assertEquals("/etc/passwd", guest("/../../../../../etc/passwd"));
        assertEquals("/", guest("/.."));
        Resolution r = resolve("../../../secret", true);
        assertEquals(0, r.error());
        assertFalse(r.exists(), "the file next to the root is not visible");
        assertEquals("/secret", r.guestPathString());
    }

    @Test
    void absoluteSymlinksAreReRooted() {
        assertEquals("/etc/passwd", guest("/abs"));
        Resolution r = resolve("/escape", true);
        assertEquals("/secret", r.guestPathString());
        assertFalse(r.exists());
        assertEquals("/etc", guest("/usr/lib/rel"));
        assertEquals("/etc/passwd", guest("/usr/lib/rel/passwd"));
    }

    @Test
    void finalLinksAreKeptWhenNotFollowed() {
        Resolution r = resolve("/abs", false);
        assertEquals("/abs", r.guestPathString());
        assertTrue(r.exists());
        // A trailing slash follows anyway.
        assertEquals("/etc", resolve("/usr/lib/rel/", false).guestPathString());
    }

    @Test
    void errorsAreLinuxs() {
        assertEquals(Errno.ELOOP, error("/loop1"));
        assertEquals(Errno.ENOENT, error("/nowhere/x"));
        assertEquals(Errno.ENOTDIR, error("/etc/passwd/x"));
        assertEquals(Errno.ENOTDIR, error("/etc/passwd/"));
        assertEquals(Errno.ENOTDIR, error("/etc/passwd/.."));
        assertEquals(Errno.ENOENT, error(""));
        assertEquals(Errno.ENAMETOOLONG, error("/" + "x".repeat(256)));
        assertEquals(Errno.ENAMETOOLONG, error("/a".repeat(2048)));
        Resolution dangling = resolve("/dangling", true);
        assertEquals(0, dangling.error());
        assertFalse(dangling.exists());
        assertEquals("/nowhere", dangling.guestPathString());
    }

    @Test
    void guestPathsOfHostPaths() throws IOException {
        assertEquals("/etc/passwd", fs.guestPathOf(root.toRealPath().resolve("etc/passwd")));
        assertEquals("/", fs.guestPathOf(root.toRealPath()));
        assertEquals(null, fs.guestPathOf(tmp.toRealPath().resolve("secret")));
    }
}
