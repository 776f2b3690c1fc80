package jvisor.cpu.jit;

import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.Label;
import java.lang.constant.MethodTypeDesc;
import java.util.Set;

import jvisor.cpu.decode.Form;
import jvisor.cpu.decode.Insn;

/**
 * An instruction without an emitter runs its interpreter handler, called from the translated
 * code with the handler and the instruction as constants: a call the JVM inlines, where the
 * interpreter's call through the decoded instruction is megamorphic.
 *
 * <p>What the translated code writes back before the call and reads again after it depends on
 * what the handler can touch ({@link Effects}): in general any register, RIP and the retired
 * instruction count, so all of them (and the handler's own faults then leave the state it made);
 * an SSE form only the general registers its operands name. The XMM registers the translated
 * code keeps in locals go back before any handler and are read again after it (a handler may
 * name any of them, or use XMM0 implicitly as BLENDVPS does). The lazy-flag fields need neither:
 * the translated code keeps them in CpuState too; after a handler that sets them, what the code
 * generator knew of them statically is forgotten.
 */
final class Fallback {
    /** What a handler may read or write besides XMM registers, MXCSR and memory. */
    enum Effects {
        /** Only XMM operands, memory and immediates: the address registers are read. */
        XMM_ONLY,
        /** SSE with general register operands (G, E, R): those are read or written. */
        NAMED_REGISTERS,
        /** SSE that sets the status flags (COMISD, PTEST, ...) and reads no general register but the address ones. */
        FLAGS,
        /** Anything: every register, the flags, RIP, the retired count, a VM exit. */
        ALL
    }

    /** SSE and AVX forms whose operands are XMM/YMM registers or memory that also set RFLAGS. */
    private static final Set<String> SETS_FLAGS = Set.of("comiss", "comisd", "ucomiss", "ucomisd", "ptest",
            "vcomiss", "vcomisd", "vucomiss", "vucomisd", "vptest", "vtestps", "vtestpd");
    /** SSE and AVX forms with general registers or flags their operands do not show (ECX, EAX/EDX, RDI). */
    private static final Set<String> IMPLICIT = Set.of("pcmpestri", "pcmpestrm", "pcmpistri", "pcmpistrm", "maskmovdqu",
            "vpcmpestri", "vpcmpestrm", "vpcmpistri", "vpcmpistrm", "vmaskmovdqu");

    private Fallback() {}

    static void emit(Gen g, Insn i) {
        Effects e = i.hasPrefix(Insn.P_LOCK) ? Effects.ALL : effects(i.form);
        if (e == Effects.ALL) {
            general(g, i);
            return;
        }
        int named = 0; // general registers the handler reads or writes
        if (i.mem && i.base >= 0) named |= 1 << i.base;
        if (i.mem && i.index >= 0) named |= 1 << i.index;
        if (e == Effects.NAMED_REGISTERS) {
            String ops = i.form.operands();
            if (ops.contains("G")) named |= 1 << (i.reg & 15); // AH..BH (HIGH_BYTE + n) are in register n
            if (!i.mem && (ops.contains("E") || ops.contains("R"))) named |= 1 << (i.rm & 15);
        }
        g.storeRegisters(named & g.writtenRegs);
        g.writeBackXmm();
        g.mayFault(); // a fault leaves the registers it has not written: the locals hold them
        call(g, i);
        if (e == Effects.NAMED_REGISTERS) g.reloadRegisters(named);
        g.reloadXmm();
        if (e == Effects.FLAGS) g.forgetFlags(); // nothing is known of what the handler recorded
    }

    /**
     * Ends an emitter's inline path, which jumps to slow where it cannot finish: the inline path
     * goes on at done, and slow runs the handler from the state the inline path left untouched.
     */
    static void slowPath(Gen g, Insn i, Label slow, Label done) {
        g.cb.goto_(done);
        g.cb.labelBinding(slow);
        emit(g, i);
        g.cb.labelBinding(done);
    }

    /** Everything written back, the handler called, everything read again. */
    private static void general(Gen g, Insn i) {
        g.writeBackRegisters();
        g.flushRetired();
        g.cb.aload(g.state).ldc(i.next).putfield(Gen.CD_STATE, "rip", CD_long); // as the run loop sets it
        g.stateIsAuthoritative();
        call(g, i);
        g.reloadRegisters(0xFFFF);
        g.reloadXmm();
        g.forgetFlags();
        if (i.form.endsBlock) {
            g.cb.aload(g.state).getfield(Gen.CD_STATE, "rip", CD_long);
            g.endWithExit(g.toTemp()); // it may have asked for a VM exit: always leave
        }
    }

    private static void call(Gen g, Insn i) {
        g.mayWrite(); // a handler may write memory
        g.constant(i.op, Gen.CD_OP);
        g.cb.aload(Gen.CPU);
        g.constant(i, Gen.CD_INSN);
        g.cb.invokeinterface(Gen.CD_OP, "exec", MethodTypeDesc.of(CD_void, Gen.CD_CPU, Gen.CD_INSN));
    }

    /**
     * What the form's handler may touch, judged from its syntax: an SSE form (at least one XMM
     * operand: V, W, U, H) whose other operands are memory (M), immediates (I) or named general
     * registers (G, E, R), and which is not one of those with implicit operands; everything else
     * (x87, system instructions, integer forms without an emitter) is {@link Effects#ALL}.
     */
    static Effects effects(Form f) {
        String mnemonic = f.name();
        String ops = f.operands();
        if (ops.isEmpty() || IMPLICIT.contains(mnemonic)) return Effects.ALL;
        boolean xmm = false, gpr = false;
        for (String o : ops.split(",")) {
            String op = o.trim();
            if (op.isEmpty()) return Effects.ALL;
            switch (op.charAt(0)) {
                case 'V', 'W', 'U', 'H' -> xmm = true;
                case 'M', 'I' -> { }
                case 'G', 'E', 'R' -> gpr = true;
                default -> {
                    return Effects.ALL;
                }
            }
        }
        if (!xmm) return Effects.ALL;
        if (SETS_FLAGS.contains(mnemonic)) return gpr ? Effects.ALL : Effects.FLAGS;
        return gpr ? Effects.NAMED_REGISTERS : Effects.XMM_ONLY;
    }
}
