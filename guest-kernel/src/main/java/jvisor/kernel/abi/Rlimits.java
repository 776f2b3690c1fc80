package jvisor.kernel.abi;

/** Resource limits (include/uapi/asm-generic/resource.h). */
public final class Rlimits {
    private Rlimits() {}

    public static final int RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4,
            RLIMIT_RSS = 5, RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9,
            RLIMIT_LOCKS = 10, RLIMIT_SIGPENDING = 11, RLIMIT_MSGQUEUE = 12, RLIMIT_NICE = 13, RLIMIT_RTPRIO = 14,
            RLIMIT_RTTIME = 15;
    public static final int RLIM_NLIMITS = 16;
    public static final long RLIM_INFINITY = -1L;
    /** fs.nr_open default: RLIMIT_NOFILE's hard limit cannot exceed it. */
    public static final long NR_OPEN = 1024 * 1024;

    public static final Xlat NAMES = Xlat.of("RLIMIT_???", "RLIMIT_CPU", RLIMIT_CPU, "RLIMIT_FSIZE", RLIMIT_FSIZE,
            "RLIMIT_DATA", RLIMIT_DATA, "RLIMIT_STACK", RLIMIT_STACK, "RLIMIT_CORE", RLIMIT_CORE,
            "RLIMIT_RSS", RLIMIT_RSS, "RLIMIT_NPROC", RLIMIT_NPROC, "RLIMIT_NOFILE", RLIMIT_NOFILE,
            "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK, "RLIMIT_AS", RLIMIT_AS, "RLIMIT_LOCKS", RLIMIT_LOCKS,
            "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING, "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE, "RLIMIT_NICE", RLIMIT_NICE,
            "RLIMIT_RTPRIO", RLIMIT_RTPRIO, "RLIMIT_RTTIME", RLIMIT_RTTIME);
}
