package jvisor.kernel.fs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A descriptor on Linux's anonymous inode (eventfd, timerfd, epoll, signalfd): /proc/self/fd
 * names it "anon_inode:[kind]", poll asks it, and fstat shows a mode-0600 file of the anon_inodefs
 * device with no type bits (fs/anon_inodes.c).
 */
public abstract class AnonInodeFile extends FileDescription {
    protected AnonInodeFile(String kind, int flags) {
        super(("anon_inode:[" + kind + "]").getBytes(StandardCharsets.US_ASCII), flags);
    }

    @Override
    public final boolean pollable() {
        return true;
    }

    @Override
    public final int stat(MemorySegment st) {
        StatBuf.synthetic(st, 0600, 0);
        st.set(ValueLayout.JAVA_LONG, StatBuf.ST_DEV, Mount.anonDev(14));
        return 0;
    }
}
