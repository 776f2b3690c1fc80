package jvisor.kernel.abi;

/**
 * Linux errno values (include/uapi/asm-generic/errno-base.h and errno.h) with their names and the
 * messages glibc's strerror gives them. The one table of errors: handlers return {@code -Errno.X},
 * and the strace printer turns a negative result into {@code -1 ENOENT (No such file or directory)}.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int ENOEXEC = 8;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int ENOTBLK = 15;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int ETXTBSY = 26;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int EPIPE = 32;
    public static final int EDOM = 33;
    public static final int ERANGE = 34;
    public static final int EDEADLK = 35;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOLCK = 37;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENOMSG = 42;
    public static final int EIDRM = 43;
    public static final int ECHRNG = 44;
    public static final int EL2NSYNC = 45;
    public static final int EL3HLT = 46;
    public static final int EL3RST = 47;
    public static final int ELNRNG = 48;
    public static final int EUNATCH = 49;
    public static final int ENOCSI = 50;
    public static final int EL2HLT = 51;
    public static final int EBADE = 52;
    public static final int EBADR = 53;
    public static final int EXFULL = 54;
    public static final int ENOANO = 55;
    public static final int EBADRQC = 56;
    public static final int EBADSLT = 57;
    public static final int EBFONT = 59;
    public static final int ENOSTR = 60;
    public static final int ENODATA = 61;
    public static final int ETIME = 62;
    public static final int ENOSR = 63;
    public static final int ENONET = 64;
    public static final int ENOPKG = 65;
    public static final int EREMOTE = 66;
    public static final int ENOLINK = 67;
    public static final int EADV = 68;
    public static final int ESRMNT = 69;
    public static final int ECOMM = 70;
    public static final int EPROTO = 71;
    public static final int EMULTIHOP = 72;
    public static final int EDOTDOT = 73;
    public static final int EBADMSG = 74;
    public static final int EOVERFLOW = 75;
    public static final int ENOTUNIQ = 76;
    public static final int EBADFD = 77;
    public static final int EREMCHG = 78;
    public static final int ELIBACC = 79;
    public static final int ELIBBAD = 80;
    public static final int ELIBSCN = 81;
    public static final int ELIBMAX = 82;
    public static final int ELIBEXEC = 83;
    public static final int EILSEQ = 84;
    public static final int ERESTART = 85;
    public static final int ESTRPIPE = 86;
    public static final int EUSERS = 87;
    public static final int ENOTSOCK = 88;
    public static final int EDESTADDRREQ = 89;
    public static final int EMSGSIZE = 90;
    public static final int EPROTOTYPE = 91;
    public static final int ENOPROTOOPT = 92;
    public static final int EPROTONOSUPPORT = 93;
    public static final int ESOCKTNOSUPPORT = 94;
    public static final int EOPNOTSUPP = 95;
    public static final int EPFNOSUPPORT = 96;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ENETUNREACH = 101;
    public static final int ENETRESET = 102;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int EISCONN = 106;
    public static final int ENOTCONN = 107;
    public static final int ESHUTDOWN = 108;
    public static final int ETOOMANYREFS = 109;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTDOWN = 112;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int ESTALE = 116;
    public static final int EUCLEAN = 117;
    public static final int ENOTNAM = 118;
    public static final int ENAVAIL = 119;
    public static final int EISNAM = 120;
    public static final int EREMOTEIO = 121;
    public static final int EDQUOT = 122;
    public static final int ENOMEDIUM = 123;
    public static final int EMEDIUMTYPE = 124;
    public static final int ECANCELED = 125;
    public static final int ENOKEY = 126;
    public static final int EKEYEXPIRED = 127;
    public static final int EKEYREVOKED = 128;
    public static final int EKEYREJECTED = 129;
    public static final int EOWNERDEAD = 130;
    public static final int ENOTRECOVERABLE = 131;
    public static final int ERFKILL = 132;
    public static final int EHWPOISON = 133;
    public static final int EWOULDBLOCK = EAGAIN;
    public static final int EDEADLOCK = EDEADLK;
    public static final int ENOTSUP = EOPNOTSUPP;

    /** Highest errno a syscall can return (Linux's MAX_ERRNO): results in [-4095, -1] are errors. */
    public static final int MAX_ERRNO = 4095;

    private static final String[] NAMES = new String[134];
    private static final String[] MESSAGES = new String[134];

    static {
        define(EPERM, "EPERM", "Operation not permitted");
        define(ENOENT, "ENOENT", "No such file or directory");
        define(ESRCH, "ESRCH", "No such process");
        define(EINTR, "EINTR", "Interrupted system call");
        define(EIO, "EIO", "Input/output error");
        define(ENXIO, "ENXIO", "No such device or address");
        define(E2BIG, "E2BIG", "Argument list too long");
        define(ENOEXEC, "ENOEXEC", "Exec format error");
        define(EBADF, "EBADF", "Bad file descriptor");
        define(ECHILD, "ECHILD", "No child processes");
        define(EAGAIN, "EAGAIN", "Resource temporarily unavailable");
        define(ENOMEM, "ENOMEM", "Cannot allocate memory");
        define(EACCES, "EACCES", "Permission denied");
        define(EFAULT, "EFAULT", "Bad address");
        define(ENOTBLK, "ENOTBLK", "Block device required");
        define(EBUSY, "EBUSY", "Device or resource busy");
        define(EEXIST, "EEXIST", "File exists");
        define(EXDEV, "EXDEV", "Invalid cross-device link");
        define(ENODEV, "ENODEV", "No such device");
        define(ENOTDIR, "ENOTDIR", "Not a directory");
        define(EISDIR, "EISDIR", "Is a directory");
        define(EINVAL, "EINVAL", "Invalid argument");
        define(ENFILE, "ENFILE", "Too many open files in system");
        define(EMFILE, "EMFILE", "Too many open files");
        define(ENOTTY, "ENOTTY", "Inappropriate ioctl for device");
        define(ETXTBSY, "ETXTBSY", "Text file busy");
        define(EFBIG, "EFBIG", "File too large");
        define(ENOSPC, "ENOSPC", "No space left on device");
        define(ESPIPE, "ESPIPE", "Illegal seek");
        define(EROFS, "EROFS", "Read-only file system");
        define(EMLINK, "EMLINK", "Too many links");
        define(EPIPE, "EPIPE", "Broken pipe");
        define(EDOM, "EDOM", "Numerical argument out of domain");
        define(ERANGE, "ERANGE", "Numerical result out of range");
        define(EDEADLK, "EDEADLK", "Resource deadlock avoided");
        define(ENAMETOOLONG, "ENAMETOOLONG", "File name too long");
        define(ENOLCK, "ENOLCK", "No locks available");
        define(ENOSYS, "ENOSYS", "Function not implemented");
        define(ENOTEMPTY, "ENOTEMPTY", "Directory not empty");
        define(ELOOP, "ELOOP", "Too many levels of symbolic links");
        define(ENOMSG, "ENOMSG", "No message of desired type");
        define(EIDRM, "EIDRM", "Identifier removed");
        define(ECHRNG, "ECHRNG", "Channel number out of range");
        define(EL2NSYNC, "EL2NSYNC", "Level 2 not synchronized");
        define(EL3HLT, "EL3HLT", "Level 3 halted");
        define(EL3RST, "EL3RST", "Level 3 reset");
        define(ELNRNG, "ELNRNG", "Link number out of range");
        define(EUNATCH, "EUNATCH", "Protocol driver not attached");
        define(ENOCSI, "ENOCSI", "No CSI structure available");
        define(EL2HLT, "EL2HLT", "Level 2 halted");
        define(EBADE, "EBADE", "Invalid exchange");
        define(EBADR, "EBADR", "Invalid request descriptor");
        define(EXFULL, "EXFULL", "Exchange full");
        define(ENOANO, "ENOANO", "No anode");
        define(EBADRQC, "EBADRQC", "Invalid request code");
        define(EBADSLT, "EBADSLT", "Invalid slot");
        define(EBFONT, "EBFONT", "Bad font file format");
        define(ENOSTR, "ENOSTR", "Device not a stream");
        define(ENODATA, "ENODATA", "No data available");
        define(ETIME, "ETIME", "Timer expired");
        define(ENOSR, "ENOSR", "Out of streams resources");
        define(ENONET, "ENONET", "Machine is not on the network");
        define(ENOPKG, "ENOPKG", "Package not installed");
        define(EREMOTE, "EREMOTE", "Object is remote");
        define(ENOLINK, "ENOLINK", "Link has been severed");
        define(EADV, "EADV", "Advertise error");
        define(ESRMNT, "ESRMNT", "Srmount error");
        define(ECOMM, "ECOMM", "Communication error on send");
        define(EPROTO, "EPROTO", "Protocol error");
        define(EMULTIHOP, "EMULTIHOP", "Multihop attempted");
        define(EDOTDOT, "EDOTDOT", "RFS specific error");
        define(EBADMSG, "EBADMSG", "Bad message");
        define(EOVERFLOW, "EOVERFLOW", "Value too large for defined data type");
        define(ENOTUNIQ, "ENOTUNIQ", "Name not unique on network");
        define(EBADFD, "EBADFD", "File descriptor in bad state");
        define(EREMCHG, "EREMCHG", "Remote address changed");
        define(ELIBACC, "ELIBACC", "Can not access a needed shared library");
        define(ELIBBAD, "ELIBBAD", "Accessing a corrupted shared library");
        define(ELIBSCN, "ELIBSCN", ".lib section in a.out corrupted");
        define(ELIBMAX, "ELIBMAX", "Attempting to link in too many shared libraries");
        define(ELIBEXEC, "ELIBEXEC", "Cannot exec a shared library directly");
        define(EILSEQ, "EILSEQ", "Invalid or incomplete multibyte or wide character");
        define(ERESTART, "ERESTART", "Interrupted system call should be restarted");
        define(ESTRPIPE, "ESTRPIPE", "Streams pipe error");
        define(EUSERS, "EUSERS", "Too many users");
        define(ENOTSOCK, "ENOTSOCK", "Socket operation on non-socket");
        define(EDESTADDRREQ, "EDESTADDRREQ", "Destination address required");
        define(EMSGSIZE, "EMSGSIZE", "Message too long");
        define(EPROTOTYPE, "EPROTOTYPE", "Protocol wrong type for socket");
        define(ENOPROTOOPT, "ENOPROTOOPT", "Protocol not available");
        define(EPROTONOSUPPORT, "EPROTONOSUPPORT", "Protocol not supported");
        define(ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT", "Socket type not supported");
        define(EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported");
        define(EPFNOSUPPORT, "EPFNOSUPPORT", "Protocol family not supported");
        define(EAFNOSUPPORT, "EAFNOSUPPORT", "Address family not supported by protocol");
        define(EADDRINUSE, "EADDRINUSE", "Address already in use");
        define(EADDRNOTAVAIL, "EADDRNOTAVAIL", "Cannot assign requested address");
        define(ENETDOWN, "ENETDOWN", "Network is down");
        define(ENETUNREACH, "ENETUNREACH", "Network is unreachable");
        define(ENETRESET, "ENETRESET", "Network dropped connection on reset");
        define(ECONNABORTED, "ECONNABORTED", "Software caused connection abort");
        define(ECONNRESET, "ECONNRESET", "Connection reset by peer");
        define(ENOBUFS, "ENOBUFS", "No buffer space available");
        define(EISCONN, "EISCONN", "Transport endpoint is already connected");
        define(ENOTCONN, "ENOTCONN", "Transport endpoint is not connected");
        define(ESHUTDOWN, "ESHUTDOWN", "Cannot send after transport endpoint shutdown");
        define(ETOOMANYREFS, "ETOOMANYREFS", "Too many references: cannot splice");
        define(ETIMEDOUT, "ETIMEDOUT", "Connection timed out");
        define(ECONNREFUSED, "ECONNREFUSED", "Connection refused");
        define(EHOSTDOWN, "EHOSTDOWN", "Host is down");
        define(EHOSTUNREACH, "EHOSTUNREACH", "No route to host");
        define(EALREADY, "EALREADY", "Operation already in progress");
        define(EINPROGRESS, "EINPROGRESS", "Operation now in progress");
        define(ESTALE, "ESTALE", "Stale file handle");
        define(EUCLEAN, "EUCLEAN", "Structure needs cleaning");
        define(ENOTNAM, "ENOTNAM", "Not a XENIX named type file");
        define(ENAVAIL, "ENAVAIL", "No XENIX semaphores available");
        define(EISNAM, "EISNAM", "Is a named type file");
        define(EREMOTEIO, "EREMOTEIO", "Remote I/O error");
        define(EDQUOT, "EDQUOT", "Disk quota exceeded");
        define(ENOMEDIUM, "ENOMEDIUM", "No medium found");
        define(EMEDIUMTYPE, "EMEDIUMTYPE", "Wrong medium type");
        define(ECANCELED, "ECANCELED", "Operation canceled");
        define(ENOKEY, "ENOKEY", "Required key not available");
        define(EKEYEXPIRED, "EKEYEXPIRED", "Key has expired");
        define(EKEYREVOKED, "EKEYREVOKED", "Key has been revoked");
        define(EKEYREJECTED, "EKEYREJECTED", "Key was rejected by service");
        define(EOWNERDEAD, "EOWNERDEAD", "Owner died");
        define(ENOTRECOVERABLE, "ENOTRECOVERABLE", "State not recoverable");
        define(ERFKILL, "ERFKILL", "Operation not possible due to RF-kill");
        define(EHWPOISON, "EHWPOISON", "Memory page has hardware error");
    }

    private Errno() {}

    private static void define(int value, String name, String message) {
        NAMES[value] = name;
        MESSAGES[value] = message;
    }

    /** True if a raw syscall result encodes an error (-4095..-1), as the kernel's IS_ERR_VALUE. */
    public static boolean isError(long result) {
        return result < 0 && result >= -MAX_ERRNO;
    }

    /** "ENOENT", or null for a number without a name. */
    public static String name(int errno) {
        return errno > 0 && errno < NAMES.length ? NAMES[errno] : null;
    }

    /** "No such file or directory", or "Unknown error N" as glibc says. */
    public static String message(int errno) {
        String m = errno > 0 && errno < MESSAGES.length ? MESSAGES[errno] : null;
        return m != null ? m : "Unknown error " + errno;
    }
}
