package jvisor.kernel.elf;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the testbins programs are (built by make -C testbins); tests that need them are skipped otherwise. */
public final class TestBins {
    private TestBins() {}

    public static Path dir() {
        Path p = Path.of("").toAbsolutePath();
        for (Path d = p; d != null; d = d.getParent()) {
            Path out = d.resolve("testbins/out");
            if (Files.isDirectory(out)) return out;
        }
        return p.resolve("testbins/out");
    }

    public static Path program(String name) {
        return dir().resolve(name);
    }
}
