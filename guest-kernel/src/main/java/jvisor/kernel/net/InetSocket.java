package jvisor.kernel.net;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Net;
import jvisor.kernel.proc.Task;

/**
 * What AF_INET and AF_INET6 sockets share: a Java NIO channel in non-blocking mode underneath,
 * the readiness of that channel ({@link NioReadiness}, for the receive side, the send side and
 * poll), addresses converted between {@link SockAddr} and Java's, and the socket options that map
 * onto Java's {@link SocketOption}s. Options the guest set are remembered, because the channel
 * can change underneath (listen replaces the channel) and accepted connections inherit them.
 */
abstract class InetSocket extends SocketFile {
    /** One guest option backed by a Java option: (level, name) and how its value is laid out. */
    private record Opt(int level, int name, SocketOption<?> java, boolean bool) {}

    private static final List<Opt> OPTIONS = List.of(
            new Opt(Net.SOL_SOCKET, Net.SO_REUSEADDR, StandardSocketOptions.SO_REUSEADDR, true),
            new Opt(Net.SOL_SOCKET, Net.SO_REUSEPORT, StandardSocketOptions.SO_REUSEPORT, true),
            new Opt(Net.SOL_SOCKET, Net.SO_KEEPALIVE, StandardSocketOptions.SO_KEEPALIVE, true),
            new Opt(Net.SOL_SOCKET, Net.SO_BROADCAST, StandardSocketOptions.SO_BROADCAST, true),
            new Opt(Net.SOL_SOCKET, Net.SO_RCVBUF, StandardSocketOptions.SO_RCVBUF, false),
            new Opt(Net.SOL_SOCKET, Net.SO_SNDBUF, StandardSocketOptions.SO_SNDBUF, false),
            new Opt(Net.SOL_TCP, Net.TCP_NODELAY, StandardSocketOptions.TCP_NODELAY, true),
            new Opt(Net.SOL_TCP, Net.TCP_KEEPIDLE, jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, false),
            new Opt(Net.SOL_TCP, Net.TCP_KEEPINTVL, jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL, false),
            new Opt(Net.SOL_TCP, Net.TCP_KEEPCNT, jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT, false),
            new Opt(Net.SOL_IP, Net.IP_TOS, StandardSocketOptions.IP_TOS, false),
            new Opt(Net.SOL_IP, Net.IP_MULTICAST_TTL, StandardSocketOptions.IP_MULTICAST_TTL, false),
            new Opt(Net.SOL_IP, Net.IP_MULTICAST_LOOP, StandardSocketOptions.IP_MULTICAST_LOOP, true),
            new Opt(Net.SOL_IPV6, Net.IPV6_TCLASS, StandardSocketOptions.IP_TOS, false));

    final ProtocolFamily protocolFamily;
    /** Options the guest set, in the order it set them, to apply to every channel the socket gets. */
    private final Map<SocketOption<?>, Object> guestOptions = new LinkedHashMap<>();
    private NioReadiness rx, tx, pollReadiness;

    InetSocket(int family, int type, int protocol, int flags) {
        super(family, type, protocol, flags);
        this.protocolFamily = family == Net.AF_INET ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    }

    /** The channel the socket is now (it changes when a TCP socket listens). */
    abstract SelectableChannel channel();

    final synchronized NioReadiness rx() {
        if (rx == null) rx = new NioReadiness(channel());
        return rx;
    }

    final synchronized NioReadiness tx() {
        if (tx == null) tx = new NioReadiness(channel());
        return tx;
    }

    final synchronized NioReadiness pollReadiness() {
        if (pollReadiness == null) pollReadiness = new NioReadiness(channel());
        return pollReadiness;
    }

    /**
     * Forgets the selectors of the current channel. They must go before the channel is closed:
     * a channel still registered with a selector keeps its host socket (and port) until then.
     */
    final synchronized void dropReadiness() {
        for (NioReadiness r : new NioReadiness[] {rx, tx, pollReadiness}) if (r != null) r.close();
        rx = tx = pollReadiness = null;
    }

    /** Closes a channel after its selectors. */
    final void closeChannel(java.nio.channels.Channel ch) {
        dropReadiness();
        try {
            if (ch != null) ch.close();
        } catch (IOException e) {
            // closing cannot fail in a way the guest could see any more
        }
    }

    // ---------------------------------------------------------------- addresses

    /** The decoded address as Java's, for this socket's family. */
    InetSocketAddress target(SockAddr a) {
        if (a.family() != family || a.inet() == null) throw fail(Errno.EAFNOSUPPORT);
        return a.inet();
    }

    /** A Java address as the guest sees it (an unbound socket: the wildcard address, port 0). */
    SockAddr guestAddress(SocketAddress a) {
        if (a instanceof InetSocketAddress in) return SockAddr.inet(family, in);
        return SockAddr.inet(family, new InetSocketAddress(wildcard(), 0));
    }

    /** Asks a channel for one of its addresses. */
    @FunctionalInterface
    interface AddressQuery {
        SocketAddress get() throws IOException;
    }

    /** getsockname/getpeername from the channel: a missing peer is ENOTCONN. */
    SockAddr address(AddressQuery q, boolean peer) {
        try {
            SocketAddress a = q.get();
            if (a == null && peer) throw fail(Errno.ENOTCONN);
            return guestAddress(a);
        } catch (IOException e) {
            throw fail(NetErrors.errno(e));
        }
    }

    InetAddress wildcard() {
        try {
            return InetAddress.getByAddress(new byte[family == Net.AF_INET ? 4 : 16]);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Guest memory at a host address as a buffer NIO reads into or writes from. */
    static ByteBuffer hostBuffer(long addr, long len) {
        return MemorySegment.ofAddress(addr).reinterpret(len).asByteBuffer();
    }

    // ---------------------------------------------------------------- options

    private static Opt find(int level, int name) {
        for (Opt o : OPTIONS) if (o.level == level && o.name == name) return o;
        return null;
    }

    @Override
    protected int unknownLevel(int level) {
        boolean own = level == (family == Net.AF_INET ? Net.SOL_IP : Net.SOL_IPV6)
                || level == (type == Net.SOCK_STREAM ? Net.SOL_TCP : Net.SOL_UDP);
        return own ? Errno.ENOPROTOOPT : Errno.EOPNOTSUPP;
    }

    /** Applies the options the guest set to a new channel (listen's, accept's) where it has them. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void applyOptions(NetworkChannel ch) {
        for (Map.Entry<SocketOption<?>, Object> e : snapshotOptions().entrySet()) {
            if (!ch.supportedOptions().contains(e.getKey())) continue;
            try {
                ch.setOption((SocketOption) e.getKey(), e.getValue());
            } catch (IOException | RuntimeException ex) {
                // the option does not carry over to this kind of channel
            }
        }
    }

    /** Records an option as set by the guest (an accepted connection inherits its listener's). */
    synchronized void rememberOption(SocketOption<?> o, Object v) {
        guestOptions.put(o, v);
    }

    synchronized Map<SocketOption<?>, Object> snapshotOptions() {
        return new LinkedHashMap<>(guestOptions);
    }

    /** The value of a mapped option: the channel's where it has it, else what the guest set. */
    byte[] mappedOption(int level, int name) {
        if (level == Net.SOL_SOCKET && name == Net.SO_LINGER) {
            Object v;
            synchronized (this) {
                v = guestOptions.get(StandardSocketOptions.SO_LINGER);
            }
            int secs = v instanceof Integer i ? i : -1;
            return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(secs >= 0 ? 1 : 0)
                    .putInt(Math.max(secs, 0)).array();
        }
        if (level == Net.SOL_IPV6 && name == Net.IPV6_V6ONLY && family == Net.AF_INET6) return intValue(0);
        Opt o = find(level, name);
        if (o == null) return null;
        Object v = null;
        NetworkChannel ch = (NetworkChannel) channel();
        // SO_REUSEADDR is what the guest asked for: Java turns it on for every listening channel.
        if (o.name != Net.SO_REUSEADDR || o.level != Net.SOL_SOCKET) {
            if (ch.supportedOptions().contains(o.java)) {
                try {
                    v = ch.getOption(o.java);
                } catch (IOException e) {
                    throw fail(NetErrors.errno(e));
                }
            }
        }
        if (v == null) {
            synchronized (this) {
                v = guestOptions.get(o.java);
            }
        }
        if (v == null) v = o.bool ? Boolean.FALSE : Integer.valueOf(0);
        int value = v instanceof Boolean b ? (b ? 1 : 0) : (Integer) v;
        // The JDK halves SO_RCVBUF and SO_SNDBUF on Linux (net_util_md.c NET_GetSockOpt), undoing the
        // doubling the kernel applies on set; the guest sees the kernel's value.
        if (o.level == Net.SOL_SOCKET && (o.name == Net.SO_RCVBUF || o.name == Net.SO_SNDBUF)) value *= 2;
        return intValue(value);
    }

    /** Sets a mapped option: false if the option is not one of them. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    boolean setMappedOption(int level, int name, byte[] value) {
        SocketOption<?> javaOpt;
        Object v;
        if (level == Net.SOL_SOCKET && name == Net.SO_LINGER) {
            if (value.length < 8) throw fail(Errno.EINVAL);
            ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
            javaOpt = StandardSocketOptions.SO_LINGER;
            v = b.getInt(0) != 0 ? Math.max(0, b.getInt(4)) : -1;
        } else if (level == Net.SOL_IPV6 && name == Net.IPV6_V6ONLY && family == Net.AF_INET6) {
            // Java's AF_INET6 sockets are dual-stack and cannot be made IPv6-only.
            if (intArg(value) != 0) throw fail(Errno.ENOPROTOOPT);
            return true;
        } else {
            Opt o = find(level, name);
            if (o == null) return false;
            int i = intArg(value);
            javaOpt = o.java;
            v = o.bool ? (Object) (i != 0) : (Object) i;
        }
        NetworkChannel ch = (NetworkChannel) channel();
        if (ch.supportedOptions().contains(javaOpt)) {
            try {
                ch.setOption((SocketOption) javaOpt, v);
            } catch (IOException | IllegalArgumentException e) {
                throw fail(NetErrors.errno(e));
            }
        } else if (!isStreamOption(javaOpt)) {
            throw fail(Errno.ENOPROTOOPT);
        }
        synchronized (this) {
            guestOptions.put(javaOpt, v);
        }
        return true;
    }

    /** Options of connections that a listening channel cannot hold but its accepted connections inherit. */
    private boolean isStreamOption(SocketOption<?> o) {
        return type == Net.SOCK_STREAM && (o == StandardSocketOptions.TCP_NODELAY || o == StandardSocketOptions.SO_KEEPALIVE
                || o == StandardSocketOptions.SO_SNDBUF || o == StandardSocketOptions.SO_LINGER
                || o.name().startsWith("TCP_"));
    }

    @Override
    protected byte[] getOption(Task t, int level, int name) {
        return mappedOption(level, name);
    }

    @Override
    protected boolean setOption(Task t, int level, int name, byte[] value) {
        return setMappedOption(level, name, value);
    }
}
