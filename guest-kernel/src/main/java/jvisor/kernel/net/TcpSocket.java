package jvisor.kernel.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Net;
import jvisor.kernel.proc.Task;
import jvisor.mmu.HostAccess;

/**
 * A TCP socket (tcp(7)) on a Java NIO {@link SocketChannel}, or once it listens a
 * {@link ServerSocketChannel}, always in non-blocking mode; blocking guest calls wait through
 * {@link NioReadiness} so that signals interrupt them.
 *
 * <p>Java cannot listen on a socket it created as a client, while Linux decides at listen(2): bind
 * binds the client channel (so EADDRINUSE is reported by bind, as on Linux) and listen closes it
 * and binds a server channel to the same address. MSG_PEEK, FIONREAD and POLLRDHUP need bytes
 * that NIO cannot peek: they are read ahead into a buffer of the socket, which recv drains first.
 */
public final class TcpSocket extends InetSocket {
    private enum State { FRESH, BOUND, CONNECTING, CONNECTED, LISTENING }

    private volatile State state;
    private volatile SocketChannel client;
    private volatile ServerSocketChannel server;
    /** The error a failed asynchronous connect left for SO_ERROR (sk_err). */
    private volatile int pendingError;
    private volatile boolean shutRd, shutWr;

    /** Guards the read-ahead buffer and receives. */
    private final ReentrantLock rxLock = new ReentrantLock();
    private byte[] ahead = new byte[0];
    private int aheadStart, aheadEnd;
    /** The peer's FIN has been read. */
    private boolean eof;

    public TcpSocket(int family, int flags) {
        super(family, Net.SOCK_STREAM, Net.IPPROTO_TCP, flags);
        client = openClient();
        state = State.FRESH;
    }

    private TcpSocket(int family, SocketChannel accepted, int flags) {
        super(family, Net.SOCK_STREAM, Net.IPPROTO_TCP, flags);
        client = accepted;
        state = State.CONNECTED;
    }

    private SocketChannel openClient() {
        try {
            SocketChannel ch = SocketChannel.open(protocolFamily);
            ch.configureBlocking(false);
            applyOptions(ch);
            return ch;
        } catch (IOException | UnsupportedOperationException e) {
            throw fail(Errno.EAFNOSUPPORT);
        }
    }

    @Override
    SelectableChannel channel() {
        return state == State.LISTENING ? server : client;
    }

    // ---------------------------------------------------------------- bind, listen, accept

    @Override
    public synchronized void bind(Task t, SockAddr addr) {
        InetSocketAddress a = target(addr);
        if (state != State.FRESH) throw fail(Errno.EINVAL);
        try {
            client.bind(a);
        } catch (IOException | RuntimeException e) {
            throw fail(NetErrors.errno(e));
        }
        state = State.BOUND;
    }

    @Override
    public synchronized void listen(Task t, int backlog) {
        if (state == State.LISTENING) return;
        if (state == State.CONNECTED || state == State.CONNECTING) throw fail(Errno.EINVAL);
        try {
            java.net.SocketAddress local = client.getLocalAddress();
            if (local == null) local = new InetSocketAddress(wildcard(), 0);
            ServerSocketChannel s = ServerSocketChannel.open(protocolFamily);
            s.configureBlocking(false);
            applyOptions(s);
            closeChannel(client);
            try {
                s.bind(local, Math.max(1, Math.min(backlog, Net.SOMAXCONN)));
            } catch (IOException | RuntimeException e) {
                s.close();
                client = openClient();
                state = State.FRESH;
                throw fail(NetErrors.errno(e));
            }
            server = s;
            state = State.LISTENING;
        } catch (IOException e) {
            throw fail(NetErrors.errno(e));
        }
    }

    @Override
    public Accepted accept(Task t, int acceptFlags) {
        long deadline = deadline(true);
        while (true) {
            if (state != State.LISTENING) throw fail(Errno.EINVAL);
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                throw fail(NetErrors.errno(e));
            }
            if (ch != null) {
                try {
                    ch.configureBlocking(false);
                    applyOptions(ch);
                    TcpSocket s = new TcpSocket(family, ch, Fs.O_NONBLOCK & acceptFlags);
                    s.inheritOptions(this);
                    return new Accepted(s, guestAddress(ch.getRemoteAddress()));
                } catch (IOException e) {
                    throw fail(NetErrors.errno(e));
                }
            }
            if (nonblocking(0)) throw fail(Errno.EAGAIN);
            int r = rx().awaitTick(SelectionKey.OP_ACCEPT, deadline);
            if (r < 0) throw fail(r == -Errno.EBADF ? Errno.EINVAL : -r);
        }
    }

    private void inheritOptions(TcpSocket listener) {
        for (var e : listener.snapshotOptions().entrySet()) rememberOption(e.getKey(), e.getValue());
    }

    @Override
    protected boolean listening() {
        return state == State.LISTENING;
    }

    // ---------------------------------------------------------------- connect

    @Override
    public void connect(Task t, SockAddr addr) {
        InetSocketAddress a = target(addr);
        synchronized (this) {
            switch (state) {
                case CONNECTED, LISTENING -> throw fail(Errno.EISCONN);
                case CONNECTING -> {
                    if (finishConnect()) return;
                    if (nonblocking(0)) throw fail(Errno.EALREADY);
                }
                default -> {
                    try {
                        if (client.connect(a)) {
                            state = State.CONNECTED;
                            return;
                        }
                    } catch (IOException | RuntimeException e) {
                        resetAfterFailure();
                        throw fail(NetErrors.errno(e));
                    }
                    state = State.CONNECTING;
                    if (nonblocking(0)) throw fail(Errno.EINPROGRESS);
                }
            }
        }
        awaitConnected(deadline(false));
    }

    /** tcp_disconnect: a connection is dropped and the socket can connect again. */
    @Override
    public synchronized void disconnect() {
        if (state == State.CONNECTED || state == State.CONNECTING) resetAfterFailure();
    }

    /** Waits for a connection in progress; throws its error. */
    private void awaitConnected(long deadline) {
        while (true) {
            synchronized (this) {
                if (state != State.CONNECTING) {
                    if (state == State.CONNECTED) return;
                    int e = pendingError;
                    pendingError = 0;
                    throw fail(e != 0 ? e : Errno.ECONNREFUSED);
                }
                if (finishConnect()) return;
                if (state != State.CONNECTING) continue;
            }
            int r = tx().awaitTick(SelectionKey.OP_CONNECT, deadline);
            if (r < 0) throw fail(r == -Errno.EAGAIN ? Errno.ETIMEDOUT : -r);
        }
    }

    /**
     * Completes a connection in progress if the host says it is done: true once connected;
     * a failure leaves its errno for SO_ERROR and the socket unconnected. Called holding this.
     */
    private boolean finishConnect() {
        try {
            if (client.finishConnect()) {
                state = State.CONNECTED;
                return true;
            }
            return false;
        } catch (IOException | RuntimeException e) {
            pendingError = NetErrors.errno(e);
            resetAfterFailure();
            return false;
        }
    }

    /** Java closes a channel whose connection failed; Linux keeps the socket usable for another connect. */
    private void resetAfterFailure() {
        closeChannel(client);
        client = openClient();
        state = State.FRESH;
    }

    // ---------------------------------------------------------------- send

    @Override
    public long send(Task t, long buf, long len, int msgFlags, SockAddr to, Control control) {
        if ((msgFlags & Net.MSG_OOB) != 0) throw fail(Errno.EOPNOTSUPP);
        long deadline = deadline(false);
        if (state == State.CONNECTING) {
            if (nonblocking(msgFlags)) throw fail(Errno.EAGAIN);
            awaitConnected(deadline);
        }
        int err = takePendingError();
        if (err != 0) throw fail(err);
        if (state != State.CONNECTED || shutWr) throw fail(Errno.EPIPE);
        ByteBuffer src = hostBuffer(buf, len);
        long sent = 0;
        while (src.hasRemaining()) {
            int n;
            try {
                n = client.write(src);
            } catch (IOException | RuntimeException e) {
                if (sent > 0) return sent;
                throw fail(e instanceof java.nio.channels.ClosedChannelException && shutWr ? Errno.EPIPE
                        : NetErrors.errno(e));
            }
            sent += n;
            if (n > 0 || !src.hasRemaining()) continue;
            if (nonblocking(msgFlags)) {
                if (sent > 0) return sent;
                throw fail(Errno.EAGAIN);
            }
            int r = tx().awaitTick(SelectionKey.OP_WRITE, deadline);
            if (r < 0) {
                if (sent > 0) return sent;
                throw fail(-r);
            }
        }
        return sent;
    }

    private synchronized int takePendingError() {
        int e = pendingError;
        pendingError = 0;
        return e;
    }

    // ---------------------------------------------------------------- receive

    @Override
    public long recv(Task t, long buf, long len, int msgFlags, RecvInfo info) {
        if ((msgFlags & Net.MSG_OOB) != 0) throw fail(Errno.EINVAL);
        long deadline = deadline(true);
        if (state == State.CONNECTING) {
            if (nonblocking(msgFlags)) throw fail(Errno.EAGAIN);
            awaitConnected(deadline);
        }
        if (state != State.CONNECTED) {
            int err = takePendingError();
            throw fail(err != 0 ? err : Errno.ENOTCONN);
        }
        boolean peek = (msgFlags & Net.MSG_PEEK) != 0;
        boolean waitAll = (msgFlags & Net.MSG_WAITALL) != 0 && !peek;
        rxLock.lock();
        try {
            long copied = 0;
            while (true) {
                copied += takeAhead(buf + copied, len - copied, peek, (msgFlags & Net.MSG_TRUNC) != 0);
                if (copied >= len || (copied > 0 && !waitAll) || shutRd || eof) return copied;
                if (peek) {
                    int n = readAhead((int) Math.min(len, Integer.MAX_VALUE - 8));
                    if (n > 0) continue;
                    if (n < 0) return copied;
                } else {
                    ByteBuffer dst = (msgFlags & Net.MSG_TRUNC) != 0 ? ByteBuffer.allocate((int) Math.min(len - copied, 1 << 20))
                            : hostBuffer(buf + copied, len - copied);
                    int n;
                    try {
                        n = client.read(dst);
                    } catch (IOException | RuntimeException e) {
                        if (copied > 0) return copied;
                        throw fail(NetErrors.errno(e));
                    }
                    if (n < 0) {
                        eof = true;
                        return copied;
                    }
                    copied += n;
                    if (n > 0) continue;
                }
                if (copied > 0 && !waitAll) return copied;
                if (nonblocking(msgFlags)) {
                    if (copied > 0) return copied;
                    throw fail(Errno.EAGAIN);
                }
                int r = rx().awaitTick(SelectionKey.OP_READ, deadline);
                if (r < 0) {
                    if (copied > 0) return copied;
                    throw fail(-r);
                }
            }
        } finally {
            rxLock.unlock();
        }
    }

    /** Copies (or for MSG_PEEK only shows) read-ahead bytes; with discard (MSG_TRUNC) only counts them. */
    private long takeAhead(long buf, long len, boolean peek, boolean discard) {
        int n = (int) Math.min(len, aheadEnd - aheadStart);
        if (n <= 0) return 0;
        if (!discard) {
            HostAccess.copyIn(ahead, aheadStart, buf, n);
        }
        if (!peek) aheadStart += n;
        return n;
    }

    /**
     * Reads what the host has into the read-ahead buffer, until it holds want bytes: the count
     * read, 0 if nothing was there, -1 at end of stream. Called holding rxLock.
     */
    private int readAhead(int want) {
        if (eof || shutRd) return eof ? -1 : 0;
        int have = aheadEnd - aheadStart;
        int room = Math.max(want, 65536);
        if (ahead.length - aheadStart < room) {
            byte[] bigger = new byte[Math.max(room, have + 65536)];
            System.arraycopy(ahead, aheadStart, bigger, 0, have);
            ahead = bigger;
            aheadStart = 0;
            aheadEnd = have;
        }
        int n;
        try {
            n = client.read(ByteBuffer.wrap(ahead, aheadEnd, Math.max(0, Math.min(want - have, ahead.length - aheadEnd))));
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                pendingError = NetErrors.errno(e);
            }
            return 0;
        }
        if (n < 0) {
            eof = true;
            return -1;
        }
        aheadEnd += n;
        return n;
    }

    @Override
    protected long bytesReadable() {
        if (state == State.LISTENING) return -Errno.EINVAL;
        if (state != State.CONNECTED) return 0;
        // A receive blocked in another thread holds the buffer: nothing is queued that it would not take.
        if (!rxLock.tryLock()) return 0;
        try {
            readAhead(Integer.MAX_VALUE - 8);
            return aheadEnd - aheadStart;
        } finally {
            rxLock.unlock();
        }
    }

    // ---------------------------------------------------------------- shutdown, names

    @Override
    public synchronized void shutdown(int how) {
        if (state == State.LISTENING) {
            if (how == Net.SHUT_WR) return;
            closeChannel(server);
            server = null;
            client = openClient();
            state = State.FRESH;
            return;
        }
        if (state != State.CONNECTED && state != State.CONNECTING) throw fail(Errno.ENOTCONN);
        try {
            if (how != Net.SHUT_WR && !shutRd) {
                client.shutdownInput();
                shutRd = true;
            }
            if (how != Net.SHUT_RD && !shutWr) {
                client.shutdownOutput();
                shutWr = true;
            }
        } catch (IOException e) {
            throw fail(NetErrors.errno(e));
        }
    }

    @Override
    public SockAddr localAddress() {
        return address(() -> state == State.LISTENING ? server.getLocalAddress() : client.getLocalAddress(), false);
    }

    @Override
    public SockAddr peerAddress() {
        if (state != State.CONNECTED) throw fail(Errno.ENOTCONN);
        return address(client::getRemoteAddress, true);
    }

    @Override
    protected byte[] getOption(Task t, int level, int name) {
        if (level == Net.SOL_SOCKET && name == Net.SO_ERROR) {
            synchronized (this) {
                if (state == State.CONNECTING) finishConnect();
            }
            return intValue(takePendingError());
        }
        return super.getOption(t, level, name);
    }

    // ---------------------------------------------------------------- poll, close

    @Override
    public int poll(int events) {
        int mask = 0;
        synchronized (this) {
            if (state == State.CONNECTING
                    && (pollReadiness().readyNow(SelectionKey.OP_CONNECT) != 0)) {
                finishConnect();
            }
            if (pendingError != 0) mask |= POLLERR;
            switch (state) {
                case LISTENING -> {
                    if (pollReadiness().readyNow(SelectionKey.OP_ACCEPT) != 0) mask |= POLLIN | POLLRDNORM;
                    return mask & (events | POLLERR | POLLHUP);
                }
                case CONNECTING -> {
                    return mask & (events | POLLERR | POLLHUP);
                }
                case FRESH, BOUND -> {
                    // tcp_poll of a closed socket: hung up, and writable; after a failed connect also readable.
                    mask |= POLLHUP | POLLOUT | POLLWRNORM;
                    if ((mask & POLLERR) != 0) mask = POLLERR | POLLHUP | POLLIN | POLLRDNORM | POLLRDHUP;
                    return mask & (events | POLLERR | POLLHUP);
                }
                default -> {
                }
            }
        }
        int ops = ((events & (POLLIN | POLLRDNORM | POLLRDHUP)) != 0 ? SelectionKey.OP_READ : 0)
                | ((events & (POLLOUT | POLLWRNORM)) != 0 && !shutWr ? SelectionKey.OP_WRITE : 0);
        int ready = ops == 0 ? 0 : pollReadiness().readyNow(ops);
        if ((ready & SelectionKey.OP_WRITE) != 0) mask |= POLLOUT | POLLWRNORM;
        if (rxLock.tryLock()) {
            try {
                if ((ready & SelectionKey.OP_READ) != 0) readAhead(65536);
                if (aheadEnd > aheadStart) mask |= POLLIN | POLLRDNORM;
                if (eof) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
            } finally {
                rxLock.unlock();
            }
        } else if ((ready & SelectionKey.OP_READ) != 0) {
            mask |= POLLIN | POLLRDNORM;
        }
        if (shutRd) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
        if (pendingError != 0) mask |= POLLERR;
        if ((eof || shutRd) && shutWr) mask |= POLLHUP;
        return mask & (events | POLLERR | POLLHUP);
    }

    @Override
    protected void release() {
        dropReadiness();
        closeChannel(client);
        closeChannel(server);
    }
}
