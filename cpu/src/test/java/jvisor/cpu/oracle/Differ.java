package jvisor.cpu.oracle;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jvisor.cpu.CpuFault;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.VendorDifferences;
import jvisor.cpu.disasm.Disassembler;

/**
 * Compares a host outcome with an emulator outcome and writes reproducible reports.
 *
 * <p>Compared: the fault (vector, and RIP when there is one), all sixteen GPRs including RSP, the
 * six status flags and DF, YMM0-15 (XMM0-15 and bits 255:128), the whole MXCSR (flags raised included), the data page byte
 * by byte. Flags the SDM leaves undefined are compared too when the host is an Intel CPU: the host
 * is deterministic and the emulator follows Intel hardware; {@link #UNDEFINED_FLAG_EXCEPTIONS}
 * lists the forms where an Intel host's undefined flags are not followed, and why. On another
 * host (AMD...) {@link NonIntelHost} says what is left out: the undefined flags and a few other
 * implementation-specific results, each named there.
 */
public final class Differ {
    public static final long FLAGS = Flags.STATUS | Flags.DF;

    /**
     * Undefined flags not compared, by mnemonic (empty: every undefined flag of every form agrees
     * with an Intel host). Each entry must say why the emulator does not follow the host there.
     */
    public static final Map<String, Long> UNDEFINED_FLAG_EXCEPTIONS = Map.of();

    /**
     * Approximations whose exact bits are implementation-specific (SDM: relative error at most
     * 1.5 * 2^-12): the destination register is compared lane by lane within twice that bound
     * (both results are within the bound of the true value); special values (zero, infinity, NaN)
     * and every other part of the state are compared exactly. SseFloat documents that jvisor
     * returns the correctly rounded value rather than any CPU's table value.
     */
    public static final java.util.Set<String> APPROXIMATE = java.util.Set.of("rcpps", "rcpss", "rsqrtps", "rsqrtss",
            "vrcpps", "vrcpss", "vrsqrtps", "vrsqrtss");

    private Differ() {}

    /** True if two float results of RCP/RSQRT agree: equal, or both normal and within 3 * 2^-12 relative. */
    static boolean closeEnough(int h, int e) {
        if (h == e) return true;
        // RCP of an operand just below 2^126 in magnitude: the SDM leaves open whether the result is
        // tiny (flushed to a zero) or the smallest normal; either side may have chosen either.
        int smallest = 0x0080_0000;
        if ((h ^ e) >= 0 && ((h & 0x7FFF_FFFF) == 0 && (e & 0x7FFF_FFFF) == smallest
                || (e & 0x7FFF_FFFF) == 0 && (h & 0x7FFF_FFFF) == smallest)) {
            return true;
        }
        float fh = Float.intBitsToFloat(h), fe = Float.intBitsToFloat(e);
        if (!Float.isFinite(fh) || !Float.isFinite(fe) || fh == 0 || fe == 0) return false;
        if ((h ^ e) < 0) return false;
        return Math.abs((double) fe - fh) <= 3 * Math.scalb(1.0, -12) * Math.abs((double) fh);
    }

    /** An RCP/RSQRT destination: every float lane close enough (packed), or the low one and the rest equal (scalar). */
    private static boolean approximatelyEqual(long[] h, long[] e, boolean packed) {
        for (int q = 0; q < 4; q++) {
            for (int half = 0; half < 2; half++) {
                int hv = (int) (h[q] >>> (32 * half)), ev = (int) (e[q] >>> (32 * half));
                boolean low = q == 0 && half == 0;
                if (packed || low ? !closeEnough(hv, ev) : hv != ev) return false;
            }
        }
        return true;
    }

    static long ignoredFlags(DiffCase c) {
        long m = 0;
        for (Catalogue.Entry e : c.entries) m |= UNDEFINED_FLAG_EXCEPTIONS.getOrDefault(e.shape().mnemonic(), 0L);
        return m;
    }

    /** A comparison of host and emulator: the differences (null if none) and what this host's comparison left out. */
    record Verdict(String diff, NonIntelHost.Allowance allowance) {}

    /** The differences between the host's and jvisor's outcome, one per line, or null if they agree. */
    public static String compare(DiffCase c, Outcome host, Outcome emu) {
        return check(c, host, emu).diff();
    }

    /**
     * Compares the host's and jvisor's outcome: everything on an Intel host; on another host,
     * without what {@link NonIntelHost#allowance} leaves out (worked out only when the outcomes
     * differ, so agreeing cases cost nothing more). A remaining difference is reported with a
     * note of what was left out.
     */
    static Verdict check(DiffCase c, Outcome host, Outcome emu) {
        String exact = compareWithout(c, host, emu, NonIntelHost.Allowance.NONE);
        if (exact == null || NonIntelHost.INTEL) return new Verdict(exact, NonIntelHost.Allowance.NONE);
        NonIntelHost.Allowance a = NonIntelHost.allowance(c, host);
        if (!a.any()) return new Verdict(exact, a);
        String relaxed = compareWithout(c, host, emu, a);
        return new Verdict(relaxed == null ? null : relaxed + NonIntelHost.note(a), a);
    }

    /** The differences between two outcomes of jvisor itself (two engines): everything is compared, whatever the host. */
    public static String compareExactly(DiffCase c, Outcome a, Outcome b) {
        return compareWithout(c, a, b, NonIntelHost.Allowance.NONE);
    }

    /** True if two lanes are equal, or both NaNs (32- or 64-bit lanes of quadwords h, e). */
    static boolean sameOrBothNaN(long[] h, long[] e, int laneBits) {
        for (int q = 0; q < 4; q++) {
            for (int lane = 0; lane < 64 / laneBits; lane++) {
                long a = laneBits == 64 ? h[q] : h[q] >>> (32 * lane) & 0xFFFF_FFFFL;
                long b = laneBits == 64 ? e[q] : e[q] >>> (32 * lane) & 0xFFFF_FFFFL;
                if (!VendorDifferences.sameOrBothNaN(a, b, laneBits)) return false;
            }
        }
        return true;
    }

    /** The differences, leaving out what allowed says. */
    static String compareWithout(DiffCase c, Outcome host, Outcome emu, NonIntelHost.Allowance allowed) {
        StringBuilder d = new StringBuilder();
        if (emu.note() != null) d.append("  emulator threw: ").append(emu.note()).append('\n');
        boolean pfForGp = allowed.pageFaultForGp() && host.vector() == CpuFault.PF && emu.vector() == CpuFault.GP;
        if (host.vector() != emu.vector() && !pfForGp) {
            d.append("  exception: host ").append(vector(host.vector())).append(" emu ").append(vector(emu.vector())).append('\n');
        } else if (host.vector() >= 0 && host.rip() != emu.rip() && c.hostCode == c.code) {
            d.append(String.format(Locale.ROOT, "  fault rip: host %x emu %x%n", host.rip(), emu.rip()));
        }
        for (int k = 0; k < 16; k++) {
            if (((host.gpr()[k] ^ emu.gpr()[k]) & ~allowed.gprIgnore(k)) != 0) {
                d.append(String.format(Locale.ROOT, "  %-5s host %016x emu %016x%n", Reg.name(k), host.gpr()[k], emu.gpr()[k]));
            }
        }
        long mask = FLAGS & ~ignoredFlags(c) & ~allowed.flags();
        if ((host.rflags() & mask) != (emu.rflags() & mask)) {
            d.append("  flags host ").append(flags(host.rflags() & mask)).append(" emu ").append(flags(emu.rflags() & mask))
                    .append(" (differ: ").append(flags((host.rflags() ^ emu.rflags()) & mask)).append(")\n");
        }
        long[] ignore = gatherIncomplete(c, host, emu, allowed.gatherMaskTopBitsOnly());
        int ignoreReg = ignore == null ? -1 : (int) ignore[4], maskReg = ignore == null ? -1 : (int) ignore[9];
        long[] h = new long[4], e = new long[4];
        for (int k = 0; k < 16; k++) {
            for (int q = 0; q < 4; q++) {
                long drop = (k == ignoreReg ? ignore[q] : 0) | (k == maskReg ? ignore[5 + q] : 0);
                h[q] = (q < 2 ? host.xmm()[2 * k + q] : host.ymmHi()[2 * k + q - 2]) & ~drop;
                e[q] = (q < 2 ? emu.xmm()[2 * k + q] : emu.ymmHi()[2 * k + q - 2]) & ~drop;
            }
            if (k == c.approximateReg && c.entries.size() == 1 && approximatelyEqual(h, e,
                    c.entries.get(0).shape().mnemonic().endsWith("ps"))) {
                continue;
            }
            if (k == allowed.nanReg() && sameOrBothNaN(h, e, allowed.nanLaneBits())) continue;
            if (!java.util.Arrays.equals(h, e)) {
                d.append(String.format(Locale.ROOT, "  ymm%-2d host %016x:%016x:%016x:%016x emu %016x:%016x:%016x:%016x%n", k,
                        h[3], h[2], h[1], h[0], e[3], e[2], e[1], e[0]));
            }
        }
        if (host.mxcsr() != emu.mxcsr()) {
            d.append(String.format(Locale.ROOT, "  mxcsr host %04x emu %04x%n", host.mxcsr(), emu.mxcsr()));
        }
        byte[] hp = host.page(), ep = emu.page(), skip = allowed.pageIgnore();
        int first = -1, last = -1, count = 0;
        for (int k = 0; k < hp.length; k++) {
            if (((hp[k] ^ ep[k]) & ~(skip == null ? 0 : skip[k])) != 0) {
                if (first < 0) first = k;
                last = k;
                count++;
            }
        }
        if (first >= 0) {
            int from = first & ~7, to = Math.min(hp.length, from + 16);
            d.append(String.format(Locale.ROOT, "  memory DATA+%#x..%#x differs (%d bytes): host %s emu %s%n", first, last, count,
                    HexFormat.of().formatHex(hp, from, to), HexFormat.of().formatHex(ep, from, to)));
        }
        return d.isEmpty() ? null : d.toString();
    }

    /**
     * A gather that faults (both sides, same vector) has gathered the elements below the faulting
     * one and cleared their mask elements; the SDM leaves the destination's other elements, and its
     * bits above the elements, unspecified until the instruction is restarted (SDM Vol. 2C
     * "VPGATHERDD": elements closer to the MSB "may or may not be completed"; this host sometimes
     * keeps their old values and sometimes writes zeros, without clearing their mask elements).
     * Returns the destination bits not to compare, as quadword masks 0-3 and the register number
     * at [4], then the mask register's bits not to compare, as quadword masks 5-8 and its number
     * at [9]; or null when the case is not such a gather. The mask register is compared in full,
     * unless maskTopBitsOnly (a non-Intel host, {@link NonIntelHost}): then only the top bit of
     * each of its elements is.
     */
    static long[] gatherIncomplete(DiffCase c, Outcome host, Outcome emu, boolean maskTopBitsOnly) {
        if (c.entries.size() != 1 || !c.entries.get(0).shape().form.vsib || host.vector() < 0 || host.vector() != emu.vector()) {
            return null;
        }
        jvisor.mmu.AddressSpace space = new jvisor.mmu.AddressSpace();
        space.mapAnonymous(0x10000, 0x1000, jvisor.mmu.Prot.RX, "code");
        space.pokeBytes(0x10000, c.code, 0, c.code.length);
        jvisor.cpu.decode.Insn i = new jvisor.cpu.decode.Decoder(jvisor.cpu.insn.Instructions.TABLE,
                jvisor.cpu.decode.Extensions.ALL).decode(space, 0x10000);
        String m = c.entries.get(0).shape().mnemonic();
        String kind = m.substring(m.indexOf("gather") + 6);
        int indexSize = kind.charAt(0) == 'd' ? 4 : 8;
        int dataSize = kind.endsWith("d") && !kind.endsWith("pd") || kind.endsWith("ps") ? 4 : 8;
        int count = (i.vexL == 1 ? 256 : 128) / (8 * Math.max(indexSize, dataSize));
        long[] ignore = new long[10];
        for (int q = 0; q < 4; q++) ignore[q] = -1L; // beyond the elements: unspecified
        for (int j = 0; j < count; j++) {
            int q = j * dataSize / 8;
            long field = dataSize == 8 ? -1L : 0xFFFF_FFFFL << (32 * (j & 1));
            long maskQuad = q < 2 ? host.xmm()[2 * i.vvvv + q] : host.ymmHi()[2 * i.vvvv + q - 2];
            boolean completed = (maskQuad & field) == 0;
            if (j == 0 || dataSize == 8 || (j & 1) == 0) ignore[q] = 0; // the quadword holds elements: decide per element
            if (!completed) ignore[q] |= field;
        }
        ignore[4] = i.reg;
        ignore[9] = i.vvvv;
        if (maskTopBitsOnly) {
            for (int q = 0; q < 4; q++) ignore[5 + q] = -1L;
            for (int j = 0; j < count; j++) {
                int q = j * dataSize / 8;
                ignore[5 + q] &= ~(dataSize == 8 ? 1L << 63 : 1L << (32 * (j & 1) + 31));
            }
        }
        return ignore;
    }

    static String vector(long v) {
        return v < 0 ? "none" : v >= 1000 ? "exit " + (v - 1000) : CpuFault.vectorName((int) v);
    }

    /** "CP-Z--" for C P A Z S O, then D for DF. */
    static String flags(long f) {
        return "" + ((f & Flags.CF) != 0 ? 'C' : '-') + ((f & Flags.PF) != 0 ? 'P' : '-') + ((f & Flags.AF) != 0 ? 'A' : '-')
                + ((f & Flags.ZF) != 0 ? 'Z' : '-') + ((f & Flags.SF) != 0 ? 'S' : '-') + ((f & Flags.OF) != 0 ? 'O' : '-')
                + ((f & Flags.DF) != 0 ? "D" : "-");
    }

    /** The instructions of a case: address, bytes, disassembly, catalogue entry. */
    static String listing(DiffCase c) {
        StringBuilder b = new StringBuilder();
        Disassembler dis = Disassembler.get();
        int entry = 0;
        for (int k = 0; k < c.starts.size(); k++) {
            int from = c.starts.get(k), to = k + 1 < c.starts.size() ? c.starts.get(k + 1) : c.code.length;
            byte[] insn = java.util.Arrays.copyOfRange(c.code, from, to);
            String text = dis.available() ? dis.disassembleOne(insn, c.codeAddr + from) : null;
            boolean helper = c.helpers.contains(from);
            b.append(String.format(Locale.ROOT, "    %x: %-44s %-40s %s%n", c.codeAddr + from,
                    Disassembler.hex(insn, 0, insn.length), text == null ? "(capstone: ?)" : text,
                    helper ? "(set-up)" : entry >= c.entries.size() ? "" : "[" + c.entries.get(entry).name() + ", "
                            + c.entries.get(entry).shape().family + ", "
                            + c.entries.get(entry).shape().opcodeText(c.entries.get(entry).opcode()) + "]"));
            if (!helper) entry++;
        }
        if (c.hostCode != c.code) {
            b.append("    host runs instead: ").append(Disassembler.hex(c.hostCode, 0, c.hostCode.length))
                    .append('\n');
        }
        return b.toString();
    }

    /** The initial state of a case. */
    static String inputs(DiffCase c) {
        StringBuilder b = new StringBuilder("  in:\n");
        for (int k = 0; k < 16; k++) {
            b.append(String.format(Locale.ROOT, "    %-3s %016x%s", Reg.name(k), c.gpr[k], k % 4 == 3 ? "\n" : ""));
        }
        b.append(String.format(Locale.ROOT, "    rflags %s (%#x)  mxcsr %04x%n", flags(c.rflags), c.rflags, c.mxcsr));
        for (int k = 0; k < 16; k++) {
            b.append(String.format(Locale.ROOT, "    ymm%-2d %016x:%016x:%016x:%016x%s", k, c.ymmHi[2 * k + 1], c.ymmHi[2 * k],
                    c.xmm[2 * k + 1], c.xmm[2 * k], k % 2 == 1 ? "\n" : ""));
        }
        for (int off = 0; off < DiffCase.WINDOW; off += 64) {
            b.append(String.format(Locale.ROOT, "    DATA+%03x %s%n", off, HexFormat.of().formatHex(c.window, off, off + 64)));
        }
        return b.toString();
    }

    /** A full reproducer for a mismatch: how to rerun it, the code, the inputs, the differences. */
    static String report(DiffCase c, boolean sequence, Outcome host, Outcome emu, String diff) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "MISMATCH %s case %d, seed %#x  (rerun: -Djvisor.diff.seed=%#x -Djvisor.diff.case=%d%s)%n",
                sequence ? "sequence" : "single-instruction", c.index, c.seed, c.seed, c.index,
                sequence ? " -Djvisor.diff.mode=sequence" : ""));
        b.append(String.format(Locale.ROOT, "  code at %x: %s%n", c.codeAddr, Disassembler.hex(c.code, 0, c.code.length)));
        b.append(listing(c));
        b.append(inputs(c));
        b.append(String.format(Locale.ROOT, "  host: %s at %x   emu: %s at %x%n", vector(host.vector()), host.rip(),
                vector(emu.vector()), emu.rip()));
        b.append(diff);
        return b.toString();
    }

    static String names(List<Catalogue.Entry> entries) {
        StringBuilder b = new StringBuilder();
        for (Catalogue.Entry e : entries) b.append(b.isEmpty() ? "" : "; ").append(e.name());
        return b.toString();
    }
}
