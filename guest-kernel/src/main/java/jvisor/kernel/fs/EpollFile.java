package jvisor.kernel.fs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;

/**
 * An epoll instance (epoll(7)): the interest list, keyed like Linux's by (fd, description), so
 * an item lives until its description is released, not merely its fd closed. Readiness is asked
 * of each file when waiting (level-triggered); EPOLLET reports a file again only after its
 * readiness changed or, for a readable file, after more bytes became readable than it had when
 * last asked (Linux reports every arrival of data as an edge, from the file's wakeup; asked
 * rather than told, jvisor misses an arrival only when a read took as much in between);
 * EPOLLONESHOT disables an item once reported.
 */
public final class EpollFile extends AnonInodeFile {
    public static final int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    public static final int EPOLLET = 1 << 31, EPOLLONESHOT = 1 << 30, EPOLLEXCLUSIVE = 1 << 28,
            EPOLLWAKEUP = 1 << 29;

    /** One watched file. */
    public static final class Item {
        public final int fd;
        public final FileDescription file;
        int events;
        long data;
        int lastReady;
        /** For EPOLLET: the bytes the file had to read when last asked (FIONREAD; negative if it has no count). */
        long lastAvailable;

        Item(int fd, FileDescription file, int events, long data) {
            this.fd = fd;
            this.file = file;
            this.events = events;
            this.data = data;
        }
    }

    private final Map<List<Object>, Item> items = new LinkedHashMap<>();

    public EpollFile(int flags) {
        super("eventpoll", Fs.O_RDWR);
    }

    /** epoll_ctl(2) once fds are checked: 0 or -errno. */
    public int ctl(int op, int fd, FileDescription f, int events, long data) {
        List<Object> key = List.of(fd, f);
        Item it = items.get(key);
        if (it != null && it.file.released()) {
            items.remove(key);
            it = null;
        }
        switch (op) {
            case EPOLL_CTL_ADD -> {
                if (it != null) return -Errno.EEXIST;
                items.put(key, new Item(fd, f, events, data));
                return 0;
            }
            case EPOLL_CTL_MOD -> {
                if (it == null) return -Errno.ENOENT;
                if ((events & EPOLLEXCLUSIVE) != 0 || (it.events & EPOLLEXCLUSIVE) != 0) return -Errno.EINVAL;
                it.events = events;
                it.data = data;
                it.lastReady = 0;
                it.lastAvailable = 0;
                return 0;
            }
            case EPOLL_CTL_DEL -> {
                if (it == null) return -Errno.ENOENT;
                items.remove(key);
                return 0;
            }
            default -> {
                return -Errno.EINVAL;
            }
        }
    }

    public boolean watches(FileDescription f) {
        for (Item it : items.values()) if (it.file == f) return true;
        return false;
    }

    public List<Item> items() {
        return new ArrayList<>(items.values());
    }

    /** Collects up to max ready events as {events, data} pairs, applying ET and ONESHOT. */
    public List<long[]> collect(int max) {
        List<long[]> out = new ArrayList<>();
        items.values().removeIf(it -> it.file.released());
        for (Item it : items.values()) {
            if (out.size() >= max) break;
            int mask = it.events & ~(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP);
            if (mask == 0 && (it.events & EPOLLONESHOT) != 0) continue;
            int ready = it.file.poll(mask | POLLERR | POLLHUP) & (mask | POLLERR | POLLHUP);
            if ((it.events & EPOLLET) != 0) {
                int prev = it.lastReady;
                long before = it.lastAvailable;
                it.lastReady = ready;
                it.lastAvailable = (ready & POLLIN) != 0 ? it.file.available() : 0;
                boolean arrived = (ready & POLLIN) != 0 && it.lastAvailable > before && before >= 0;
                if (ready == 0 || (ready == prev && !arrived)) continue;
            }
            if (ready == 0) continue;
            out.add(new long[] {ready, it.data});
            if ((it.events & EPOLLONESHOT) != 0) it.events &= EPOLLET | EPOLLONESHOT;
        }
        return out;
    }

    @Override
    public int poll(int events) {
        for (Item it : items.values()) {
            if (it.file.released() || it.file == this) continue;
            int mask = it.events & ~(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP);
            if ((it.file.poll(mask | POLLERR | POLLHUP) & (mask | POLLERR | POLLHUP)) != 0) {
                return (POLLIN | POLLRDNORM) & events;
            }
        }
        return 0;
    }
}
