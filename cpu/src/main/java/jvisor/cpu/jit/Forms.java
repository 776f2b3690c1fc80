package jvisor.cpu.jit;

import java.util.HashMap;
import java.util.Map;

import jvisor.cpu.decode.Insn;
import jvisor.cpu.insn.Semantics;

/**
 * Which opcode forms the translator emits bytecode for, by their syntax in the opcode table
 * (jvisor.cpu.insn): the common integer subset and the SSE2 double-precision moves and
 * arithmetic. Every other form, and a covered form with a LOCK prefix other than the atomic
 * additions (ADD, SUB, INC, DEC, XADD: {@link IntegerForms#lockedAdd}), CMPXCHG and XCHG, runs
 * its interpreter handler from the translated code ({@link Fallback}).
 */
final class Forms {
    /** Emits the bytecode of one instruction. */
    @FunctionalInterface
    interface Emitter {
        void emit(Gen g, Insn i);
    }

    private static final Map<String, Emitter> BY_SYNTAX = new HashMap<>();
    /** The forms whose LOCK-prefixed instructions have an emitter (an atomic update): the others run their handler. */
    private static final Map<String, Emitter> LOCKED = new HashMap<>();

    private Forms() {}

    private static void add(String syntax, Emitter e) {
        if (BY_SYNTAX.put(syntax, e) != null) throw new IllegalStateException("form listed twice: " + syntax);
    }

    private static void addLocked(String syntax, Emitter e) {
        if (LOCKED.put(syntax, e) != null) throw new IllegalStateException("locked form listed twice: " + syntax);
    }

    private static void addLocked(String syntax, IntegerForms.LockedAdd kind) {
        addLocked(syntax, (g, i) -> IntegerForms.lockedAdd(g, i, kind));
    }

    static {
        String[] alu = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
        for (int k = 0; k < 8; k++) {
            int op = k;
            String n = alu[k];
            add(n + " Eb,Gb", (g, i) -> IntegerForms.alu(g, i, op, IntegerForms.E_G));
            add(n + " Ev,Gv", (g, i) -> IntegerForms.alu(g, i, op, IntegerForms.E_G));
            add(n + " Gb,Eb", (g, i) -> IntegerForms.alu(g, i, op, IntegerForms.G_E));
            add(n + " Gv,Ev", (g, i) -> IntegerForms.alu(g, i, op, IntegerForms.G_E));
            add(n + " AL,Ib", (g, i) -> IntegerForms.alu(g, i, op, IntegerForms.ACC_I));
            add(n + " rAX,Iz", (g, i) -> IntegerForms.alu(g, i, op, IntegerForms.ACC_I));
            add(n + " Eb,Ib", (g, i) -> IntegerForms.alu(g, i, op, IntegerForms.E_I));
            add(n + " Ev,Iz", (g, i) -> IntegerForms.alu(g, i, op, IntegerForms.E_I));
            add(n + " Ev,Ib", (g, i) -> IntegerForms.alu(g, i, op, IntegerForms.E_I));
        }
        add("test Eb,Gb", (g, i) -> IntegerForms.test(g, i, IntegerForms.E_G));
        add("test Ev,Gv", (g, i) -> IntegerForms.test(g, i, IntegerForms.E_G));
        add("test AL,Ib", (g, i) -> IntegerForms.test(g, i, IntegerForms.ACC_I));
        add("test rAX,Iz", (g, i) -> IntegerForms.test(g, i, IntegerForms.ACC_I));
        add("test Eb,Ib", (g, i) -> IntegerForms.test(g, i, IntegerForms.E_I));
        add("test Ev,Iz", (g, i) -> IntegerForms.test(g, i, IntegerForms.E_I));
        for (String s : new String[] {"b", "v"}) {
            add("not E" + s, IntegerForms::not);
            add("neg E" + s, IntegerForms::neg);
            add("inc E" + s, (g, i) -> IntegerForms.incDec(g, i, true));
            add("dec E" + s, (g, i) -> IntegerForms.incDec(g, i, false));
        }

        for (String s : new String[] {"b", "v"}) {
            addLocked("add E" + s + ",G" + s, IntegerForms.LockedAdd.ADD_REGISTER);
            addLocked("sub E" + s + ",G" + s, IntegerForms.LockedAdd.SUB_REGISTER);
            addLocked("add E" + s + ",Ib", IntegerForms.LockedAdd.ADD_IMMEDIATE);
            addLocked("sub E" + s + ",Ib", IntegerForms.LockedAdd.SUB_IMMEDIATE);
            addLocked("inc E" + s, IntegerForms.LockedAdd.INC);
            addLocked("dec E" + s, IntegerForms.LockedAdd.DEC);
            addLocked("xadd E" + s + ",G" + s, IntegerForms.LockedAdd.XADD);
            addLocked("cmpxchg E" + s + ",G" + s, IntegerForms::lockedCompareExchange);
            addLocked("xchg E" + s + ",G" + s, IntegerForms::xchg);
        }
        addLocked("add Ev,Iz", IntegerForms.LockedAdd.ADD_IMMEDIATE);
        addLocked("sub Ev,Iz", IntegerForms.LockedAdd.SUB_IMMEDIATE);

        add("mov Eb,Gb", IntegerForms::movEG);
        add("mov Ev,Gv", IntegerForms::movEG);
        add("mov Gb,Eb", IntegerForms::movGE);
        add("mov Gv,Ev", IntegerForms::movGE);
        add("mov Eb,Ib", IntegerForms::movEI);
        add("mov Ev,Iz", IntegerForms::movEI);
        add("mov Zb,Ib", IntegerForms::movZI);
        add("mov Zv,Iv", IntegerForms::movZI);
        add("lea Gv,M", IntegerForms::lea);
        add("movzx Gv,Eb", (g, i) -> IntegerForms.extend(g, i, 1, false));
        add("movzx Gv,Ew", (g, i) -> IntegerForms.extend(g, i, 2, false));
        add("movsx Gv,Eb", (g, i) -> IntegerForms.extend(g, i, 1, true));
        add("movsx Gv,Ew", (g, i) -> IntegerForms.extend(g, i, 2, true));
        add("movsxd Gv,Ed", (g, i) -> IntegerForms.extend(g, i, 4, true));
        add("xchg Eb,Gb", IntegerForms::xchg);
        add("xchg Ev,Gv", IntegerForms::xchg);
        add("xchg Zv,rAX", IntegerForms::xchgAcc);
        add("cmovcc Gv,Ev", IntegerForms::cmov);
        add("setcc Eb", IntegerForms::setcc);
        add("cbw/cwde/cdqe rAX", IntegerForms::convertAcc);
        add("cwd/cdq/cqo rAX", IntegerForms::convertAccToDx);
        for (String nop : new String[] {"nop Ev", "nop/endbr64 Ev", "prefetch Mb"}) add(nop, (g, i) -> { });

        add("push Zv", IntegerForms::pushReg);
        add("pop Zv", IntegerForms::popReg);
        add("push Ib", IntegerForms::pushImm);
        add("push Iz", IntegerForms::pushImm);
        add("push Ev", IntegerForms::pushE);
        add("leave", IntegerForms::leave);

        String[] shifts = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
        for (int k = 0; k < 8; k++) {
            int op = k == 6 ? Semantics.SHL : k; // SAL is SHL
            for (String s : new String[] {"b", "v"}) {
                add(shifts[k] + " E" + s + ",Ib", (g, i) -> IntegerForms.shift(g, i, op, (int) i.imm, true));
                add(shifts[k] + " E" + s + ",1", (g, i) -> IntegerForms.shift(g, i, op, 1, false));
            }
        }
        for (String s : new String[] {"b", "v"}) {
            add("shl E" + s + ",CL", (g, i) -> IntegerForms.shiftByCl(g, i, Semantics.SHL));
            add("sal E" + s + ",CL", (g, i) -> IntegerForms.shiftByCl(g, i, Semantics.SHL));
            add("shr E" + s + ",CL", (g, i) -> IntegerForms.shiftByCl(g, i, Semantics.SHR));
            add("sar E" + s + ",CL", (g, i) -> IntegerForms.shiftByCl(g, i, Semantics.SAR));
        }
        for (String s : new String[] {"b", "v"}) {
            add("mul E" + s, (g, i) -> IntegerForms.mulWide(g, i, false));
            add("imul E" + s, (g, i) -> IntegerForms.mulWide(g, i, true));
        }
        add("div Ev", (g, i) -> IntegerForms.divide(g, i, false));
        add("idiv Ev", (g, i) -> IntegerForms.divide(g, i, true));
        add("imul Gv,Ev", (g, i) -> IntegerForms.imul(g, i, false));
        add("imul Gv,Ev,Iz", (g, i) -> IntegerForms.imul(g, i, true));
        add("imul Gv,Ev,Ib", (g, i) -> IntegerForms.imul(g, i, true));

        String[] arith = {"add", "sub", "mul", "div", "min", "max", "sqrt"};
        String[] method = {"addD", "subD", "mulD", "divD", "minD", "maxD", "sqrtD"};
        for (int k = 0; k < arith.length; k++) {
            String m = method[k];
            add(arith[k] + "sd Vx,Wsd", (g, i) -> SseForms.scalar(g, i, m));
            add(arith[k] + "pd Vx,Wx", (g, i) -> SseForms.packed(g, i, m));
        }
        // The bitwise logic of packed doubles and singles is PAND..PXOR's on the same 128 bits.
        String[][] logic = {{"andpd", "andps", "pand"}, {"andnpd", "andnps", "pandn"}, {"orpd", "orps", "por"},
            {"xorpd", "xorps", "pxor"}};
        for (String[] names : logic) {
            String op = names[2];
            for (String n : names) {
                add(n + " Vx,Wx", (g, i) -> SimdIntegerForms.lanes(g, i, op, i.reg, 2, Ymm.Check.ALIGNED, false));
            }
        }
        for (String n : new String[] {"movaps", "movapd", "movdqa", "movups", "movupd", "movdqu"}) {
            boolean aligned = n.startsWith("mova") || n.equals("movdqa");
            add(n + " Vx,Wx", (g, i) -> SseForms.load128(g, i, aligned));
            add(n + " Wx,Vx", (g, i) -> SseForms.store128(g, i, aligned));
        }
        add("movsd Vx,Wsd", SseForms::movsdLoad);
        add("movsd Wsd,Vx", (g, i) -> SseForms.storeLow(g, i, false));
        add("movq Vx,Wq", SseForms::movqLoad);
        add("movq Wq,Vx", (g, i) -> SseForms.storeLow(g, i, true));
        add("ucomisd Vsd,Wsd", SseForms::comisd);
        add("comisd Vsd,Wsd", SseForms::comisd);
        add("unpcklpd Vx,Wx", (g, i) -> SseForms.unpack(g, i, false));
        add("unpckhpd Vx,Wx", (g, i) -> SseForms.unpack(g, i, true));
        add("cvtsi2sd Vx,Ey", (g, i) -> SseForms.intToDouble(g, i, false));
        for (String v : new String[] {"", "v"}) {
            add(v + "cvttsd2si Gy,Wsd", (g, i) -> SseForms.doubleToInt(g, i, true));
            add(v + "cvtsd2si Gy,Wsd", (g, i) -> SseForms.doubleToInt(g, i, false));
        }
        add("stmxcsr Md", SseForms::storeMxcsr);
        add("vstmxcsr Md", SseForms::storeMxcsr);
        add("ldmxcsr Md", SseForms::loadMxcsr);
        add("vldmxcsr Md", SseForms::loadMxcsr);

        SseSingleForms.register(Forms::add);
        SimdIntegerForms.register(Forms::add);
        VexForms.register(Forms::add);
        BitCountForms.register(Forms::add);

        add("jmp Jb", ControlForms::jmp);
        add("jmp Jz", ControlForms::jmp);
        add("jcc Jb", ControlForms::jcc);
        add("jcc Jz", ControlForms::jcc);
        add("call Jz", ControlForms::call);
        add("call Ev", ControlForms::callIndirect);
        add("jmp Ev", ControlForms::jmpIndirect);
        add("ret", ControlForms::ret);
        add("ret Iw", ControlForms::ret);
    }

    /** The syntaxes with an emitter (tests check each names a form of the table). */
    static Iterable<String> syntaxes() {
        java.util.Set<String> all = new java.util.HashSet<>(BY_SYNTAX.keySet());
        all.addAll(LOCKED.keySet());
        return all;
    }

    /** Whether the instruction is a return or an indirect jump or call that the translator emits (its target is only known when it runs). */
    static boolean isIndirectBranch(Insn i) {
        Emitter e = emitter(i);
        return e != null && INDIRECT.contains(i.form.mnemonic);
    }

    private static final java.util.Set<String> INDIRECT = java.util.Set.of("ret", "ret Iw", "jmp Ev", "call Ev");

    /** The emitter of the instruction, or null to run its interpreter handler. */
    static Emitter emitter(Insn i) {
        // By the form's syntax, not the form: listing the table's forms would parse all of its
        // rows, which the decoder parses only as it meets them.
        if (i.hasPrefix(Insn.P_LOCK)) return i.mem ? LOCKED.get(i.form.mnemonic) : null;
        return BY_SYNTAX.get(i.form.mnemonic);
    }
}
