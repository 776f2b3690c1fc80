package jvisor.kernel.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Net;
import jvisor.kernel.syscall.SyscallException;

/**
 * A socket address as the guest passes it (struct sockaddr_un, sockaddr_in, sockaddr_in6): decoded
 * from the bytes the guest gave, encoded back into the bytes Linux writes (unix(7), ip(7), ipv6(7)).
 *
 * @param family AF_UNIX, AF_INET or AF_INET6
 * @param unixName for AF_UNIX: the name as bound; a path without its NUL, or an abstract name starting
 *        with a NUL byte; empty for an unnamed socket
 * @param inet for AF_INET and AF_INET6: the address and port
 */
public record SockAddr(int family, byte[] unixName, InetSocketAddress inet) {
    /** An unnamed AF_UNIX socket (socketpair, an unbound client). */
    public static final SockAddr UNNAMED = new SockAddr(Net.AF_UNIX, new byte[0], null);

    public static SockAddr unix(byte[] name) {
        return new SockAddr(Net.AF_UNIX, name, null);
    }

    public static SockAddr inet(int family, InetSocketAddress a) {
        return new SockAddr(family, null, a);
    }

    public boolean isAbstract() {
        return unixName != null && unixName.length > 0 && unixName[0] == 0;
    }

    public boolean isUnnamed() {
        return unixName != null && unixName.length == 0;
    }

    /** The family field of raw sockaddr bytes (EINVAL if too short to hold one). */
    public static int familyOf(byte[] raw) {
        if (raw.length < 2) throw SyscallException.of(Errno.EINVAL);
        return (raw[0] & 0xff) | (raw[1] & 0xff) << 8;
    }

    /**
     * An AF_UNIX address (unix_validate_addr, unix_mkname_bsd): a path is cut at its first NUL;
     * an abstract name is every byte after sun_path's leading NUL. EINVAL for a wrong family or length.
     */
    public static SockAddr decodeUnix(byte[] raw) {
        if (raw.length <= Net.SUN_PATH || raw.length > Net.SOCKADDR_UN_SIZE || familyOf(raw) != Net.AF_UNIX) {
            throw SyscallException.of(Errno.EINVAL);
        }
        if (raw[Net.SUN_PATH] == 0) return unix(Arrays.copyOfRange(raw, Net.SUN_PATH, raw.length));
        int end = Net.SUN_PATH;
        while (end < raw.length && raw[end] != 0) end++;
        return unix(Arrays.copyOfRange(raw, Net.SUN_PATH, end));
    }

    /**
     * An AF_INET or AF_INET6 address for a socket of that family: EINVAL if shorter than the
     * structure (24 bytes suffice for sockaddr_in6, RFC 2133's size), EAFNOSUPPORT for another family.
     */
    public static SockAddr decodeInet(byte[] raw, int socketFamily) {
        int min = socketFamily == Net.AF_INET ? Net.SOCKADDR_IN_SIZE : 24;
        if (raw.length < min) throw SyscallException.of(Errno.EINVAL);
        int fam = familyOf(raw);
        if (fam != socketFamily) throw SyscallException.of(Errno.EAFNOSUPPORT);
        int port = (raw[2] & 0xff) << 8 | (raw[3] & 0xff);
        try {
            InetAddress addr;
            if (fam == Net.AF_INET) {
                addr = InetAddress.getByAddress(Arrays.copyOfRange(raw, 4, 8));
            } else {
                int scope = raw.length >= 28 ? ByteBuffer.wrap(raw, 24, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() : 0;
                byte[] a16 = Arrays.copyOfRange(raw, 8, 24);
                addr = scope != 0 ? Inet6Address.getByAddress(null, a16, scope) : InetAddress.getByAddress(a16);
                // An IPv4-mapped address comes back from Java as Inet4Address; an AF_INET6 socket keeps it so.
            }
            return inet(fam, new InetSocketAddress(addr, port));
        } catch (UnknownHostException e) {
            throw SyscallException.of(Errno.EINVAL);
        }
    }

    /** The bytes Linux writes for this address, at their full length (the caller truncates to the buffer). */
    public byte[] encode() {
        if (family == Net.AF_UNIX) {
            // unix_getname: the family, then the name; a path gets its terminating NUL.
            boolean path = unixName.length > 0 && unixName[0] != 0;
            byte[] b = new byte[Net.SUN_PATH + unixName.length + (path ? 1 : 0)];
            b[0] = (byte) Net.AF_UNIX;
            System.arraycopy(unixName, 0, b, Net.SUN_PATH, unixName.length);
            return b;
        }
        InetAddress a = inet.getAddress();
        int port = inet.getPort();
        if (family == Net.AF_INET) {
            ByteBuffer b = ByteBuffer.allocate(Net.SOCKADDR_IN_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            b.putShort((short) Net.AF_INET).order(ByteOrder.BIG_ENDIAN).putShort((short) port);
            b.put(a instanceof Inet4Address ? a.getAddress() : new byte[4]);
            return b.array();
        }
        ByteBuffer b = ByteBuffer.allocate(Net.SOCKADDR_IN6_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) Net.AF_INET6).order(ByteOrder.BIG_ENDIAN).putShort((short) port).putInt(0);
        b.put(ipv6Bytes(a));
        int scope = a instanceof Inet6Address v6 ? v6.getScopeId() : 0;
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(scope);
        return b.array();
    }

    /** An address as the 16 bytes of an AF_INET6 socket: IPv4 addresses as ::ffff:a.b.c.d. */
    static byte[] ipv6Bytes(InetAddress a) {
        byte[] raw = a.getAddress();
        if (raw.length == 16) return raw;
        byte[] m = new byte[16];
        m[10] = (byte) 0xff;
        m[11] = (byte) 0xff;
        System.arraycopy(raw, 0, m, 12, 4);
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SockAddr s && s.family == family && Arrays.equals(s.unixName, unixName)
                && java.util.Objects.equals(s.inet, inet);
    }

    @Override
    public int hashCode() {
        return family * 31 + Arrays.hashCode(unixName) + java.util.Objects.hashCode(inet);
    }

    @Override
    public String toString() {
        return family == Net.AF_UNIX ? "unix:" + new String(unixName, java.nio.charset.StandardCharsets.ISO_8859_1)
                : String.valueOf(inet);
    }
}
