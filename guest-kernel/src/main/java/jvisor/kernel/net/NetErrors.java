package jvisor.kernel.net;

import java.io.IOException;
import java.net.PortUnreachableException;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

import jvisor.kernel.abi.Errno;

/**
 * Linux errno values for what Java's NIO throws. The JDK builds the messages of its socket
 * exceptions from the host's strerror, so an errno is recognised by its message (the same table
 * {@link Errno} prints); the exception classes of java.nio.channels map by type.
 */
final class NetErrors {
    private NetErrors() {}

    static int errno(Throwable e) {
        if (e instanceof ClosedChannelException) return Errno.EBADF;
        if (e instanceof AlreadyBoundException) return Errno.EINVAL;
        if (e instanceof AlreadyConnectedException) return Errno.EISCONN;
        if (e instanceof ConnectionPendingException) return Errno.EALREADY;
        if (e instanceof NotYetConnectedException) return Errno.ENOTCONN;
        if (e instanceof UnsupportedAddressTypeException) return Errno.EAFNOSUPPORT;
        if (e instanceof UnresolvedAddressException) return Errno.EINVAL;
        if (e instanceof PortUnreachableException) return Errno.ECONNREFUSED;
        if (e instanceof IllegalArgumentException) return Errno.EINVAL;
        String m = e.getMessage();
        if (m == null) return Errno.EIO;
        // The JDK's own wording for ECONNRESET (sun.net.ConnectionResetException).
        if (m.startsWith("Connection reset")) return Errno.ECONNRESET;
        if (m.startsWith("Protocol family unavailable")) return Errno.EAFNOSUPPORT;
        int best = 0, bestLen = 0;
        for (int n = 1; n < 134; n++) {
            String msg = Errno.message(n);
            if (!msg.startsWith("Unknown error") && msg.length() > bestLen && m.contains(msg)) {
                best = n;
                bestLen = msg.length();
            }
        }
        return best != 0 ? best : (e instanceof IOException ? Errno.EIO : Errno.EINVAL);
    }
}
