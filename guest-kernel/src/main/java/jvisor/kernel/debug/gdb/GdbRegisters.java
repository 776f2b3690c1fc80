package jvisor.kernel.debug.gdb;

import java.util.ArrayList;
import java.util.List;

import jvisor.cpu.CpuState;
import jvisor.cpu.debug.Registers;

/**
 * The register file as gdb sees it through the stub: the target description (gdb's "Target
 * Descriptions" appendix; the features org.gnu.gdb.i386.core, .sse, .linux and .segments), and
 * the g/G/p/P encodings, little-endian hex in description order.
 *
 * <p>Numbering: 0-15 rax rbx rcx rdx rsi rdi rbp rsp r8-r15, 16 rip, 17 eflags, 18-23 cs ss ds es
 * fs gs, 24-31 st0-st7 (80-bit), 32-39 fctrl fstat ftag fiseg fioff foseg fooff fop, 40-55
 * xmm0-xmm15, 56 mxcsr, 57 orig_rax, 58 fs_base, 59 gs_base.
 */
final class GdbRegisters {
    private record Def(String name, int bits, String type, String group, String feature) {
    }

    private static final String CORE = "org.gnu.gdb.i386.core", SSE = "org.gnu.gdb.i386.sse",
            LINUX = "org.gnu.gdb.i386.linux", SEGMENTS = "org.gnu.gdb.i386.segments";
    static final int RIP = 16, ST0 = 24, XMM0 = 40, MXCSR = 56, ORIG_RAX = 57, COUNT = 60;
    private static final List<Def> DEFS = new ArrayList<>();

    static {
        for (String g : Registers.GDB_GPRS) {
            DEFS.add(new Def(g, 64, g.equals("rbp") || g.equals("rsp") ? "data_ptr" : "int64", "general", CORE));
        }
        DEFS.add(new Def("rip", 64, "code_ptr", "general", CORE));
        DEFS.add(new Def("eflags", 32, "i386_eflags", "general", CORE));
        for (String s : List.of("cs", "ss", "ds", "es", "fs", "gs")) DEFS.add(new Def(s, 32, "int32", "general", CORE));
        for (int i = 0; i < 8; i++) DEFS.add(new Def("st" + i, 80, "i387_ext", "float", CORE));
        for (String f : List.of("fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop")) {
            DEFS.add(new Def(f, 32, "int", "float", CORE));
        }
        for (int i = 0; i < 16; i++) DEFS.add(new Def("xmm" + i, 128, "vec128", "vector", SSE));
        DEFS.add(new Def("mxcsr", 32, "i386_mxcsr", "vector", SSE));
        DEFS.add(new Def("orig_rax", 64, "int", "system", LINUX));
        DEFS.add(new Def("fs_base", 64, "int", "general", SEGMENTS));
        DEFS.add(new Def("gs_base", 64, "int", "general", SEGMENTS));
    }

    private GdbRegisters() {}

    /** target.xml: one document with the four features and the types they use. */
    static String targetXml() {
        StringBuilder x = new StringBuilder(8192);
        x.append("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n");
        x.append("<architecture>i386:x86-64</architecture>\n<osabi>GNU/Linux</osabi>\n");
        String feature = null;
        for (Def d : DEFS) {
            if (!d.feature.equals(feature)) {
                if (feature != null) x.append("</feature>\n");
                feature = d.feature;
                x.append("<feature name=\"").append(feature).append("\">\n");
                if (feature.equals(CORE)) x.append(eflagsType());
                if (feature.equals(SSE)) x.append(vectorTypes());
            }
            x.append("  <reg name=\"").append(d.name).append("\" bitsize=\"").append(d.bits).append("\" type=\"")
                    .append(d.type).append("\" group=\"").append(d.group).append("\"/>\n");
        }
        return x.append("</feature>\n</target>\n").toString();
    }

    private static String eflagsType() {
        StringBuilder b = new StringBuilder("  <flags id=\"i386_eflags\" size=\"4\">\n");
        for (int bit = 0; bit < 22; bit++) {
            String n = Registers.flagName(bit);
            if (n != null) b.append("    <field name=\"").append(n).append("\" start=\"").append(bit).append("\" end=\"")
                    .append(bit).append("\"/>\n");
        }
        return b.append("  </flags>\n").toString();
    }

    private static String vectorTypes() {
        StringBuilder b = new StringBuilder();
        String[][] vectors = {{"v4f", "ieee_single", "4"}, {"v2d", "ieee_double", "2"}, {"v16i8", "int8", "16"},
                {"v8i16", "int16", "8"}, {"v4i32", "int32", "4"}, {"v2i64", "int64", "2"}};
        for (String[] v : vectors) {
            b.append("  <vector id=\"").append(v[0]).append("\" type=\"").append(v[1]).append("\" count=\"").append(v[2])
                    .append("\"/>\n");
        }
        b.append("  <union id=\"vec128\">\n");
        String[][] fields = {{"v4_float", "v4f"}, {"v2_double", "v2d"}, {"v16_int8", "v16i8"}, {"v8_int16", "v8i16"},
                {"v4_int32", "v4i32"}, {"v2_int64", "v2i64"}, {"uint128", "uint128"}};
        for (String[] f : fields) {
            b.append("    <field name=\"").append(f[0]).append("\" type=\"").append(f[1]).append("\"/>\n");
        }
        b.append("  </union>\n  <flags id=\"i386_mxcsr\" size=\"4\">\n");
        String[] mx = {"IE", "DE", "ZE", "OE", "UE", "PE", "DAZ", "IM", "DM", "ZM", "OM", "UM", "PM", "FZ"};
        int[] at = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15};
        for (int i = 0; i < mx.length; i++) {
            b.append("    <field name=\"").append(mx[i]).append("\" start=\"").append(at[i]).append("\" end=\"")
                    .append(at[i]).append("\"/>\n");
        }
        return b.append("  </flags>\n").toString();
    }

    static boolean valid(int n) {
        return n >= 0 && n < COUNT;
    }

    /** The bytes of register n, little-endian. */
    static byte[] get(CpuState s, int n, long origRax) {
        Def d = DEFS.get(n);
        if (n >= ST0 && n < ST0 + 8) return Registers.st(s, n - ST0);
        if (n >= XMM0 && n < XMM0 + 16) {
            long[] x = Registers.xmm(s, n - XMM0);
            byte[] b = new byte[16];
            put(b, 0, x[0], 8);
            put(b, 8, x[1], 8);
            return b;
        }
        long v = n == ORIG_RAX ? origRax : Registers.get(s, d.name);
        byte[] b = new byte[d.bits / 8];
        put(b, 0, v, b.length);
        return b;
    }

    /** Writes register n from little-endian bytes (its full width). */
    static void set(CpuState s, int n, byte[] b) {
        Def d = DEFS.get(n);
        if (n >= ST0 && n < ST0 + 8) {
            Registers.setSt(s, n - ST0, b);
        } else if (n >= XMM0 && n < XMM0 + 16) {
            s.xmm[2 * (n - XMM0)] = take(b, 0, 8);
            s.xmm[2 * (n - XMM0) + 1] = take(b, 8, 8);
        } else if (n != ORIG_RAX) {
            Registers.set(s, d.name, take(b, 0, b.length));
        }
    }

    static int bytes(int n) {
        return DEFS.get(n).bits / 8;
    }

    static String hexAll(CpuState s, long origRax) {
        StringBuilder sb = new StringBuilder(1200);
        for (int n = 0; n < COUNT; n++) Hex.append(sb, get(s, n, origRax));
        return sb.toString();
    }

    /** G: every register from one hex string; false if it is too short. */
    static boolean setAll(CpuState s, String hex) {
        int at = 0;
        for (int n = 0; n < COUNT; n++) {
            int len = bytes(n) * 2;
            if (at + len > hex.length()) return n > 0;
            set(s, n, Hex.decode(hex.substring(at, at + len)));
            at += len;
        }
        return true;
    }

    private static void put(byte[] b, int off, long v, int n) {
        for (int i = 0; i < n; i++) b[off + i] = (byte) (v >>> (8 * i));
    }

    private static long take(byte[] b, int off, int n) {
        long v = 0;
        for (int i = Math.min(n, 8) - 1; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xFF);
        return v;
    }
}
