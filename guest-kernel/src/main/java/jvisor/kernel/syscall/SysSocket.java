package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.MMSGHDR_IN;
import static jvisor.kernel.strace.ArgFormat.MMSGHDR_OUT;
import static jvisor.kernel.strace.ArgFormat.MSGHDR_IN;
import static jvisor.kernel.strace.ArgFormat.MSGHDR_OUT;
import static jvisor.kernel.strace.ArgFormat.MSG_FLAGS;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.BUF_IN;
import static jvisor.kernel.strace.ArgFormat.BUF_OUT;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.SHUT_HOW;
import static jvisor.kernel.strace.ArgFormat.SOCKADDR_IN;
import static jvisor.kernel.strace.ArgFormat.SOCKADDR_OUT;
import static jvisor.kernel.strace.ArgFormat.SOCKLEN_INOUT;
import static jvisor.kernel.strace.ArgFormat.SOCKOPT_IN;
import static jvisor.kernel.strace.ArgFormat.SOCKOPT_LEVEL;
import static jvisor.kernel.strace.ArgFormat.SOCKOPT_NAME;
import static jvisor.kernel.strace.ArgFormat.SOCKOPT_OUT;
import static jvisor.kernel.strace.ArgFormat.SOCK_FAMILY;
import static jvisor.kernel.strace.ArgFormat.SOCK_FDS_OUT;
import static jvisor.kernel.strace.ArgFormat.SOCK_FLAGS;
import static jvisor.kernel.strace.ArgFormat.SOCK_PROTOCOL;
import static jvisor.kernel.strace.ArgFormat.SOCK_TYPE;
import static jvisor.kernel.strace.ArgFormat.ULONG;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Net;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.Resolution;
import jvisor.kernel.fs.Vnode;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.mm.GuestMemory;
import jvisor.kernel.net.SockAddr;
import jvisor.kernel.net.SocketFile;
import jvisor.kernel.net.TcpSocket;
import jvisor.kernel.net.UdpSocket;
import jvisor.kernel.net.UnixNames;
import jvisor.kernel.net.UnixSocket;
import jvisor.kernel.proc.Task;
import jvisor.mmu.AddressSpace;

/**
 * The socket syscalls (net/socket.c, net/core/scm.c): arguments copied in and out of guest
 * memory, msghdr and control messages (SCM_RIGHTS, SCM_CREDENTIALS) taken apart and built, AF_UNIX
 * path names resolved in the sandbox's file system; the sockets themselves are in jvisor.kernel.net.
 */
final class SysSocket {
    private SysSocket() {}

    static void register(SyscallTable t) {
        t.define("socket", (k, a, b, c, d, e, f) -> socket(k, (int) a, (int) b, (int) c), RET_DEC,
                SOCK_FAMILY, SOCK_TYPE, SOCK_PROTOCOL);
        t.define("socketpair", (k, a, b, c, d, e, f) -> socketpair(k, (int) a, (int) b, (int) c, d), RET_DEC,
                SOCK_FAMILY, SOCK_TYPE, INT, SOCK_FDS_OUT);
        t.define("bind", (k, a, b, c, d, e, f) -> bind(k, a, b, c), RET_DEC, INT, SOCKADDR_IN, INT);
        t.define("listen", (k, a, b, c, d, e, f) -> listen(k, a, (int) b), RET_DEC, INT, INT);
        t.define("accept", (k, a, b, c, d, e, f) -> accept(k, a, b, c, 0), RET_DEC, INT, SOCKADDR_OUT, SOCKLEN_INOUT);
        t.define("accept4", (k, a, b, c, d, e, f) -> accept(k, a, b, c, (int) d), RET_DEC, INT, SOCKADDR_OUT,
                SOCKLEN_INOUT, SOCK_FLAGS);
        t.define("connect", (k, a, b, c, d, e, f) -> connect(k, a, b, c), RET_DEC, INT, SOCKADDR_IN, INT);
        t.define("getsockname", (k, a, b, c, d, e, f) -> name(k, a, b, c, false), RET_DEC, INT, SOCKADDR_OUT,
                SOCKLEN_INOUT);
        t.define("getpeername", (k, a, b, c, d, e, f) -> name(k, a, b, c, true), RET_DEC, INT, SOCKADDR_OUT,
                SOCKLEN_INOUT);
        t.define("shutdown", (k, a, b, c, d, e, f) -> shutdown(k, a, (int) b), RET_DEC, INT, SHUT_HOW);
        t.define("setsockopt", (k, a, b, c, d, e, f) -> setsockopt(k, a, (int) b, (int) c, d, (int) e), RET_DEC,
                INT, SOCKOPT_LEVEL, SOCKOPT_NAME, SOCKOPT_IN, INT);
        t.define("getsockopt", (k, a, b, c, d, e, f) -> getsockopt(k, a, (int) b, (int) c, d, e), RET_DEC,
                INT, SOCKOPT_LEVEL, SOCKOPT_NAME, SOCKOPT_OUT, SOCKLEN_INOUT);
        t.define("sendto", (k, a, b, c, d, e, f) -> sendto(k, a, b, c, (int) d, e, f), RET_DEC,
                INT, BUF_IN, ULONG, MSG_FLAGS, SOCKADDR_IN, INT);
        t.define("recvfrom", (k, a, b, c, d, e, f) -> recvfrom(k, a, b, c, (int) d, e, f), RET_DEC,
                INT, BUF_OUT, ULONG, MSG_FLAGS, SOCKADDR_OUT, SOCKLEN_INOUT);
        t.define("sendmsg", (k, a, b, c, d, e, f) -> sendmsg(k, a, b, (int) c), RET_DEC, INT, MSGHDR_IN, MSG_FLAGS);
        t.define("recvmsg", (k, a, b, c, d, e, f) -> recvmsg(k, a, b, (int) c), RET_DEC, INT, MSGHDR_OUT, MSG_FLAGS);
        t.define("sendmmsg", (k, a, b, c, d, e, f) -> sendmmsg(k, a, b, c, (int) d), RET_DEC,
                INT, MMSGHDR_IN, INT, MSG_FLAGS);
        t.define("recvmmsg", (k, a, b, c, d, e, f) -> recvmmsg(k, a, b, c, (int) d, e), RET_DEC,
                INT, MMSGHDR_OUT, INT, MSG_FLAGS, PTR);
    }

    // struct msghdr (x86-64) and struct mmsghdr.
    static final int MSG_NAME = 0, MSG_NAMELEN = 8, MSG_IOV = 16, MSG_IOVLEN = 24, MSG_CONTROL = 32,
            MSG_CONTROLLEN = 40, MSG_FLAGS_OFF = 48, MSGHDR_SIZE = 56, MMSGHDR_SIZE = 64;
    /** sizeof(struct cmsghdr). */
    static final int CMSG_HDR = 16;

    private static SocketFile sock(Task t, long fd) {
        FileDescription f = SysSupport.file(t, fd);
        if (!(f instanceof SocketFile s)) throw SysSupport.err(Errno.ENOTSOCK);
        return s;
    }

    // ---------------------------------------------------------------- creating

    /** A new socket of (family, type, protocol); flags are SOCK_NONBLOCK for the description. */
    private static SocketFile create(int family, int type, int protocol, int flags) {
        return switch (family) {
            case Net.AF_UNIX -> {
                if (protocol != 0 && protocol != Net.AF_UNIX) throw SysSupport.err(Errno.EPROTONOSUPPORT);
                // unix_create: SOCK_RAW is taken as SOCK_DGRAM.
                if (type == Net.SOCK_RAW) type = Net.SOCK_DGRAM;
                if (type != Net.SOCK_STREAM && type != Net.SOCK_DGRAM && type != Net.SOCK_SEQPACKET) {
                    throw SysSupport.err(Errno.ESOCKTNOSUPPORT);
                }
                yield new UnixSocket(type, flags);
            }
            case Net.AF_INET, Net.AF_INET6 -> {
                checkInet(type, protocol);
                yield type == Net.SOCK_STREAM ? new TcpSocket(family, flags) : new UdpSocket(family, flags);
            }
            default -> throw SysSupport.err(Errno.EAFNOSUPPORT);
        };
    }

    /** inet_create's checks: TCP and UDP only (raw sockets would need the host's privileges). */
    private static void checkInet(int type, int protocol) {
        if (type == Net.SOCK_STREAM) {
            if (protocol != 0 && protocol != Net.IPPROTO_TCP) throw SysSupport.err(Errno.EPROTONOSUPPORT);
        } else if (type == Net.SOCK_DGRAM) {
            if (protocol != 0 && protocol != Net.IPPROTO_UDP) throw SysSupport.err(Errno.EPROTONOSUPPORT);
        } else {
            throw SysSupport.err(type == Net.SOCK_RAW ? Errno.EPERM : Errno.ESOCKTNOSUPPORT);
        }
    }

    /** Splits socket(2)'s type into the type and the SOCK_NONBLOCK/SOCK_CLOEXEC flags (EINVAL for others). */
    private static int[] typeAndFlags(int typeArg) {
        int flags = typeArg & ~Net.SOCK_TYPE_MASK;
        if ((flags & ~(Net.SOCK_CLOEXEC | Net.SOCK_NONBLOCK)) != 0) throw SysSupport.err(Errno.EINVAL);
        int type = typeArg & Net.SOCK_TYPE_MASK;
        if (type < 1 || type > 10) throw SysSupport.err(Errno.EINVAL);
        return new int[] {type, flags};
    }

    static long socket(Task t, int family, int typeArg, int protocol) {
        int[] tf = typeAndFlags(typeArg);
        SocketFile s = create(family, tf[0], protocol, tf[1]);
        return t.process.fds.install(s, (tf[1] & Net.SOCK_CLOEXEC) != 0, 0, SysSupport.fdLimit(t));
    }

    static long socketpair(Task t, int family, int typeArg, int protocol, long svAddr) {
        int[] tf = typeAndFlags(typeArg);
        if (family == Net.AF_INET || family == Net.AF_INET6) {
            checkInet(tf[0], protocol); // the type and protocol errors come first
            return -Errno.EOPNOTSUPP;
        }
        if (family != Net.AF_UNIX) return -Errno.EAFNOSUPPORT;
        create(family, tf[0], protocol, 0).decRef();
        int type = tf[0] == Net.SOCK_RAW ? Net.SOCK_DGRAM : tf[0];
        UnixSocket[] p = UnixSocket.pair(t, type, tf[1]);
        return SysSupport.installPair(t, p[0], p[1], (tf[1] & Net.SOCK_CLOEXEC) != 0, svAddr);
    }

    // ---------------------------------------------------------------- addresses

    /** The address bytes a call passes (move_addr_to_kernel): EINVAL if the length is negative or too big. */
    private static byte[] addressIn(Task t, long addr, long len) {
        int n = (int) len;
        if (n < 0 || n > Net.SOCKADDR_MAX) throw SysSupport.err(Errno.EINVAL);
        if (n == 0) return new byte[0];
        return t.memory().readBytes(addr, n);
    }

    /** Decodes an address for a socket of s's family. */
    private static SockAddr decode(SocketFile s, byte[] raw) {
        if (s.family == Net.AF_UNIX) return SockAddr.decodeUnix(raw);
        return SockAddr.decodeInet(raw, s.family);
    }

    /**
     * Writes an address for the guest (move_addr_to_user): at most *lenAddr bytes of it, and its
     * real length into *lenAddr. A null address has length 0.
     */
    private static void addressOut(Task t, SockAddr a, long addr, long lenAddr) {
        if (addr == 0 || lenAddr == 0) return;
        AddressSpace m = t.memory();
        int ulen = m.read32(lenAddr);
        if (ulen < 0) throw SysSupport.err(Errno.EINVAL);
        byte[] b = a == null ? new byte[0] : a.encode();
        int n = Math.min(ulen, b.length);
        if (n > 0) m.writeBytes(addr, b, 0, n);
        m.write32(lenAddr, b.length);
    }

    /** The address a receive reports: none for TCP, and none (length 0) for an unnamed AF_UNIX sender. */
    private static SockAddr sender(SocketFile.RecvInfo info) {
        return info.from == null || info.from.isUnnamed() ? null : info.from;
    }

    /** The AF_UNIX socket bound at a name, or null if none is (connect then refuses); ENOENT if the path is missing. */
    private static UnixSocket unixTarget(Task t, SockAddr a) {
        if (a.isAbstract()) return UnixNames.findAbstract(a);
        Resolution r = SysSupport.resolve(t, Fs.AT_FDCWD, a.unixName(), true);
        if (!r.exists() || r.node() == null) throw SysSupport.err(Errno.ENOENT);
        Vnode node = r.node();
        int perm = node.permission(Fs.W_OK, t.process.creds);
        if (perm < 0) throw SysSupport.err(-perm);
        if (node.type() != Fs.S_IFSOCK) return null;
        return UnixNames.findInode(node);
    }

    // ---------------------------------------------------------------- bind, listen, accept, connect

    static long bind(Task t, long fd, long addr, long len) {
        SocketFile s = sock(t, fd);
        byte[] raw = addressIn(t, addr, len);
        if (s instanceof UnixSocket u) {
            if (raw.length == Net.SUN_PATH && SockAddr.familyOf(raw) == Net.AF_UNIX) {
                u.bind(t, null); // autobind
                return 0;
            }
            SockAddr a = SockAddr.decodeUnix(raw);
            if (a.isAbstract()) {
                u.bind(t, a);
            } else {
                bindPath(t, u, a);
            }
            return 0;
        }
        s.bind(t, decode(s, raw));
        return 0;
    }

    /** unix_bind_bsd: a socket inode at the path (EADDRINUSE if anything is there), then the name. */
    private static void bindPath(Task t, UnixSocket u, SockAddr a) {
        byte[] path = a.unixName();
        Resolution r = FsArgs.parentOf(t, Fs.AT_FDCWD, path);
        if (r.exists()) throw SysSupport.err(Errno.EADDRINUSE);
        if (r.trailingSlash()) throw SysSupport.err(Errno.ENOENT);
        u.checkUnbound();
        FsArgs.mayModify(t, r.parent());
        r.parent().mknod(r.name(), Fs.S_IFSOCK | (0777 & ~t.process.umask), t.process.creds);
        Vnode node = r.parent().lookup(r.name());
        try {
            UnixNames.bindPath(u, a, node);
        } catch (SyscallException e) {
            r.parent().unlink(r.name());
            throw e;
        }
    }

    static long listen(Task t, long fd, int backlog) {
        sock(t, fd).listen(t, backlog);
        return 0;
    }

    static long accept(Task t, long fd, long addr, long lenAddr, int flags) {
        SocketFile s = sock(t, fd);
        if ((flags & ~(Net.SOCK_CLOEXEC | Net.SOCK_NONBLOCK)) != 0) return -Errno.EINVAL;
        if (addr != 0 && lenAddr != 0 && t.memory().read32(lenAddr) < 0) return -Errno.EINVAL;
        SocketFile.Accepted a = s.accept(t, flags);
        try {
            addressOut(t, a.peer(), addr, lenAddr);
        } catch (RuntimeException e) {
            a.file().decRef();
            throw e;
        }
        return t.process.fds.install(a.file(), (flags & Net.SOCK_CLOEXEC) != 0, 0, SysSupport.fdLimit(t));
    }

    static long connect(Task t, long fd, long addr, long len) {
        SocketFile s = sock(t, fd);
        byte[] raw = addressIn(t, addr, len);
        if (raw.length >= 2 && SockAddr.familyOf(raw) == Net.AF_UNSPEC) {
            s.disconnect();
            return 0;
        }
        if (s instanceof UnixSocket u) {
            SockAddr a = SockAddr.decodeUnix(raw);
            u.connectTo(t, unixTarget(t, a));
            return 0;
        }
        s.connect(t, decode(s, raw));
        return 0;
    }

    static long name(Task t, long fd, long addr, long lenAddr, boolean peer) {
        SocketFile s = sock(t, fd);
        int ulen = t.memory().read32(lenAddr);
        if (ulen < 0) return -Errno.EINVAL;
        addressOut(t, peer ? s.peerAddress() : s.localAddress(), addr, lenAddr);
        return 0;
    }

    static long shutdown(Task t, long fd, int how) {
        SocketFile s = sock(t, fd);
        if (how < Net.SHUT_RD || how > Net.SHUT_RDWR) return -Errno.EINVAL;
        s.shutdown(how);
        return 0;
    }

    // ---------------------------------------------------------------- options

    static long setsockopt(Task t, long fd, int level, int name, long valAddr, int len) {
        SocketFile s = sock(t, fd);
        if (len < 0) return -Errno.EINVAL;
        byte[] v = len == 0 ? new byte[0] : t.memory().readBytes(valAddr, Math.min(len, 4096));
        s.setsockopt(t, level, name, v);
        return 0;
    }

    static long getsockopt(Task t, long fd, int level, int name, long valAddr, long lenAddr) {
        SocketFile s = sock(t, fd);
        AddressSpace m = t.memory();
        int len = m.read32(lenAddr);
        if (len < 0) return -Errno.EINVAL;
        byte[] v = s.getsockopt(t, level, name);
        int n = Math.min(len, v.length);
        if (n > 0) m.writeBytes(valAddr, v, 0, n);
        m.write32(lenAddr, n);
        return 0;
    }

    // ---------------------------------------------------------------- sending

    /** The iovec array of a msghdr, as {base, len} pairs; EINVAL/EMSGSIZE as Linux checks them. */
    private static long[][] iovecs(Task t, long iov, long count) {
        if (count < 0 || count > SysRead.UIO_MAXIOV) throw SysSupport.err(Errno.EMSGSIZE);
        AddressSpace m = t.memory();
        long[][] v = new long[(int) count][2];
        long total = 0;
        for (int i = 0; i < count; i++) {
            v[i][0] = m.read64(iov + 16L * i);
            v[i][1] = m.read64(iov + 16L * i + 8);
            if (v[i][1] < 0) throw SysSupport.err(Errno.EINVAL);
            total += v[i][1];
            if (total < 0) throw SysSupport.err(Errno.EINVAL);
        }
        return v;
    }

    private static long total(long[][] iov) {
        long n = 0;
        for (long[] v : iov) n += v[1];
        return SysSupport.clampCount(n);
    }

    /** Gathers the iovecs into scratch memory: its address. */
    private static long gather(Task t, long[][] iov, long total) {
        MemorySegment scratch = Scratch.get(Math.max(total, 1));
        long done = 0;
        for (long[] v : iov) {
            if (done >= total) break;
            long n = Math.min(v[1], total - done);
            GuestMemory.copyIn(t.memory(), v[0], scratch, done, n);
            done += n;
        }
        return scratch.address();
    }

    /** Scatters n received bytes from host memory at src over the iovecs. */
    private static void scatter(Task t, long[][] iov, long src, long n) {
        MemorySegment from = MemorySegment.ofAddress(src).reinterpret(n);
        long done = 0;
        for (long[] v : iov) {
            if (done >= n) break;
            long k = Math.min(v[1], n - done);
            GuestMemory.copyOut(t.memory(), v[0], from, done, k);
            done += k;
        }
    }

    /**
     * One send: the destination (raw address bytes or null), the data in iov, control messages
     * already parsed. Raises SIGPIPE for EPIPE unless MSG_NOSIGNAL (as pipes do).
     */
    private static long send(Task t, SocketFile s, long[][] iov, int flags, byte[] rawTo, SocketFile.Control control) {
        long r;
        try {
            if (control.fds() != null && !(s instanceof UnixSocket)) throw SysSupport.err(Errno.EINVAL);
            if (s instanceof UnixSocket u) {
                boolean hasAddress = rawTo != null && rawTo.length > 0;
                UnixSocket to = null;
                if (hasAddress && u.type == Net.SOCK_DGRAM) to = unixTarget(t, SockAddr.decodeUnix(rawTo));
                else if (hasAddress && u.type == Net.SOCK_SEQPACKET) hasAddress = false;
                long total = total(iov);
                r = u.sendTo(t, gather(t, iov, total), total, flags, hasAddress, to, control);
            } else {
                SockAddr to = rawTo != null && rawTo.length > 0 ? decode(s, rawTo) : null;
                long total = total(iov);
                r = s.send(t, gather(t, iov, total), total, flags, to, control);
            }
        } catch (SyscallException e) {
            dropAll(control.fds());
            if (e.errno == Errno.EPIPE && (flags & Net.MSG_NOSIGNAL) == 0) {
                SysSignal.raise(t, Signals.SIGPIPE, Signals.SI_USER);
            }
            throw e;
        }
        return r;
    }

    private static void dropAll(FileDescription[] fds) {
        if (fds != null) for (FileDescription f : fds) f.decRef();
    }

    static long sendto(Task t, long fd, long buf, long len, int flags, long addr, long addrLen) {
        SocketFile s = sock(t, fd);
        byte[] raw = addr != 0 ? addressIn(t, addr, addrLen) : null;
        return send(t, s, new long[][] {{buf, SysSupport.clampCount(len)}}, flags, raw, SocketFile.Control.NONE);
    }

    static long sendmsg(Task t, long fd, long msg, int flags) {
        return sendOne(t, sock(t, fd), msg, flags);
    }

    private static long sendOne(Task t, SocketFile s, long msg, int flags) {
        AddressSpace m = t.memory();
        long name = m.read64(msg + MSG_NAME);
        int namelen = m.read32(msg + MSG_NAMELEN);
        long[][] iov = iovecs(t, m.read64(msg + MSG_IOV), m.read64(msg + MSG_IOVLEN));
        byte[] raw = name != 0 ? addressIn(t, name, namelen) : null;
        SocketFile.Control control = controlIn(t, m.read64(msg + MSG_CONTROL), m.read64(msg + MSG_CONTROLLEN));
        return send(t, s, iov, flags, raw, control);
    }

    static long sendmmsg(Task t, long fd, long vec, long vlen, int flags) {
        SocketFile s = sock(t, fd);
        return eachMessage(t, vec, vlen, (hdr, index) -> sendOne(t, s, hdr, flags));
    }

    /** One message of sendmmsg or recvmmsg: the struct mmsghdr at hdr, the index-th of the call. */
    @FunctionalInterface
    private interface MessageOp {
        long call(long hdr, int index);
    }

    /**
     * sendmmsg/recvmmsg: op on each struct mmsghdr in turn, its msg_len filled in; an error after
     * the first message ends the call with the count done (the error is Linux's to keep for later).
     */
    private static long eachMessage(Task t, long vec, long vlen, MessageOp op) {
        int n = (int) Math.min(vlen & 0xffffffffL, SysRead.UIO_MAXIOV);
        int done = 0;
        for (; done < n; done++) {
            long hdr = vec + (long) MMSGHDR_SIZE * done;
            long r;
            try {
                r = op.call(hdr, done);
            } catch (SyscallException e) {
                if (done > 0) break;
                throw e;
            }
            t.memory().write32(hdr + MSGHDR_SIZE, (int) r);
        }
        return done;
    }

    /**
     * Parses msg_control (__scm_send): SCM_RIGHTS descriptions (each referenced once more) and
     * SCM_CREDENTIALS, which must be the sender's own unless it is privileged.
     */
    private static SocketFile.Control controlIn(Task t, long addr, long len) {
        if (addr == 0 || len == 0) return SocketFile.Control.NONE;
        if (len < 0 || len > 1 << 20) throw SysSupport.err(Errno.ENOBUFS);
        byte[] c = t.memory().readBytes(addr, (int) len);
        ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
        List<FileDescription> fds = null;
        int[] creds = null;
        try {
            int off = 0;
            while (off + CMSG_HDR <= c.length) {
                long clen = b.getLong(off);
                int level = b.getInt(off + 8), type = b.getInt(off + 12);
                if (clen < CMSG_HDR || clen > c.length - off) throw SysSupport.err(Errno.EINVAL);
                int data = off + CMSG_HDR, dataLen = (int) clen - CMSG_HDR;
                if (level == Net.SOL_SOCKET) {
                    if (type == Net.SCM_RIGHTS) {
                        int n = dataLen / 4;
                        if (fds == null) fds = new ArrayList<>();
                        if (fds.size() + n > Net.SCM_MAX_FD) throw SysSupport.err(Errno.EINVAL);
                        for (int i = 0; i < n; i++) {
                            FileDescription f = t.process.fds.get(b.getInt(data + 4 * i));
                            if (f == null) throw SysSupport.err(Errno.EBADF);
                            f.incRef();
                            fds.add(f);
                        }
                    } else if (type == Net.SCM_CREDENTIALS) {
                        if (dataLen != 12) throw SysSupport.err(Errno.EINVAL);
                        creds = new int[] {b.getInt(data), b.getInt(data + 4), b.getInt(data + 8)};
                        var pc = t.process.creds;
                        boolean own = creds[0] == t.process.pid
                                && (creds[1] == pc.uid() || creds[1] == pc.euid())
                                && (creds[2] == pc.gid() || creds[2] == pc.egid());
                        if (!own && !pc.privileged()) throw SysSupport.err(Errno.EPERM);
                    } else {
                        throw SysSupport.err(Errno.EINVAL);
                    }
                }
                off += (int) ((clen + 7) & ~7L);
            }
        } catch (SyscallException e) {
            if (fds != null) dropAll(fds.toArray(new FileDescription[0]));
            throw e;
        }
        return new SocketFile.Control(fds == null || fds.isEmpty() ? null : fds.toArray(new FileDescription[0]), creds);
    }

    // ---------------------------------------------------------------- receiving

    /** One receive into the iovecs: the count; info has the rest. */
    private static long receive(Task t, SocketFile s, long[][] iov, int flags, SocketFile.RecvInfo info) {
        long total = total(iov);
        MemorySegment scratch = Scratch.get(Math.max(total, 1));
        long r = s.recv(t, scratch.address(), total, flags, info);
        if (r > 0) scatter(t, iov, scratch.address(), Math.min(r, total));
        return r;
    }

    static long recvfrom(Task t, long fd, long buf, long len, int flags, long addr, long lenAddr) {
        SocketFile s = sock(t, fd);
        SocketFile.RecvInfo info = new SocketFile.RecvInfo();
        long r = receive(t, s, new long[][] {{buf, SysSupport.clampCount(len)}}, flags, info);
        dropAll(info.fds); // no control buffer: passed descriptions are closed (MSG_CTRUNC)
        if (addr != 0) addressOut(t, sender(info), addr, lenAddr);
        return r;
    }

    static long recvmsg(Task t, long fd, long msg, int flags) {
        return recvOne(t, sock(t, fd), msg, flags);
    }

    private static long recvOne(Task t, SocketFile s, long msg, int flags) {
        AddressSpace m = t.memory();
        long[][] iov = iovecs(t, m.read64(msg + MSG_IOV), m.read64(msg + MSG_IOVLEN));
        SocketFile.RecvInfo info = new SocketFile.RecvInfo();
        // ____sys_recvmsg starts msg_flags with MSG_CMSG_CLOEXEC as passed, and the guest gets it back.
        info.msgFlags = flags & Net.MSG_CMSG_CLOEXEC;
        long r = receive(t, s, iov, flags & ~Net.MSG_CMSG_CLOEXEC, info);
        long name = m.read64(msg + MSG_NAME);
        if (name != 0) {
            SockAddr from = sender(info);
            byte[] b = from == null ? new byte[0] : from.encode();
            int ulen = m.read32(msg + MSG_NAMELEN);
            int n = Math.max(0, Math.min(ulen, b.length));
            if (n > 0) m.writeBytes(name, b, 0, n);
            m.write32(msg + MSG_NAMELEN, b.length);
        } else {
            m.write32(msg + MSG_NAMELEN, 0);
        }
        long control = m.read64(msg + MSG_CONTROL), controlLen = m.read64(msg + MSG_CONTROLLEN);
        long used = controlOut(t, info, control, controlLen, (flags & Net.MSG_CMSG_CLOEXEC) != 0);
        m.write64(msg + MSG_CONTROLLEN, used);
        m.write32(msg + MSG_FLAGS_OFF, info.msgFlags);
        return r;
    }

    static long recvmmsg(Task t, long fd, long vec, long vlen, int flags, long timeout) {
        SocketFile s = sock(t, fd);
        // MSG_WAITFORONE: only the first message may block.
        return eachMessage(t, vec, vlen, (hdr, index) -> recvOne(t, s, hdr, index == 0 ? flags & ~Net.MSG_WAITFORONE
                : (flags & Net.MSG_WAITFORONE) != 0 ? flags | Net.MSG_DONTWAIT : flags));
    }

    /**
     * Writes the control messages of a receive (scm_recv): SCM_CREDENTIALS, then SCM_RIGHTS with
     * as many descriptions installed as fit (scm_detach_fds); the rest are closed and MSG_CTRUNC set.
     * Returns the bytes of the control buffer used.
     */
    private static long controlOut(Task t, SocketFile.RecvInfo info, long addr, long len, boolean cloexec) {
        AddressSpace m = t.memory();
        long used = 0;
        if (info.creds != null) {
            byte[] c = cmsg(Net.SCM_CREDENTIALS, 12);
            ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(CMSG_HDR, info.creds[0])
                    .putInt(CMSG_HDR + 4, info.creds[1]).putInt(CMSG_HDR + 8, info.creds[2]);
            if (addr == 0 || len - used < c.length) {
                info.msgFlags |= Net.MSG_CTRUNC;
            } else {
                m.writeBytes(addr + used, c, 0, c.length);
                used += Math.min(align(c.length), len - used);
            }
        }
        FileDescription[] fds = info.fds;
        if (fds != null) {
            long room = addr == 0 ? 0 : len - used;
            int fit = room > CMSG_HDR ? (int) Math.min(fds.length, (room - CMSG_HDR) / 4) : 0;
            int[] installed = new int[fit];
            int n = 0;
            for (; n < fit; n++) {
                int fd = t.process.fds.install(fds[n], cloexec, 0, SysSupport.fdLimit(t));
                if (fd < 0) {
                    n++; // install dropped the reference itself
                    fit = n - 1;
                    break;
                }
                installed[n] = fd;
            }
            for (int i = n; i < fds.length; i++) fds[i].decRef();
            if (fit < fds.length) info.msgFlags |= Net.MSG_CTRUNC;
            if (fit > 0) {
                byte[] c = cmsg(Net.SCM_RIGHTS, 4 * fit);
                ByteBuffer w = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < fit; i++) w.putInt(CMSG_HDR + 4 * i, installed[i]);
                m.writeBytes(addr + used, c, 0, c.length);
                used += Math.min(align(c.length), len - used);
            }
            info.fds = null;
        }
        return used;
    }

    /** A cmsghdr of SOL_SOCKET and type, with room for dataLen bytes after it. */
    private static byte[] cmsg(int type, int dataLen) {
        byte[] c = new byte[CMSG_HDR + dataLen];
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(0, CMSG_HDR + dataLen).putInt(8, Net.SOL_SOCKET)
                .putInt(12, type);
        return c;
    }

    private static long align(long n) {
        return (n + 7) & ~7L;
    }
}
