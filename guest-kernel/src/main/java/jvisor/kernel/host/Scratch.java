package jvisor.kernel.host;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import jvisor.mmu.HostAccess;

/**
 * Native scratch memory for host calls: a per-thread buffer that grows on demand and is reused,
 * so that bouncing guest data through host memory allocates nothing in the steady state.
 */
public final class Scratch {
    private static final long INITIAL = 64 * 1024;
    private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);

    private static final int PAGE = 4096;

    private MemorySegment buffer = initialBuffer();
    /** See {@link #answer}; made on first use. */
    private MemorySegment answer;

    /** The size of {@link #answer}'s buffer: room for a termios (60 bytes), a struct stat (144). */
    private static final int ANSWER_SIZE = 256;

    private Scratch() {}

    /**
     * The first buffer of a thread is a {@link #direct} one (a start reads /proc/self/status
     * through it on the way to the guest's first instruction). A larger buffer, rarely needed,
     * comes from an Arena, which is not limited by -XX:MaxDirectMemorySize.
     */
    private static MemorySegment initialBuffer() {
        return direct((int) INITIAL, PAGE);
    }

    /**
     * Native memory of its own (not the thread's buffer): size bytes on an alignment boundary (a
     * power of two), freed by the garbage collector once the segment is unreachable, so a caller
     * that passes on its address keeps the segment reachable until the memory is done with. Made
     * from a direct ByteBuffer, not an Arena: the first Arena.allocate of a JVM initializes the FFM
     * implementation's utilities, whose method handles make the JVM generate three LambdaForm
     * classes (about 5 ms), and every start needs a little native memory before its guest runs.
     */
    public static MemorySegment direct(int size, int alignment) {
        ByteBuffer b = ByteBuffer.allocateDirect(size + alignment - 1).alignedSlice(alignment);
        return MemorySegment.ofBuffer(b).asSlice(0, size);
    }

    /** A native buffer of at least size bytes, valid until the next call on this thread. */
    public static MemorySegment get(long size) {
        Scratch s = PER_THREAD.get();
        if (s.buffer.byteSize() < size) {
            long n = Math.max(size, s.buffer.byteSize() * 2);
            s.buffer = Arena.ofAuto().allocate(n, PAGE);
        }
        return s.buffer;
    }

    /**
     * The thread's small buffer (at most 256 bytes) for what a host call answers: an int, a
     * termios. It is not {@link #get}'s buffer: calls made while a guest's data waits there to be
     * written (a terminal's foreground group and TOSTOP flag, asked on every write) must not
     * overwrite it. Valid until the next call on this thread; made with {@link #direct}.
     */
    public static MemorySegment answer(int size) {
        if (size > ANSWER_SIZE) throw new IllegalArgumentException("answer buffer of " + size + " bytes");
        Scratch s = PER_THREAD.get();
        if (s.answer == null) s.answer = direct(ANSWER_SIZE, 8);
        return s.answer;
    }

    /**
     * The thread's buffer (see {@link #get}) of at least size bytes, starting with a
     * NUL-terminated copy of bytes: a path for a host call, the rest of the buffer for its answer.
     */
    public static MemorySegment withCString(byte[] bytes, long size) {
        return putCString(get(Math.max(size, bytes.length + 1L)), bytes);
    }

    /** A NUL-terminated copy of a host path in a fresh native segment of the given arena. */
    public static MemorySegment cString(Arena arena, byte[] bytes) {
        return putCString(arena.allocate(bytes.length + 1L), bytes);
    }

    private static MemorySegment putCString(MemorySegment s, byte[] bytes) {
        // Plain host stores, not the segment's own copy and set: their method handles are
        // generated on first use, milliseconds of every start.
        Objects.checkIndex(bytes.length, s.byteSize());
        HostAccess.copyIn(bytes, 0, s.address(), bytes.length);
        HostAccess.putByte(s.address() + bytes.length, (byte) 0);
        return s;
    }

    public static MemorySegment cString(Arena arena, String s) {
        return cString(arena, s.getBytes(StandardCharsets.UTF_8));
    }
}
