package jvisor.cpu.oracle;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import jvisor.cpu.decode.Decoder;
import jvisor.cpu.decode.Extensions;
import jvisor.cpu.decode.Form;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.cpu.insn.Instructions;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * The instruction forms the differential tester generates, enumerated from the opcode table
 * itself: every opcode of the four maps is decoded under each mandatory-prefix slot (none, 66,
 * F3, F2) and every ModRM.reg, with a memory and every register ModRM.rm, through the real
 * {@link Decoder}. Each {@link Form} the table yields becomes one {@link Shape} (its encoding: the
 * mandatory prefix, map, opcode(s), /digit, allowed ModRM kinds), and each shape one
 * {@link Entry} per operand size and register/memory kind. A row added to the table is thereby
 * covered without touching this file, unless {@link #exclusion} names a reason to leave it out.
 */
public final class Catalogue {
    public static final int MAP_ONE = 0, MAP_0F = 1, MAP_0F38 = 2, MAP_0F3A = 3;
    /** Mandatory-prefix slots, in the decoder's order. */
    public static final int P_NONE = 0, P_66 = 1, P_F3 = 2, P_F2 = 3;
    private static final int[] PREFIX_BYTE = {0, 0x66, 0xF3, 0xF2};

    /** What an instruction does beyond its ModRM/immediate operands: selects value generators and set-up. */
    public enum Kind {
        PLAIN, STRING, STACK, ENTER_LEAVE, POPF, DIV, BT_REG_OFFSET, SHIFT_CL, CMPXCHG, CMPXCHG_WIDE, LDMXCSR, BSWAP,
        /** Stores through the implicit DS:RDI (MASKMOVDQU): RDI is pointed at the data page like a memory operand. */
        STORE_AT_RDI,
        /** The VEX.vvvv register holds a bit-field control (BEXTR: start and length; BZHI: index): mostly in range. */
        BIT_FIELD_CONTROL,
        /** A VSIB memory operand (gathers): a vector of indexes and a mask register are set up to address the data page. */
        GATHER,
        /** XSAVE, XSAVEOPT, XRSTOR: EDX:EAX requests only components both CPUs have (x87, SSE, AVX); a 64-byte aligned area. */
        XSAVE
    }

    /** The encoding of one table form. */
    public static final class Shape {
        public final Form form;
        /** Instruction family: the class that registered the row (Alu, SseFloat, ...). */
        public final String family;
        public final int map;
        /** The opcode byte(s) decoding to this form; +r forms list only the first of their eight. */
        public final List<Integer> opcodes = new ArrayList<>();
        /** Mandatory prefix slot, P_NONE if the form decodes without a prefix. */
        public int prefix = -1;
        /** 0x66 is an operand-size override for this form (it decodes to the same form with 66). */
        public boolean opsizePrefixOk;
        /** ModRM.reg digit (/0../7), or -1 for /r. */
        public int regDigit = -1;
        /** ModRM.rm restriction for register forms, or -1. */
        public int rmFixed = -1;
        public boolean memOk, regOk;
        public Kind kind = Kind.PLAIN;
        /** VEX forms: the VEX.L and VEX.W values that decode to this form (for other forms: unused). */
        public final boolean[] vexL = new boolean[2], vexW = new boolean[2];
        private final boolean[] regs = new boolean[8], rms = new boolean[8];

        Shape(Form form, int map) {
            this.form = form;
            this.map = map;
            String cls = form.op.getClass().getName();
            int cut = cls.indexOf("$$");
            String name = cut > 0 ? cls.substring(0, cut) : cls;
            this.family = name.substring(name.lastIndexOf('.') + 1);
            String[] p = form.mnemonic.trim().split("\\s+", 2);
            this.mnemonic = p[0];
            this.operands = p.length < 2 ? new String[0] : p[1].split(",");
            for (int k = 0; k < operands.length; k++) operands[k] = operands[k].trim();
        }

        private final String mnemonic;
        private final String[] operands;

        public String mnemonic() {
            return mnemonic;
        }

        /** The operands of the syntax, e.g. ["Ev", "Gv"]. */
        public String[] operands() {
            return operands;
        }

        public boolean usesXmm() {
            for (String o : operands()) {
                char k = o.charAt(0);
                if ((k == 'V' || k == 'W' || k == 'U') && o.length() > 1 && Character.isLowerCase(o.charAt(1))) return true;
            }
            return false;
        }

        public boolean vex() {
            return form.vex;
        }

        /** The opcode row as text: "66 0F 58 /r", "F6 /3", "B8+r", "VEX.L0.F2.0F38 F5 /r". */
        public String opcodeText(int opcode) {
            StringBuilder b = new StringBuilder();
            if (form.vex) {
                b.append("VEX.").append(vexL[0] && vexL[1] ? "LIG" : vexL[0] ? "L0" : "L1");
                if (prefix > 0) b.append(String.format(".%02X", PREFIX_BYTE[prefix]));
                b.append(map == MAP_0F ? ".0F" : map == MAP_0F38 ? ".0F38" : ".0F3A");
                if (!(vexW[0] && vexW[1])) b.append(vexW[0] ? ".W0" : ".W1");
                b.append(String.format(" %02X", opcode));
                if (form.modrm) b.append(regDigit >= 0 ? " /" + regDigit : " /r");
                if (form.modrm && !(memOk && regOk)) b.append(memOk ? " mem" : " reg");
                return b.toString();
            }
            if (prefix > 0) b.append(String.format("%02X ", PREFIX_BYTE[prefix]));
            else if (prefix == P_NONE && !opsizePrefixOk && form.modrm && usesXmm()) b.append("NP ");
            if (map >= MAP_0F) b.append("0F ");
            if (map == MAP_0F38) b.append("38 ");
            if (map == MAP_0F3A) b.append("3A ");
            b.append(String.format("%02X", opcode));
            if (form.regInOpcode) b.append("+r");
            if (form.modrm) b.append(regDigit >= 0 ? " /" + regDigit : " /r");
            if (form.modrm && !(memOk && regOk)) b.append(memOk ? " mem" : " reg");
            if (rmFixed >= 0) b.append(" rm").append(rmFixed);
            return b.toString();
        }

        int regDigitProbe() {
            for (int k = 0; k < 8; k++) if (regs[k]) return k;
            return 0;
        }

        public int prefixByte() {
            return prefix > 0 ? PREFIX_BYTE[prefix] : 0;
        }
    }

    /** One thing to generate: a shape at one opcode, operand size and operand kind. */
    public record Entry(Shape shape, int opcode, int opsize, boolean memory, int rex) {
        /** rex: -1 any, 0 no REX prefix (AH..BH reachable), 1 REX prefix present (SPL..DIL, R8B..). */
        public String name() {
            StringBuilder b = new StringBuilder(shape.form.mnemonic);
            if (opcode != shape.opcodes.get(0) || shape.opcodes.size() > 1 && !shape.form.regInOpcode) {
                b.append(String.format(" [%02X]", opcode));
            }
            b.append(" /").append(opsize * 8);
            if (shape.form.modrm) b.append(memory ? " mem" : " reg");
            if (rex == 0) b.append(" norex");
            if (rex == 1) b.append(" rex");
            return b.toString();
        }
    }

    public final List<Shape> shapes = new ArrayList<>();
    /** Forms found in the table but left out, with the reason. */
    public final Map<String, String> excluded = new TreeMap<>();
    public final List<Entry> entries = new ArrayList<>();
    private final Map<String, Integer> excludedFamilies = new TreeMap<>();
    public int excludedForms;

    private static Catalogue instance;

    public static synchronized Catalogue get() {
        if (instance == null) instance = new Catalogue(Instructions.TABLE);
        return instance;
    }

    /**
     * Why a form is not generated, or null. Only forms whose results cannot be compared with the
     * host by design are left out; everything else in the table is generated.
     */
    public static String exclusion(Form f) {
        String m = f.mnemonic.split("\\s+")[0];
        if (f.endsBlock) return "control transfer, trap or VM exit (ends a block): not a data instruction";
        String cls = f.op.getClass().getName();
        if (cls.contains(".X87")) return "x87 instruction: the x87 register stack is not part of the compared state yet";
        return switch (m) {
            case "cpuid" -> "jvisor answers CPUID with its own vendor and feature set, by design";
            case "rdtsc", "rdtscp" -> "virtual time: jvisor counts retired guest instructions, the host its own clock";
            case "xgetbv" -> "XCR0 is jvisor's (x87, SSE, AVX), the host kernel enables more (AVX-512...); XSaveTest checks it";
            case "fxsave", "fxrstor", "fnsave", "frstor", "fnstenv", "fldenv" ->
                    "x87 register file/environment image: the x87 state is not part of the compared state yet";
            default -> null;
        };
    }

    public Catalogue(OpcodeTable table) {
        AddressSpace space = new AddressSpace();
        long at = 0x10000;
        space.mapAnonymous(at, 0x1000, Prot.RX, "probe");
        Decoder decoder = new Decoder(table, Extensions.ALL);
        Map<Form, Shape> byForm = new IdentityHashMap<>();
        List<Shape> order = new ArrayList<>();
        byte[] buf = new byte[24];
        // Legacy encodings: map x mandatory-prefix slot; VEX encodings: map x implied prefix x L x W
        // (VEX.vvvv = 1111b, which every form accepts; R, X, B = 0).
        for (int vex = 0; vex < 2; vex++) {
            for (int map = vex; map < 4; map++) {
                for (int op = 0; op < 256; op++) {
                    if (vex == 0 && map == MAP_0F && (op == 0x38 || op == 0x3A)) continue; // escapes to the three-byte maps
                    if (vex == 0 && map == MAP_ONE && (isPrefix(op) || op == 0x0F || op == 0xC4 || op == 0xC5)) continue;
                    for (int variant = 0; variant < (vex == 0 ? 4 : 16); variant++) {
                        int p = variant & 3, l = variant >> 2 & 1, w = variant >> 3;
                        for (int modrm = 0; modrm < 256; modrm++) {
                            int mod = modrm >>> 6, rm = modrm & 7;
                            if (mod == 1 || mod == 2 || mod == 0 && rm != 4) continue; // memory: [rax+rax*1] through a SIB byte (VSIB too)
                            int n = 0;
                            java.util.Arrays.fill(buf, (byte) 0);
                            if (vex == 1) {
                                buf[n++] = (byte) 0xC4;
                                buf[n++] = (byte) (0xE0 | map);
                                buf[n++] = (byte) (w << 7 | 0x78 | l << 2 | p);
                            } else {
                                if (p > 0) buf[n++] = (byte) PREFIX_BYTE[p];
                                if (map >= MAP_0F) buf[n++] = 0x0F;
                                if (map == MAP_0F38) buf[n++] = 0x38;
                                if (map == MAP_0F3A) buf[n++] = 0x3A;
                            }
                            buf[n++] = (byte) op;
                            buf[n] = (byte) modrm; // (followed by SIB 00)
                            space.pokeBytes(at, buf, 0, buf.length);
                            Insn insn = decoder.decode(space, at);
                            Form f = insn.form;
                            if (f == null || f.mnemonic.startsWith("(")) continue;
                            Shape s = byForm.get(f);
                            if (s == null) {
                                s = new Shape(f, map);
                                byForm.put(f, s);
                                order.add(s);
                            }
                            int first = f.regInOpcode ? op & ~7 : op;
                            if (!s.opcodes.contains(first)) s.opcodes.add(first);
                            if (vex == 1) {
                                s.prefix = p;
                                s.vexL[l] = true;
                                s.vexW[w] = true;
                            } else if (p == P_NONE) {
                                s.prefix = P_NONE;
                            } else if (p == P_66 && s.prefix == P_NONE) {
                                s.opsizePrefixOk = true;
                            } else if (s.prefix < 0) {
                                s.prefix = p;
                            }
                            if (f.modrm) {
                                s.regs[(modrm >>> 3) & 7] = true;
                                if (mod == 3) {
                                    s.regOk = true;
                                    s.rms[rm] = true;
                                } else {
                                    s.memOk = true;
                                }
                            }
                            if (!f.modrm) break; // the ModRM byte is not read: one probe is enough
                        }
                    }
                }
            }
        }
        for (Shape s : order) {
            // F3/F2 forms with operand sizes (POPCNT, TZCNT, LZCNT): does 66 in front give 16 bits?
            if (!s.vex() && (s.prefix == P_F3 || s.prefix == P_F2) && s.form.size == Form.SizeRule.V) {
                int n = 0;
                java.util.Arrays.fill(buf, (byte) 0);
                buf[n++] = 0x66;
                buf[n++] = (byte) PREFIX_BYTE[s.prefix];
                if (s.map >= MAP_0F) buf[n++] = 0x0F;
                if (s.map == MAP_0F38) buf[n++] = 0x38;
                if (s.map == MAP_0F3A) buf[n++] = 0x3A;
                buf[n++] = (byte) (int) s.opcodes.get(0);
                buf[n] = (byte) ((s.regDigitProbe() << 3) | (s.memOk ? 4 : 0xC0));
                space.pokeBytes(at, buf, 0, buf.length);
                if (decoder.decode(space, at).form == s.form) s.opsizePrefixOk = true;
            }
            int nregs = 0, lastReg = -1;
            for (int k = 0; k < 8; k++) if (s.regs[k]) { nregs++; lastReg = k; }
            s.regDigit = s.form.modrm && nregs == 1 ? lastReg : -1;
            int nrms = 0, lastRm = -1;
            for (int k = 0; k < 8; k++) if (s.rms[k]) { nrms++; lastRm = k; }
            s.rmFixed = s.regOk && nrms == 1 ? lastRm : -1;
            s.kind = kindOf(s);
            String why = exclusion(s.form);
            if (why != null) {
                if (s.family.startsWith("X87")) {
                    excludedFamilies.merge(s.family, 1, Integer::sum);
                    excluded.put("family " + s.family + ": " + excludedFamilies.get(s.family) + " forms", why);
                    excluded.remove("family " + s.family + ": " + (excludedFamilies.get(s.family) - 1) + " forms");
                } else {
                    excluded.put(s.form.mnemonic + "  (" + s.opcodeText(s.opcodes.get(0)) + ")", why);
                }
                excludedForms++;
                continue;
            }
            shapes.add(s);
            for (int opcode : s.opcodes) {
                if (s.form.regInOpcode && opcode != s.opcodes.get(0)) continue;
                for (int size : sizes(s)) {
                    for (int memKind = 0; memKind < 2; memKind++) {
                        boolean mem = memKind == 1;
                        if (s.form.modrm ? mem && !s.memOk || !mem && !s.regOk : mem) continue;
                        if (size == 1 && (s.form.byteReg || s.form.byteRm && !mem)) {
                            entries.add(new Entry(s, opcode, size, mem, 0));
                            entries.add(new Entry(s, opcode, size, mem, 1));
                        } else {
                            entries.add(new Entry(s, opcode, size, mem, -1));
                        }
                    }
                }
            }
        }
    }

    private static boolean isPrefix(int b) {
        return (b & 0xF0) == 0x40 || b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65
                || b == 0x66 || b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3;
    }

    private static int[] sizes(Shape s) {
        return switch (s.form.size) {
            case BYTE -> new int[] {1};
            case V -> s.opsizePrefixOk ? new int[] {2, 4, 8} : new int[] {4, 8};
            case D64 -> s.opsizePrefixOk ? new int[] {2, 8} : new int[] {8};
            case F64 -> new int[] {8};
            case Y -> new int[] {4, 8};
        };
    }

    private static Kind kindOf(Shape s) {
        String m = s.mnemonic();
        if (s.form.vsib) return Kind.GATHER;
        String syntax = s.form.mnemonic;
        if (m.startsWith("movs") && syntax.contains("Y") || m.startsWith("stos") || m.startsWith("lods")
                || m.startsWith("cmps") && syntax.contains("X") || m.startsWith("scas")) {
            return Kind.STRING;
        }
        return switch (m) {
            case "push", "pop", "pushf" -> Kind.STACK;
            case "popf" -> Kind.POPF;
            case "enter", "leave" -> Kind.ENTER_LEAVE;
            case "div", "idiv" -> Kind.DIV;
            case "bt", "bts", "btr", "btc" -> syntax.contains("Gv") ? Kind.BT_REG_OFFSET : Kind.PLAIN;
            case "cmpxchg" -> Kind.CMPXCHG;
            case "cmpxchg8b/16b" -> Kind.CMPXCHG_WIDE;
            case "ldmxcsr", "vldmxcsr" -> Kind.LDMXCSR;
            case "bswap" -> Kind.BSWAP;
            case "maskmovdqu", "vmaskmovdqu" -> Kind.STORE_AT_RDI;
            case "xsave", "xsaveopt", "xrstor" -> Kind.XSAVE;
            case "bextr", "bzhi" -> Kind.BIT_FIELD_CONTROL;
            default -> syntax.endsWith(",CL") ? Kind.SHIFT_CL : Kind.PLAIN;
        };
    }

    /** Entry counts per family, for the report. */
    public Map<String, Integer> entriesPerFamily() {
        Map<String, Integer> m = new TreeMap<>();
        for (Entry e : entries) m.merge(e.shape.family, 1, Integer::sum);
        return m;
    }

    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "catalogue: %d forms, %d entries (form x opcode x size x reg/mem x REX), %d forms excluded%n",
                shapes.size(), entries.size(), excludedForms));
        Map<String, Integer> fams = new LinkedHashMap<>(entriesPerFamily());
        b.append("  entries per family: ").append(fams).append('\n');
        return b.toString();
    }
}
