package jvisor.kernel.abi;

/**
 * File-related ABI constants of x86-64 Linux (include/uapi/asm-generic/fcntl.h, linux/fcntl.h,
 * linux/stat.h) with strace's tables for printing them.
 */
public final class Fs {
    private Fs() {}

    // open(2) flags.
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3;
    public static final int O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100, O_TRUNC = 0x200, O_APPEND = 0x400,
            O_NONBLOCK = 0x800, O_DSYNC = 0x1000, FASYNC = 0x2000, O_DIRECT = 0x4000, O_LARGEFILE = 0x8000,
            O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_NOATIME = 0x40000, O_CLOEXEC = 0x80000,
            O_SYNC_BIT = 0x100000, O_SYNC = 0x101000, O_PATH = 0x200000, O_TMPFILE_BIT = 0x400000,
            O_TMPFILE = 0x410000;

    /** Status flags that F_SETFL may change (fs/fcntl.c SETFL_MASK). */
    public static final int SETFL_MASK = O_APPEND | O_NONBLOCK | FASYNC | O_DIRECT | O_NOATIME;

    // *at(2) dirfd and flags.
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100, AT_EACCESS = 0x200, AT_REMOVEDIR = 0x200,
            AT_SYMLINK_FOLLOW = 0x400, AT_NO_AUTOMOUNT = 0x800, AT_EMPTY_PATH = 0x1000,
            AT_STATX_FORCE_SYNC = 0x2000, AT_STATX_DONT_SYNC = 0x4000, AT_RECURSIVE = 0x8000;

    // fcntl(2).
    public static final int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5,
            F_SETLK = 6, F_SETLKW = 7, F_SETOWN = 8, F_GETOWN = 9, F_SETSIG = 10, F_GETSIG = 11,
            F_SETOWN_EX = 15, F_GETOWN_EX = 16, F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38,
            F_SETLEASE = 1024, F_GETLEASE = 1025, F_NOTIFY = 1026, F_DUPFD_CLOEXEC = 1030,
            F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032, F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
    public static final int FD_CLOEXEC = 1;

    // lseek(2) whence.
    public static final int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;

    // access(2) modes.
    public static final int F_OK = 0, X_OK = 1, W_OK = 2, R_OK = 4;

    // st_mode.
    public static final int S_IFMT = 0170000, S_IFSOCK = 0140000, S_IFLNK = 0120000, S_IFREG = 0100000,
            S_IFBLK = 0060000, S_IFDIR = 0040000, S_IFCHR = 0020000, S_IFIFO = 0010000;
    public static final int S_ISUID = 04000, S_ISGID = 02000, S_ISVTX = 01000;

    /** Longest path the kernel accepts, including the NUL (include/uapi/linux/limits.h). */
    public static final int PATH_MAX = 4096;
    public static final int NAME_MAX = 255;

    public static final Xlat ACCESS_MODES = Xlat.of("O_???", "O_RDONLY", O_RDONLY, "O_WRONLY", O_WRONLY,
            "O_RDWR", O_RDWR);
    public static final Xlat OPEN_FLAGS = Xlat.of("O_???", "O_CREAT", O_CREAT, "O_EXCL", O_EXCL,
            "O_NOCTTY", O_NOCTTY, "O_TRUNC", O_TRUNC, "O_APPEND", O_APPEND, "O_NONBLOCK", O_NONBLOCK,
            "O_SYNC", O_SYNC, "__O_SYNC", O_SYNC_BIT, "O_DSYNC", O_DSYNC, "O_DIRECT", O_DIRECT,
            "O_LARGEFILE", O_LARGEFILE, "O_NOFOLLOW", O_NOFOLLOW, "O_NOATIME", O_NOATIME,
            "O_CLOEXEC", O_CLOEXEC, "O_PATH", O_PATH, "O_TMPFILE", O_TMPFILE, "__O_TMPFILE", O_TMPFILE_BIT,
            "O_DIRECTORY", O_DIRECTORY, "FASYNC", FASYNC);
    public static final Xlat AT_FLAGS = Xlat.of("AT_???", "AT_SYMLINK_NOFOLLOW", AT_SYMLINK_NOFOLLOW,
            "AT_REMOVEDIR", AT_REMOVEDIR, "AT_SYMLINK_FOLLOW", AT_SYMLINK_FOLLOW,
            "AT_NO_AUTOMOUNT", AT_NO_AUTOMOUNT, "AT_EMPTY_PATH", AT_EMPTY_PATH,
            "AT_STATX_FORCE_SYNC", AT_STATX_FORCE_SYNC, "AT_STATX_DONT_SYNC", AT_STATX_DONT_SYNC,
            "AT_RECURSIVE", AT_RECURSIVE);
    public static final Xlat FACCESSAT_FLAGS = Xlat.of("AT_???", "AT_SYMLINK_NOFOLLOW", AT_SYMLINK_NOFOLLOW,
            "AT_EACCESS", AT_EACCESS, "AT_EMPTY_PATH", AT_EMPTY_PATH);
    public static final Xlat ACCESS_FLAGS = Xlat.of("?_OK", "F_OK", F_OK, "R_OK", R_OK, "W_OK", W_OK, "X_OK", X_OK);
    public static final Xlat FCNTL_CMDS = Xlat.of("F_???", "F_DUPFD", F_DUPFD, "F_GETFD", F_GETFD,
            "F_SETFD", F_SETFD, "F_GETFL", F_GETFL, "F_SETFL", F_SETFL, "F_GETLK", F_GETLK, "F_SETLK", F_SETLK,
            "F_SETLKW", F_SETLKW, "F_SETOWN", F_SETOWN, "F_GETOWN", F_GETOWN, "F_SETSIG", F_SETSIG,
            "F_GETSIG", F_GETSIG, "F_SETOWN_EX", F_SETOWN_EX, "F_GETOWN_EX", F_GETOWN_EX,
            "F_OFD_GETLK", F_OFD_GETLK, "F_OFD_SETLK", F_OFD_SETLK, "F_OFD_SETLKW", F_OFD_SETLKW,
            "F_SETLEASE", F_SETLEASE, "F_GETLEASE", F_GETLEASE, "F_NOTIFY", F_NOTIFY,
            "F_DUPFD_CLOEXEC", F_DUPFD_CLOEXEC, "F_SETPIPE_SZ", F_SETPIPE_SZ, "F_GETPIPE_SZ", F_GETPIPE_SZ,
            "F_ADD_SEALS", F_ADD_SEALS, "F_GET_SEALS", F_GET_SEALS);
    public static final Xlat FD_FLAGS = Xlat.of("FD_???", "FD_CLOEXEC", FD_CLOEXEC);
    public static final Xlat WHENCE = Xlat.of("SEEK_???", "SEEK_SET", SEEK_SET, "SEEK_CUR", SEEK_CUR,
            "SEEK_END", SEEK_END, "SEEK_DATA", SEEK_DATA, "SEEK_HOLE", SEEK_HOLE);
    public static final Xlat FILE_TYPES = Xlat.of("S_IF???", "S_IFREG", S_IFREG, "S_IFSOCK", S_IFSOCK,
            "S_IFIFO", S_IFIFO, "S_IFLNK", S_IFLNK, "S_IFDIR", S_IFDIR, "S_IFBLK", S_IFBLK, "S_IFCHR", S_IFCHR);
}
