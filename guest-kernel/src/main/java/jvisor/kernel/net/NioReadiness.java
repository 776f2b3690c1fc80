package jvisor.kernel.net;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.fs.Blocking;

/**
 * Readiness of a non-blocking NIO channel, asked without ever blocking a host thread beyond a
 * short tick: a selector of its own that the channel is registered with. A guest call that must
 * wait selects for at most {@link Blocking#TICK_MS} at a time and then looks at the calling task's
 * signals again, so signals, exit_group and SIGKILL end the wait.
 *
 * <p>Each socket keeps separate instances for waits on the receive side, on the send side and for
 * poll(2), so that a thread blocked reading never holds up another one writing (a selector
 * serialises its select calls).
 */
final class NioReadiness {
    private final Selector selector;
    private final SelectionKey key;

    NioReadiness(SelectableChannel ch) {
        try {
            selector = Selector.open();
            key = ch.register(selector, 0);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The operations among ops that are ready now (SelectionKey.OP_* bits). */
    synchronized int readyNow(int ops) {
        try {
            key.interestOps(ops);
            selector.selectedKeys().clear();
            return selector.selectNow() > 0 || selector.selectedKeys().contains(key) ? key.readyOps() & ops : 0;
        } catch (IOException | ClosedSelectorException | java.nio.channels.CancelledKeyException e) {
            return ops; // a closed channel: let the operation itself report the error
        }
    }

    /**
     * Waits at most one tick for one of ops: 0 (ready, or the tick passed: the caller retries),
     * -EAGAIN once the deadline passed, or the errno of an interruption.
     */
    int awaitTick(int ops, long deadline) {
        if (Blocking.interrupted.getAsBoolean()) return -SocketFile.intrErrno(deadline);
        long left = deadline == Long.MAX_VALUE ? Blocking.TICK_MS : (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) return -Errno.EAGAIN;
        try {
            synchronized (this) {
                key.interestOps(ops);
                selector.selectedKeys().clear();
                selector.select(Math.max(1, Math.min(left, Blocking.TICK_MS)));
            }
        } catch (IOException | ClosedSelectorException | java.nio.channels.CancelledKeyException e) {
            return -Errno.EBADF;
        }
        return 0;
    }

    void close() {
        try {
            selector.close();
        } catch (IOException e) {
            // nothing to release that close did not
        }
    }
}
