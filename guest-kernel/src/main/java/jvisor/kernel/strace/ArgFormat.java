package jvisor.kernel.strace;

/**
 * How --strace prints one syscall argument or result, after the call returned (so that buffers
 * and structures the kernel filled in can be shown, as strace shows them on exit).
 */
public enum ArgFormat {
    // Plain numbers.
    /** int, decimal (fds, pids, counts of int type). */
    INT,
    /** long, signed decimal (offsets). */
    LONG,
    /** size_t, unsigned decimal. */
    ULONG,
    /** strace's printargs: "0" or 0x-prefixed hex. */
    HEX,
    /** A pointer: NULL or 0x-prefixed hex. */
    PTR,
    /** A file mode for creation, octal; printed only when the preceding open flags create a file. */
    CREATE_MODE,
    /** A dirfd of *at(2): AT_FDCWD or the number. */
    DIRFD,
    /**
     * The high half of an offset split across two registers (preadv2's and pwritev2's pos_h),
     * which strace folds into the offset before it: never printed, though arguments follow it.
     */
    OFFSET_HIGH,

    // Strings and buffers.
    /** A NUL-terminated path, quoted in full. */
    PATH,
    /** Input bytes whose count is the next argument (write's buffer): 32 characters at most. */
    BUF_IN,
    /** Output bytes whose count is the result (read's buffer); a pointer if the call failed. */
    BUF_OUT,
    /** Like BUF_OUT, every byte as \xNN (getrandom). */
    BUF_OUT_HEX,
    /** An output path of the result's length including the NUL (getcwd). */
    PATH_OUT,

    // Symbolic constants and flag sets.
    OPEN_FLAGS, DUP3_FLAGS, AT_FLAGS, FACCESSAT_FLAGS, ACCESS_MODE, WHENCE, PROT, MMAP_FLAGS, MREMAP_FLAGS,
    /** mremap's new_address: printed only with MREMAP_FIXED. */
    MREMAP_NEWADDR,
    MADVICE, CLOCK, TIMER_FLAGS,
    /** clone's flags: CLONE_* names, then the exit signal in the low byte ("...|SIGCHLD"). */
    CLONE_FLAGS,
    /** wait4/waitid options. */
    WAIT_OPTIONS,
    /** wait4's int *wstatus, filled in: [{WIFEXITED(s) && WEXITSTATUS(s) == 0}]. */
    WSTATUS_OUT,
    /** futex's operation: FUTEX_WAIT_PRIVATE, FUTEX_WAKE, ... */
    FUTEX_OP, GRND_FLAGS, RSEQ_FLAGS, SIGNUM, SIGHOW, RLIMIT_RESOURCE, ARCH_CODE, FCNTL_CMD,
    IOCTL_CMD,

    // Arguments whose meaning depends on another argument.
    /** fcntl's third argument, by command. */
    FCNTL_ARG,
    /** ioctl's third argument, by request. */
    IOCTL_ARG,
    /** arch_prctl's address: a value for SET, [value] for GET. */
    ARCH_ADDR,
    /**
     * futex's val, timeout (or val2), uaddr2 and val3: strace shows only those the operation uses
     * (FUTEX_WAKE: uaddr, op, val; FUTEX_WAIT_BITSET: uaddr, op, val, timeout, val3; ...).
     */
    FUTEX_VAL, FUTEX_TIMEOUT_OR_VAL2, FUTEX_UADDR2, FUTEX_VAL3,

    // Structures.
    TIMESPEC_IN, TIMESPEC_OUT,
    /** nanosleep's remaining time: shown only if the sleep was interrupted. */
    TIMESPEC_REMAIN,
    TIMEVAL_OUT, TIMEZONE_OUT, SIGSET_IN, SIGSET_OUT, SIGACTION_IN, SIGACTION_OUT, STACK_IN, STACK_OUT,
    RLIMIT_IN, RLIMIT_OUT, STAT_OUT, STATX_OUT, UTSNAME_OUT, SYSINFO_OUT, IOVEC_IN, IOVEC_OUT, CPUSET_OUT, UINT_OUT,
    GROUPS_OUT,
    /** setgroups' list, its count the preceding argument. */
    GROUPS_IN,
    /** A siginfo_t the call reads (rt_sigqueueinfo) or fills in (rt_sigtimedwait). */
    SIGINFO_IN, SIGINFO_OUT,
    /** rt_sigreturn: the value is the rsp of the call; prints {mask=[...]} from the frame's uc_sigmask. */
    SIGRETURN_FRAME,
    /** setitimer/getitimer's which, and their struct itimerval; timer_settime's struct itimerspec. */
    ITIMER_WHICH, ITIMERVAL_IN, ITIMERVAL_OUT, ITIMERSPEC_IN, ITIMERSPEC_OUT,
    /** getrusage's who. */
    RUSAGE_WHO,

    // Sockets (printed by StraceNet).
    /** socket's family, type (with SOCK_CLOEXEC/SOCK_NONBLOCK), protocol (IPPROTO_* for AF_INET*); accept4's flags. */
    SOCK_FAMILY, SOCK_TYPE, SOCK_PROTOCOL, SOCK_FLAGS,
    /** socketpair's int sv[2], filled in. */
    SOCK_FDS_OUT,
    /** A struct sockaddr the call reads, its length the next argument. */
    SOCKADDR_IN,
    /** A struct sockaddr the call fills in, its socklen_t* the next argument. */
    SOCKADDR_OUT,
    /** A socklen_t* value-result argument: [in] or [in => out]. */
    SOCKLEN_INOUT,
    SHUT_HOW, SOCKOPT_LEVEL, SOCKOPT_NAME,
    /** setsockopt's value (length the next argument); getsockopt's (its socklen_t* the next argument). */
    SOCKOPT_IN, SOCKOPT_OUT,
    MSG_FLAGS,
    /** struct msghdr of sendmsg and recvmsg; struct mmsghdr arrays of sendmmsg and recvmmsg. */
    MSGHDR_IN, MSGHDR_OUT, MMSGHDR_IN, MMSGHDR_OUT,

    // Results only.
    /** The result in hex (brk, mmap). */
    RET_HEX,
    /** The result decimal (the default). */
    RET_DEC,
    /** fcntl's result: flags for F_GETFL and F_GETFD. */
    RET_FCNTL,
    /** time(2)'s result with the date. */
    RET_TIME,
    /** The call does not return (exit): "?". */
    RET_NONE
}
