package jvisor.kernel.net;

import java.util.ArrayDeque;
import java.util.Iterator;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Net;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.proc.Task;
import jvisor.mmu.HostAccess;
import jvisor.mmu.HostMemory;

/**
 * An AF_UNIX socket (unix(7), net/unix/af_unix.c), entirely in the kernel: both ends are guest
 * tasks, in one process or several (fork shares the descriptions).
 *
 * <p>SOCK_STREAM carries bytes, SOCK_DGRAM and SOCK_SEQPACKET messages with their boundaries.
 * Every socket has a receive queue of segments (Linux's skbs: bytes, passed descriptions,
 * credentials, the sender's address); what a sender has queued and not yet been read counts
 * against its send buffer, which is what makes a sender block. A listening socket's queue holds
 * the server ends of connections not yet accepted: connect completes at once, as on Linux.
 *
 * <p>All AF_UNIX state is guarded by one lock, {@link #LOCK}, which is also the monitor blocked
 * calls wait on: guests have few sockets, and one lock cannot deadlock across the two ends.
 */
public final class UnixSocket extends SocketFile {
    static final Object LOCK = new Object();

    /** net.core.wmem_default: the send buffer every AF_UNIX socket starts with. */
    static final int SNDBUF = 212992;
    /** What a queued segment costs beyond its bytes (an skb's truesize overhead). */
    private static final int SEGMENT_COST = 576;
    /**
     * Largest stream segment: unix_stream_sendmsg takes at most half
     * the send buffer less 64, and at most SKB_MAX_HEAD(0) + UNIX_SKB_FRAGS_SZ (a page less its
     * skb_shared_info, 4096 - 320, plus 32 KiB of fragments) so that an skb needs no large
     * allocation; a non-blocking write into an almost full buffer sends what that last skb holds.
     */
    private static final int STREAM_SEGMENT = 4096 - 320 + 32768;
    /** net.unix.max_dgram_qlen. */
    private static final int MAX_DGRAM_QLEN = 10;

    private static final int RCV_SHUTDOWN = 1, SEND_SHUTDOWN = 2, SHUTDOWN_MASK = 3;

    private enum State { UNCONNECTED, LISTENING, CONNECTED }

    /** One queued message or piece of a stream. */
    private static final class Segment {
        final byte[] data;
        int off;
        FileDescription[] fds;
        final int[] creds;
        final SockAddr from;
        final UnixSocket sender;
        final int cost;

        Segment(byte[] data, FileDescription[] fds, int[] creds, SockAddr from, UnixSocket sender) {
            this.data = data;
            this.fds = fds;
            this.creds = creds;
            this.from = from;
            this.sender = sender;
            this.cost = data.length + SEGMENT_COST;
        }

        int left() {
            return data.length - off;
        }
    }

    // Guarded by LOCK.
    private State state = State.UNCONNECTED;
    private SockAddr name;
    private UnixSocket peer;
    private final ArrayDeque<Segment> queue = new ArrayDeque<>();
    private long queuedBytes;
    private int wmem;
    private int shutdown;
    private int error;
    private boolean closed;
    private boolean passcred;
    /** SO_PEERCRED: {pid, euid, egid} of the peer when the connection was made. */
    private int[] peerCred;
    /** The credentials of the task that listened or created the pair, given to connecting peers. */
    private int[] ownCred;
    private final ArrayDeque<UnixSocket> pending = new ArrayDeque<>();
    private int backlog;
    private int sndbuf = SNDBUF;

    public UnixSocket(int type, int flags) {
        super(Net.AF_UNIX, type, 0, flags);
    }

    /** socketpair(2): two connected sockets. */
    public static UnixSocket[] pair(Task t, int type, int flags) {
        UnixSocket a = new UnixSocket(type, flags), b = new UnixSocket(type, flags);
        int[] cred = credOf(t);
        synchronized (LOCK) {
            a.peer = b;
            b.peer = a;
            a.state = b.state = State.CONNECTED;
            a.peerCred = b.peerCred = a.ownCred = b.ownCred = cred;
        }
        return new UnixSocket[] {a, b};
    }

    static int[] credOf(Task t) {
        return t == null ? new int[] {0, 0, 0}
                : new int[] {t.process.pid, t.process.creds.euid(), t.process.creds.egid()};
    }

    private boolean connectionOriented() {
        return type != Net.SOCK_DGRAM;
    }

    // ---------------------------------------------------------------- names

    /** The bound name, or null. */
    SockAddr name() {
        synchronized (LOCK) {
            return name;
        }
    }

    /** EINVAL if the socket already has a name (bind on a bound socket). */
    public void checkUnbound() {
        synchronized (LOCK) {
            if (name != null) throw fail(Errno.EINVAL);
        }
    }

    /** Gives the socket the name it was bound to (the name space has already recorded it). */
    void setName(SockAddr n) {
        name = n;
    }

    @Override
    public void bind(Task t, SockAddr addr) {
        // Path names go through UnixNames.bindPath (the syscall layer creates the inode); this is for
        // abstract names and autobind (an address of just the family).
        synchronized (LOCK) {
            if (addr == null) {
                if (name == null) UnixNames.autobind(this);
                return;
            }
            if (name != null) throw fail(Errno.EINVAL);
            UnixNames.bindAbstract(this, addr);
        }
    }

    @Override
    public SockAddr localAddress() {
        synchronized (LOCK) {
            return name != null ? name : SockAddr.UNNAMED;
        }
    }

    @Override
    public SockAddr peerAddress() {
        synchronized (LOCK) {
            if (peer == null || (connectionOriented() && state != State.CONNECTED)) throw fail(Errno.ENOTCONN);
            return peer.name != null ? peer.name : SockAddr.UNNAMED;
        }
    }

    // ---------------------------------------------------------------- connections

    @Override
    public void listen(Task t, int backlogArg) {
        synchronized (LOCK) {
            if (!connectionOriented()) throw fail(Errno.EOPNOTSUPP);
            if (name == null || state == State.CONNECTED) throw fail(Errno.EINVAL);
            backlog = Math.min(Math.max(backlogArg, 0), Net.SOMAXCONN);
            ownCred = credOf(t);
            state = State.LISTENING;
            LOCK.notifyAll();
        }
    }

    /**
     * connect(2) to an abstract name. Path names need the file system: the syscall layer resolves
     * them and calls {@link #connectTo}.
     */
    @Override
    public void connect(Task t, SockAddr addr) {
        if (!addr.isAbstract()) throw new IllegalArgumentException("AF_UNIX path names are resolved by the caller");
        connectTo(t, UnixNames.findAbstract(addr));
    }

    @Override
    public void disconnect() {
        synchronized (LOCK) {
            if (connectionOriented()) throw fail(Errno.EINVAL);
            peer = null;
        }
    }

    /** connect(2) to the socket a name resolved to (null: nothing is bound there, ECONNREFUSED). */
    public void connectTo(Task t, UnixSocket target) {
        synchronized (LOCK) {
            if (!connectionOriented()) {
                // A datagram socket only records its default destination (unix_dgram_connect).
                if (target == null || target.closed) throw fail(Errno.ECONNREFUSED);
                if (target.type != type) throw fail(Errno.EPROTOTYPE);
                peer = target;
                return;
            }
            if (state == State.CONNECTED) throw fail(Errno.EISCONN);
            if (state == State.LISTENING) throw fail(Errno.EINVAL);
            if (target == null || target.closed) throw fail(Errno.ECONNREFUSED);
            if (target.type != type) throw fail(Errno.EPROTOTYPE);
            if (target.state != State.LISTENING) throw fail(Errno.ECONNREFUSED);
            long deadline = deadline(false);
            // unix_stream_connect waits while the listener's backlog is over-full.
            while (target.pending.size() > target.backlog) {
                if (nonblocking(0)) throw fail(Errno.EAGAIN);
                int r = await(LOCK, () -> target.closed || target.state != State.LISTENING
                        || target.pending.size() <= target.backlog, deadline);
                if (r < 0) throw fail(-r);
                if (target.closed || target.state != State.LISTENING) throw fail(Errno.ECONNREFUSED);
            }
            UnixSocket server = new UnixSocket(type, 0);
            server.name = target.name;
            server.state = State.CONNECTED;
            server.peer = this;
            server.peerCred = credOf(t);
            server.ownCred = target.ownCred;
            server.passcred = target.passcred;
            peer = server;
            peerCred = target.ownCred;
            state = State.CONNECTED;
            target.pending.addLast(server);
            LOCK.notifyAll();
        }
    }

    @Override
    public Accepted accept(Task t, int acceptFlags) {
        synchronized (LOCK) {
            if (state != State.LISTENING) throw fail(connectionOriented() ? Errno.EINVAL : Errno.EOPNOTSUPP);
            if (pending.isEmpty()) {
                if (nonblocking(0)) throw fail(Errno.EAGAIN);
                int r = await(LOCK, () -> !pending.isEmpty() || state != State.LISTENING, deadline(true));
                if (r < 0) throw fail(-r);
                if (pending.isEmpty()) throw fail(Errno.EINVAL);
            }
            UnixSocket s = pending.pollFirst();
            s.flags = Fs.O_RDWR | (acceptFlags & Fs.O_NONBLOCK);
            LOCK.notifyAll();
            SockAddr p = s.peer != null && s.peer.name != null ? s.peer.name : SockAddr.UNNAMED;
            return new Accepted(s, p);
        }
    }

    @Override
    protected boolean listening() {
        synchronized (LOCK) {
            return state == State.LISTENING;
        }
    }

    @Override
    public void shutdown(int how) {
        int mode = how + 1; // SHUT_RD -> RCV_SHUTDOWN, SHUT_WR -> SEND_SHUTDOWN, SHUT_RDWR -> both
        synchronized (LOCK) {
            shutdown |= mode;
            if (peer != null && connectionOriented()) {
                int peerMode = ((mode & RCV_SHUTDOWN) != 0 ? SEND_SHUTDOWN : 0)
                        | ((mode & SEND_SHUTDOWN) != 0 ? RCV_SHUTDOWN : 0);
                peer.shutdown |= peerMode;
            }
            LOCK.notifyAll();
        }
    }

    @Override
    protected void release() {
        UnixSocket[] embryos;
        synchronized (LOCK) {
            closed = true;
            UnixNames.unbind(this);
            boolean unread = !queue.isEmpty() || !pending.isEmpty();
            if (peer != null && connectionOriented()) {
                peer.shutdown = SHUTDOWN_MASK;
                if (unread) peer.error = Errno.ECONNRESET;
            }
            shutdown = SHUTDOWN_MASK;
            purge();
            embryos = pending.toArray(new UnixSocket[0]);
            pending.clear();
            state = State.UNCONNECTED;
            LOCK.notifyAll();
        }
        for (UnixSocket e : embryos) e.decRef();
    }

    /** Drops every queued segment, giving senders their buffer space and passed files their references. */
    private void purge() {
        for (Segment s : queue) dropSegment(s);
        queue.clear();
        queuedBytes = 0;
    }

    private static void dropSegment(Segment s) {
        s.sender.wmem -= s.cost;
        if (s.fds != null) for (FileDescription f : s.fds) f.decRef();
        s.fds = null;
    }

    // ---------------------------------------------------------------- sending

    /** send(2) and write(2) to the connected peer; an abstract destination name is looked up here. */
    @Override
    public long send(Task t, long buf, long len, int flags, SockAddr to, Control control) {
        if (to != null && !to.isAbstract()) throw new IllegalArgumentException("AF_UNIX path names are resolved by the caller");
        return sendTo(t, buf, len, flags, to != null, to != null ? UnixNames.findAbstract(to) : null, control);
    }

    /**
     * sendmsg(2): to is the socket the destination address resolved to, or null without an address
     * (hasAddress tells the two null cases apart: an address where nothing is bound is ECONNREFUSED).
     */
    public long sendTo(Task t, long buf, long len, int msgFlags, boolean hasAddress, UnixSocket to,
            Control control) {
        if ((msgFlags & Net.MSG_OOB) != 0) throw fail(Errno.EOPNOTSUPP);
        int[] creds = new int[] {t.process.pid, t.process.creds.uid(), t.process.creds.gid()};
        if (control.creds() != null) creds = control.creds();
        synchronized (LOCK) {
            if (type == Net.SOCK_STREAM) {
                if (hasAddress) throw fail(state == State.CONNECTED ? Errno.EISCONN : Errno.EOPNOTSUPP);
                return sendStream(buf, len, msgFlags, control, creds);
            }
            if (type == Net.SOCK_SEQPACKET) {
                if (state != State.CONNECTED) throw fail(Errno.ENOTCONN);
                return sendMessage(peer, buf, len, msgFlags, control, creds);
            }
            UnixSocket target = hasAddress ? to : peer;
            if (hasAddress && to == null) throw fail(Errno.ECONNREFUSED);
            if (target == null) throw fail(Errno.ENOTCONN);
            return sendMessage(target, buf, len, msgFlags, control, creds);
        }
    }

    private long sendStream(long buf, long len, int msgFlags, Control control, int[] creds) {
        if ((shutdown & SEND_SHUTDOWN) != 0) throw fail(Errno.EPIPE);
        if (state != State.CONNECTED || peer == null) throw fail(Errno.ENOTCONN);
        long deadline = deadline(false);
        long sent = 0;
        FileDescription[] fds = control.fds();
        do {
            UnixSocket other = peer;
            if (other.closed || (other.shutdown & RCV_SHUTDOWN) != 0) {
                if (sent > 0) return sent;
                throw fail(Errno.EPIPE);
            }
            if (wmem >= sndbuf) {
                if (nonblocking(msgFlags)) {
                    if (sent > 0) return sent;
                    throw fail(Errno.EAGAIN);
                }
                int r = await(LOCK, () -> wmem < sndbuf || other.closed || (other.shutdown & RCV_SHUTDOWN) != 0
                        || (shutdown & SEND_SHUTDOWN) != 0, deadline);
                if (r < 0) {
                    if (sent > 0) return sent;
                    throw fail(-r);
                }
                if ((shutdown & SEND_SHUTDOWN) != 0) {
                    if (sent > 0) return sent;
                    throw fail(Errno.EPIPE);
                }
                continue;
            }
            int n = (int) Math.min(len - sent, Math.min(STREAM_SEGMENT, sndbuf / 2 - 64));
            byte[] data = new byte[n];
            HostAccess.copyOut(buf + sent, data, 0, n);
            enqueue(other, new Segment(data, fds, creds, name, this));
            fds = null; // descriptions ride with the first segment only
            sent += n;
        } while (sent < len);
        return sent;
    }

    private long sendMessage(UnixSocket target, long buf, long len, int msgFlags, Control control, int[] creds) {
        if (len > sndbuf - 32) throw fail(Errno.EMSGSIZE);
        long deadline = deadline(false);
        while (true) {
            if ((shutdown & SEND_SHUTDOWN) != 0) throw fail(Errno.EPIPE);
            if (target.closed) {
                if (type == Net.SOCK_SEQPACKET) throw fail(Errno.EPIPE);
                if (peer == target) peer = null;
                throw fail(Errno.ECONNREFUSED);
            }
            if (type == Net.SOCK_DGRAM && target.peer != null && target.peer != this) throw fail(Errno.EPERM);
            if ((target.shutdown & RCV_SHUTDOWN) != 0) throw fail(Errno.EPIPE);
            boolean queueFull = type == Net.SOCK_DGRAM && target.peer != this && target.queue.size() > MAX_DGRAM_QLEN;
            if (!queueFull && wmem < sndbuf) break;
            if (nonblocking(msgFlags)) throw fail(Errno.EAGAIN);
            int r = await(LOCK, () -> target.closed || (shutdown & SEND_SHUTDOWN) != 0
                    || (wmem < sndbuf && !(type == Net.SOCK_DGRAM && target.peer != this
                            && target.queue.size() > MAX_DGRAM_QLEN)), deadline);
            if (r < 0) throw fail(-r);
        }
        byte[] data = new byte[(int) len];
        HostAccess.copyOut(buf, data, 0, (int) len);
        enqueue(target, new Segment(data, control.fds(), creds, name, this));
        return len;
    }

    private void enqueue(UnixSocket target, Segment s) {
        target.queue.addLast(s);
        target.queuedBytes += s.data.length;
        wmem += s.cost;
        LOCK.notifyAll();
    }

    // ---------------------------------------------------------------- receiving

    @Override
    public long recv(Task t, long buf, long len, int msgFlags, RecvInfo info) {
        if ((msgFlags & Net.MSG_OOB) != 0) throw fail(Errno.EOPNOTSUPP);
        synchronized (LOCK) {
            if (state == State.LISTENING) throw fail(Errno.EINVAL);
            if (type == Net.SOCK_STREAM) return recvStream(buf, len, msgFlags, info);
            return recvMessage(buf, len, msgFlags, info);
        }
    }

    /** Waits for a segment: true if one is queued, false at end of stream; throws the error or EAGAIN. */
    private boolean awaitData(int msgFlags, long deadline) {
        while (queue.isEmpty()) {
            if (error != 0) {
                int e = error;
                error = 0;
                throw fail(e);
            }
            if ((shutdown & RCV_SHUTDOWN) != 0) return false;
            if (nonblocking(msgFlags)) throw fail(Errno.EAGAIN);
            int r = await(LOCK, () -> !queue.isEmpty() || error != 0 || (shutdown & RCV_SHUTDOWN) != 0, deadline);
            if (r < 0) throw fail(-r);
        }
        return true;
    }

    private long recvStream(long buf, long len, int msgFlags, RecvInfo info) {
        boolean peek = (msgFlags & Net.MSG_PEEK) != 0;
        long target = (msgFlags & Net.MSG_WAITALL) != 0 && !peek ? len : 1;
        long deadline = deadline(true);
        long copied = 0;
        int[] creds = null;
        while (copied < len) {
            if (queue.isEmpty() && copied >= target) break;
            boolean more;
            try {
                more = awaitData(copied > 0 ? msgFlags | Net.MSG_DONTWAIT : msgFlags, deadline);
            } catch (jvisor.kernel.syscall.SyscallException e) {
                if (copied > 0) break;
                throw e;
            }
            if (!more) break;
            boolean stop = false;
            Iterator<Segment> it = queue.iterator();
            while (it.hasNext() && copied < len) {
                Segment s = it.next();
                // Never glue messages from different writers when credentials are asked for (unix_stream_read_generic).
                if (passcred) {
                    if (creds == null) creds = s.creds;
                    else if (!java.util.Arrays.equals(creds, s.creds)) {
                        stop = true;
                        break;
                    }
                }
                if (copied == 0 && info.from == null) info.from = s.from != null ? s.from : SockAddr.UNNAMED;
                int n = (int) Math.min(len - copied, s.left());
                HostAccess.copyIn(s.data, s.off, buf + copied, n);
                copied += n;
                boolean hadFds = s.fds != null;
                if (hadFds) info.fds = takeFds(s, peek);
                if (!peek) {
                    s.off += n;
                    queuedBytes -= n;
                    if (s.left() == 0) {
                        it.remove();
                        dropSegment(s);
                        LOCK.notifyAll();
                    }
                }
                if (hadFds) {
                    stop = true;
                    break;
                }
                if (peek && n < s.left()) break;
            }
            if (stop || peek || copied >= target) break;
        }
        if (passcred) info.creds = creds;
        return copied;
    }

    private long recvMessage(long buf, long len, int msgFlags, RecvInfo info) {
        boolean peek = (msgFlags & Net.MSG_PEEK) != 0;
        if (!awaitData(msgFlags, deadline(true))) return 0;
        Segment s = queue.peekFirst();
        int n = (int) Math.min(len, s.data.length);
        HostAccess.copyIn(s.data, 0, buf, n);
        if (n < s.data.length) info.msgFlags |= Net.MSG_TRUNC;
        info.from = s.from != null ? s.from : SockAddr.UNNAMED;
        if (passcred) info.creds = s.creds;
        if (s.fds != null) info.fds = takeFds(s, peek);
        if (!peek) {
            queue.pollFirst();
            queuedBytes -= s.data.length;
            dropSegment(s);
            LOCK.notifyAll();
        }
        return (msgFlags & Net.MSG_TRUNC) != 0 ? s.data.length : n;
    }

    /** The descriptions a segment carries: taken from it, or for MSG_PEEK referenced once more (unix_peek_fds). */
    private static FileDescription[] takeFds(Segment s, boolean peek) {
        FileDescription[] fds = s.fds;
        if (peek) {
            for (FileDescription f : fds) f.incRef();
        } else {
            s.fds = null;
        }
        return fds;
    }

    @Override
    protected long bytesReadable() {
        synchronized (LOCK) {
            if (state == State.LISTENING) return -Errno.EINVAL;
            if (type == Net.SOCK_STREAM) return queuedBytes;
            return queue.isEmpty() ? 0 : queue.peekFirst().data.length;
        }
    }

    // ---------------------------------------------------------------- poll

    @Override
    public int poll(int events) {
        int mask = 0;
        synchronized (LOCK) {
            if (error != 0) mask |= POLLERR;
            if (shutdown == SHUTDOWN_MASK) mask |= POLLHUP;
            if ((shutdown & RCV_SHUTDOWN) != 0) mask |= POLLRDHUP | POLLIN | POLLRDNORM;
            if (!queue.isEmpty() || !pending.isEmpty()) mask |= POLLIN | POLLRDNORM;
            if (connectionOriented() && state == State.UNCONNECTED) mask |= POLLHUP;
            boolean writable = state != State.LISTENING && (wmem << 2) <= sndbuf;
            if (writable && type == Net.SOCK_DGRAM && peer != null && peer.peer != this
                    && peer.queue.size() > MAX_DGRAM_QLEN) {
                writable = false;
            }
            if (writable) mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
        }
        return mask & (events | POLLERR | POLLHUP);
    }

    // ---------------------------------------------------------------- options

    @Override
    protected byte[] getOption(Task t, int level, int name) {
        if (level != Net.SOL_SOCKET) return null;
        synchronized (LOCK) {
            switch (name) {
                case Net.SO_ERROR: {
                    int e = error;
                    error = 0;
                    return intValue(e);
                }
                case Net.SO_PASSCRED:
                    return intValue(passcred ? 1 : 0);
                case Net.SO_SNDBUF:
                    return intValue(sndbuf);
                case Net.SO_RCVBUF:
                    return intValue(SNDBUF);
                case Net.SO_PEERCRED: {
                    int[] c = peerCred != null ? peerCred : new int[] {0, -1, -1};
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    return b.putInt(c[0]).putInt(c[1]).putInt(c[2]).array();
                }
                case Net.SO_REUSEADDR, Net.SO_KEEPALIVE, Net.SO_BROADCAST, Net.SO_REUSEPORT:
                    return intValue(0);
                default:
                    return null;
            }
        }
    }

    @Override
    protected boolean setOption(Task t, int level, int name, byte[] value) {
        if (level != Net.SOL_SOCKET) return false;
        int v = intArg(value);
        synchronized (LOCK) {
            switch (name) {
                case Net.SO_PASSCRED -> passcred = v != 0;
                case Net.SO_SNDBUF -> {
                    // sock_setsockopt: doubled, at least SOCK_MIN_SNDBUF, at most wmem_max (doubled).
                    sndbuf = Math.max(4608, (Integer.compareUnsigned(v, SNDBUF) > 0 ? SNDBUF : v) * 2);
                    LOCK.notifyAll();
                }
                case Net.SO_RCVBUF, Net.SO_REUSEADDR, Net.SO_KEEPALIVE, Net.SO_BROADCAST, Net.SO_REUSEPORT -> {
                    // accepted, with no effect on AF_UNIX (as on Linux)
                }
                default -> {
                    return false;
                }
            }
        }
        return true;
    }
}
