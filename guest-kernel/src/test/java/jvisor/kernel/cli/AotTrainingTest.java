package jvisor.kernel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jvisor.kernel.debug.TinyProgram;

class AotTrainingTest {
    /** A loader that reads the jar itself (its parent is the platform loader) and says what it has loaded. */
    private static final class JarLoader extends URLClassLoader {
        JarLoader(Path jar) throws IOException {
            super(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        }

        Class<?> loaded(String name) {
            return findLoadedClass(name);
        }
    }

    private static byte[] classBytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    private static void put(JarOutputStream jar, String name, byte[] bytes) throws IOException {
        jar.putNextEntry(new JarEntry(name));
        jar.write(bytes);
        jar.closeEntry();
    }

    @Test
    void loadsTheJvisorClassesOfTheJarsAndSkipsWhatCannotLoad(@TempDir Path dir) throws IOException {
        Path jarFile = dir.resolve("classes.jar");
        byte[] numbers = classBytes(Numbers.class);
        try (OutputStream out = Files.newOutputStream(jarFile); JarOutputStream jar = new JarOutputStream(out)) {
            put(jar, "jvisor/kernel/cli/Numbers.class", numbers);
            put(jar, "jvisor/Broken.class", new byte[] {1, 2, 3}); // not a class file: skipped, not fatal
            put(jar, "jvisor/notes.txt", new byte[] {'x'});
            // A loadable class of a package left out (the debugger's): left alone.
            put(jar, "jvisor/kernel/debug/ProgramSymbols.class", classBytes(jvisor.kernel.debug.ProgramSymbols.class));
            // A loadable class outside jvisor/ (an annotation of JUnit's, which needs nothing else): left alone.
            put(jar, "org/junit/jupiter/api/io/TempDir.class", classBytes(TempDir.class));
        }
        String classPath = String.join(File.pathSeparator, dir.toString(), dir.resolve("missing.jar").toString(),
                jarFile.toString());
        try (JarLoader loader = new JarLoader(jarFile)) {
            assertEquals(1, AotTraining.loadAll(classPath, loader));
            Class<?> c = loader.loaded("jvisor.kernel.cli.Numbers");
            assertNotNull(c);
            assertSame(loader, c.getClassLoader());
            assertNull(loader.loaded("org.junit.jupiter.api.io.TempDir"));
            assertNull(loader.loaded("jvisor.kernel.debug.ProgramSymbols"));
        }
    }

    @Test
    void theTrainingRunGoesOnPastProgramsThatCrashOrCannotStart(@TempDir Path dir) throws Exception {
        // Under the first training name, a program killed by SIGSEGV: it ran (a run of jvisor
        // would die by the signal with it; the training run must not).
        Files.move(TinyProgram.write(dir), dir.resolve(AotTraining.MORE_PROGRAMS.get(0)));
        // Under the second, a file that is no ELF executable: passed over. The others are missing.
        Files.write(dir.resolve(AotTraining.MORE_PROGRAMS.get(1)), new byte[] {1, 2, 3});
        assertEquals(1, AotTraining.runMorePrograms(dir.resolve("hello-glibc"), List.of(), 60_000));
    }

    @Test
    void aProgramThatDoesNotEndIsKilledAndTheTrainingGoesOn(@TempDir Path dir) throws Exception {
        Files.move(TinyProgram.writeSpinner(dir), dir.resolve(AotTraining.MORE_PROGRAMS.get(0)));
        Files.move(TinyProgram.write(dir), dir.resolve(AotTraining.MORE_PROGRAMS.get(1)));
        long start = System.nanoTime();
        // The spinner is killed after 300 ms; the next program (killed by its SIGSEGV) runs.
        assertEquals(1, AotTraining.runMorePrograms(dir.resolve("hello-glibc"), List.of(), 300));
        assertTrue(System.nanoTime() - start < 30_000_000_000L, "it did not wait for the spinner");
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertFalse(t.getName().equals(AotTraining.TRAINING_THREAD) && t.isAlive(), "the spinner's thread ended");
        }
    }

    @Test
    void everyTrainingProgramIsOneThatTestbinsBuilds() throws IOException {
        // A misspelt name would be passed over without a word, its paths left out of the cache.
        Path makefile = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null && makefile == null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("testbins/Makefile"))) makefile = d.resolve("testbins/Makefile");
        }
        assertNotNull(makefile, "testbins/Makefile above " + Path.of("").toAbsolutePath());
        List<String> words = List.of(Files.readString(makefile).split("[\\s\\\\]+"));
        for (String name : AotTraining.MORE_PROGRAMS) assertTrue(words.contains(name), name + " is not in " + makefile);
    }

    @Test
    void anEmptyClassPathLoadsNothing() {
        assertEquals(0, AotTraining.loadAll("", AotTrainingTest.class.getClassLoader()));
    }
}
