package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the ./jvisor launcher builds jvisor and when it makes its AOT cache again. The launcher
 * runs in a copy of the repository's layout where maven, the JDK and dpkg are small scripts that
 * write what they were asked to do into a log: a build ("mvn"), a training run that writes the
 * cache ("train"), the run itself ("run").
 *
 * <p>Why it matters: JDK 25 runs the classes of an AOT cache even when a jar of the class path has
 * changed since the cache was made, so a cache older than the jars makes jvisor run old code
 * without a word.
 */
class LauncherFreshnessTest {
    @TempDir
    Path repo;

    private Path log, jar, libJar, source, cache;
    private final Instant now = Instant.now();

    @BeforeEach
    void fakeRepository() throws IOException {
        Path launcher = GuestRunner.testbinsDir().getParent().resolve("jvisor");
        Files.copy(launcher, repo.resolve("jvisor"));
        log = repo.resolve("log");
        Files.writeString(log, "");
        Path bin = Files.createDirectories(repo.resolve("fake-bin"));
        // A JDK: "java" writes the cache a training run asks for, and says which kind of run it was.
        executable(repo.resolve("fake-jdk/bin/java"), """
                #!/bin/sh
                for a in "$@"; do
                    case $a in -XX:AOTCacheOutput=*) : >"${a#-XX:AOTCacheOutput=}"; echo train >>"$LOG"; exit 0 ;; esac
                done
                echo run >>"$LOG"
                """);
        Files.writeString(Files.createDirectories(repo.resolve("scripts")).resolve("find-jdk"), """
                jvisor_find_jdk() {
                    jvisor_java_home=$FAKE_JDK
                    jvisor_java=$FAKE_JDK/bin/java
                }
                """);
        // maven: a build touches the jar, as a real one rewrites it.
        executable(bin.resolve("mvn"), """
                #!/bin/sh
                echo mvn >>"$LOG"
                touch "$JAR"
                """);
        executable(bin.resolve("dpkg"), "#!/bin/sh\nexit 0\n");
        executable(repo.resolve("testbins/out/hello-glibc"), "#!/bin/sh\n");

        Files.writeString(repo.resolve("pom.xml"), "<project/>");
        Files.writeString(Files.createDirectories(repo.resolve("guest-kernel")).resolve("pom.xml"), "<project/>");
        source = repo.resolve("guest-kernel/src/main/java/Source.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "class Source {}");
        jar = repo.resolve("guest-kernel/target/guest-kernel-0.1.0-SNAPSHOT.jar");
        libJar = repo.resolve("guest-kernel/target/lib/dependency.jar");
        Files.createDirectories(libJar.getParent());
        Files.writeString(jar, "jar");
        Files.writeString(libJar, "jar");
        cache = repo.resolve("guest-kernel/target/jvisor.aot");
        // Built a while ago from older sources; no cache yet.
        for (Path p : List.of(repo.resolve("pom.xml"), repo.resolve("guest-kernel/pom.xml"), source)) age(p, 300);
        age(jar, 200);
        age(libJar, 200);
        age(libJar.getParent(), 200);
    }

    private static void executable(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Sets p's modification time to that many seconds before the test began. */
    private void age(Path p, int seconds) throws IOException {
        Files.setLastModifiedTime(p, FileTime.from(now.minusSeconds(seconds)));
    }

    /** Runs ./jvisor run hello-glibc; returns what it did, in order. */
    private List<String> launch() throws IOException, InterruptedException {
        Files.writeString(log, "");
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", repo.resolve("jvisor").toString(), "run",
                repo.resolve("testbins/out/hello-glibc").toString());
        pb.environment().put("PATH", repo.resolve("fake-bin") + ":/usr/bin:/bin");
        pb.environment().put("FAKE_JDK", repo.resolve("fake-jdk").toString());
        pb.environment().put("LOG", log.toString());
        pb.environment().put("JAR", jar.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(repo.resolve("output").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher ended");
        assertEquals(0, p.exitValue(), () -> "launcher output: " + read(repo.resolve("output")));
        return Files.readAllLines(log, StandardCharsets.UTF_8);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void aFreshCacheIsUsedAsItIs() throws Exception {
        assertEquals(List.of("train", "run"), launch(), "no cache yet: it is made, nothing is built");
        assertTrue(Files.isRegularFile(cache));
        assertEquals(List.of("run"), launch(), "nothing changed since");
    }

    @Test
    void aJarRebuiltByAnotherBuildMakesTheCacheAgain() throws Exception {
        launch();
        // scripts/test's mvn verify repackaged the jar after the cache was made.
        age(cache, 100);
        age(jar, 50);
        assertEquals(List.of("train", "run"), launch());
        assertEquals(List.of("run"), launch());
    }

    @Test
    void aChangedDependencyMakesTheCacheAgain() throws Exception {
        launch();
        age(cache, 100);
        age(libJar, 50);
        assertEquals(List.of("train", "run"), launch());
    }

    @Test
    void aChangedSourceBuildsAndMakesTheCacheAgain() throws Exception {
        launch();
        age(cache, 100);
        age(source, 50);
        assertEquals(List.of("mvn", "train", "run"), launch());
        assertEquals(List.of("run"), launch());
    }
}
