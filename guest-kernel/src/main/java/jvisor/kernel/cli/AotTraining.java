package jvisor.kernel.cli;

import java.io.File;
import java.io.IOException;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

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
