package jvisor.kernel.debug;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * A static ELF executable written by hand for the debugging tests (no compiler needed), with a
 * symbol table, a syscall and a planted NULL write:
 *
 * <pre>
 * 401000 &lt;_start&gt;    mov edi, 5
 * 401005 &lt;_start+5&gt;  call twice              ; eax = 10
 * 40100a &lt;_start+10&gt; mov [counter], eax      ; counter at 0x402000
 * 401010 &lt;_start+16&gt; mov eax, 39             ; getpid
 * 401015 &lt;_start+21&gt; syscall
 * 401017 &lt;_start+23&gt; mov [pid], eax          ; pid at 0x402008
 * 40101d &lt;_start+29&gt; xor eax, eax
 * 40101f &lt;_start+31&gt; mov [rax], eax          ; NULL write: SIGSEGV
 * 401021 &lt;_start+33&gt; mov eax, 60             ; exit(0), if RIP is moved past the fault
 * 401026 &lt;_start+38&gt; xor edi, edi
 * 401028 &lt;_start+40&gt; syscall
 * 401030 &lt;twice&gt;      lea eax, [rdi+rdi]
 * 401033 &lt;twice+3&gt;    ret
 * </pre>
 */
public final class TinyProgram {
    public static final long START = 0x401000, CALL = 0x401005, STORE = 0x40100a, SYSCALL = 0x401015,
            NULL_WRITE = 0x40101f, EXIT = 0x401021, TWICE = 0x401030, COUNTER = 0x402000, PID = 0x402008;
    private static final String CODE = "bf05000000 e826000000 8905f00f0000 b827000000 0f05 8905eb0f0000 31c0 8900"
            + " b83c000000 31ff 0f05 909090909090 8d043f c3";

    private TinyProgram() {}

    /** Writes the executable into dir and returns its path. */
    public static Path write(Path dir) throws IOException {
        return write(dir.resolve("tiny"), START, HexFormat.of().parseHex(CODE.replace(" ", "")), COUNTER, new byte[0],
                new String[] {"_start", "twice", "counter", "pid"},
                new long[][] {{START, 0x2a, 1}, {TWICE, 4, 1}, {COUNTER, 8, 0}, {PID, 8, 0}});
    }

    /** A program that spins at its first instruction for ever ({@code jmp $}): for time limits. */
    public static Path writeSpinner(Path dir) throws IOException {
        return write(dir.resolve("spinner"), START, HexFormat.of().parseHex("ebfe"), COUNTER, new byte[0],
                new String[] {"_start"}, new long[][] {{START, 2, 1}});
    }

    /** Where {@link #writeExecer} puts its code and the path it execs. */
    public static final long LAUNCHER = 0x500000, LAUNCHER_PATH = 0x501000;

    /**
     * A second program, at other addresses and with other names, that replaces itself with the
     * program at guestPath (a path as the guest sees it: the host's /tmp is not the guest's)
     * through execve (argv and envp NULL), or exits with execve's -errno:
     *
     * <pre>
     * 500000 &lt;launcher&gt;     mov edi, 0x501000    ; the path
     * 500005 &lt;launcher+5&gt;   xor esi, esi
     * 500007 &lt;launcher+7&gt;   xor edx, edx
     * 500009 &lt;launcher+9&gt;   mov eax, 59          ; execve
     * 50000e &lt;launcher+14&gt;  syscall
     * 500010 &lt;launcher+16&gt;  mov edi, eax
     * 500012 &lt;launcher+18&gt;  mov eax, 60          ; exit
     * 500017 &lt;launcher+23&gt;  syscall
     * </pre>
     */
    public static Path writeExecer(Path dir, String guestPath) throws IOException {
        byte[] code = HexFormat.of().parseHex("bf00105000" + "31f6" + "31d2" + "b83b000000" + "0f05" + "89c7" + "b83c000000"
                + "0f05");
        byte[] path = (guestPath + "\0").getBytes(StandardCharsets.UTF_8);
        return write(dir.resolve("launcher"), LAUNCHER, code, LAUNCHER_PATH, path, new String[] {"launcher", "path"},
                new long[][] {{LAUNCHER, code.length, 1}, {LAUNCHER_PATH, path.length, 0}});
    }

    /**
     * An ELF executable of two segments, code (read, execute) at codeAddr and data (read, write)
     * at dataAddr, one page each, and a symbol table: names[i] at syms[i] = {address, size, 1 for
     * a function or 0 for an object}.
     */
    private static Path write(Path p, long codeAddr, byte[] code, long dataAddr, byte[] data, String[] names,
            long[][] syms) throws IOException {
        ByteArrayBuilder strtab = new ByteArrayBuilder();
        strtab.put((byte) 0);
        int[] nameAt = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            nameAt[i] = strtab.size();
            strtab.put(names[i].getBytes(StandardCharsets.US_ASCII));
            strtab.put((byte) 0);
        }
        int symOff = 0x3000, symSize = 24 * (names.length + 1);
        int strOff = symOff + symSize, strSize = strtab.size();
        int shOff = (strOff + strSize + 7) & ~7;
        byte[] out = new byte[shOff + 3 * 64];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 0x7f).put(1, (byte) 'E').put(2, (byte) 'L').put(3, (byte) 'F');
        b.put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
        b.putShort(16, (short) 2).putShort(18, (short) 62).putInt(20, 1);
        b.putLong(24, codeAddr).putLong(32, 64).putLong(40, shOff);
        b.putShort(52, (short) 64).putShort(54, (short) 56).putShort(56, (short) 2);
        b.putShort(58, (short) 64).putShort(60, (short) 3).putShort(62, (short) 0);
        phdr(b, 64, 5, 0x1000, codeAddr, 0x1000); // PF_R | PF_X
        phdr(b, 64 + 56, 6, 0x2000, dataAddr, 0x1000); // PF_R | PF_W
        System.arraycopy(code, 0, out, 0x1000, code.length);
        System.arraycopy(data, 0, out, 0x2000, data.length);
        for (int i = 0; i < names.length; i++) {
            int o = symOff + 24 * (i + 1);
            b.putInt(o, nameAt[i]);
            b.put(o + 4, (byte) (0x10 | (syms[i][2] == 1 ? 2 : 1))); // STB_GLOBAL, STT_FUNC or STT_OBJECT
            b.putShort(o + 6, (short) (syms[i][2] == 1 ? 1 : 2)); // any defined section index
            b.putLong(o + 8, syms[i][0]).putLong(o + 16, syms[i][1]);
        }
        System.arraycopy(strtab.toArray(), 0, out, strOff, strSize);
        section(b, shOff + 64, 2, symOff, symSize, 2, 24); // SHT_SYMTAB, linked to section 2
        section(b, shOff + 128, 3, strOff, strSize, 0, 0); // SHT_STRTAB
        Files.write(p, out);
        p.toFile().setExecutable(true);
        return p;
    }

    private static void phdr(ByteBuffer b, int o, int flags, long offset, long vaddr, long size) {
        b.putInt(o, 1).putInt(o + 4, flags).putLong(o + 8, offset).putLong(o + 16, vaddr).putLong(o + 24, vaddr)
                .putLong(o + 32, size).putLong(o + 40, size).putLong(o + 48, 0x1000);
    }

    private static void section(ByteBuffer b, int o, int type, long offset, long size, int link, long entsize) {
        b.putInt(o + 4, type).putLong(o + 24, offset).putLong(o + 32, size).putInt(o + 40, link).putLong(o + 56, entsize);
    }

    private static final class ByteArrayBuilder extends java.io.ByteArrayOutputStream {
        void put(byte x) {
            write(x);
        }

        void put(byte[] x) {
            write(x, 0, x.length);
        }

        byte[] toArray() {
            return toByteArray();
        }
    }
}
