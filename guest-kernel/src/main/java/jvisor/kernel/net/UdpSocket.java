package jvisor.kernel.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Net;
import jvisor.kernel.proc.Task;
import jvisor.mmu.HostAccess;
import jvisor.mmu.HostMemory;

/**
 * A UDP socket (udp(7)) on a Java NIO {@link DatagramChannel} in non-blocking mode. A datagram is
 * received whole into a buffer of the largest UDP payload and then copied, so a short buffer gets
 * MSG_TRUNC as on Linux; MSG_PEEK and FIONREAD keep the datagram for the next receive.
 */
public final class UdpSocket extends InetSocket {
    /** The largest UDP payload over IPv4 or IPv6. */
    private static final int MAX_DATAGRAM = 65536;

    private final DatagramChannel ch;
    private volatile boolean bound, connected, shutRd, shutWr;

    private final ReentrantLock rxLock = new ReentrantLock();
    private final ByteBuffer rxBuf = ByteBuffer.allocate(MAX_DATAGRAM);
    /** A datagram received ahead of the guest (MSG_PEEK, FIONREAD, poll), with its source. */
    private byte[] held;
    private SocketAddress heldFrom;

    public UdpSocket(int family, int flags) {
        super(family, Net.SOCK_DGRAM, Net.IPPROTO_UDP, flags);
        try {
            ch = DatagramChannel.open(protocolFamily);
            ch.configureBlocking(false);
        } catch (IOException | UnsupportedOperationException e) {
            throw fail(Errno.EAFNOSUPPORT);
        }
    }

    @Override
    SelectableChannel channel() {
        return ch;
    }

    @Override
    public synchronized void bind(Task t, SockAddr addr) {
        InetSocketAddress a = target(addr);
        if (bound) throw fail(Errno.EINVAL);
        try {
            ch.bind(a);
        } catch (IOException | RuntimeException e) {
            throw fail(NetErrors.errno(e));
        }
        bound = true;
    }

    @Override
    public void listen(Task t, int backlog) {
        throw fail(Errno.EOPNOTSUPP);
    }

    @Override
    public Accepted accept(Task t, int flags) {
        throw fail(Errno.EOPNOTSUPP);
    }

    @Override
    protected boolean listening() {
        return false;
    }

    @Override
    public synchronized void connect(Task t, SockAddr addr) {
        InetSocketAddress a = target(addr);
        try {
            if (connected) ch.disconnect();
            ch.connect(a);
        } catch (IOException | RuntimeException e) {
            throw fail(NetErrors.errno(e));
        }
        connected = true;
        bound = true;
    }

    @Override
    public synchronized void disconnect() {
        try {
            ch.disconnect();
        } catch (IOException e) {
            throw fail(NetErrors.errno(e));
        }
        connected = false;
    }

    @Override
    public long send(Task t, long buf, long len, int msgFlags, SockAddr to, Control control) {
        if ((msgFlags & Net.MSG_OOB) != 0) throw fail(Errno.EOPNOTSUPP);
        if (shutWr) throw fail(Errno.EPIPE);
        InetSocketAddress dest = to != null ? target(to) : null;
        if (dest == null && !connected) throw fail(Errno.EDESTADDRREQ);
        if (len > 65507 + (family == Net.AF_INET6 ? 20 : 0)) throw fail(Errno.EMSGSIZE);
        long deadline = deadline(false);
        ByteBuffer src = hostBuffer(buf, len);
        while (true) {
            int n;
            try {
                n = dest == null ? ch.write(src) : ch.send(src, dest);
            } catch (IOException | RuntimeException e) {
                throw fail(NetErrors.errno(e));
            }
            if (n > 0 || len == 0) {
                bound = true;
                return n;
            }
            if (nonblocking(msgFlags)) throw fail(Errno.EAGAIN);
            int r = tx().awaitTick(SelectionKey.OP_WRITE, deadline);
            if (r < 0) throw fail(-r);
        }
    }

    /** Receives one datagram into held if none is: true if one is held. Called holding rxLock. */
    private boolean fetch() {
        if (held != null) return true;
        rxBuf.clear();
        SocketAddress from;
        try {
            from = ch.receive(rxBuf);
        } catch (IOException | RuntimeException e) {
            throw fail(NetErrors.errno(e));
        }
        if (from == null) return false;
        rxBuf.flip();
        held = Arrays.copyOf(rxBuf.array(), rxBuf.limit());
        heldFrom = from;
        return true;
    }

    @Override
    public long recv(Task t, long buf, long len, int msgFlags, RecvInfo info) {
        if ((msgFlags & Net.MSG_OOB) != 0) throw fail(Errno.EINVAL);
        long deadline = deadline(true);
        rxLock.lock();
        try {
            while (!fetch()) {
                if (shutRd) return 0;
                if (nonblocking(msgFlags)) throw fail(Errno.EAGAIN);
                rxLock.unlock();
                int r;
                try {
                    r = rx().awaitTick(SelectionKey.OP_READ, deadline);
                } finally {
                    rxLock.lock();
                }
                if (r < 0) throw fail(-r);
            }
            byte[] d = held;
            int n = (int) Math.min(len, d.length);
            HostAccess.copyIn(d, 0, buf, n);
            if (n < d.length) info.msgFlags |= Net.MSG_TRUNC;
            info.from = guestAddress(heldFrom);
            if ((msgFlags & Net.MSG_PEEK) == 0) {
                held = null;
                heldFrom = null;
            }
            return (msgFlags & Net.MSG_TRUNC) != 0 ? d.length : n;
        } finally {
            rxLock.unlock();
        }
    }

    @Override
    protected long bytesReadable() {
        rxLock.lock();
        try {
            return fetch() ? held.length : 0;
        } catch (jvisor.kernel.syscall.SyscallException e) {
            return 0;
        } finally {
            rxLock.unlock();
        }
    }

    @Override
    public synchronized void shutdown(int how) {
        if (how != Net.SHUT_WR) shutRd = true;
        if (how != Net.SHUT_RD) shutWr = true;
        // inet_shutdown: an unconnected socket is marked all the same, and told ENOTCONN.
        if (!connected) throw fail(Errno.ENOTCONN);
    }

    @Override
    public SockAddr localAddress() {
        return address(ch::getLocalAddress, false);
    }

    @Override
    public SockAddr peerAddress() {
        return address(ch::getRemoteAddress, true);
    }

    @Override
    protected byte[] getOption(Task t, int level, int name) {
        if (level == Net.SOL_SOCKET && name == Net.SO_ERROR) return intValue(0);
        return super.getOption(t, level, name);
    }

    @Override
    public int poll(int events) {
        int mask = 0;
        int ops = ((events & (POLLIN | POLLRDNORM)) != 0 ? SelectionKey.OP_READ : 0)
                | ((events & (POLLOUT | POLLWRNORM)) != 0 ? SelectionKey.OP_WRITE : 0);
        int ready = ops == 0 ? 0 : pollReadiness().readyNow(ops);
        if ((ready & SelectionKey.OP_READ) != 0) mask |= POLLIN | POLLRDNORM;
        if ((ready & SelectionKey.OP_WRITE) != 0) mask |= POLLOUT | POLLWRNORM;
        if (held != null) mask |= POLLIN | POLLRDNORM;
        if (shutRd) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
        if (shutRd && shutWr) mask |= POLLHUP;
        return mask & (events | POLLERR | POLLHUP);
    }

    @Override
    protected void release() {
        closeChannel(ch);
    }
}
