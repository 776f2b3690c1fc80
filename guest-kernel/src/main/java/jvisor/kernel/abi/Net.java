package jvisor.kernel.abi;

/**
 * Socket ABI constants of x86-64 Linux (include/linux/socket.h, include/uapi/asm-generic/socket.h,
 * netinet/in.h, linux/tcp.h, linux/un.h) with strace's tables for printing them.
 */
public final class Net {
    private Net() {}

    // Address families.
    public static final int AF_UNSPEC = 0, AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;
    public static final Xlat FAMILIES = Xlat.of("AF_???", "AF_UNSPEC", AF_UNSPEC, "AF_UNIX", AF_UNIX, "AF_INET", AF_INET,
            "AF_INET6", AF_INET6, "AF_NETLINK", AF_NETLINK, "AF_PACKET", AF_PACKET);

    // Socket types and the flags socket(2), socketpair(2) and accept4(2) take with them.
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_RDM = 4, SOCK_SEQPACKET = 5,
            SOCK_TYPE_MASK = 0xf, SOCK_NONBLOCK = Fs.O_NONBLOCK, SOCK_CLOEXEC = Fs.O_CLOEXEC;
    public static final Xlat TYPES = Xlat.of("SOCK_???", "SOCK_STREAM", SOCK_STREAM, "SOCK_DGRAM", SOCK_DGRAM,
            "SOCK_RAW", SOCK_RAW, "SOCK_RDM", SOCK_RDM, "SOCK_SEQPACKET", SOCK_SEQPACKET);
    public static final Xlat TYPE_FLAGS = Xlat.of("SOCK_???", "SOCK_CLOEXEC", SOCK_CLOEXEC,
            "SOCK_NONBLOCK", SOCK_NONBLOCK);

    // Protocols and socket option levels.
    public static final int IPPROTO_IP = 0, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_IPV6 = 41;
    public static final int SOL_SOCKET = 1, SOL_IP = 0, SOL_TCP = 6, SOL_UDP = 17, SOL_IPV6 = 41;
    public static final Xlat PROTOCOLS = Xlat.of("IPPROTO_???", "IPPROTO_IP", IPPROTO_IP, "IPPROTO_TCP", IPPROTO_TCP,
            "IPPROTO_UDP", IPPROTO_UDP, "IPPROTO_IPV6", IPPROTO_IPV6);
    public static final Xlat LEVELS = Xlat.of("SOL_???", "SOL_IP", SOL_IP, "SOL_SOCKET", SOL_SOCKET, "SOL_TCP", SOL_TCP,
            "SOL_UDP", SOL_UDP, "SOL_IPV6", SOL_IPV6);

    // SOL_SOCKET options.
    public static final int SO_DEBUG = 1, SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_DONTROUTE = 5,
            SO_BROADCAST = 6, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_KEEPALIVE = 9, SO_OOBINLINE = 10, SO_NO_CHECK = 11,
            SO_PRIORITY = 12, SO_LINGER = 13, SO_BSDCOMPAT = 14, SO_REUSEPORT = 15, SO_PASSCRED = 16,
            SO_PEERCRED = 17, SO_RCVLOWAT = 18, SO_SNDLOWAT = 19, SO_RCVTIMEO_OLD = 20, SO_SNDTIMEO_OLD = 21,
            SO_BINDTODEVICE = 25, SO_TIMESTAMP_OLD = 29, SO_ACCEPTCONN = 30, SO_SNDBUFFORCE = 32,
            SO_RCVBUFFORCE = 33, SO_PASSSEC = 34, SO_MARK = 36, SO_PROTOCOL = 38, SO_DOMAIN = 39,
            SO_PEEK_OFF = 42, SO_RCVTIMEO_NEW = 66, SO_SNDTIMEO_NEW = 67;
    public static final Xlat SOCKET_OPTIONS = Xlat.of("SO_???", "SO_DEBUG", SO_DEBUG, "SO_REUSEADDR", SO_REUSEADDR,
            "SO_TYPE", SO_TYPE, "SO_ERROR", SO_ERROR, "SO_DONTROUTE", SO_DONTROUTE, "SO_BROADCAST", SO_BROADCAST,
            "SO_SNDBUF", SO_SNDBUF, "SO_RCVBUF", SO_RCVBUF, "SO_KEEPALIVE", SO_KEEPALIVE, "SO_OOBINLINE", SO_OOBINLINE,
            "SO_NO_CHECK", SO_NO_CHECK, "SO_PRIORITY", SO_PRIORITY, "SO_LINGER", SO_LINGER, "SO_BSDCOMPAT", SO_BSDCOMPAT,
            "SO_REUSEPORT", SO_REUSEPORT, "SO_PASSCRED", SO_PASSCRED, "SO_PEERCRED", SO_PEERCRED,
            "SO_RCVLOWAT", SO_RCVLOWAT, "SO_SNDLOWAT", SO_SNDLOWAT, "SO_RCVTIMEO_OLD", SO_RCVTIMEO_OLD,
            "SO_SNDTIMEO_OLD", SO_SNDTIMEO_OLD, "SO_BINDTODEVICE", SO_BINDTODEVICE,
            "SO_TIMESTAMP_OLD", SO_TIMESTAMP_OLD, "SO_ACCEPTCONN", SO_ACCEPTCONN, "SO_SNDBUFFORCE", SO_SNDBUFFORCE,
            "SO_RCVBUFFORCE", SO_RCVBUFFORCE, "SO_PASSSEC", SO_PASSSEC, "SO_MARK", SO_MARK, "SO_PROTOCOL", SO_PROTOCOL,
            "SO_DOMAIN", SO_DOMAIN, "SO_PEEK_OFF", SO_PEEK_OFF, "SO_RCVTIMEO_NEW", SO_RCVTIMEO_NEW,
            "SO_SNDTIMEO_NEW", SO_SNDTIMEO_NEW);

    // IPPROTO_TCP options.
    public static final int TCP_NODELAY = 1, TCP_MAXSEG = 2, TCP_CORK = 3, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5,
            TCP_KEEPCNT = 6, TCP_SYNCNT = 7, TCP_LINGER2 = 8, TCP_DEFER_ACCEPT = 9, TCP_WINDOW_CLAMP = 10,
            TCP_INFO = 11, TCP_QUICKACK = 12, TCP_CONGESTION = 13, TCP_USER_TIMEOUT = 18, TCP_FASTOPEN = 23;
    public static final Xlat TCP_OPTIONS = Xlat.of("TCP_???", "TCP_NODELAY", TCP_NODELAY, "TCP_MAXSEG", TCP_MAXSEG,
            "TCP_CORK", TCP_CORK, "TCP_KEEPIDLE", TCP_KEEPIDLE, "TCP_KEEPINTVL", TCP_KEEPINTVL, "TCP_KEEPCNT", TCP_KEEPCNT,
            "TCP_SYNCNT", TCP_SYNCNT, "TCP_LINGER2", TCP_LINGER2, "TCP_DEFER_ACCEPT", TCP_DEFER_ACCEPT,
            "TCP_WINDOW_CLAMP", TCP_WINDOW_CLAMP, "TCP_INFO", TCP_INFO, "TCP_QUICKACK", TCP_QUICKACK,
            "TCP_CONGESTION", TCP_CONGESTION, "TCP_USER_TIMEOUT", TCP_USER_TIMEOUT, "TCP_FASTOPEN", TCP_FASTOPEN);

    // IPPROTO_IP and IPPROTO_IPV6 options.
    public static final int IP_TOS = 1, IP_TTL = 2, IP_PKTINFO = 8, IP_MTU_DISCOVER = 10, IP_RECVERR = 11,
            IP_MULTICAST_IF = 32, IP_MULTICAST_TTL = 33, IP_MULTICAST_LOOP = 34, IP_ADD_MEMBERSHIP = 35;
    public static final Xlat IP_OPTIONS = Xlat.of("IP_???", "IP_TOS", IP_TOS, "IP_TTL", IP_TTL, "IP_PKTINFO", IP_PKTINFO,
            "IP_MTU_DISCOVER", IP_MTU_DISCOVER, "IP_RECVERR", IP_RECVERR, "IP_MULTICAST_IF", IP_MULTICAST_IF,
            "IP_MULTICAST_TTL", IP_MULTICAST_TTL, "IP_MULTICAST_LOOP", IP_MULTICAST_LOOP,
            "IP_ADD_MEMBERSHIP", IP_ADD_MEMBERSHIP);
    public static final int IPV6_UNICAST_HOPS = 16, IPV6_MULTICAST_HOPS = 18, IPV6_V6ONLY = 26, IPV6_TCLASS = 67;
    public static final Xlat IPV6_OPTIONS = Xlat.of("IPV6_???", "IPV6_UNICAST_HOPS", IPV6_UNICAST_HOPS,
            "IPV6_MULTICAST_HOPS", IPV6_MULTICAST_HOPS, "IPV6_V6ONLY", IPV6_V6ONLY, "IPV6_TCLASS", IPV6_TCLASS);

    // send/recv flags.
    public static final int MSG_OOB = 1, MSG_PEEK = 2, MSG_DONTROUTE = 4, MSG_CTRUNC = 8, MSG_PROBE = 0x10,
            MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_EOR = 0x80, MSG_WAITALL = 0x100, MSG_FIN = 0x200,
            MSG_SYN = 0x400, MSG_CONFIRM = 0x800, MSG_RST = 0x1000, MSG_ERRQUEUE = 0x2000, MSG_NOSIGNAL = 0x4000,
            MSG_MORE = 0x8000, MSG_WAITFORONE = 0x10000, MSG_BATCH = 0x40000, MSG_ZEROCOPY = 0x4000000,
            MSG_FASTOPEN = 0x20000000, MSG_CMSG_CLOEXEC = 0x40000000;
    public static final Xlat MSG_FLAGS = Xlat.of("MSG_???", "MSG_OOB", MSG_OOB, "MSG_PEEK", MSG_PEEK,
            "MSG_DONTROUTE", MSG_DONTROUTE, "MSG_CTRUNC", MSG_CTRUNC, "MSG_PROBE", MSG_PROBE, "MSG_TRUNC", MSG_TRUNC,
            "MSG_DONTWAIT", MSG_DONTWAIT, "MSG_EOR", MSG_EOR, "MSG_WAITALL", MSG_WAITALL, "MSG_FIN", MSG_FIN,
            "MSG_SYN", MSG_SYN, "MSG_CONFIRM", MSG_CONFIRM, "MSG_RST", MSG_RST, "MSG_ERRQUEUE", MSG_ERRQUEUE,
            "MSG_NOSIGNAL", MSG_NOSIGNAL, "MSG_MORE", MSG_MORE, "MSG_WAITFORONE", MSG_WAITFORONE,
            "MSG_BATCH", MSG_BATCH, "MSG_ZEROCOPY", MSG_ZEROCOPY, "MSG_FASTOPEN", MSG_FASTOPEN,
            "MSG_CMSG_CLOEXEC", MSG_CMSG_CLOEXEC);

    // shutdown(2).
    public static final int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;
    public static final Xlat SHUT_HOW = Xlat.of("SHUT_???", "SHUT_RD", SHUT_RD, "SHUT_WR", SHUT_WR,
            "SHUT_RDWR", SHUT_RDWR);

    // Control messages (SOL_SOCKET level).
    public static final int SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;
    public static final Xlat SCM_TYPES = Xlat.of("SCM_???", "SCM_RIGHTS", SCM_RIGHTS, "SCM_CREDENTIALS", SCM_CREDENTIALS);
    /** Most descriptors one SCM_RIGHTS message may carry (SCM_MAX_FD). */
    public static final int SCM_MAX_FD = 253;

    /** sizeof(struct sockaddr_un), sockaddr_in, sockaddr_in6; offsetof(sockaddr_un, sun_path). */
    public static final int SOCKADDR_UN_SIZE = 110, SOCKADDR_IN_SIZE = 16, SOCKADDR_IN6_SIZE = 28, SUN_PATH = 2;
    /** Largest address a syscall copies in (sizeof(struct sockaddr_storage)). */
    public static final int SOCKADDR_MAX = 128;
    /** net.core.somaxconn: listen's backlog is clamped to it. */
    public static final int SOMAXCONN = 4096;
}
