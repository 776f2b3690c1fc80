package jvisor.kernel.net;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.fs.Vnode;
import jvisor.kernel.syscall.SyscallException;

/**
 * Where bound AF_UNIX sockets are found (unix(7)): the abstract name space, a table keyed by the
 * name's bytes; and path names, a table keyed by the identity of the socket inode that bind
 * created in the file system ({@link Vnode#key()}), so that connect finds a socket through any
 * path to that inode, and an unlinked or never-bound socket file refuses connections. Guarded by
 * {@link UnixSocket#LOCK}.
 */
public final class UnixNames {
    private UnixNames() {}

    private static final Map<String, UnixSocket> ABSTRACT = new HashMap<>();
    private static final Map<Object, UnixSocket> BY_INODE = new HashMap<>();
    /** Which key each bound socket is recorded under, to forget it on close. */
    private static final Map<UnixSocket, Object> KEYS = new HashMap<>();
    private static int autobindOrder;

    private static String key(byte[] name) {
        return new String(name, StandardCharsets.ISO_8859_1);
    }

    /** bind(2) to an abstract name: EADDRINUSE if taken. Called with LOCK held, the socket unbound. */
    static void bindAbstract(UnixSocket s, SockAddr addr) {
        String k = key(addr.unixName());
        if (ABSTRACT.containsKey(k)) throw SyscallException.of(Errno.EADDRINUSE);
        ABSTRACT.put(k, s);
        KEYS.put(s, k);
        s.setName(addr);
    }

    /** unix_autobind: an abstract name of five hex digits. */
    static void autobind(UnixSocket s) {
        for (int tries = 0; tries <= 0xfffff; tries++) {
            autobindOrder = (autobindOrder + 1) & 0xfffff;
            byte[] n = ("\0" + String.format("%05x", autobindOrder)).getBytes(StandardCharsets.ISO_8859_1);
            if (!ABSTRACT.containsKey(key(n))) {
                bindAbstract(s, SockAddr.unix(n));
                return;
            }
        }
        throw SyscallException.of(Errno.ENOSPC);
    }

    /**
     * Records that s is bound to the socket inode node, created for it at the path name names.
     * EINVAL if s already has a name (the caller made the inode: it removes it again).
     */
    public static void bindPath(UnixSocket s, SockAddr name, Vnode node) {
        synchronized (UnixSocket.LOCK) {
            s.checkUnbound();
            Object k = node.key();
            BY_INODE.put(k, s);
            KEYS.put(s, k);
            s.setName(name);
        }
    }

    /** Forgets s's name (close). Called with LOCK held. */
    static void unbind(UnixSocket s) {
        Object k = KEYS.remove(s);
        if (k == null) return;
        if (k instanceof String a) ABSTRACT.remove(a, s);
        else BY_INODE.remove(k, s);
    }

    /** The socket bound to an abstract name, or null. */
    public static UnixSocket findAbstract(SockAddr addr) {
        synchronized (UnixSocket.LOCK) {
            return ABSTRACT.get(key(addr.unixName()));
        }
    }

    /** The socket bound to a socket inode, or null (a socket file nobody listens on, or not a socket). */
    public static UnixSocket findInode(Vnode node) {
        synchronized (UnixSocket.LOCK) {
            return BY_INODE.get(node.key());
        }
    }
}
