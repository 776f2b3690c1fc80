package jvisor.cpu.insn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * The plumbing the SSE and x87 native oracles share: a short content hash of an oracle's C source
 * as its cache key, and the binary compiled from it once into the temp directory.
 */
final class NativeOracleBuild {
    private NativeOracleBuild() {}

    /** Whether the host is x86-64 Linux and probe (building and running a first oracle) does not throw. */
    static boolean hostCanRun(Runnable probe) {
        boolean ok = System.getProperty("os.arch").equals("amd64") && System.getProperty("os.name").equals("Linux");
        if (ok) {
            try {
                probe.run();
            } catch (RuntimeException e) {
                ok = false;
            }
        }
        return ok;
    }

    /** The first 12 bytes of the SHA-256 of s, in hex. */
    static String sha(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)), 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The executable tmpdir/cacheDir/key/oracle, compiled from source when it is not there yet:
     * gcc runs the gcc command line (gcc, the flags, -o and the files), throwing when it fails.
     */
    static Path binary(String cacheDir, String key, String source, Consumer<List<String>> gcc, String... flags)
            throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), cacheDir, key);
        Path bin = dir.resolve("oracle");
        if (!Files.isExecutable(bin)) {
            Files.createDirectories(dir);
            Path src = dir.resolve("oracle.c");
            Files.writeString(src, source);
            Path tmp = dir.resolve("oracle.tmp" + ProcessHandle.current().pid());
            List<String> command = new ArrayList<>();
            command.add("gcc");
            command.addAll(List.of(flags));
            command.addAll(List.of("-o", tmp.toString(), src.toString()));
            gcc.accept(command);
            Files.move(tmp, bin, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return bin;
    }
}
