package jvisor.cpu.jit;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;

import jvisor.cpu.decode.Insn;
import jvisor.mmu.HostMemory;

/**
 * Access to XMM/YMM registers and to vector memory operands for the SIMD emitters
 * ({@link SimdIntegerForms}, {@link VexForms}). Quadword k (0-3) of YMM register n is
 * CpuState.xmm[2n + k] for k below 2, which a region where that pays keeps in a local (see
 * Gen#xmmLocal), and CpuState.ymmHi[2n + k - 2] above (the handlers keep them there too). A
 * memory operand is read whole into temporaries before the instruction
 * writes anything, so a fault leaves the registers as they were; its alignment (#GP) is checked
 * before any page, and an access that crosses a page is checked on both pages first where the
 * interpreter's handler does that (XmmAccess.checkStraddling).
 */
final class Ymm {
    private static final ClassDesc CD_CPU_FAULT = ClassDesc.of("jvisor.cpu.CpuFault");
    static final ClassDesc CD_SIMD = ClassDesc.of("jvisor.cpu.insn.SimdSemantics");
    private static final ClassDesc CD_HOST_ACCESS = ClassDesc.of("jvisor.mmu.HostAccess");

    private Ymm() {}

    /** Pushes quadword k of YMM register n. */
    static void push(Gen g, int n, int k) {
        if (k < 2) {
            g.pushXmm(2 * n + k);
            return;
        }
        g.pushYmmHi();
        g.cb.ldc(2 * n + k - 2).laload();
    }

    /**
     * Starts a write of quadword k of YMM register n: the value follows on the stack, then
     * {@link #finish}. (An array and index go first where the quadword is in an array, so that
     * the JVM's interpreter and first compiler see no stack shuffle.)
     */
    static void target(Gen g, int n, int k) {
        if (k < 2) {
            g.beginXmmWrite(2 * n + k);
        } else {
            g.pushYmmHi();
            g.cb.ldc(2 * n + k - 2);
        }
    }

    /** Ends the write {@link #target} started: quadword k of YMM register n = the long on the stack. */
    static void finish(Gen g, int n, int k) {
        if (k < 2) g.endXmmWrite(2 * n + k);
        else g.cb.lastore();
    }

    /** Quadword k of YMM register n = the long in slot value. */
    static void store(Gen g, int n, int k, int value) {
        target(g, n, k);
        g.cb.lload(value);
        finish(g, n, k);
    }

    /** Bits 255:128 of YMM register n become zero (a VEX.128 instruction's destination). */
    static void zeroUpper(Gen g, int n) {
        for (int k = 2; k < 4; k++) {
            target(g, n, k);
            g.cb.lconst_0();
            finish(g, n, k);
        }
    }

    /** How a memory operand is checked before it is accessed. */
    enum Check {
        /** No alignment; each quadword accessed in turn (a legacy or VEX.128 lane operation's reads). */
        NONE,
        /** No alignment; an access crossing a page is checked on both pages first (the VEX moves, VEX.256 operations). */
        STRADDLE,
        /** Aligned to its size (#GP otherwise), so it cannot cross a page. */
        ALIGNED
    }

    /** The address of the memory operand of bytes bytes in a temporary, checked as check says (write: for a store). */
    static int address(Gen g, Insn i, int bytes, Check check, boolean write) {
        int a = g.eaTemp(i);
        g.mayFault();
        if (check == Check.ALIGNED) {
            Label ok = g.cb.newLabel();
            g.cb.lload(a).ldc((long) (bytes - 1)).land().lconst_0().lcmp().ifeq(ok);
            g.cb.invokestatic(CD_CPU_FAULT, "generalProtection", MethodTypeDesc.of(CD_CPU_FAULT)).athrow();
            g.cb.labelBinding(ok);
        } else if (check == Check.STRADDLE) {
            Label inPage = g.cb.newLabel();
            g.cb.lload(a).ldc(HostMemory.PAGE_MASK).land().ldc((long) (HostMemory.PAGE_SIZE - bytes)).lcmp().ifle(inPage);
            g.cb.aload(g.tlb).lload(a).ldc(bytes).ldc(write ? 1 : 0).invokestatic(CD_SIMD, "checkStraddling",
                    MethodTypeDesc.of(CD_void, Gen.CD_TLB, CD_long, CD_int, CD_boolean));
            g.cb.labelBinding(inPage);
        }
        return a;
    }

    /** The quadwords of a W operand: memory read into temporaries, or a register read when pushed. */
    static final class Source {
        private final int[] temps;
        private final int reg;

        private Source(int[] temps, int reg) {
            this.temps = temps;
            this.reg = reg;
        }

        /** The temporaries holding a memory operand's quadwords (null for a register). */
        int[] temps() {
            return temps;
        }

        /** Pushes quadword k. */
        void push(Gen g, int k) {
            if (temps != null) g.cb.lload(temps[k]);
            else Ymm.push(g, reg, k);
        }
    }

    /**
     * The W operand of bytes bytes (ModRM.rm, or memory checked as check says and read whole). An
     * operand of several quadwords takes one TLB check for all of them when its page is in the
     * TLB, and the quadword loads (with their slow paths) otherwise.
     */
    static Source source(Gen g, Insn i, int bytes, Check check) {
        if (!i.mem) return new Source(null, i.rm);
        int a = address(g, i, bytes, check, false);
        int quads = bytes / 8;
        int[] t = new int[quads];
        if (quads == 1) {
            g.load(a, 8);
            t[0] = g.toTemp();
            return new Source(t, -1);
        }
        for (int k = 0; k < quads; k++) t[k] = freeTemp(g);
        int ak = freeTemp(g);
        Label quadByQuad = g.cb.newLabel(), done = g.cb.newLabel();
        inPlace(g, false, a, bytes, ak, quadByQuad);
        for (int k = 0; k < quads; k++) {
            g.cb.lload(ak);
            if (k > 0) g.cb.ldc(8L * k).ladd();
            g.cb.invokestatic(CD_HOST_ACCESS, "getLong", MethodTypeDesc.of(CD_long, CD_long)).lstore(t[k]);
        }
        g.cb.goto_(done);
        g.cb.labelBinding(quadByQuad);
        for (int k = 0; k < quads; k++) {
            if (k == 0) {
                g.load(a, 8);
            } else {
                g.cb.lload(a).ldc(8L * k).ladd().lstore(ak);
                g.load(ak, 8);
            }
            g.cb.lstore(t[k]);
        }
        g.cb.labelBinding(done);
        return new Source(t, -1);
    }

    /**
     * The quadwords of register first and of the W operand (bytes = 8 * quads, read as check
     * says) in temporaries, both read before the instruction writes anything: {first's, W's}.
     */
    static int[][] operands(Gen g, Insn i, int first, int quads, Check check) {
        Source w = source(g, i, 8 * quads, check);
        int[] a = new int[quads], b = new int[quads];
        for (int k = 0; k < quads; k++) {
            push(g, first, k);
            a[k] = g.toTemp();
            if (w.temps != null) {
                b[k] = w.temps[k];
            } else {
                w.push(g, k);
                b[k] = g.toTemp();
            }
        }
        return new int[][] {a, b};
    }

    /**
     * The host address of the bytes bytes at the address in slot a into slot host when the TLB lets
     * them be read (write false) or written in place, else a jump to otherwise.
     */
    private static void inPlace(Gen g, boolean write, int a, int bytes, int host, Label otherwise) {
        g.mayFault();
        g.pushInPlace(a, bytes, write);
        g.cb.dup2().lstore(host).ldc(-1L).lcmp().ifeq(otherwise);
    }

    /** A temporary of the instruction for the emitter to fill. */
    static int freeTemp(Gen g) {
        g.cb.lconst_0();
        return g.toTemp();
    }

    /** Stores quadwords 0 .. quads-1 of YMM register n at the address in slot a (checked before). */
    static void storeMemory(Gen g, int n, int quads, int a) {
        int v = freeTemp(g), ak = freeTemp(g);
        Label done = g.cb.newLabel();
        if (quads > 1) {
            // One TLB check for the whole operand when its page is writable in place (see source).
            Label quadByQuad = g.cb.newLabel();
            inPlace(g, true, a, 8 * quads, ak, quadByQuad);
            for (int k = 0; k < quads; k++) {
                g.cb.lload(ak);
                if (k > 0) g.cb.ldc(8L * k).ladd();
                push(g, n, k);
                g.cb.invokestatic(CD_HOST_ACCESS, "putLong", MethodTypeDesc.of(CD_void, CD_long, CD_long));
            }
            g.cb.goto_(done);
            g.cb.labelBinding(quadByQuad);
        }
        for (int k = 0; k < quads; k++) {
            push(g, n, k);
            g.cb.lstore(v);
            if (k == 0) {
                g.store(a, 8, v);
            } else {
                g.cb.lload(a).ldc(8L * k).ladd().lstore(ak);
                g.store(ak, 8, v);
            }
        }
        g.cb.labelBinding(done);
    }
}
