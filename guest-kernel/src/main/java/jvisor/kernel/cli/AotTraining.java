package jvisor.kernel.cli;

import java.io.File;
import java.io.IOException;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The end of the launcher's training run for JDK 25's ahead-of-time cache (JEP 483): loads every
 * jvisor class of the class path, so the cache holds them all and not only those the training
 * program happened to reach.
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

    private AotTraining() {
    }

    /** Whether this JVM is the launcher's training run. */
    static boolean active() {
        return Boolean.getBoolean(PROPERTY);
    }

    /** Loads every class under jvisor/ in the class path's jars; returns how many it loaded. */
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
                    if (!name.startsWith(PACKAGE_PREFIX) || !name.endsWith(".class")) continue;
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
