package jvisor.kernel.host;

import java.lang.foreign.ValueLayout;

/**
 * The C types of the typed FFM downcalls (int, long, pointer), for the stubs' holder classes
 * only. A class of their own: ValueLayout's initialization makes the JVM generate method handle
 * classes (milliseconds), and the calls every start makes (the syscalls by number of
 * {@link jvisor.mmu.HostSyscall}, the umask read) need no layout.
 */
public final class NativeLayouts {
    public static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;
    public static final ValueLayout P = ValueLayout.ADDRESS;

    private NativeLayouts() {}
}
