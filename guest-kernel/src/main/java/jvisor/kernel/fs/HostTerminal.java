package jvisor.kernel.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;

import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Ioctls;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.host.Libc;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.tty.Terminal;
import jvisor.kernel.tty.Terminals;
import jvisor.mmu.HostAccess;

/**
 * What a host file descriptor that is a terminal needs beyond plain I/O (termios(3), pty(7)):
 * which terminal it is (its job control state is the sandbox's, by device number; a pty master's
 * is its slave's), whether a read of it blocks, whether TOSTOP is set, and a blocking read that
 * waits in ticks so that signals and stops interrupt it as they interrupt a read natively.
 */
final class HostTerminal {
    private HostTerminal() {}

    /** /dev/ptmx, the pty master multiplexer (5:2, as st_rdev encodes it). */
    private static final long PTMX_RDEV = 5 << 8 | 2;
    /** Unix98 pty slaves have majors 136 to 143 (devices.txt). */
    private static final int PTY_SLAVE_MAJOR_FIRST = 136, PTY_SLAVE_MAJOR_LAST = 143;
    /** struct termios (kernel ABI): c_lflag at 12, c_cc at 17; VMIN is c_cc[6]. */
    private static final int C_LFLAG = 12, C_CC = 17, VMIN = 6;
    private static final int ICANON = 0x2, TOSTOP = 0x100;
    private static final short POLLIN = 1;

    /** The terminal behind fd and whether fd is a pty master; null if fd is no terminal. */
    record Found(Terminal terminal, boolean master) {
    }

    /** Where lookUp keeps the host's answers in the thread's answer buffer: termios, struct stat, an empty path. */
    private static final int TERMIOS_AT = 0, STAT_AT = 64, EMPTY_PATH_AT = STAT_AT + StatBuf.SIZE,
            LOOKUP_SIZE = EMPTY_PATH_AT + 1;

    /**
     * A character device the host answers TCGETS for is a terminal. Every guest's first write to
     * a character device (a terminal, /dev/null) asks, so the host answers in the thread's
     * {@link Scratch#answer} buffer, read with plain host loads, not in an Arena's memory through
     * a layout: the JVM's first Arena and first layout access generate method handle classes,
     * which cost hello's ioctl(TCGETS) on stdout 5.4-5.8 ms.
     */
    static Found lookUp(int fd, Terminals terminals) {
        MemorySegment buf = Scratch.answer(LOOKUP_SIZE);
        long at = buf.address();
        if (Libc.ioctl(fd, Ioctls.TCGETS, buf.asSlice(TERMIOS_AT, 64)) != 0) return null;
        HostAccess.putByte(at + EMPTY_PATH_AT, (byte) 0);
        MemorySegment st = buf.asSlice(STAT_AT, StatBuf.SIZE);
        if (Libc.fstatat(fd, buf.asSlice(EMPTY_PATH_AT, 1), st, Fs.AT_EMPTY_PATH) != 0) return null;
        if ((HostAccess.getInt(at + STAT_AT + StatBuf.ST_MODE) & Fs.S_IFMT) != Fs.S_IFCHR) return null;
        long rdev = HostAccess.getLong(at + STAT_AT + StatBuf.ST_RDEV);
        // The answer buffer is free again from here: ptyIndex uses it.
        if (rdev != PTMX_RDEV) {
            int major = (int) (rdev >>> 8 & 0xfff);
            boolean pty = major >= PTY_SLAVE_MAJOR_FIRST && major <= PTY_SLAVE_MAJOR_LAST;
            return new Found(terminals.forDevice(rdev, linkName(fd), pty), false);
        }
        int index = ptyIndex(fd);
        long slave = index < 0 ? -1 : slaveRdev(index);
        return slave < 0 ? null : new Found(terminals.ptySlave(slave, index), true);
    }

    /** TIOCGPTN: the number of a pty master's slave, or -1. */
    static int ptyIndex(int fd) {
        MemorySegment n = Scratch.answer(4);
        return Libc.ioctl(fd, Ioctls.TIOCGPTN & 0xFFFFFFFFL, n) == 0 ? HostAccess.getInt(n.address()) : -1;
    }

    /** The host's stat of /dev/pts/index (its device number, mode and owner), or null. */
    static MemorySegment slaveStat(Arena arena, int index) {
        MemorySegment st = arena.allocate(StatBuf.SIZE);
        MemorySegment path = Scratch.cString(arena, ("/dev/pts/" + index).getBytes(StandardCharsets.US_ASCII));
        return Libc.fstatat(Fs.AT_FDCWD, path, st, 0) == 0 ? st : null;
    }

    private static long slaveRdev(int index) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = slaveStat(arena, index);
            return st == null ? -1 : st.get(ValueLayout.JAVA_LONG, StatBuf.ST_RDEV);
        }
    }

    private static byte[] linkName(int fd) {
        MemorySegment path = Scratch.direct(32, 8);
        MemorySegment buf = Scratch.direct(Fs.PATH_MAX, 8);
        try {
            byte[] name = ("/proc/self/fd/" + fd).getBytes(StandardCharsets.US_ASCII); // 24 bytes at most
            HostAccess.copyIn(name, 0, path.address(), name.length); // the segment is zeroed: NUL-terminated
            long n = Libc.readlink(path, buf, Fs.PATH_MAX);
            return n <= 0 ? new byte[0] : HostAccess.bytes(buf.address(), (int) n);
        } finally {
            Reference.reachabilityFence(path);
            Reference.reachabilityFence(buf);
        }
    }

    /**
     * The terminal's c_lflag and VMIN, or null if TCGETS fails. Asked on every read and write of a
     * terminal: the thread's {@link Scratch#answer} buffer holds the termios.
     */
    private static int[] modes(int fd) {
        MemorySegment t = Scratch.answer(64);
        if (Libc.ioctl(fd, Ioctls.TCGETS, t) != 0) return null;
        return new int[] {HostAccess.getInt(t.address() + C_LFLAG), HostAccess.getByte(t.address() + C_CC + VMIN) & 0xff};
    }

    /** c_iflag ISTRIP; c_lflag ISIG, IEXTEN; c_cc VINTR, VQUIT, VSUSP, VLNEXT; _POSIX_VDISABLE. */
    private static final int ISTRIP = 0x20, ISIG = 0x1, IEXTEN = 0x8000, VINTR = 0, VQUIT = 1, VSUSP = 10,
            VLNEXT = 15, DISABLED = 0;

    /**
     * The signals the slave's line discipline raises for bytes written to the master, in order
     * (n_tty_receive_char_special under ISIG: VINTR SIGINT, VQUIT SIGQUIT, VSUSP SIGTSTP; after
     * VLNEXT in canonical mode with IEXTEN the next byte is literal). TCGETS on a master reads the
     * slave's settings. lnext carries a pending VLNEXT from one write to the next.
     */
    static int[] inputSignals(int fd, long hostBuf, long n, boolean[] lnext) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(64);
            if (Libc.ioctl(fd, Ioctls.TCGETS, t) != 0) return new int[0];
            int iflag = t.get(ValueLayout.JAVA_INT, 0), lflag = t.get(ValueLayout.JAVA_INT, C_LFLAG);
            if ((lflag & ISIG) == 0) return new int[0];
            int intr = cc(t, VINTR), quit = cc(t, VQUIT), susp = cc(t, VSUSP);
            int lnextChar = (lflag & ICANON) != 0 && (lflag & IEXTEN) != 0 ? cc(t, VLNEXT) : -1;
            MemorySegment data = MemorySegment.ofAddress(hostBuf).reinterpret(n);
            int[] out = new int[0];
            for (long i = 0; i < n; i++) {
                int c = data.get(ValueLayout.JAVA_BYTE, i) & ((iflag & ISTRIP) != 0 ? 0x7f : 0xff);
                if (lnext[0]) {
                    lnext[0] = false;
                    continue;
                }
                int sig = c == intr ? Signals.SIGINT : c == quit ? Signals.SIGQUIT : c == susp ? Signals.SIGTSTP : 0;
                if (sig != 0) {
                    out = java.util.Arrays.copyOf(out, out.length + 1);
                    out[out.length - 1] = sig;
                } else if (c == lnextChar) {
                    lnext[0] = true;
                }
            }
            return out;
        }
    }

    /** A control character, or -1 if it is disabled. */
    private static int cc(MemorySegment termios, int index) {
        int c = termios.get(ValueLayout.JAVA_BYTE, C_CC + index) & 0xff;
        return c == DISABLED ? -1 : c;
    }

    /** True if the terminal has TOSTOP set (a background write then gets SIGTTOU). */
    static boolean tostop(int fd) {
        int[] m = modes(fd);
        return m != null && (m[0] & TOSTOP) != 0;
    }

    /**
     * Waits until fd has input, in ticks, so that a signal or a stop ends the wait with
     * ERESTARTSYS (as n_tty_read's sleep ends); 0 when the read may go ahead. A read that would not
     * block (O_NONBLOCK, or non-canonical with VMIN 0, whose timing VTIME decides) goes ahead at once.
     */
    static long awaitInput(int fd, boolean master, int flags) {
        if ((flags & Fs.O_NONBLOCK) != 0) return 0;
        if (!master) {
            int[] m = modes(fd);
            if (m == null || ((m[0] & ICANON) == 0 && m[1] == 0)) return 0;
        }
        while (true) {
            int r = HostOps.poll(fd, POLLIN, (int) Blocking.TICK_MS);
            if (r != 0) return 0; // input, hangup, an error: the read says which
            if (Blocking.interrupted.getAsBoolean()) return -Signals.ERESTARTSYS;
        }
    }
}
