package jvisor.cpu.oracle;

import java.util.List;
import java.util.Locale;
import java.util.Set;

import jvisor.cpu.CpuTestSupport;
import jvisor.cpu.VendorDifferences;
import jvisor.cpu.Flags;
import jvisor.cpu.SdmShiftFlags;
import jvisor.cpu.decode.Insn;

/**
 * What a host that is not an Intel CPU (AMD, ...) may do differently from the Intel CPU jvisor
 * follows, where the SDM leaves the result open or implementation-specific. On an Intel host none
 * of this applies: {@link Differ} compares everything, undefined flags included. Elsewhere the
 * comparison leaves out exactly these, and nothing else (every register, every defined flag,
 * the whole data page stay compared):
 * <ul>
 *   <li>status flags the SDM's "Flags Affected" calls undefined for the instruction that last
 *   wrote them ({@link #effect}), also at the end of a sequence (see {@link #allowance});</li>
 *   <li>the destination of a 16-bit SHLD/SHRD by more than 16, which the SDM leaves undefined
 *   (its 16 bits, in a register or in memory), when it is the last instruction;</li>
 *   <li>a REP string instruction with a 32-bit address size (0x67) and ECX = 0, when it is the
 *   last instruction: the upper halves of RCX and the RSI/RDI it uses ({@link
 *   VendorDifferences#emptyRepA32Registers});</li>
 *   <li>the NaN a DPPS/DPPD lane returns when several of its inputs are NaNs (which NaN goes
 *   through the sum is implementation-specific): two NaNs agree there ({@link
 *   VendorDifferences#sameOrBothNaN});</li>
 *   <li>after a faulting gather, the mask register's bits other than each element's top bit
 *   (Intel writes the elements out as all-ones or zero, as the SDM's pseudocode does; AMD leaves
 *   the pending elements' other bits, and the bits beyond the elements, as they were);</li>
 *   <li>XSAVE/XSAVEOPT fields that report the CPU rather than the state: MXCSR_MASK (the MXCSR bits
 *   the CPU supports), XSTATE_BV bit 0 (whether the CPU tracks the x87 state as in its initial
 *   configuration, XINUSE[0], after the runner's FNINIT), and the x87 fields XSAVEOPT did not
 *   write because of that (SDM Vol. 1, 13.6, 13.9: the init optimization);</li>
 *   <li>LDMXCSR of a value whose only reserved bit is bit 17, which an AMD CPU loads as MXCSR.MM:
 *   the generator sets bit 18 too on such a host ({@link Generator}), so the case stays a #GP;</li>
 *   <li>MASKMOVDQU whose 16 bytes run from a canonical, unmapped page past the end of the
 *   canonical range: Intel checks the whole access first (#GP), AMD stores byte by byte and
 *   faults on the first byte (#PF).</li>
 * </ul>
 * DPPS/DPPD are not generated in sequences on such a host ({@link Generator#sequenceSafe}): a
 * different NaN feeds later instructions whose results could not be compared.
 */
final class NonIntelHost {
    private NonIntelHost() {}

    /** True if the host is an Intel CPU, whose implementation-specific results jvisor follows. */
    static final boolean INTEL = CpuTestSupport.intelHost();

    /** Forms whose NaN results are implementation-specific when several inputs are NaNs. */
    static final Set<String> NAN_CHOICE = Set.of("dpps", "dppd", "vdpps", "vdppd");

    static final long CF = Flags.CF, PF = Flags.PF, AF = Flags.AF, ZF = Flags.ZF, SF = Flags.SF, OF = Flags.OF;
    static final long ALL = Flags.STATUS;

    /** What one instruction does to the status flags: reads, writes with a defined value, leaves undefined. */
    record Effect(long reads, long defined, long undefined, boolean resultUndefined) {
        static final Effect NONE = new Effect(0, 0, 0, false);

        static Effect of(long defined, long undefined) {
            return new Effect(0, defined, undefined, false);
        }

        Effect reading(long flags) {
            return new Effect(reads | flags, defined, undefined, resultUndefined);
        }
    }

    /**
     * The status flags an instruction reads and writes, from the SDM's "Flags Affected" (Vol. 2;
     * the BMI forms from their pages in Vol. 2A/2B). The count of a shift or rotate is the one it
     * ran with (CL before it, or the immediate), masked as the instruction masks it. Instructions
     * not named here leave the status flags alone.
     */
    static Effect effect(Insn i, long rcx) {
        String syntax = i.form.mnemonic;
        String m = syntax.split("\\s+")[0];
        int bits = 8 * i.opsize;
        switch (m) {
            case "add", "sub", "cmp", "neg", "xadd", "cmpxchg", "popcnt", "popf", "sahf" -> {
                return Effect.of(m.equals("sahf") ? ALL & ~OF : ALL, 0);
            }
            case "cmps", "scas" -> {
                boolean rep = i.hasPrefix(Insn.P_REP) || i.hasPrefix(Insn.P_REPNE);
                long count = i.adsize == 4 ? rcx & 0xFFFF_FFFFL : rcx;
                return rep && count == 0 ? Effect.NONE : Effect.of(ALL, 0); // no iteration: flags unchanged
            }
            case "adc", "sbb" -> {
                return Effect.of(ALL, 0).reading(CF);
            }
            case "inc", "dec" -> {
                return Effect.of(ALL & ~CF, 0);
            }
            // OF and CF cleared; SF, ZF, PF set according to the result; AF undefined.
            case "and", "or", "xor", "test" -> {
                return Effect.of(ALL & ~AF, AF);
            }
            // ZF: whether the source is zero; CF, OF, SF, AF, PF undefined.
            case "bsf", "bsr" -> {
                return Effect.of(ZF, ALL & ~ZF);
            }
            // CF: the selected bit; ZF unaffected; OF, SF, AF, PF undefined.
            case "bt", "bts", "btr", "btc" -> {
                return Effect.of(CF, OF | SF | AF | PF);
            }
            // ZF: result zero; CF: source zero; OF, SF, PF, AF undefined.
            case "lzcnt", "tzcnt" -> {
                return Effect.of(ZF | CF, OF | SF | PF | AF);
            }
            // ANDN: SF, ZF by the result, OF and CF cleared, AF and PF undefined.
            case "andn" -> {
                return Effect.of(SF | ZF | OF | CF, AF | PF);
            }
            // BEXTR: ZF by the result, AF, SF, PF undefined, the others (CF, OF) cleared.
            case "bextr" -> {
                return Effect.of(ZF | CF | OF, AF | SF | PF);
            }
            // BLSI, BLSR, BLSMSK, BZHI: SF, ZF, CF defined (set or cleared), OF cleared; AF, PF undefined.
            case "blsi", "blsr", "blsmsk", "bzhi" -> {
                return Effect.of(SF | ZF | CF | OF, AF | PF);
            }
            // MUL, IMUL (all forms): CF and OF by the size of the result; SF, ZF, AF, PF undefined.
            case "mul", "imul" -> {
                return Effect.of(CF | OF, SF | ZF | AF | PF);
            }
            // DIV, IDIV: all six undefined.
            case "div", "idiv" -> {
                return Effect.of(0, ALL);
            }
            case "adcx" -> {
                return Effect.of(CF, 0).reading(CF);
            }
            case "adox" -> {
                return Effect.of(OF, 0).reading(OF);
            }
            case "clc", "stc" -> {
                return Effect.of(CF, 0);
            }
            case "lahf" -> {
                return Effect.NONE.reading(SF | ZF | AF | PF | CF);
            }
            case "pushf" -> {
                return Effect.NONE.reading(ALL);
            }
            case "setcc", "cmovcc" -> {
                return Effect.NONE.reading(condition(i.cc));
            }
            case "comiss", "ucomiss", "comisd", "ucomisd", "vcomiss", "vucomiss", "vcomisd", "vucomisd", "ptest", "vptest",
                    "vtestps", "vtestpd", "pcmpestri", "pcmpestrm", "pcmpistri", "pcmpistrm", "vpcmpestri", "vpcmpestrm",
                    "vpcmpistri", "vpcmpistrm" -> {
                return Effect.of(ALL, 0);
            }
            case "cmpxchg8b/16b" -> {
                return Effect.of(ZF, 0);
            }
            // Shifts and rotates: SdmShiftFlags, by the count they ran with; RCL/RCR rotate CF in.
            case "shl", "sal", "shr", "sar", "rol", "ror", "rcl", "rcr", "shld", "shrd" -> {
                SdmShiftFlags.Written w = SdmShiftFlags.of(m, bits, count(i, rcx));
                Effect e = new Effect(0, w.defined(), w.undefined(), w.resultUndefined());
                return m.startsWith("rc") && (w.defined() | w.undefined()) != 0 ? e.reading(CF) : e;
            }
            default -> {
                return Effect.NONE;
            }
        }
    }

    /** The shift or rotate count the instruction ran with, masked as it masks it. */
    static int count(Insn i, long rcx) {
        String syntax = i.form.mnemonic;
        long raw = syntax.endsWith(",1") ? 1 : syntax.endsWith(",CL") ? rcx : i.imm;
        return SdmShiftFlags.maskedCount(8 * i.opsize, raw);
    }

    /** The flags a condition code (Jcc/SETcc/CMOVcc low nibble) reads. */
    static long condition(int cc) {
        return switch (cc >> 1) {
            case 0 -> OF;
            case 1 -> CF;
            case 2 -> ZF;
            case 3 -> CF | ZF;
            case 4 -> SF;
            case 5 -> PF;
            case 6 -> SF | OF;
            default -> ZF | SF | OF;
        };
    }

    /**
     * What the comparison of one case leaves out on this host.
     *
     * @param flags status flags not compared at the end
     * @param undefinedReadAt in a sequence, the address of the first instruction that took a
     *     flag left undefined into a register or memory (ADC, SETcc, CMOVcc, PUSHF, ...), or of a
     *     SHLD/SHRD whose result is undefined; -1 if none. The results from there on depend on
     *     what this host chose: {@link Campaign} then compares the sequence up to that instruction.
     * @param undefinedResult the last instruction's destination is undefined or implementation-specific:
     *     left out (gprIgnore or pageIgnore)
     * @param gprIgnore bits of each GPR not compared, or null
     * @param nanReg the destination register of a DPPS/DPPD (single instruction), or -1
     * @param nanLaneBits its lane width, 32 or 64
     * @param gatherMaskTopBitsOnly a faulting gather: compare only the top bit of each mask element
     * @param pageIgnore bits of the data page not compared (XSAVE fields), or null
     * @param pageFaultForGp the host may raise #PF where jvisor raises #GP (MASKMOVDQU across the canonical boundary)
     */
    record Allowance(long flags, long undefinedReadAt, boolean undefinedResult, long[] gprIgnore, int nanReg,
            int nanLaneBits, boolean gatherMaskTopBitsOnly, byte[] pageIgnore, boolean pageFaultForGp) {
        static final Allowance NONE = new Allowance(0, -1, false, null, -1, 0, false, null, false);

        long gprIgnore(int reg) {
            return gprIgnore == null ? 0 : gprIgnore[reg];
        }

        boolean any() {
            return flags != 0 || undefinedReadAt >= 0 || undefinedResult || nanReg >= 0 || gatherMaskTopBitsOnly || pageIgnore != null
                    || pageFaultForGp;
        }

        /** What was left out, for the campaign's tally. */
        String describe() {
            StringBuilder b = new StringBuilder();
            if (flags != 0) b.append("undefined flags ").append(Differ.flags(flags).replace('-', '.')).append("; ");
            if (undefinedReadAt >= 0) b.append("cut before a read of an undefined flag or result; ");
            if (undefinedResult) b.append(gprIgnore != null && gprIgnore[jvisor.cpu.Reg.RCX] == 0xFFFF_FFFF_0000_0000L
                    ? "REP with ECX = 0: upper halves; " : "undefined SHLD/SHRD result; ");
            if (nanReg >= 0) b.append("DPPS/DPPD NaN choice; ");
            if (gatherMaskTopBitsOnly) b.append("faulting gather's mask bits; ");
            if (pageIgnore != null && !undefinedResult) b.append("XSAVE CPU-specific fields; ");
            if (pageFaultForGp) b.append("MASKMOVDQU #PF at the canonical boundary; ");
            return b.isEmpty() ? "" : b.substring(0, b.length() - 2);
        }
    }

    private static EmulatorRunner tracer;

    /** The interpreter that traces cases (separate from the engines under test). */
    private static synchronized List<EmulatorRunner.Step> trace(DiffCase c) {
        if (tracer == null) tracer = new EmulatorRunner(Engine.INTERPRETER);
        return tracer.trace(c);
    }

    /**
     * What this (non-Intel) host may do differently in case c, given the host's outcome.
     *
     * <p>Flags, for a single instruction and for a sequence alike: walking the instructions that
     * completed, in order, a flag is undefined at the end when the last instruction that wrote it
     * left it undefined; an instruction that writes a flag with a defined value makes it defined
     * again, one that leaves it alone keeps what it was. Since the SDM leaves the value open, a
     * later instruction that reads the flag gets this host's choice: an instruction that reads
     * only flags to write flags (CMC) passes the flag on as it was; any other reader (ADC, SBB,
     * RCL, RCR, SETcc, CMOVcc, LAHF, PUSHF, ADCX, ADOX) puts the host's choice in a register or in
     * memory, which can then reach anything: the case is then only compared up to that
     * instruction ({@link Allowance#undefinedReadAt}) - in the meantime every flag counts as
     * undefined. An undefined result (16-bit SHLD/SHRD by more than 16) and a REP string
     * instruction with 0x67 and ECX = 0 whose registers have upper halves are treated the same
     * way, unless they are the last instruction: then what they leave open is left out.
     */
    static Allowance allowance(DiffCase c, Outcome host) {
        return INTEL ? Allowance.NONE : analyse(c, host);
    }

    /** {@link #allowance} whatever the host (for tests). */
    static Allowance analyse(DiffCase c, Outcome host) {
        List<EmulatorRunner.Step> steps = trace(c);
        long undefined = 0, readAt = -1;
        long[] gprs = null;
        int nanReg = -1, nanBits = 0;
        boolean gather = false, straddle = false, result = false;
        byte[] ignore = null;
        for (int n = 0; n < steps.size(); n++) {
            EmulatorRunner.Step s = steps.get(n);
            Insn i = s.insn();
            String m = i.form.mnemonic.split("\\s+")[0];
            if (m.contains("maskmovdqu") && !s.completed()) straddle = crossesCanonicalEnd(c, i);
            // A gather stopped part way by a fault on an element (not #UD: then nothing was gathered).
            if (m.contains("gather") && !s.completed()) gather = host.vector() != jvisor.cpu.CpuFault.UD;
            if (!s.completed()) break; // the faulting instruction changed nothing
            Effect e = effect(i, s.rcx());
            boolean repNothing = emptyRep32(i, s.r());
            boolean last = n == steps.size() - 1;
            if (repNothing && last) {
                result = true;
                gprs = new long[16];
                int kept = VendorDifferences.emptyRepA32Registers(m);
                for (int k = 0; k < 16; k++) if ((kept >>> k & 1) != 0) gprs[k] = 0xFFFF_FFFF_0000_0000L;
            } else if (repNothing) {
                readAt = i.addr;
                undefined = ALL;
                break;
            }
            if (e.resultUndefined() && last) { // the last instruction: leave its 16-bit destination out
                result = true;
                if (!i.mem) {
                    gprs = new long[16];
                    gprs[i.rm] = 0xFFFF;
                } else if (s.address() >= DiffCase.DATA && s.address() + 2 <= DiffCase.DATA + DiffCase.DATA_SIZE) {
                    if (ignore == null) ignore = new byte[(int) DiffCase.DATA_SIZE];
                    int o = (int) (s.address() - DiffCase.DATA);
                    ignore[o] = ignore[o + 1] = (byte) 0xFF;
                }
            } else if ((e.reads() & undefined) != 0 || e.resultUndefined()) {
                readAt = i.addr;
                undefined = ALL;
                break;
            }
            undefined = undefined & ~(e.defined() | e.undefined()) | e.undefined();
            if (NAN_CHOICE.contains(m) && steps.size() == 1) {
                nanReg = i.reg;
                nanBits = m.endsWith("pd") ? 64 : 32;
            }
            if ((m.equals("xsave") || m.equals("xsaveopt")) && s.address() >= 0) {
                ignore = xsaveIgnore(ignore, s.address() - DiffCase.DATA, s.rax() & 7, m.equals("xsaveopt"), host.page());
            }
        }
        return new Allowance(undefined, readAt, result, gprs, nanReg, nanBits, gather, ignore, straddle);
    }

    /**
     * A REP string instruction with a 32-bit address size, ECX = 0 (no iteration) and a register
     * among RCX, RSI, RDI whose upper half is not zero (Intel and AMD then end differently).
     */
    private static boolean emptyRep32(Insn i, long[] r) {
        String m = i.form.mnemonic.split("\\s+")[0];
        if (VendorDifferences.emptyRepA32Registers(m) == 0) return false;
        if (!(i.hasPrefix(Insn.P_REP) || i.hasPrefix(Insn.P_REPNE)) || i.adsize != 4) return false;
        return (r[jvisor.cpu.Reg.RCX] & 0xFFFF_FFFFL) == 0
                && ((r[jvisor.cpu.Reg.RCX] | r[jvisor.cpu.Reg.RSI] | r[jvisor.cpu.Reg.RDI]) >>> 32) != 0;
    }

    /** The bits of an XSAVE/XSAVEOPT image at offset off of the data page that report the CPU, not the state. */
    private static byte[] xsaveIgnore(byte[] ignore, long off, long rfbm, boolean opt, byte[] hostPage) {
        if (off < 0 || off + 576 > DiffCase.DATA_SIZE) return ignore;
        int o = (int) off;
        if (ignore == null) ignore = new byte[(int) DiffCase.DATA_SIZE];
        // MXCSR_MASK (written with MXCSR, for SSE or AVX): Intel 0xFFFF, AMD also MM (bit 17).
        if ((rfbm & 6) != 0) for (int k = 28; k < 32; k++) ignore[o + k] = (byte) 0xFF;
        if ((rfbm & 1) != 0) {
            ignore[o + 512] |= 1; // XSTATE_BV[0] = XINUSE[0]: whether the CPU still tracks the x87 state as initial
            // XSAVEOPT skips a component the CPU tracks as initial (XSTATE_BV[i] = 0 then): the
            // x87 fields (FCW..FDP, ST0-ST7) stay as they were in memory. MXCSR is not x87 state.
            if (opt && (hostPage[o + 512] & 1) == 0) {
                for (int k = 0; k < 24; k++) ignore[o + k] = (byte) 0xFF;
                for (int k = 32; k < 160; k++) ignore[o + k] = (byte) 0xFF;
            }
        }
        return ignore;
    }

    /** MASKMOVDQU's 16-byte access at DS:RDI begins canonical and ends past the canonical range. */
    private static boolean crossesCanonicalEnd(DiffCase c, Insn i) {
        if (c.starts.size() != 1 || i.adsize == 4 || i.seg != Insn.SEG_NONE) return false; // one instruction, DS:RDI
        long rdi = c.gpr[jvisor.cpu.Reg.RDI];
        return jvisor.cpu.Cpu.isCanonical(rdi) && !jvisor.cpu.Cpu.isCanonical(rdi + 15);
    }

    /** A one-line note for reports: what a non-Intel host leaves out. */
    static String note(Allowance a) {
        return a.any() ? String.format(Locale.ROOT, "  (host is not Intel: not compared: %s)%n", a.describe()) : "";
    }
}
