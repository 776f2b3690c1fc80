package jvisor.kernel.strace;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Net;
import jvisor.kernel.abi.Xlat;
import jvisor.mmu.AddressSpace;

/**
 * --strace for the socket syscalls, in strace's notation: socket families, types and options by
 * name, socket addresses decoded ({sa_family=AF_INET, sin_port=htons(8080),
 * sin_addr=inet_addr("127.0.0.1")}), value-result lengths as [in => out], msghdr with its iovecs
 * and control messages.
 */
final class StraceNet {
    private StraceNet() {}

    private static final Xlat LEVEL_NAMES = Xlat.of("SOL_??", "SOL_IP", Net.SOL_IP, "SOL_SOCKET", Net.SOL_SOCKET,
            "SOL_TCP", Net.SOL_TCP, "SOL_UDP", Net.SOL_UDP, "SOL_IPV6", Net.SOL_IPV6);

    /** The values of value-result arguments before the call (for [in => out]), read by {@link #before}. */
    static long[] before(AddressSpace mem, ArgFormat[] formats, long[] args) {
        long[] pre = null;
        for (int i = 0; i < formats.length; i++) {
            long v = -1;
            if (formats[i] == ArgFormat.SOCKLEN_INOUT && args[i] != 0) {
                long[] x = Strace.ints(mem, args[i], 1);
                if (x != null) v = (int) x[0];
            } else if (formats[i] == ArgFormat.MSGHDR_OUT && args[i] != 0) {
                long[] x = Strace.ints(mem, args[i] + 8, 1);
                if (x != null) v = (int) x[0];
            } else {
                continue;
            }
            if (pre == null) {
                pre = new long[formats.length];
                java.util.Arrays.fill(pre, -1);
            }
            pre[i] = v;
        }
        return pre;
    }

    static void arg(StringBuilder sb, AddressSpace mem, ArgFormat f, int i, long[] args, long result, long[] pre) {
        long v = args[i];
        boolean ok = !Errno.isError(result);
        switch (f) {
            case SOCK_FAMILY -> Net.FAMILIES.appendValue(sb, (int) v);
            case SOCK_TYPE -> type(sb, (int) v);
            case SOCK_PROTOCOL -> {
                int fam = (int) args[0];
                if (fam == Net.AF_INET || fam == Net.AF_INET6) Net.PROTOCOLS.appendValue(sb, (int) v);
                else sb.append((int) v);
            }
            case SOCK_FLAGS -> Net.TYPE_FLAGS.appendFlags(sb, (int) v);
            case SOCK_FDS_OUT -> {
                long[] fds = ok ? Strace.ints(mem, v, 2) : null;
                if (fds != null) sb.append('[').append((int) fds[0]).append(", ").append((int) fds[1]).append(']');
                else Strace.ptr(sb, v);
            }
            case SOCKADDR_IN -> sockaddr(sb, mem, v, (int) args[i + 1]);
            case SOCKADDR_OUT -> {
                long[] len = ok && v != 0 && args[i + 1] != 0 ? Strace.ints(mem, args[i + 1], 1) : null;
                int in = pre != null && pre[i + 1] >= 0 ? (int) pre[i + 1] : Integer.MAX_VALUE;
                if (len == null || (int) len[0] <= 0) Strace.ptr(sb, v);
                else sockaddr(sb, mem, v, Math.min((int) len[0], in));
            }
            case SOCKLEN_INOUT -> {
                if (v == 0) {
                    sb.append("NULL");
                    break;
                }
                long[] out = ok ? Strace.ints(mem, v, 1) : null;
                long in = pre != null ? pre[i] : -1;
                if (in < 0 && out == null) {
                    Strace.ptr(sb, v);
                    break;
                }
                sb.append('[');
                if (in >= 0) sb.append(in);
                if (out != null && (in < 0 || (int) out[0] != in)) sb.append(in >= 0 ? " => " : "").append((int) out[0]);
                sb.append(']');
            }
            case SHUT_HOW -> Net.SHUT_HOW.appendValue(sb, (int) v);
            case SOCKOPT_LEVEL -> LEVEL_NAMES.appendValue(sb, (int) v);
            case SOCKOPT_NAME -> {
                Xlat names = optionNames((int) args[1]);
                if (names != null) names.appendValue(sb, (int) v);
                else sb.append((int) v);
            }
            case SOCKOPT_IN -> option(sb, mem, (int) args[1], (int) args[2], v, (int) args[i + 1]);
            case SOCKOPT_OUT -> {
                long[] len = ok && args[i + 1] != 0 ? Strace.ints(mem, args[i + 1], 1) : null;
                if (len == null) Strace.ptr(sb, v);
                else option(sb, mem, (int) args[1], (int) args[2], v, (int) len[0]);
            }
            case MSG_FLAGS -> Net.MSG_FLAGS.appendFlags(sb, v & 0xffffffffL);
            case MSGHDR_IN -> msghdr(sb, mem, v, Long.MAX_VALUE, -1, true);
            case MSGHDR_OUT -> {
                if (ok) msghdr(sb, mem, v, result, pre != null ? pre[i] : -1, false);
                else Strace.ptr(sb, v);
            }
            case MMSGHDR_IN, MMSGHDR_OUT -> {
                if (ok) mmsghdrs(sb, mem, v, (int) result, f == ArgFormat.MMSGHDR_IN);
                else Strace.ptr(sb, v);
            }
            default -> Strace.hex(sb, v);
        }
    }

    /** A socket type with its flags: SOCK_STREAM|SOCK_CLOEXEC; an unknown type whole, in hex. */
    private static void type(StringBuilder sb, int v) {
        String name = Net.TYPES.name(v & Net.SOCK_TYPE_MASK);
        if (name == null) {
            sb.append("0x").append(Integer.toHexString(v)).append(" /* SOCK_??? */");
            return;
        }
        sb.append(name);
        int flags = v & ~Net.SOCK_TYPE_MASK;
        int known = flags & (Net.SOCK_CLOEXEC | Net.SOCK_NONBLOCK);
        if (known != 0) sb.append('|').append(known == (Net.SOCK_CLOEXEC | Net.SOCK_NONBLOCK) ? "SOCK_CLOEXEC|SOCK_NONBLOCK"
                : known == Net.SOCK_CLOEXEC ? "SOCK_CLOEXEC" : "SOCK_NONBLOCK");
        int rest = flags & ~known;
        if (rest != 0) sb.append("|0x").append(Integer.toHexString(rest)).append(" /* SOCK_??? */");
    }

    private static Xlat optionNames(int level) {
        return switch (level) {
            case Net.SOL_SOCKET -> Net.SOCKET_OPTIONS;
            case Net.SOL_TCP -> Net.TCP_OPTIONS;
            case Net.SOL_IP -> Net.IP_OPTIONS;
            case Net.SOL_IPV6 -> Net.IPV6_OPTIONS;
            default -> null;
        };
    }

    /** An option value of len bytes: [int], [errno name] for SO_ERROR, structures by name; else the pointer. */
    private static void option(StringBuilder sb, AddressSpace mem, int level, int name, long addr, int len) {
        byte[] b = addr != 0 && len > 0 && len <= 256 ? Strace.bytes(mem, addr, len) : null;
        if (b == null) {
            Strace.ptr(sb, addr);
            return;
        }
        ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (level == Net.SOL_SOCKET && name == Net.SO_PEERCRED && len >= 12) {
            sb.append("{pid=").append(w.getInt(0)).append(", uid=").append(w.getInt(4)).append(", gid=")
                    .append(w.getInt(8)).append('}');
        } else if (level == Net.SOL_SOCKET && name == Net.SO_LINGER && len >= 8) {
            sb.append("{l_onoff=").append(w.getInt(0)).append(", l_linger=").append(w.getInt(4)).append('}');
        } else if (level == Net.SOL_SOCKET && (name == Net.SO_RCVTIMEO_OLD || name == Net.SO_SNDTIMEO_OLD) && len >= 16) {
            sb.append("{tv_sec=").append(w.getLong(0)).append(", tv_usec=").append(w.getLong(8)).append('}');
        } else if (len == 4) {
            int x = w.getInt(0);
            String e = level == Net.SOL_SOCKET && name == Net.SO_ERROR && x != 0 ? Errno.name(x) : null;
            sb.append('[').append(e != null ? e : Integer.toString(x)).append(']');
        } else {
            Strace.ptr(sb, addr);
        }
    }

    // ---------------------------------------------------------------- addresses

    static void sockaddr(StringBuilder sb, AddressSpace mem, long addr, int len) {
        if (addr == 0) {
            sb.append("NULL");
            return;
        }
        byte[] b = len >= 2 && len <= Net.SOCKADDR_MAX ? Strace.bytes(mem, addr, len) : null;
        if (b == null) {
            Strace.ptr(sb, addr);
            return;
        }
        ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int family = w.getShort(0) & 0xffff;
        sb.append("{sa_family=");
        Net.FAMILIES.appendValue(sb, family);
        if (family == Net.AF_UNIX) {
            if (len > Net.SUN_PATH) {
                sb.append(", sun_path=");
                if (b[2] == 0) {
                    sb.append('@');
                    byte[] name = java.util.Arrays.copyOfRange(b, 3, len);
                    StraceStrings.quote(sb, name, name.length, false, false);
                } else {
                    int end = Net.SUN_PATH;
                    while (end < len && b[end] != 0) end++;
                    byte[] path = java.util.Arrays.copyOfRange(b, Net.SUN_PATH, end);
                    StraceStrings.quote(sb, path, path.length, false, false);
                }
            }
        } else if (family == Net.AF_INET && len >= Net.SOCKADDR_IN_SIZE) {
            sb.append(", sin_port=htons(").append(port(b)).append("), sin_addr=inet_addr(\"").append(b[4] & 0xff)
                    .append('.').append(b[5] & 0xff).append('.').append(b[6] & 0xff).append('.').append(b[7] & 0xff)
                    .append("\")");
        } else if (family == Net.AF_INET6 && len >= 24) {
            long flow = ByteBuffer.wrap(b, 4, 4).order(ByteOrder.BIG_ENDIAN).getInt() & 0xffffffffL;
            sb.append(", sin6_port=htons(").append(port(b)).append("), sin6_flowinfo=htonl(").append(flow)
                    .append("), inet_pton(AF_INET6, \"").append(ipv6(b, 8)).append("\", &sin6_addr)");
            if (len >= Net.SOCKADDR_IN6_SIZE) sb.append(", sin6_scope_id=").append(w.getInt(24) & 0xffffffffL);
        } else if (len > 2) {
            sb.append(", sa_data=");
            byte[] data = java.util.Arrays.copyOfRange(b, 2, len);
            StraceStrings.quote(sb, data, data.length, false, false);
        }
        sb.append('}');
    }

    private static int port(byte[] b) {
        return (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    /** An IPv6 address as inet_ntop writes it (RFC 5952: the longest run of zero groups as ::, IPv4-mapped dotted). */
    static String ipv6(byte[] b, int off) {
        int[] g = new int[8];
        for (int k = 0; k < 8; k++) g[k] = (b[off + 2 * k] & 0xff) << 8 | (b[off + 2 * k + 1] & 0xff);
        // inet_ntop6 writes the last 32 bits dotted for ::ffff:a.b.c.d and for ::a.b.c.d.
        boolean zeros5 = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0;
        boolean mapped = zeros5 && (g[5] == 0xffff || (g[5] == 0 && g[6] != 0));
        int groups = mapped ? 6 : 8;
        int bestStart = -1, bestLen = 1;
        for (int k = 0; k < groups; ) {
            if (g[k] != 0) {
                k++;
                continue;
            }
            int s = k;
            while (k < groups && g[k] == 0) k++;
            if (k - s > bestLen) {
                bestStart = s;
                bestLen = k - s;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < groups; k++) {
            if (k == bestStart) {
                sb.append("::");
                k += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(g[k]));
        }
        if (mapped) {
            if (sb.length() == 0) sb.append("::");
            else if (sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(b[off + 12] & 0xff).append('.').append(b[off + 13] & 0xff).append('.').append(b[off + 14] & 0xff)
                    .append('.').append(b[off + 15] & 0xff);
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- messages

    /**
     * struct msghdr: {msg_name=..., msg_namelen=..., msg_iov=[...], msg_iovlen=..., msg_control=[...],
     * msg_controllen=..., msg_flags=...}; the iovecs show total bytes (the result of a receive).
     */
    private static void msghdr(StringBuilder sb, AddressSpace mem, long addr, long total, long namelenBefore,
            boolean sending) {
        byte[] b = addr != 0 ? Strace.bytes(mem, addr, 56) : null;
        if (b == null) {
            Strace.ptr(sb, addr);
            return;
        }
        ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long name = w.getLong(0), iov = w.getLong(16), iovlen = w.getLong(24), control = w.getLong(32),
                controllen = w.getLong(40);
        int namelen = w.getInt(8), flags = w.getInt(48);
        sb.append("{msg_name=");
        if (name == 0 || namelen <= 0) Strace.ptr(sb, name);
        else sockaddr(sb, mem, name, namelenBefore >= 0 ? (int) Math.min(namelen, namelenBefore) : namelen);
        sb.append(", msg_namelen=");
        if (!sending && namelenBefore >= 0 && namelenBefore != namelen) sb.append(namelenBefore).append(" => ");
        sb.append(namelen).append(", msg_iov=");
        Strace.iovec(sb, mem, iov, iovlen, total);
        sb.append(", msg_iovlen=").append(iovlen);
        if (control != 0 && controllen > 0) {
            sb.append(", msg_control=");
            cmsgs(sb, mem, control, controllen);
        }
        sb.append(", msg_controllen=").append(controllen).append(", msg_flags=");
        Net.MSG_FLAGS.appendFlags(sb, flags & 0xffffffffL);
        sb.append('}');
    }

    /** The control messages of a msghdr: [{cmsg_len=..., cmsg_level=..., cmsg_type=..., cmsg_data=...}]. */
    private static void cmsgs(StringBuilder sb, AddressSpace mem, long addr, long len) {
        byte[] c = len <= 4096 ? Strace.bytes(mem, addr, (int) len) : null;
        if (c == null) {
            Strace.ptr(sb, addr);
            return;
        }
        ByteBuffer w = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
        sb.append('[');
        int off = 0;
        boolean first = true;
        while (off + 16 <= c.length) {
            long clen = w.getLong(off);
            int level = w.getInt(off + 8), type = w.getInt(off + 12);
            if (!first) sb.append(", ");
            first = false;
            sb.append("{cmsg_len=").append(clen).append(", cmsg_level=");
            LEVEL_NAMES.appendValue(sb, level);
            sb.append(", cmsg_type=");
            if (level == Net.SOL_SOCKET) Net.SCM_TYPES.appendValue(sb, type);
            else sb.append("0x").append(Integer.toHexString(type));
            if (clen < 16 || clen > c.length - off) {
                sb.append('}');
                break;
            }
            int data = off + 16, n = (int) clen - 16;
            if (level == Net.SOL_SOCKET && type == Net.SCM_RIGHTS) {
                sb.append(", cmsg_data=[");
                for (int k = 0; k + 4 <= n; k += 4) {
                    if (k > 0) sb.append(", ");
                    sb.append(w.getInt(data + k));
                }
                sb.append(']');
            } else if (level == Net.SOL_SOCKET && type == Net.SCM_CREDENTIALS && n >= 12) {
                sb.append(", cmsg_data={pid=").append(w.getInt(data)).append(", uid=").append(w.getInt(data + 4))
                        .append(", gid=").append(w.getInt(data + 8)).append('}');
            }
            sb.append('}');
            off += (int) ((clen + 7) & ~7L);
        }
        sb.append(']');
    }

    /** sendmmsg/recvmmsg: the first count struct mmsghdr, each {msg_hdr={...}, msg_len=N}. */
    private static void mmsghdrs(StringBuilder sb, AddressSpace mem, long addr, int count, boolean sending) {
        sb.append('[');
        for (int k = 0; k < count; k++) {
            if (k > 0) sb.append(", ");
            long hdr = addr + 64L * k;
            long[] len = Strace.ints(mem, hdr + 56, 1);
            sb.append("{msg_hdr=");
            msghdr(sb, mem, hdr, len != null ? len[0] : 0, -1, sending);
            sb.append(", msg_len=").append(len != null ? len[0] : 0).append('}');
        }
        sb.append(']');
    }
}
