package jvisor.cpu.debug;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;

/**
 * Registers of a {@link CpuState} by name, as debuggers spell them: the 64/32/16/8-bit views of
 * the general registers ({@code rax eax ax al ah}, {@code r8 r8d r8w r8b}), {@code rip},
 * {@code eflags} (alias {@code rflags}), {@code fs_base}, {@code gs_base}, the selectors
 * {@code cs ss ds es fs gs} (the fixed values of Linux user mode), {@code mxcsr}, and the x87
 * control registers {@code fctrl fstat ftag fop fioff fooff fiseg foseg}. Writes follow the
 * architecture: a 32-bit view zero-extends, 8 and 16-bit views merge, RFLAGS keeps its fixed bits.
 */
public final class Registers {
    /** Linux's user code and stack selectors on x86-64 (__USER_CS, __USER_DS). */
    public static final int USER_CS = 0x33, USER_SS = 0x2b;

    private record View(int reg, int size, int shift) {
    }

    private static final Map<String, View> VIEWS = new HashMap<>();
    private static final List<String> OTHER = List.of("rip", "eflags", "rflags", "fs_base", "gs_base", "cs", "ss",
            "ds", "es", "fs", "gs", "mxcsr", "fctrl", "fstat", "ftag", "fop", "fioff", "fooff", "fiseg", "foseg");

    static {
        String[] b32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
        String[] b16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
        String[] b8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"};
        for (int r = 0; r < 16; r++) {
            VIEWS.put(Reg.name(r), new View(r, 8, 0));
            VIEWS.put(r < 8 ? b32[r] : Reg.name(r) + "d", new View(r, 4, 0));
            VIEWS.put(r < 8 ? b16[r] : Reg.name(r) + "w", new View(r, 2, 0));
            VIEWS.put(r < 8 ? b8[r] : Reg.name(r) + "b", new View(r, 1, 0));
            if (r >= 8) VIEWS.put(Reg.name(r) + "l", new View(r, 1, 0));
        }
        String[] high = {"ah", "ch", "dh", "bh"};
        for (int r = 0; r < 4; r++) VIEWS.put(high[r], new View(r, 1, 8));
    }

    /** The 64-bit general registers in gdb's order (rax rbx rcx rdx rsi rdi rbp rsp r8..r15). */
    public static final List<String> GDB_GPRS = List.of("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8",
            "r9", "r10", "r11", "r12", "r13", "r14", "r15");

    private Registers() {}

    public static boolean exists(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return VIEWS.containsKey(n) || OTHER.contains(n) || xmmIndex(n) >= 0;
    }

    /** The value of a register; an XMM register gives its low quadword (see {@link #xmm}). */
    public static long get(CpuState s, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        View v = VIEWS.get(n);
        if (v != null) return (s.r[v.reg] >>> v.shift) & mask(v.size);
        int x = xmmIndex(n);
        if (x >= 0) return s.xmm[2 * x];
        return switch (n) {
            case "rip" -> s.rip;
            case "eflags", "rflags" -> s.rflags();
            case "fs_base" -> s.fsBase;
            case "gs_base" -> s.gsBase;
            case "cs" -> USER_CS;
            case "ss" -> USER_SS;
            case "ds", "es", "fs", "gs", "fiseg", "foseg" -> 0;
            case "mxcsr" -> s.mxcsr & 0xFFFFFFFFL;
            case "fctrl" -> s.fpuControl & 0xFFFF;
            case "fstat" -> s.fpuStatus & 0xFFFF;
            case "ftag" -> fullTagWord(s);
            case "fop" -> s.fpuOpcode & 0x7FF;
            case "fioff" -> s.fpuIp;
            case "fooff" -> s.fpuDp;
            default -> throw new IllegalArgumentException("no register named '" + name + "'");
        };
    }

    /** Writes a register with the architecture's rules; selectors cannot change in user mode. */
    public static void set(CpuState s, String name, long value) {
        String n = name.toLowerCase(Locale.ROOT);
        View v = VIEWS.get(n);
        if (v != null) {
            if (v.size == 4) s.r[v.reg] = value & 0xFFFFFFFFL;
            else if (v.size == 8) s.r[v.reg] = value;
            else {
                long m = mask(v.size) << v.shift;
                s.r[v.reg] = (s.r[v.reg] & ~m) | ((value << v.shift) & m);
            }
            return;
        }
        int x = xmmIndex(n);
        if (x >= 0) {
            s.xmm[2 * x] = value;
            return;
        }
        switch (n) {
            case "rip" -> s.rip = value;
            case "eflags", "rflags" -> s.setRflags(value);
            case "fs_base" -> s.fsBase = value;
            case "gs_base" -> s.gsBase = value;
            case "mxcsr" -> s.mxcsr = (int) value;
            case "fctrl" -> s.fpuControl = (int) value & 0xFFFF;
            case "fstat" -> s.fpuStatus = (int) value & 0xFFFF;
            case "ftag" -> s.fpuTags = abridgedTags((int) value);
            case "fop" -> s.fpuOpcode = (int) value & 0x7FF;
            case "fioff" -> s.fpuIp = value;
            case "fooff" -> s.fpuDp = value;
            case "cs", "ss", "ds", "es", "fs", "gs", "fiseg", "foseg" -> { } // fixed in user mode
            default -> throw new IllegalArgumentException("no register named '" + name + "'");
        }
    }

    /** XMMn as {low, high} quadwords. */
    public static long[] xmm(CpuState s, int n) {
        return new long[] {s.xmm[2 * n], s.xmm[2 * n + 1]};
    }

    private static int xmmIndex(String n) {
        if (!n.startsWith("xmm")) return -1;
        try {
            int i = Integer.parseInt(n.substring(3));
            return i >= 0 && i < 16 ? i : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long mask(int size) {
        return size == 8 ? -1L : (1L << (8 * size)) - 1;
    }

    /** The x87 tag word with two bits per physical register (00 valid, 01 zero, 10 special, 11 empty). */
    public static int fullTagWord(CpuState s) {
        int w = 0;
        for (int r = 0; r < 8; r++) {
            int tag = (s.fpuTags >>> r & 1) == 0 ? 3 : jvisor.cpu.fpu.F80.tag(s.fpuSexp[r], s.fpuMant[r]);
            w |= tag << (2 * r);
        }
        return w;
    }

    private static int abridgedTags(int full) {
        int a = 0;
        for (int r = 0; r < 8; r++) if ((full >>> (2 * r) & 3) != 3) a |= 1 << r;
        return a;
    }

    /** ST(i) as the 10 bytes of the 80-bit format, little-endian. */
    public static byte[] st(CpuState s, int i) {
        int phys = ((s.fpuStatus >>> 11) + i) & 7;
        byte[] b = new byte[10];
        long m = s.fpuMant[phys];
        for (int k = 0; k < 8; k++) b[k] = (byte) (m >>> (8 * k));
        b[8] = (byte) s.fpuSexp[phys];
        b[9] = (byte) (s.fpuSexp[phys] >>> 8);
        return b;
    }

    public static void setSt(CpuState s, int i, byte[] b) {
        int phys = ((s.fpuStatus >>> 11) + i) & 7;
        long m = 0;
        for (int k = 7; k >= 0; k--) m = (m << 8) | (b[k] & 0xFF);
        s.fpuMant[phys] = m;
        s.fpuSexp[phys] = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
    }

    /** ST(i) as a double, for display (the 80-bit value rounded to nearest). */
    public static double stAsDouble(CpuState s, int i) {
        int phys = ((s.fpuStatus >>> 11) + i) & 7;
        return Double.longBitsToDouble(new jvisor.cpu.fpu.F80().toFloat(s.fpuSexp[phys], s.fpuMant[phys], true));
    }

    private static final String[] FLAG_NAMES = new String[22];

    static {
        FLAG_NAMES[0] = "CF";
        FLAG_NAMES[2] = "PF";
        FLAG_NAMES[4] = "AF";
        FLAG_NAMES[6] = "ZF";
        FLAG_NAMES[7] = "SF";
        FLAG_NAMES[8] = "TF";
        FLAG_NAMES[9] = "IF";
        FLAG_NAMES[10] = "DF";
        FLAG_NAMES[11] = "OF";
        FLAG_NAMES[18] = "AC";
        FLAG_NAMES[21] = "ID";
    }

    /** RFLAGS decoded as gdb shows it: {@code [ PF ZF IF ]}. */
    public static String flagNames(long rflags) {
        StringBuilder b = new StringBuilder("[ ");
        for (int i = 0; i < FLAG_NAMES.length; i++) {
            if (FLAG_NAMES[i] != null && (rflags >>> i & 1) != 0) b.append(FLAG_NAMES[i]).append(' ');
        }
        return b.append(']').toString();
    }

    /** The name of a single RFLAGS bit, or null. */
    public static String flagName(int bit) {
        return bit < FLAG_NAMES.length ? FLAG_NAMES[bit] : null;
    }

    /** The status flags and DF, the flags an instruction can change in user mode (with TF, AC, ID by POPF). */
    public static final long TRACKED_FLAGS = Flags.USER_WRITABLE;
}
