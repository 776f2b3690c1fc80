package jvisor.cpu.jit;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.DEFAULT_NAME;

import java.lang.classfile.ClassBuilder;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import jvisor.cpu.Block;
import jvisor.cpu.Cpu;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.mmu.Tlb;

/**
 * Generates the body of one {@link Translated#run} for a {@link Region}: the code generator's
 * state while it walks the region's instructions, and the building blocks the instruction
 * emitters ({@link Forms}) use.
 *
 * <p>The generated method keeps the guest's general registers in sixteen long locals, current at
 * every instruction boundary, exactly as the interpreter leaves CpuState. An instruction that sets
 * flags assigns the lazy-flag fields of CpuState it records (as the interpreter's handler would),
 * its status bits computed right there for the instructions that compute them. The fields stay in
 * CpuState rather than in locals: as locals, all six were live at every instruction that may
 * fault or leave the region, so the JVM's compiler held six more values in host registers
 * everywhere and spilled the guest's registers for them; stores to fields are cheap, the compiler
 * forwards them to the reads that follow, and nothing needs writing back at an exit. Emitters
 * first do everything that may fault (loads, stores, helpers that throw) and only then write
 * registers and flags, so when an instruction faults the locals and the flag fields still hold
 * the state before it: the one exception handler of the method writes the registers back,
 * knowing the instruction from a local set before each one that may fault.
 *
 * <p>Memory goes through the vCPU's TLB as the interpreter's loads and stores do: calls of its
 * small load and store methods, whose hit path (a tag compare and a host access) the JVM
 * inlines. Instructions without an emitter call their interpreter handler ({@link Fallback}).
 *
 * <p>Layout of the method: the prologue (which checks that it runs on its vCPU and loads the
 * registers the first pass found used), the switch to the entry block, the blocks, the common
 * exit, the fault handler. Nothing jumps
 * back to the entry: the JVM counts every backward branch as a loop iteration, and a backward
 * jump taken on every call made it compile the region a second time for on-stack replacement.
 */
final class Gen {
    static final ClassDesc CD_CPU = ClassDesc.of("jvisor.cpu.Cpu");
    static final ClassDesc CD_STATE = ClassDesc.of("jvisor.cpu.CpuState");
    static final ClassDesc CD_TLB = ClassDesc.of("jvisor.mmu.Tlb");
    static final ClassDesc CD_INSN = ClassDesc.of("jvisor.cpu.decode.Insn");
    static final ClassDesc CD_OP = ClassDesc.of("jvisor.cpu.decode.Op");
    static final ClassDesc CD_BLOCK = ClassDesc.of("jvisor.cpu.Block");
    static final ClassDesc CD_FLAGS = ClassDesc.of("jvisor.cpu.Flags");
    static final ClassDesc CD_SEMANTICS = ClassDesc.of("jvisor.cpu.insn.Semantics");
    static final ClassDesc CD_TRANSLATOR = ClassDesc.of("jvisor.cpu.jit.Translator");
    static final ClassDesc CD_TRANSLATED = ClassDesc.of("jvisor.cpu.jit.Translated");
    static final ClassDesc CD_RUNTIME_EXCEPTION = ClassDesc.of("java.lang.RuntimeException");
    static final ClassDesc CD_ISE = ClassDesc.of("java.lang.IllegalStateException");
    static final ClassDesc CD_LONG_ARRAY = CD_long.arrayType();
    static final ClassDesc CD_LONG = ClassDesc.of("java.lang.Long"), CD_DOUBLE = ClassDesc.of("java.lang.Double"),
            CD_FLOAT = ClassDesc.of("java.lang.Float"), CD_MATH = ClassDesc.of("java.lang.Math");

    static final MethodTypeDesc RUN_TYPE = MethodTypeDesc.of(CD_INSN, CD_CPU, CD_TRANSLATOR);
    private static final MethodTypeDesc FIELDS_TO_BOOLEAN =
            MethodTypeDesc.of(CD_boolean, CD_int, CD_int, CD_long, CD_long, CD_long, CD_long);
    private static final MethodTypeDesc FIELDS_TO_LONG =
            MethodTypeDesc.of(CD_long, CD_int, CD_int, CD_long, CD_long, CD_long, CD_long);
    private static final MethodTypeDesc CONDITION_TYPE =
            MethodTypeDesc.of(CD_boolean, CD_int, CD_int, CD_long, CD_long, CD_long, CD_long, CD_int);

    /** Lazy-flag fields, in CpuState's order. */
    static final int OP = 0, SIZE = 1, DST = 2, SRC = 3, RES = 4, AUX = 5;
    private static final String[] FLAG_FIELDS = {"lfOp", "lfSize", "lfDst", "lfSrc", "lfRes", "lfAux"};

    /** The quadwords of XMM0-15 that translated code keeps in locals (CpuState.xmm has VexLanes' scratch registers above). */
    static final int XMM_QUADS = 32;

    /**
     * Instructions after which a jump back to an earlier block of the region (a loop iteration)
     * leaves for the run loop instead, which looks for a kick and mapping changes (see {@link
     * #boundaryChecks}). The region's retired count is the budget: the loop's code already adds
     * to it, and a separate count of jumps back was one more value the JVM's compiler had to
     * keep live, in a register or on the stack, and write back at every iteration. Against a
     * budget of 1,024 jumps back, the eight CPU-bound benchmarks took 0.977 and 0.981 of their
     * time over whole runs (two A/Bs of 5 alternating runs; 1.001 in one of 3), and the timed
     * loops of the lexer, the sorts and the bytecode VM at four times their count 0.955 (the
     * lexer 0.960, the merge sort 0.934, the VM 0.927, qsort 1.001). 4,096 and 16,384
     * instructions did about as well; 131,072 and 1,048,576 less (the merge sort's timed loop
     * 0.955 and 1.108).
     */
    static final long INSTRUCTION_BUDGET = 1 << 15;
    /**
     * Temporaries an instruction may use (each emitter takes what it needs; they are free again
     * after it). A VEX.256 packed double operation with a memory operand takes 13: four quadwords
     * of each source and of the result, and the host address.
     */
    private static final int TEMPS = 16;

    // Fixed locals: the parameters.
    static final int THIS = 0, CPU = 1, JIT = 2;

    final CodeBuilder cb;
    final Region region;
    /**
     * The vCPU the code is for, and its TLB. The code runs on this vCPU only (its blocks are this
     * vCPU's), so the vCPU's state, register arrays and TLB arrays are constants of the class:
     * the JVM's compiler then knows the arrays' lengths (no range checks) and the objects'
     * addresses (immediates, no registers held for them).
     */
    private final Cpu vcpu;
    private final Tlb memory;
    /**
     * What a region's code reads or writes of the guest state it keeps in locals: general
     * registers (a bit per register) and the quadwords of XMM registers 0-15 (bit 2n + k for
     * quadword k of XMMn), each as read or written, and as written; and the blocks (a bit per
     * block, in the region's order; all from the 64th on) where some edge's checks may leave the
     * region (see {@link #boundaryChecks}). The first of the two generations assumes everything
     * ({@link #EVERYTHING}) and learns what the second needs.
     */
    record Usage(int usedRegs, int writtenRegs, int usedXmm, int writtenXmm, long leavingBlocks) {
        static final Usage EVERYTHING = new Usage(0xFFFF, 0xFFFF, -1, -1, -1L);
    }

    /** Registers the region's translated instructions read or write, and those they write. */
    final int usedRegs, writtenRegs;
    /**
     * Whether this region keeps XMM0-15 (their low 128 bits) in locals (see {@link #xmmLocal}):
     * where that pays ({@link #xmmLocalsPay}), or everywhere if the translator is told so.
     */
    private final boolean xmmInLocals;
    /** The same for the quadwords of XMM0-15 (see {@link Usage}); none without {@link #xmmInLocals}. */
    final int usedXmm, writtenXmm;
    /** Filled while generating: registers read or written, and written (the next pass's {@link #usedRegs}). */
    int seenUsed, seenWritten;
    /** Filled while generating, as seenUsed and seenWritten: XMM quadwords. */
    private int seenXmmUsed, seenXmmWritten;
    /** Filled while generating: the writes of XMM0-15 quadwords in the current block, and the most in any block. */
    private int blockXmmWrites, maxBlockXmmWrites, regionXmmWrites;
    /** Class data: the constants the generated code loads (blocks, instructions, handlers). */
    final List<Object> constants = new ArrayList<>();
    final List<ClassDesc> constantTypes = new ArrayList<>();
    private final Map<Object, Integer> constantIndex = new IdentityHashMap<>();
    /** The generated class. */
    private final ClassDesc self;

    final int state, regs, xmm, tlb, retired, flushed, ripTmp, exitSlot, exception, faultAt;
    final int[] reg = new int[16];
    /**
     * The low 128 bits of XMM0-15 in locals, quadword q (CpuState.xmm[q]) in xmmLocal[q], in a
     * region where that pays ({@link #xmmInLocals}): between a load and the operation that uses it,
     * and from one iteration to the next, a value then stays in a register of the host instead
     * of going through CpuState's array (matmul's loop stored each product there and read it
     * back for the addition). Bits 255:128 stay in CpuState.ymmHi. The quadwords the code uses
     * are loaded when it starts; those it writes go back wherever the general registers do, and
     * around every interpreter handler (see {@link Fallback}).
     *
     * <p>Every region had them in locals once: the loops gained (matmul's 0.94 of the time,
     * nbody's 0.95), but a short SIMD function (memcpy, strchr) paid the loads and stores at
     * every call, and the sorts took 1.13 of the time: a call runs one of the function's small
     * blocks and paid for the registers of all of them. Now only the regions where they pay
     * have them ({@link #xmmLocalsPay}).
     */
    private final int[] xmmLocal = new int[XMM_QUADS];
    private final int[] longTemps = new int[TEMPS], intTemps = new int[4];
    private int nextLong, nextInt;

    /**
     * What the code generated so far knows statically about the flags: the operation and operand
     * size the lazy-flag fields hold (-1: not known, as where a block starts).
     */
    private int knownOp = -1, knownSize = -1;

    /**
     * A comparison's flags kept out of CpuState (see {@link #setFlags}): whether the instruction
     * being generated may keep them in locals, whether the current block's record is there, and
     * where: its operation, size and the fields it wrote ({@link #deferredFields}, a bit per
     * field; the others are CpuState's) in {@link #deferredSlot}.
     */
    private boolean mayDeferFlags, flagsDeferred;
    private int deferredOp, deferredSize, deferredFields;
    private final int[] deferredSlot = new int[6];

    private final Label commonExit, faultHandler;
    /** Per block: its code, and the exit to the run loop at its start (see {@link #boundaryChecks}). */
    private final Map<Block, Label> blockLabels = new IdentityHashMap<>(), leaveLabels = new IdentityHashMap<>();
    /** Per block: its place in the method (the order of region.blocks). */
    private final Map<Block, Integer> blockOrder = new IdentityHashMap<>();
    /** The blocks whose exit to the run loop the code uses (see {@link Usage}), and those it was seen to use. */
    private final long leavingBlocks;
    private long seenLeaving;
    /** The place of the block being generated. */
    private int blockIndex;
    /** Whether the block being generated may write guest memory (a store, an interpreter handler). */
    private boolean blockWrites;
    /** The instructions that may fault, indexed by the number the fault handler gets in {@link #faultAt}. */
    private final List<Insn> faulting = new ArrayList<>();
    /**
     * The addresses outside the region that its direct branches go to, by exit slot (see {@link
     * Translator#chain}); null for the slots of a computed jump.
     */
    private final List<Long> exitTargets = new ArrayList<>();
    private Label bodyStart, bodyEnd;

    // The instruction being generated.
    private Insn insn;
    private boolean faultNoted;
    /** No one sees the flags the instruction writes ({@link FlagLiveness}): its emitter may skip them. */
    private boolean flagsDead;
    /** Set by a terminator emitter: how the block ends (see {@link #block}). */
    private Runnable terminator;

    Gen(CodeBuilder cb, ClassDesc self, Region region, Cpu vcpu, Usage usage) {
        this.cb = cb;
        this.self = self;
        this.region = region;
        this.vcpu = vcpu;
        this.memory = vcpu.mem();
        this.usedRegs = usage.usedRegs();
        this.writtenRegs = usage.writtenRegs();
        this.leavingBlocks = usage.leavingBlocks();
        this.xmmInLocals = region.xmmInLocals;
        this.usedXmm = xmmInLocals ? usage.usedXmm() : 0;
        this.writtenXmm = xmmInLocals ? usage.writtenXmm() : 0;
        state = cb.allocateLocal(TypeKind.REFERENCE);
        regs = cb.allocateLocal(TypeKind.REFERENCE);
        xmm = cb.allocateLocal(TypeKind.REFERENCE);
        tlb = cb.allocateLocal(TypeKind.REFERENCE);
        for (int k = 0; k < 16; k++) reg[k] = cb.allocateLocal(TypeKind.LONG);
        for (int q = 0; q < XMM_QUADS; q++) xmmLocal[q] = (usedXmm & (1 << q)) != 0 ? cb.allocateLocal(TypeKind.LONG) : -1;
        retired = cb.allocateLocal(TypeKind.LONG);
        flushed = cb.allocateLocal(TypeKind.LONG);
        ripTmp = cb.allocateLocal(TypeKind.LONG);
        exitSlot = cb.allocateLocal(TypeKind.INT);
        exception = cb.allocateLocal(TypeKind.REFERENCE);
        faultAt = cb.allocateLocal(TypeKind.INT);
        for (int k = 0; k < TEMPS; k++) longTemps[k] = cb.allocateLocal(TypeKind.LONG);
        for (int k = 0; k < intTemps.length; k++) intTemps[k] = cb.allocateLocal(TypeKind.INT);
        for (int f = DST; f <= AUX; f++) deferredSlot[f] = cb.allocateLocal(TypeKind.LONG);
        commonExit = cb.newLabel();
        faultHandler = cb.newLabel();
    }

    // ------------------------------------------------------------------ the method

    /** Generates the whole method body. */
    void generate() {
        for (Block b : region.blocks) {
            blockOrder.put(b, blockOrder.size());
            blockLabels.put(b, cb.newLabel());
            leaveLabels.put(b, cb.newLabel());
        }
        emitPrologue();
        // Enter at the block the run loop is at (it has just done the checks of a block boundary).
        List<SwitchCase> entries = new ArrayList<>();
        for (int k = 1; k < region.blocks.size(); k++) entries.add(SwitchCase.of(k, blockLabels.get(region.blocks.get(k))));
        if (entries.isEmpty()) cb.goto_(blockLabels.get(region.entry));
        else cb.aload(JIT).getfield(CD_TRANSLATOR, "entry", CD_int).tableswitch(blockLabels.get(region.entry), entries);
        bodyStart = cb.newBoundLabel();
        for (Block b : region.blocks) block(b);
        bodyEnd = cb.newBoundLabel();
        emitCommonExit();
        emitFaultHandler();
    }

    private void block(Block b) {
        boundaryChecks(b);
        cb.labelBinding(blockLabels.get(b));
        knownOp = knownSize = -1;
        blockXmmWrites = 0;
        blockIndex = blockOrder.get(b);
        blockWrites = false;
        Insn[] insns = b.insns;
        boolean[] dead = FlagLiveness.deadFlags(insns);
        for (int k = 0; k < insns.length; k++) {
            Insn i = insns[k];
            insn = i;
            flagsDead = dead[k];
            faultNoted = false;
            terminator = null;
            nextLong = nextInt = 0;
            mayDeferFlags = k == insns.length - 2 && insns[k + 1].form.mnemonic.startsWith("jcc");
            Forms.Emitter e = Forms.emitter(i);
            if (e != null) e.emit(this, i);
            else Fallback.emit(this, i);
        }
        insn = null;
        nextLong = nextInt = 0;
        // The block is done: count it and leave it as its last instruction says.
        cb.lload(retired).ldc((long) insns.length).ladd().lstore(retired);
        if (terminator != null) terminator.run();
        else edge(b.end); // no control transfer: a full block or a page boundary
        flagsDeferred = mayDeferFlags = false;
    }

    // ------------------------------------------------------------------ block ends (terminator emitters)

    /** The instruction ends the block with a jump to a known address. */
    void endWithJump(long target) {
        terminator = () -> edge(target);
    }

    /** The instruction ends the block: to taken if condition cc holds, else to fall. */
    void endWithBranch(int cc, long taken, long fall) {
        int op = knownOp, size = knownSize;
        terminator = () -> {
            Label t = cb.newLabel();
            branchIf(op, size, cc, t);
            edge(fall);
            cb.labelBinding(t);
            edge(taken);
        };
    }

    /**
     * The instruction ends the block with a jump to the address in long local slot, which stays
     * in the region when it is the start of one of its blocks (a switch on the address). Out of
     * the region, the jump leaves through exit slots of its own that remember the last two
     * blocks it went to (see {@link Translator#chain}).
     */
    void endWithDynamicJump(int slot) {
        cb.lload(slot).lstore(ripTmp);
        terminator = () -> {
            if (region.blocks.size() > 1) switchToBlock();
            int first = exitTargets.size();
            for (int k = 0; k < Translator.COMPUTED_JUMP_WAYS; k++) exitTargets.add(null); // no fixed target
            cb.ldc(Translator.computedJumpSlot(first)).istore(exitSlot);
            cb.goto_(commonExit);
        };
    }

    /**
     * The instruction ends the block and the region: RIP is the address in long local slot. It
     * may have asked for a VM exit, so the run loop decides what comes next.
     */
    void endWithExit(int slot) {
        cb.lload(slot).lstore(ripTmp);
        terminator = () -> {
            cb.ldc(Translator.NO_CHAIN).istore(exitSlot);
            cb.goto_(commonExit);
        };
    }

    /**
     * Jumps to the region's block starting at ripTmp (after the checks of a jump back), or falls
     * through when there is none: a lookupswitch on the offset from the region's lowest block.
     *
     * <p>Each case goes through a GOTO of its own rather than straight to the block: the JVM's
     * interpreter counts loop iterations at backward branches only, not at switches, so a loop
     * whose one way back was this switch (a call and its return inside the region, an indirect
     * jump back to the loop's head) ran in the interpreter for as long as the region did, never
     * compiled: a loop calling a function through a pointer took 450 ns per call.
     */
    private void switchToBlock() {
        long base = region.base();
        Label none = cb.newLabel(), leave = cb.newLabel(), stay = cb.newLabel();
        int offset = longTemps[0];
        edgeChecks(true, leave); // the target may be an earlier block
        cb.goto_(stay);
        cb.labelBinding(leave);
        cb.ldc(Translator.NO_CHAIN).istore(exitSlot); // RIP is in ripTmp already
        cb.goto_(commonExit);
        cb.labelBinding(stay);
        cb.lload(ripTmp).ldc(base).lsub().lstore(offset);
        cb.lload(offset).ldc((long) Integer.MAX_VALUE)
                .invokestatic(CD_LONG, "compareUnsigned", MethodTypeDesc.of(CD_int, CD_long, CD_long)).ifgt(none);
        List<SwitchCase> cases = new ArrayList<>();
        List<Label> targets = new ArrayList<>();
        for (Block b : region.blocks) {
            Label viaGoto = cb.newLabel();
            cases.add(SwitchCase.of((int) (b.start - base), viaGoto));
            targets.add(blockLabels.get(b)); // checked above
        }
        List<SwitchCase> sorted = new ArrayList<>(cases);
        sorted.sort(Comparator.comparingInt(SwitchCase::caseValue));
        cb.lload(offset).l2i().lookupswitch(none, sorted);
        for (int k = 0; k < cases.size(); k++) {
            cb.labelBinding(cases.get(k).target());
            cb.goto_(targets.get(k));
        }
        cb.labelBinding(none);
    }

    /**
     * Control goes to target: inside the region if it is there, else out of it. Inside, a jump
     * back to an earlier block (a loop's) leaves for the run loop once the region has run {@link
     * #INSTRUCTION_BUDGET} instructions; after a block that may have written memory, the edge
     * checks for changed code and leaves if there is. See {@link
     * #boundaryChecks}. The checks are on the edge rather than before the target, so that a
     * comparison's flags kept in locals (see {@link #setFlags}) go to CpuState only on the way
     * out, also after a block that stores (the merge sort's loop stores an element and compares
     * in the same block): whole runs of the eight CPU-bound benchmarks took 0.971 and 0.996 of
     * their time in two A/Bs.
     */
    private void edge(long target) {
        Block b = region.block(target);
        if (b == null) {
            storeDeferredFlags();
            chainTo(target);
            return;
        }
        int k = blockOrder.get(b);
        // Flags kept in locals stay there when the target replaces them before anything can see
        // them; they go to CpuState on the way out if a check leaves the region instead.
        if (!FlagLiveness.deadAtEntry(b.insns)) storeDeferredFlags();
        boolean backward = k <= blockIndex;
        if (!backward && !blockWrites) {
            cb.goto_(blockLabels.get(b));
            return;
        }
        useLeave(k);
        Label leave = flagsDeferred ? cb.newLabel() : leaveLabels.get(b);
        edgeChecks(backward, leave);
        cb.goto_(blockLabels.get(b));
        if (flagsDeferred) {
            cb.labelBinding(leave);
            storeDeferredFlags();
            cb.goto_(leaveLabels.get(b));
        }
    }

    /**
     * The checks of an edge inside the region (see {@link #boundaryChecks}): a jump back has
     * used up the budget, or the block just run may have changed code; either way to leave.
     */
    private void edgeChecks(boolean backward, Label leave) {
        if (backward) overBudget(leave);
        if (blockWrites) {
            constant(region.entry, CD_BLOCK);
            cb.getfield(CD_BLOCK, "valid", CD_boolean).ifeq(leave);
        }
    }

    /** An edge may leave the region where the block at place k starts (see {@link #boundaryChecks}). */
    private void useLeave(int k) {
        seenLeaving |= k < 64 ? 1L << k : 0;
    }

    /** Whether some edge may leave the region where the block at place k starts. */
    private boolean leaveUsed(int k) {
        return k >= 64 || (leavingBlocks & (1L << k)) != 0;
    }

    /** The instruction being generated may write guest memory: the next block boundary checks for changed code. */
    void mayWrite() {
        blockWrites = true;
    }

    /** Leaves the region for a known address outside it, through an exit slot of its own. */
    private void chainTo(long target) {
        int slot = exitTargets.indexOf(target);
        if (slot < 0) {
            slot = exitTargets.size();
            exitTargets.add(target);
        }
        cb.ldc(slot).istore(exitSlot);
        cb.ldc(target).lstore(ripTmp);
        cb.goto_(commonExit);
    }

    /**
     * The exit to the run loop where block b starts, for the checks of the edges into it (see
     * {@link #edge}): what the interpreter's loop checks at a block boundary, where it matters.
     * <ul>
     * <li>Changed code (which invalidated the blocks, this region's included) is a plain field
     * this thread writes: checked after a block that may have written memory, so that a store into
     * code is seen at the next boundary as in the interpreter. Other threads change code through
     * mappings, which the run loop sees.
     * <li>A kick and mapping changes made by other threads: the run loop looks for them between
     * two regions, and a jump back to an earlier block, the only way a region can run for long,
     * leaves for it once the region has run {@link #INSTRUCTION_BUDGET} instructions: after that
     * and one more pass through the region at most (it holds at most 400), tens of microseconds,
     * as if the kick had come that much later. The retired count, which the region keeps in a
     * local, goes to CpuState when it leaves: other threads read it (guest CPU time,
     * ITIMER_VIRTUAL).
     * </ul>
     * Both checks used to be at every boundary, with the kick and the mappings polled as volatile
     * reads every 32 inside the region, which also kept the JVM's compiler from keeping values in
     * registers across them. Without that, the eight CPU-bound benchmarks take 0.94 of their time
     * (geometric mean; the lexer 0.89, the sorts 0.92, the bytecode VM 0.91). With the budget
     * counted in jumps back then, 256 instead of 1,024 cost matmul's timed loop 1-10% (the
     * region's registers go back to CpuState and come again at each exit).
     */
    private void boundaryChecks(Block b) {
        if (!leaveUsed(blockOrder.get(b))) return;
        cb.labelBinding(leaveLabels.get(b));
        cb.ldc(Translator.NO_CHAIN).istore(exitSlot); // the run loop handles these
        cb.ldc(b.start).lstore(ripTmp);
        cb.goto_(commonExit);
    }

    /**
     * Every way out of the region but a fault: the state goes back to CpuState, and the
     * translator learns where the region left (its exit slot) so that it can chain the next
     * translation without the run loop's lookup.
     */
    private void emitCommonExit() {
        cb.labelBinding(commonExit);
        writeBackRegisters();
        flushRetired();
        cb.aload(state).lload(ripTmp).putfield(CD_STATE, "rip", CD_long);
        cb.aload(JIT);
        constant(new Block[exitTargets.size()], CD_BLOCK.arrayType()); // each slot's next block, once known
        cb.iload(exitSlot).lload(ripTmp)
                .invokevirtual(CD_TRANSLATOR, "chain", MethodTypeDesc.of(CD_void, CD_BLOCK.arrayType(), CD_int, CD_long));
        cb.aconst_null().areturn();
    }

    /**
     * The one exception handler, over all blocks: for an instruction the generated code runs
     * (faultAt >= 0), the locals hold the state before it, which goes back to CpuState with RIP
     * past the instruction (as the run loop sets it before a handler; it puts RIP back on the
     * instruction); for an interpreter handler (faultAt = -1 - n) the state is already the one it
     * left.
     */
    private void emitFaultHandler() {
        if (faulting.isEmpty()) return;
        Insn[] all = faulting.toArray(new Insn[0]);
        cb.exceptionCatch(bodyStart, bodyEnd, faultHandler, CD_RUNTIME_EXCEPTION);
        cb.labelBinding(faultHandler);
        cb.astore(exception);
        Label authoritative = cb.newLabel(), report = cb.newLabel();
        cb.iload(faultAt).iflt(authoritative);
        writeBackRegisters();
        flushRetired();
        cb.aload(state);
        pushFaulting(all);
        cb.getfield(CD_INSN, "next", CD_long).putfield(CD_STATE, "rip", CD_long);
        cb.goto_(report);
        cb.labelBinding(authoritative);
        cb.iconst_m1().iload(faultAt).isub().istore(faultAt);
        cb.labelBinding(report);
        cb.aload(JIT).aload(exception).putfield(CD_TRANSLATOR, "fault", CD_RUNTIME_EXCEPTION);
        pushFaulting(all);
        cb.areturn();
    }

    /** Pushes faulting[faultAt] (one array constant for the whole method). */
    private void pushFaulting(Insn[] all) {
        constant(all, CD_INSN.arrayType());
        cb.iload(faultAt).aaload();
    }

    private void emitPrologue() {
        Label ours = cb.newLabel();
        cb.aload(CPU);
        constant(vcpu, CD_CPU);
        cb.if_acmpeq(ours).invokestatic(CD_TRANSLATED, "wrongVcpu", MethodTypeDesc.of(CD_ISE)).athrow();
        cb.labelBinding(ours);
        constant(vcpu.state, CD_STATE);
        cb.astore(state);
        constant(vcpu.state.r, CD_LONG_ARRAY);
        cb.astore(regs);
        constant(vcpu.state.xmm, CD_LONG_ARRAY);
        cb.astore(xmm);
        constant(memory, CD_TLB);
        cb.astore(tlb);
        for (int k = 0; k < 16; k++) {
            // Registers the translated code does not use get a value too, so every path defines them.
            if ((usedRegs & (1 << k)) != 0) cb.aload(regs).ldc(k).laload().lstore(reg[k]);
            else cb.lconst_0().lstore(reg[k]);
        }
        reloadXmm();
        cb.lconst_0().lstore(retired);
        cb.lconst_0().lstore(flushed);
        cb.ldc(Translator.NO_CHAIN).istore(exitSlot);
        cb.iconst_0().istore(faultAt);
    }

    // ------------------------------------------------------------------ state transfer

    void writeBackRegisters() {
        storeRegisters(writtenRegs);
        writeBackXmm();
    }

    /** The XMM quadwords the code writes go back to CpuState.xmm (before a handler, at an exit). */
    void writeBackXmm() {
        for (int q = 0; q < XMM_QUADS; q++) {
            if ((writtenXmm & (1 << q)) != 0) cb.aload(xmm).ldc(q).lload(xmmLocal[q]).lastore();
        }
    }

    /** The XMM quadwords the code uses from CpuState.xmm: when it starts, and again after a handler. */
    void reloadXmm() {
        for (int q = 0; q < XMM_QUADS; q++) {
            if ((usedXmm & (1 << q)) != 0) cb.aload(xmm).ldc(q).laload().lstore(xmmLocal[q]);
        }
    }

    /** What this generation saw the code use: the next generation's {@link Usage}. */
    Usage seen() {
        return new Usage(seenUsed, seenWritten, seenXmmUsed, seenXmmWritten, seenLeaving);
    }

    void storeRegisters(int mask) {
        for (int k = 0; k < 16; k++) {
            if ((mask & (1 << k)) != 0) cb.aload(regs).ldc(k).lload(reg[k]).lastore();
        }
    }

    /** After an interpreter handler ran: the registers of mask that the translated code keeps may have changed. */
    void reloadRegisters(int mask) {
        for (int k = 0; k < 16; k++) {
            if ((usedRegs & mask & (1 << k)) != 0) cb.aload(regs).ldc(k).laload().lstore(reg[k]);
        }
    }

    /** Pushes lazy-flag field f of CpuState (or where the block keeps it: see {@link #setFlags}). */
    private void loadFlag(int f) {
        if (flagsDeferred && (f == OP || f == SIZE || kept(f) >= 0)) {
            if (f == OP) cb.ldc(deferredOp);
            else if (f == SIZE) cb.ldc(deferredSize);
            else cb.lload(kept(f));
            return;
        }
        cb.aload(state).getfield(CD_STATE, FLAG_FIELDS[f], f <= SIZE ? CD_int : CD_long);
    }

    /** Pops the value on the stack into lazy-flag field f of CpuState. */
    private void storeFlag(int f) {
        if (f <= SIZE) cb.aload(state).swap().putfield(CD_STATE, FLAG_FIELDS[f], CD_int);
        else cb.aload(state).dup_x2().pop().putfield(CD_STATE, FLAG_FIELDS[f], CD_long);
    }

    /**
     * Adds the instructions retired since the last flush to CpuState. The local counts from the
     * region's entry and never goes back: it is also the budget of {@link #overBudget}.
     */
    void flushRetired() {
        cb.aload(state).dup().getfield(CD_STATE, "instructionsRetired", CD_long).lload(retired).lload(flushed).lsub()
                .ladd().putfield(CD_STATE, "instructionsRetired", CD_long);
        cb.lload(retired).lstore(flushed);
    }

    /** Jumps to leave once the region has run {@link #INSTRUCTION_BUDGET} instructions since its entry. */
    private void overBudget(Label leave) {
        cb.lload(retired).ldc(INSTRUCTION_BUDGET).lcmp().ifgt(leave);
    }

    // ------------------------------------------------------------------ faults

    /**
     * The instruction may throw a guest fault from here on (a load, a store, a helper that
     * faults): the fault handler will know it was this one.
     */
    void mayFault() {
        if (faultNoted) return;
        faultNoted = true;
        faulting.add(insn);
        cb.ldc(faulting.size() - 1).istore(faultAt);
    }

    /** The instruction calls its interpreter handler with the whole state written back: if it faults, the state is the handler's. */
    void stateIsAuthoritative() {
        faulting.add(insn);
        faultNoted = true;
        cb.ldc(-faulting.size()).istore(faultAt); // -1 - index
    }

    // ------------------------------------------------------------------ constants and temporaries

    /**
     * Loads an object constant: a static final field of the generated class, set from its class
     * data when the class initializes, so the JVM's compiler treats it as a constant.
     */
    void constant(Object value, ClassDesc type) {
        Integer index = constantIndex.get(value);
        if (index == null) {
            index = constants.size();
            constants.add(value);
            constantTypes.add(type);
            constantIndex.put(value, index);
        }
        cb.getstatic(self, "c" + index, type);
    }

    /** The static initializer: the constants' fields from the class data (a List, in {@link #constants}' order). */
    static void emitConstantFields(ClassBuilder cls, ClassDesc self, List<ClassDesc> types) {
        for (int k = 0; k < types.size(); k++) {
            cls.withField("c" + k, types.get(k), ClassFile.ACC_STATIC | ClassFile.ACC_FINAL | ClassFile.ACC_PRIVATE);
        }
        cls.withMethodBody(ConstantDescs.CLASS_INIT_NAME, ConstantDescs.MTD_void, ClassFile.ACC_STATIC, code -> {
            if (!types.isEmpty()) {
                ClassDesc list = ClassDesc.of("java.util.List");
                ClassDesc handles = ClassDesc.of("java.lang.invoke.MethodHandles");
                ClassDesc lookup = ClassDesc.of("java.lang.invoke.MethodHandles$Lookup");
                code.invokestatic(handles, "lookup", MethodTypeDesc.of(lookup))
                        .ldc(DEFAULT_NAME).ldc(list)
                        .invokestatic(handles, "classData", MethodTypeDesc.of(ConstantDescs.CD_Object, lookup,
                                ConstantDescs.CD_String, ConstantDescs.CD_Class))
                        .checkcast(list);
                int data = code.allocateLocal(TypeKind.REFERENCE);
                code.astore(data);
                for (int k = 0; k < types.size(); k++) {
                    code.aload(data).ldc(k)
                            .invokeinterface(list, "get", MethodTypeDesc.of(ConstantDescs.CD_Object, CD_int))
                            .checkcast(types.get(k)).putstatic(self, "c" + k, types.get(k));
                }
            }
            code.return_();
        });
    }

    /** Stores the long on the stack into a free temporary of the instruction and returns its slot. */
    int toTemp() {
        if (nextLong == TEMPS) throw new IllegalStateException("out of temporaries at " + insn);
        int t = longTemps[nextLong++];
        cb.lstore(t);
        return t;
    }

    /** A free int temporary of the instruction. */
    int intTemp() {
        return intTemps[nextInt++];
    }

    // ------------------------------------------------------------------ registers

    /** Pushes the register's value at size (zero-extended; reg may be Reg.HIGH_BYTE+n for AH..BH). */
    void pushReg(int r, int size) {
        int k = r >= Reg.HIGH_BYTE ? r - Reg.HIGH_BYTE : r;
        seenUsed |= 1 << k;
        cb.lload(reg[k]);
        if (r >= Reg.HIGH_BYTE) cb.bipush(8).lushr();
        mask(size);
    }

    /** Pops a long and writes it to the register with the x86-64 rules (8/16-bit writes merge, 32-bit writes zero-extend). */
    void popToReg(int r, int size) {
        int k = r >= Reg.HIGH_BYTE ? r - Reg.HIGH_BYTE : r;
        seenUsed |= 1 << k;
        seenWritten |= 1 << k;
        switch (size) {
            case 8 -> cb.lstore(reg[k]);
            case 4 -> cb.ldc(0xFFFFFFFFL).land().lstore(reg[k]);
            default -> {
                long m = Flags.mask(size);
                int shift = r >= Reg.HIGH_BYTE ? 8 : 0;
                cb.ldc(m).land();
                if (shift != 0) cb.bipush(shift).lshl();
                cb.lload(reg[k]).ldc(~(m << shift)).land().lor().lstore(reg[k]);
            }
        }
    }

    /** Pushes quadword index of the XMM registers (CpuState.xmm[index], or its local: {@link #xmmLocal}). */
    void pushXmm(int index) {
        if (index < XMM_QUADS) seenXmmUsed |= 1 << index;
        if (xmmInLocal(index)) cb.lload(xmmLocal(index));
        else cb.aload(xmm).ldc(index).laload();
    }

    /** XMM quadword index = the long in slot value. */
    void storeXmm(int index, int value) {
        beginXmmWrite(index);
        cb.lload(value);
        endXmmWrite(index);
    }

    /** Whether XMM quadword index is in a local (else in CpuState.xmm). */
    private boolean xmmInLocal(int index) {
        return index < XMM_QUADS && xmmInLocals;
    }

    /** Starts a write of XMM quadword index: the value follows on the stack, then {@link #endXmmWrite}. */
    void beginXmmWrite(int index) {
        if (!xmmInLocal(index)) cb.aload(xmm).ldc(index);
    }

    /** Ends the write {@link #beginXmmWrite} started: XMM quadword index = the long on the stack. */
    void endXmmWrite(int index) {
        if (index < XMM_QUADS) {
            seenXmmUsed |= 1 << index;
            seenXmmWritten |= 1 << index;
            maxBlockXmmWrites = Math.max(maxBlockXmmWrites, ++blockXmmWrites);
            regionXmmWrites++;
        }
        if (xmmInLocal(index)) cb.lstore(xmmLocal(index));
        else cb.lastore();
    }

    /**
     * Whether XMM registers in locals pay: the region writes more XMM quadwords than a run
     * through it loads and stores, counting the writes of all its blocks if it is a loop
     * entered at its head (one iteration), else those of its busiest block. In CpuState's
     * array, the JVM's compiler forwards a stored quadword to the loads after it (up to a call
     * it does not inline, such as a memory access's), but keeps every store.
     * <ul>
     * <li>A long SIMD block pays: SHA-256's byte swaps (its timed loop took 0.84-0.87 of the
     * time), and so does a loop of SIMD arithmetic (n-body's 0.89, matmul's 0.94).
     * <li>A short SIMD function does not: strchr's first block writes 12 quadwords, and the
     * region would load 8 and store 8 (the lexer's loop took 1.05 of the time), nor does one
     * made of small blocks, which would load the registers of all of its paths at every call.
     * <li>A loop of few SIMD instructions does not either: the lexer's switch loop, 6 writes
     * in 16 blocks, is left at nearly every iteration.
     * </ul>
     */
    boolean xmmLocalsPay() {
        int writes = region.entryIsLoopHead() ? regionXmmWrites : maxBlockXmmWrites;
        return writes > Integer.bitCount(seenXmmUsed) + Integer.bitCount(seenXmmWritten);
    }

    private int xmmLocal(int index) {
        int local = xmmLocal[index];
        // The second generation allocates the quadwords the first saw used: never missing then.
        if (local < 0) throw new IllegalStateException("XMM quadword " + index + " not seen used at " + insn);
        return local;
    }

    /** Masks the long on the stack to size bytes. */
    void mask(int size) {
        if (size < 8) cb.ldc(Flags.mask(size)).land();
    }

    /** Sign-extends the low size bytes of the long on the stack. */
    void signExtend(int size) {
        if (size == 8) return;
        int shift = 64 - size * 8;
        cb.bipush(shift).lshl().bipush(shift).lshr();
    }

    // ------------------------------------------------------------------ memory

    /** Pushes the effective address of the instruction's memory operand (as Cpu.ea computes it). */
    void pushEa(Insn i) {
        pushAddress(i);
        if (i.seg != Insn.SEG_NONE) {
            cb.aload(state).getfield(CD_STATE, i.seg == Insn.SEG_FS ? "fsBase" : "gsBase", CD_long).ladd();
        }
    }

    /** Pushes the address of the memory operand without a segment base (what LEA computes). */
    void pushAddress(Insn i) {
        boolean any = false;
        if (i.base >= 0) {
            seenUsed |= 1 << i.base;
            cb.lload(reg[i.base]);
            any = true;
        }
        if (i.index >= 0) {
            seenUsed |= 1 << i.index;
            cb.lload(reg[i.index]);
            if (i.scale != 0) cb.bipush(i.scale).lshl();
            if (any) cb.ladd();
            any = true;
        }
        if (!any) cb.ldc(i.disp);
        else if (i.disp != 0) cb.ldc(i.disp).ladd();
        if (i.adsize == 4) cb.ldc(0xFFFFFFFFL).land();
    }

    /** The effective address in a temporary. */
    int eaTemp(Insn i) {
        pushEa(i);
        return toTemp();
    }

    /**
     * Pushes the zero-extended value of size bytes at the address in slot addr (may fault): a
     * call of the TLB's load, whose hit path is small enough for the JVM to inline. Inlining it
     * here instead would make every access some fifty bytes of bytecode, and a region's method
     * that much slower to compile (the JVM's first compiler gives up on big methods altogether).
     * The TLB's arrays go to the load as constants of this class: the code runs on this vCPU
     * only, and the JVM's compiler then drops their field loads and range checks (see Tlb).
     */
    void load(int addr, int size) {
        mayFault();
        pushTlbArrays(memory.readTags());
        cb.lload(addr);
        switch (size) {
            case 1 -> cb.invokestatic(CD_TLB, "read8", TLB_READ_INT).i2l();
            case 2 -> cb.invokestatic(CD_TLB, "read16", TLB_READ_INT).i2l();
            case 4 -> cb.invokestatic(CD_TLB, "read32", TLB_READ_INT).i2l().ldc(0xFFFFFFFFL).land();
            default -> cb.invokestatic(CD_TLB, "read64", TLB_READ_LONG);
        }
    }

    /** Stores the low size bytes of the long in slot value at the address in slot addr (may fault; see {@link #load}). */
    void store(int addr, int size, int value) {
        mayFault();
        mayWrite();
        pushTlbArrays(memory.writeTags());
        cb.lload(addr).lload(value);
        switch (size) {
            case 1 -> cb.l2i().invokestatic(CD_TLB, "write8", TLB_WRITE_INT);
            case 2 -> cb.l2i().invokestatic(CD_TLB, "write16", TLB_WRITE_INT);
            case 4 -> cb.l2i().invokestatic(CD_TLB, "write32", TLB_WRITE_INT);
            default -> cb.invokestatic(CD_TLB, "write64", TLB_WRITE_LONG);
        }
    }

    /** The types of the TLB's static fast paths: (Tlb, tags, addends, address[, value]). */
    private static final MethodTypeDesc
            TLB_READ_INT = MethodTypeDesc.of(CD_int, CD_TLB, CD_LONG_ARRAY, CD_LONG_ARRAY, CD_long),
            TLB_READ_LONG = MethodTypeDesc.of(CD_long, CD_TLB, CD_LONG_ARRAY, CD_LONG_ARRAY, CD_long),
            TLB_WRITE_INT = MethodTypeDesc.of(CD_void, CD_TLB, CD_LONG_ARRAY, CD_LONG_ARRAY, CD_long, CD_int),
            TLB_WRITE_LONG = MethodTypeDesc.of(CD_void, CD_TLB, CD_LONG_ARRAY, CD_LONG_ARRAY, CD_long, CD_long);

    /** Pushes CpuState.ymmHi (bits 255:128 of the YMM registers), a constant as the other arrays (see {@link #vcpu}). */
    void pushYmmHi() {
        constant(vcpu.state.ymmHi, CD_LONG_ARRAY);
    }

    /** Pushes the TLB, the given tag array of it and its addends, the first arguments of its static fast paths. */
    private void pushTlbArrays(long[] tags) {
        cb.aload(tlb);
        constant(tags, CD_LONG_ARRAY);
        constant(memory.addends(), CD_LONG_ARRAY);
    }

    /**
     * Pushes the host address of the bytes bytes at the address in slot addr when the TLB lets
     * them all be read (write false) or written in place, else -1 (see Tlb.inPlace).
     */
    void pushInPlace(int addr, int bytes, boolean write) {
        if (write) mayWrite();
        constant(write ? memory.writeTags() : memory.readTags(), CD_LONG_ARRAY);
        constant(memory.addends(), CD_LONG_ARRAY);
        cb.lload(addr).ldc(bytes).invokestatic(CD_TLB, "inPlace",
                MethodTypeDesc.of(CD_long, CD_LONG_ARRAY, CD_LONG_ARRAY, CD_long, CD_int));
    }

    /** Reads the E operand at size into a temporary (zero-extended); addr: its address temporary if in memory. */
    int readE(Insn i, int size, int addr) {
        if (i.mem) load(addr, size);
        else pushReg(i.rm, size);
        return toTemp();
    }

    /** Writes the long in slot value to the E operand at size (a store may fault: call it before changing any local). */
    void writeE(Insn i, int size, int addr, int value) {
        if (i.mem) {
            store(addr, size, value);
        } else {
            cb.lload(value);
            popToReg(i.rm, size);
        }
    }

    // ------------------------------------------------------------------ flags

    /**
     * Records the flags of an operation with lazy flags as the interpreter does: the operation,
     * its size and the fields it writes (long temporaries; -1 for a field it leaves as it was).
     *
     * <p>Right before the conditional jump that ends a block (a comparison and its branch), the
     * record stays in locals: the jump reads it there, and it goes to CpuState only on the edges
     * where the next code may see it ({@link #storeDeferredFlags}: leaving the region, through
     * the boundary checks, or into a block that does not replace the flags before it reads them,
     * faults or ends, {@link FlagLiveness#deadAtEntry}). The string functions' benchmark took
     * 0.93-0.95 of its time in its timed loop, the lexer 0.98; whole runs of the eight CPU-bound
     * benchmarks 0.989 (geometric mean of five alternating runs).
     */
    void setFlags(int op, int size, int dst, int src, int res, int aux) {
        if (flagsDead) {
            forgetFlags();
            return;
        }
        if (mayDeferFlags) {
            deferredOp = op;
            deferredSize = size;
            deferredFields = 0;
            keep(DST, dst);
            keep(SRC, src);
            keep(RES, res);
            keep(AUX, aux);
            flagsDeferred = true;
        } else {
            storeRecord(op, size, dst, src, res, aux);
        }
        knownOp = op;
        knownSize = size;
    }

    /** Stores a lazy-flag record to CpuState: op, size and the fields in long slots (-1: left as it was). */
    private void storeRecord(int op, int size, int dst, int src, int res, int aux) {
        cb.ldc(op);
        storeFlag(OP);
        cb.ldc(size);
        storeFlag(SIZE);
        if (dst >= 0) { cb.lload(dst); storeFlag(DST); }
        if (src >= 0) { cb.lload(src); storeFlag(SRC); }
        if (res >= 0) { cb.lload(res); storeFlag(RES); }
        if (aux >= 0) { cb.lload(aux); storeFlag(AUX); }
    }

    /** Copies field f of a record kept in locals from slot (-1: the record leaves f as it was). */
    private void keep(int f, int slot) {
        if (slot < 0) return;
        cb.lload(slot).lstore(deferredSlot[f]);
        deferredFields |= 1 << f;
    }

    /** The local holding field f of the record kept in locals, or -1 (CpuState's field holds it). */
    private int kept(int f) {
        return (deferredFields & (1 << f)) != 0 ? deferredSlot[f] : -1;
    }

    /**
     * Writes a record that {@link #setFlags} kept in locals to CpuState, on the way out of the
     * block where the next code may see it.
     */
    private void storeDeferredFlags() {
        if (flagsDeferred) storeRecord(deferredOp, deferredSize, kept(DST), kept(SRC), kept(RES), kept(AUX));
    }

    /**
     * True if the flags the current instruction writes are never seen (see {@link FlagLiveness}):
     * its emitter need not compute them, nor read the flags before it to merge with them.
     */
    boolean flagsDead() {
        return flagsDead;
    }

    /** The flags are what they are at run time: nothing known statically (after a path join). */
    void forgetFlags() {
        knownOp = knownSize = -1;
    }

    /** After a join of paths that all left an eager record (Flags.setEager) in the lazy-flag fields. */
    void flagsAreEager() {
        knownOp = Flags.OP_EAGER;
    }

    /** Records flags the instruction computed itself (the status bits, long, on the stack): lfOp and lfRes only, as Flags.setEager. */
    void setEagerFlags() {
        cb.ldc(Flags.STATUS).land();
        storeFlag(RES);
        cb.ldc(Flags.OP_EAGER);
        storeFlag(OP);
        knownOp = Flags.OP_EAGER;
    }

    private void pushFields() {
        for (int k = 0; k < 6; k++) loadFlag(k);
    }

    /** Pushes the six status flags as RFLAGS bits (long). */
    void pushStatus() {
        pushFields();
        cb.invokestatic(CD_FLAGS, "status", FIELDS_TO_LONG);
    }

    /** Pushes CF as a long 0 or 1. */
    void pushCarry() {
        if (knownOp == Flags.OP_LOGIC) {
            cb.lconst_0();
        } else if (knownOp == Flags.OP_INC || knownOp == Flags.OP_DEC) {
            loadFlag(AUX); // the CF that INC and DEC kept, 0 or 1
        } else if (knownOp == Flags.OP_SUB) {
            Label set = cb.newLabel(), done = cb.newLabel();
            loadFlag(DST);
            loadFlag(SRC);
            compareAndBranch(knownSize, false, Rel.LT, set);
            cb.lconst_0().goto_(done);
            cb.labelBinding(set);
            cb.lconst_1();
            cb.labelBinding(done);
        } else {
            pushFields();
            cb.invokestatic(CD_FLAGS, "cf", FIELDS_TO_BOOLEAN).i2l();
        }
    }

    /** Pushes condition cc as an int 0 or 1. */
    void pushCondition(int cc) {
        Label yes = cb.newLabel(), done = cb.newLabel();
        branchIf(knownOp, knownSize, cc, yes);
        cb.iconst_0().goto_(done);
        cb.labelBinding(yes);
        cb.iconst_1();
        cb.labelBinding(done);
    }

    /**
     * Jumps to target if condition cc (Jcc's low nibble, SDM Vol. 1 B.1) holds for the lazy-flag
     * fields, which op and size (or -1) say what they hold: comparisons and logic are answered
     * straight from the operands, as Flags.condition does.
     */
    void branchIf(int op, int size, int cc, Label target) {
        boolean negate = (cc & 1) != 0;
        int cond = cc >> 1;
        if (op == Flags.OP_SUB && (cond == 1 || cond == 2 || cond == 3 || cond >= 6)) {
            boolean signed = cond >= 6;
            loadFlag(DST);
            if (signed) signExtend(size);
            loadFlag(SRC);
            if (signed) signExtend(size);
            compareAndBranch(size, signed, switch (cond) {
                case 1, 6 -> negate ? Rel.GE : Rel.LT;
                case 2 -> negate ? Rel.NE : Rel.EQ;
                default -> negate ? Rel.GT : Rel.LE; // 3, 7
            }, target);
            return;
        }
        if (op == Flags.OP_LOGIC && cond != 5) {
            // AND, OR, XOR, TEST: CF = OF = 0, so every condition but parity is about the result.
            switch (cond) {
                case 0, 1 -> { // O, B: never; NO, NB: always
                    if (negate) cb.goto_(target);
                }
                case 2, 3 -> { // Z, BE (CF = 0)
                    loadFlag(RES);
                    cb.lconst_0().lcmp();
                    if (negate) cb.ifne(target); else cb.ifeq(target);
                }
                case 4, 6 -> { // S, L (SF != OF = SF)
                    loadFlag(RES);
                    signExtend(size);
                    cb.lconst_0().lcmp();
                    if (negate) cb.ifge(target); else cb.iflt(target);
                }
                default -> { // LE: ZF or SF
                    loadFlag(RES);
                    signExtend(size);
                    cb.lconst_0().lcmp();
                    if (negate) cb.ifgt(target); else cb.ifle(target);
                }
            }
            return;
        }
        pushFields();
        cb.ldc(cc).invokestatic(CD_FLAGS, "condition", CONDITION_TYPE).ifne(target);
    }

    enum Rel { LT, LE, EQ, NE, GE, GT }

    /**
     * Compares the two longs on the stack and jumps if the relation holds. Unsigned comparisons
     * of values below 2^63 (operands of fewer than 8 bytes) are signed ones.
     */
    void compareAndBranch(int size, boolean signed, Rel rel, Label target) {
        if (!signed && size == 8) cb.invokestatic(CD_LONG, "compareUnsigned", MethodTypeDesc.of(CD_int, CD_long, CD_long));
        else cb.lcmp();
        switch (rel) {
            case LT -> cb.iflt(target);
            case LE -> cb.ifle(target);
            case EQ -> cb.ifeq(target);
            case NE -> cb.ifne(target);
            case GE -> cb.ifge(target);
            default -> cb.ifgt(target);
        }
    }
}
