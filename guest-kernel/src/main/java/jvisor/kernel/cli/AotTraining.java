package jvisor.kernel.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import jvisor.hypervisor.Hypervisor;
import jvisor.kernel.GuestThread;
import jvisor.kernel.Kernel;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Exec;
import jvisor.kernel.proc.Process;
import jvisor.kernel.signal.FatalSignal;
import jvisor.kernel.syscall.SyscallTable;

/**
 * The end of the launcher's training run for JDK 25's ahead-of-time cache (JEP 483): loads every
 * jvisor class of the class path that a run may need, so the cache holds them all and not only
 * those the training program happened to reach.
 *
 * <p>Why: the training run translates every block it meets, so the interpreter's paths for many
 * instructions never run in it. A class met only on such a path (the SIMD lanes' helpers, for one)
 * was left out of the cache, and the first run that reached it had the class loader open the class
 * path's jars one by one to find it: reading their central directories cost the vCPU thread some
 * 14% of hello's samples. Classes are loaded, not initialized: no static state is built here.
 */
final class AotTraining {
    /** The system property the launcher sets on its training run. */
    static final String PROPERTY = "jvisor.aot.training";

    private static final String PACKAGE_PREFIX = "jvisor/";

    /**
     * Packages left to the class loader: the syscall checker, the conformance listing and the
     * debuggers, which jvisor run never reaches (what it does reach of them, such as the
     * TaskMonitor interface, the training run loads anyway). The JVM loads every class of the
     * cache when it starts: these 90 classes cost a hello 102.9 -> 99.4 ms (medians of 30), while a
     * check or debug session pays its first jar reads once, among seconds of work.
     */
    private static final String[] LEFT_OUT = {"jvisor/kernel/check/", "jvisor/kernel/conformance/", "jvisor/kernel/debug/"};

    private AotTraining() {
    }

    /**
     * The test programs (testbins/out, beside the training run's hello) the training run runs after
     * hello, in the same JVM, so that the cache also holds what their paths through jvisor link:
     * the lambdas the kernel's code makes on them, the JDK's classes they reach (FFM memory, the
     * sockets' and the clocks' code), the method handles generated for them. Hello alone leaves
     * most of the kernel's paths out: a program that reached one generated its lambdas and method
     * handles, and loaded the JDK's classes from the runtime image, while the JVM still interpreted
     * the code that does it (time-clocks-glibc: 304 classes outside the cache). They were chosen to
     * cover what programs commonly do (stdio, malloc, files, pipes, poll, fork, threads, clocks,
     * signals, sockets, a pseudoterminal's job control); each cleans up after itself (its files
     * are in a directory of its own under /tmp) and needs no arguments or input.
     */
    static final List<String> MORE_PROGRAMS = List.of("hello-musl", "printf-glibc", "malloc-glibc", "fs-basic-glibc",
            "pipe-basic-glibc", "poll-basic-glibc", "fork-wait-glibc", "threads-glibc", "time-clocks-glibc",
            "signals-handler-glibc", "sockets-glibc", "job-control-tty-glibc", "memory-glibc", "identity-glibc",
            "file-locks-glibc");

    /**
     * How long one of {@link #MORE_PROGRAMS} may run (each takes well under a second): one that
     * hangs where the host differs (no pseudoterminals in a container, say) is killed, and the
     * training goes on without it, rather than leave a new user's first ./jvisor waiting.
     */
    static final long PROGRAM_TIME_LIMIT_MS = 20_000;

    /** What a training program's first thread is called while it runs. */
    static final String TRAINING_THREAD = "jvisor-aot-training";

    /**
     * Runs {@link #MORE_PROGRAMS} that exist beside trainingBinary, one after the other, with the
     * environment envp and this JVM's standard files (the launcher's /dev/null), each for at most
     * limitMillis. Their outcome does not matter, only the code they reach: a program that cannot
     * start, fails or is killed is passed over. Returns how many ran to their end.
     */
    static int runMorePrograms(Path trainingBinary, List<byte[]> envp, long limitMillis) {
        Path dir = trainingBinary.toAbsolutePath().getParent();
        int ran = 0;
        for (String name : MORE_PROGRAMS) {
            Path binary = dir.resolve(name);
            if (!Files.isRegularFile(binary)) continue;
            try {
                Hypervisor hv = new Hypervisor();
                hv.setTranslationThreshold(jvisor.cpu.jit.Translator.STANDARD_THRESHOLD);
                byte[] path = binary.toString().getBytes(StandardCharsets.UTF_8);
                Process p = Exec.start(hv, new Exec.Request(binary, path, List.of(path), envp, Path.of("/")));
                Kernel kernel = new Kernel(hv, SyscallTable.linux(), null);
                GuestThread.Running run = GuestThread.start(TRAINING_THREAD, () -> {
                    try {
                        kernel.run(p);
                    } catch (RuntimeException | Error e) {
                        // jvisor's own failure: the training keeps what the program reached
                    }
                });
                if (!run.join(limitMillis)) {
                    // Every process it started: a hung child would keep its thread busy too.
                    FatalSignal kill = new FatalSignal(Signals.SIGKILL, Signals.SI_KERNEL, 0, 0, 0, null);
                    for (Process q : p.table.processes()) q.kill(kill);
                    run.join(limitMillis);
                    continue;
                }
                ran++;
            } catch (Exception | LinkageError e) {
                // a program that cannot run trains nothing; the cache is made from the others
            }
        }
        return ran;
    }

    /** Whether this JVM is the launcher's training run. */
    static boolean active() {
        return Boolean.getBoolean(PROPERTY);
    }

    private static boolean leftOut(String entry) {
        for (String p : LEFT_OUT) {
            if (entry.startsWith(p)) return true;
        }
        return false;
    }

    /** Loads every class under jvisor/ (but {@link #LEFT_OUT}) in the class path's jars; returns how many it loaded. */
    static int loadAllClasses() {
        return loadAll(System.getProperty("java.class.path", ""), AotTraining.class.getClassLoader());
    }

    /**
     * Loads, through loader, every class under jvisor/ in the jars of classPath (folders and other
     * entries are skipped: the launcher's class path is jars only). Returns how many loaded.
     */
    static int loadAll(String classPath, ClassLoader loader) {
        int loaded = 0;
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.endsWith(".jar")) continue;
            try (JarFile jar = new JarFile(entry)) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements();) {
                    String name = e.nextElement().getName();
                    if (!name.startsWith(PACKAGE_PREFIX) || !name.endsWith(".class") || leftOut(name)) continue;
                    String className = name.substring(0, name.length() - ".class".length()).replace('/', '.');
                    try {
                        Class.forName(className, false, loader);
                        loaded++;
                    } catch (ClassNotFoundException | LinkageError ignored) {
                        // a class that cannot load stays out of the cache; a run loads it as before
                    }
                }
            } catch (IOException ignored) {
                // an unreadable jar: its classes are simply not added
            }
        }
        return loaded;
    }
}
