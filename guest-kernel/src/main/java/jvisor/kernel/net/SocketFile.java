package jvisor.kernel.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Net;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.fs.Blocking;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.Mount;
import jvisor.kernel.fs.StatBuf;
import jvisor.kernel.proc.Task;
import jvisor.kernel.syscall.SyscallException;

/**
 * The open file description of a socket (Linux's struct socket with its sockfs inode): the
 * operations of the socket syscalls, which the families implement, and what every family shares:
 * read and write as recv and send, the generic SOL_SOCKET options, timeouts, stat.
 *
 * <p>Buffers are host addresses, as for every description. Operations return a count, or throw
 * {@link SyscallException} with Linux's errno; a blocking wait that a signal interrupts ends with
 * ERESTARTSYS (EINTR when a timeout was set, sock_intr_errno), so SA_RESTART works.
 */
public abstract class SocketFile extends FileDescription {
    private static final AtomicLong NEXT_INO = new AtomicLong(300000);

    public final int family, type, protocol;
    private final long ino = NEXT_INO.getAndIncrement();
    private final long created = System.currentTimeMillis();
    private final int uid = jvisor.kernel.host.Libc.geteuid(), gid = jvisor.kernel.host.Libc.getegid();
    /** SO_RCVTIMEO and SO_SNDTIMEO in ns; 0 waits forever. */
    private volatile long rcvTimeoutNs, sndTimeoutNs;

    /** The control data of one message: descriptions passed with SCM_RIGHTS, SCM_CREDENTIALS {pid, uid, gid}. */
    public record Control(FileDescription[] fds, int[] creds) {
        public static final Control NONE = new Control(null, null);
    }

    /** What recvmsg reports besides the bytes. */
    public static final class RecvInfo {
        /** The sender's address (null when the family has none to give). */
        public SockAddr from;
        /** Descriptions received (one reference each, for the caller to install or drop), or null. */
        public FileDescription[] fds;
        /** SCM_CREDENTIALS of the message, or null. */
        public int[] creds;
        /** msg_flags: MSG_TRUNC, MSG_CTRUNC... */
        public int msgFlags;
    }

    /** A new connection from accept: the description (one reference) and the peer's address. */
    public record Accepted(SocketFile file, SockAddr peer) {}

    protected SocketFile(int family, int type, int protocol, int flags) {
        super(null, Fs.O_RDWR | (flags & Fs.O_NONBLOCK));
        this.family = family;
        this.type = type;
        this.protocol = protocol;
    }

    @Override
    public byte[] guestPath() {
        return ("socket:[" + ino + "]").getBytes(StandardCharsets.US_ASCII);
    }

    protected static SyscallException fail(int errno) {
        return SyscallException.of(errno);
    }

    // ---------------------------------------------------------------- the operations

    public abstract void bind(Task t, SockAddr addr);

    public abstract void listen(Task t, int backlog);

    /** accept4(2): flags may hold SOCK_NONBLOCK for the new description. */
    public abstract Accepted accept(Task t, int flags);

    public abstract void connect(Task t, SockAddr addr);

    /** connect(2) to an AF_UNSPEC address: drops the association with the peer (1003.1g). */
    public abstract void disconnect();

    /** sendmsg(2) of len bytes at buf; to is null without an address. */
    public abstract long send(Task t, long buf, long len, int flags, SockAddr to, Control control);

    /** recvmsg(2) into len bytes at buf. */
    public abstract long recv(Task t, long buf, long len, int flags, RecvInfo info);

    /** shutdown(2) with how already checked to be SHUT_RD, SHUT_WR or SHUT_RDWR. */
    public abstract void shutdown(int how);

    /** getsockname(2). */
    public abstract SockAddr localAddress();

    /** getpeername(2): ENOTCONN if there is no peer. */
    public abstract SockAddr peerAddress();

    /** A family's option, or null if it has none of that name (ENOPROTOOPT then). */
    protected abstract byte[] getOption(Task t, int level, int name);

    /** Sets a family's option: false if it has none of that name. */
    protected abstract boolean setOption(Task t, int level, int name, byte[] value);

    /** True for a listening socket (SO_ACCEPTCONN). */
    protected abstract boolean listening();

    /** Bytes the next recv would return at most (FIONREAD/SIOCINQ). */
    protected abstract long bytesReadable();

    // ---------------------------------------------------------------- shared behaviour

    @Override
    public long read(long hostBuf, long count) {
        return call(() -> recv(Task.current(), hostBuf, count, 0, new RecvInfo()));
    }

    @Override
    public long write(long hostBuf, long count) {
        return call(() -> send(Task.current(), hostBuf, count, 0, null, Control.NONE));
    }

    private static long call(java.util.function.LongSupplier op) {
        try {
            return op.getAsLong();
        } catch (SyscallException e) {
            return -e.errno;
        }
    }

    @Override
    public boolean pollable() {
        return true;
    }

    @Override
    public long available() {
        return bytesReadable();
    }

    @Override
    public long ioctl(long request, MemorySegment arg) {
        return -Errno.ENOTTY;
    }

    /** True if this call must not block: O_NONBLOCK or MSG_DONTWAIT. */
    protected boolean nonblocking(int msgFlags) {
        return (flags & Fs.O_NONBLOCK) != 0 || (msgFlags & Net.MSG_DONTWAIT) != 0;
    }

    /** The deadline (System.nanoTime) of a receive or send, or Long.MAX_VALUE without a timeout. */
    protected long deadline(boolean receiving) {
        long t = receiving ? rcvTimeoutNs : sndTimeoutNs;
        return t == 0 ? Long.MAX_VALUE : System.nanoTime() + t;
    }

    /**
     * The errno a wait ends with when interrupted (sock_intr_errno): ERESTARTSYS without a timeout,
     * EINTR with one.
     */
    protected static int intrErrno(long deadline) {
        return deadline == Long.MAX_VALUE ? Signals.ERESTARTSYS : Errno.EINTR;
    }

    /**
     * Waits on monitor (held by the caller) until ready: 0, -EAGAIN once the deadline passed,
     * or the interruption errno. Like {@link Blocking#await} with a timeout.
     */
    protected static int await(Object monitor, BooleanSupplier ready, long deadline) {
        while (!ready.getAsBoolean()) {
            if (Blocking.interrupted.getAsBoolean()) return -intrErrno(deadline);
            long left = deadline == Long.MAX_VALUE ? Blocking.TICK_MS : (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) return -Errno.EAGAIN;
            try {
                monitor.wait(Math.min(left, Blocking.TICK_MS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -intrErrno(deadline);
            }
        }
        return 0;
    }

    /** getsockopt(2): the option's bytes (the caller truncates them to optlen). */
    public byte[] getsockopt(Task t, int level, int name) {
        if (level == Net.SOL_SOCKET) {
            switch (name) {
                case Net.SO_TYPE:
                    return intValue(type);
                case Net.SO_DOMAIN:
                    return intValue(family);
                case Net.SO_PROTOCOL:
                    return intValue(protocol);
                case Net.SO_ACCEPTCONN:
                    return intValue(listening() ? 1 : 0);
                case Net.SO_RCVTIMEO_OLD, Net.SO_SNDTIMEO_OLD:
                    return timeval(name == Net.SO_RCVTIMEO_OLD ? rcvTimeoutNs : sndTimeoutNs);
                default:
                    break;
            }
        }
        byte[] v = getOption(t, level, name);
        if (v == null) throw fail(level == Net.SOL_SOCKET ? Errno.ENOPROTOOPT : unknownLevel(level));
        return v;
    }

    /** setsockopt(2) with the option's bytes. */
    public void setsockopt(Task t, int level, int name, byte[] value) {
        if (level == Net.SOL_SOCKET && (name == Net.SO_RCVTIMEO_OLD || name == Net.SO_SNDTIMEO_OLD)) {
            if (value.length < 16) throw fail(Errno.EINVAL);
            ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
            long sec = b.getLong(0), usec = b.getLong(8);
            if (usec < 0 || usec >= 1_000_000L) throw fail(Errno.EDOM);
            long ns = sec < 0 ? 0 : Math.min(sec, Long.MAX_VALUE / 2_000_000_000L) * 1_000_000_000L + usec * 1000;
            if (name == Net.SO_RCVTIMEO_OLD) rcvTimeoutNs = ns;
            else sndTimeoutNs = ns;
            return;
        }
        if (level == Net.SOL_SOCKET && (name == Net.SO_TYPE || name == Net.SO_DOMAIN || name == Net.SO_PROTOCOL
                || name == Net.SO_ACCEPTCONN || name == Net.SO_PEERCRED || name == Net.SO_ERROR)) {
            throw fail(Errno.ENOPROTOOPT);
        }
        if (!setOption(t, level, name, value)) {
            throw fail(level == Net.SOL_SOCKET ? Errno.ENOPROTOOPT : unknownLevel(level));
        }
    }

    /** An option level the protocol does not handle (EOPNOTSUPP, as do_sock_getsockopt and ip_getsockopt). */
    protected int unknownLevel(int level) {
        return Errno.EOPNOTSUPP;
    }

    /** An int option's value from the guest's bytes: EINVAL if shorter than an int. */
    protected static int intArg(byte[] v) {
        if (v.length < 4) throw fail(Errno.EINVAL);
        return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    protected static byte[] intValue(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static byte[] timeval(long ns) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(ns / 1_000_000_000L)
                .putLong((ns % 1_000_000_000L) / 1000).array();
    }

    @Override
    public int stat(MemorySegment st) {
        StatBuf.synthetic(st, Fs.S_IFSOCK | 0777, 0);
        st.set(ValueLayout.JAVA_LONG, StatBuf.ST_DEV, Mount.anonDev(8)); // sockfs
        st.set(ValueLayout.JAVA_LONG, StatBuf.ST_INO, ino);
        st.set(ValueLayout.JAVA_INT, StatBuf.ST_UID, uid);
        st.set(ValueLayout.JAVA_INT, StatBuf.ST_GID, gid);
        st.set(ValueLayout.JAVA_LONG, StatBuf.ST_BLKSIZE, 4096);
        for (int off : new int[] {StatBuf.ST_ATIME, StatBuf.ST_MTIME, StatBuf.ST_CTIME}) {
            st.set(ValueLayout.JAVA_LONG, off, created / 1000);
            st.set(ValueLayout.JAVA_LONG, off + 8, (created % 1000) * 1_000_000);
        }
        return 0;
    }
}
