package jvisor.cpu.jit;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import jvisor.cpu.Block;
import jvisor.cpu.Cpu;
import jvisor.cpu.decode.Insn;

/**
 * The translator of one vCPU: once a decoded block has run {@link #threshold} times, it and the
 * warm blocks around it ({@link Region}) become a hidden JVM class ({@link Translated}), built with
 * java.lang.classfile, which the JVM then compiles to machine code like any other; the run loop
 * calls it instead of interpreting the blocks. Translations hang off the blocks of their region,
 * so they go away with the block cache whenever guest code changes.
 *
 * <p>By default the class is generated on a background thread while the vCPU goes on
 * interpreting, and the blocks run translated once it is there: a program whose hot spots move
 * quickly never waits for the translator. The region is chosen on the vCPU's own thread (it reads
 * the block cache, which only that thread may), the generation reads only decoded instructions,
 * which never change. With a threshold of 1 every block is translated on the spot, before its
 * first run (the tests, which need to know what runs translated).
 *
 * <p>The translated code is exact: the guest state it leaves, at a region exit or at a fault,
 * is the interpreter's (the differential tests run in both modes).
 */
public final class Translator {
    /** Executions of a block before it is translated, without -Djvisor.jit.threshold. */
    public static final int STANDARD_THRESHOLD = 2000;
    /** Executions of a block before it is translated, unless set otherwise. */
    public static final int DEFAULT_THRESHOLD = Integer.getInteger("jvisor.jit.threshold", STANDARD_THRESHOLD);
    /** Largest region, in guest instructions. */
    private static final int MAX_REGION_INSNS = Integer.getInteger("jvisor.jit.region", 400);
    /**
     * Largest region, in blocks. Each block boundary is a merge of control flow where every
     * guest register and lazy-flag field the region keeps in locals becomes a new value; past
     * about 20 blocks of small blocks the JVM's first compiler (C1) runs out of stack slots for
     * them and gives up ("too many stack slots used"), which leaves the region in the JVM's
     * bytecode interpreter until C2 is done with it, seconds later on a busy machine. Below that,
     * smaller is faster on the whole: C2 spends 200-700 ms on a region of 16 blocks on the 2-core
     * machines, competing with the guest for the second core, and compiles it again for each loop
     * it enters by on-stack replacement. Over the eight CPU-bound workloads of scripts/bench, 8
     * blocks took 0.88-0.91 of the time of 16 in each of three alternating runs (the sorts
     * 0.67-0.87, the bytecode VM 1.01-1.04).
     */
    private static final int MAX_REGION_BLOCKS = Integer.getInteger("jvisor.jit.blocks", 8);
    /** The JVM compiles no method with more bytecode than this (-XX:HugeMethodLimit's default). */
    private static final int MAX_BYTECODE = 8000;
    private static final boolean STATS = Boolean.getBoolean("jvisor.jit.stats");
    private static final String DUMP = System.getProperty("jvisor.jit.dump");

    /**
     * Translations are class files of version 49 (Java 5), the last one without stack map
     * frames: the JVM verifies such a class by inferring the types itself, in native code. From
     * version 50 on the generator must compute the frames (java.lang.classfile's
     * StackMapGenerator), which took most of the translator thread's time, and the JVM's compiler
     * then spent 0.2-0.8 s per run on compiling that generator. Nothing the translations use
     * needs a later version: the class data comes from MethodHandles.classData, not a dynamic
     * constant.
     */
    private static final int CLASS_VERSION = 49;
    private static final ClassFile CLASS_FILE = ClassFile.of();
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    /** Block.translation, published with release and read with acquire: the entry number is set before. */
    private static final VarHandle TRANSLATION;

    /**
     * The thread that generates classes for every vCPU of the JVM. A request beyond the queue is
     * refused: its blocks ask again later.
     */
    private static final ThreadPoolExecutor BACKGROUND = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(64), r -> {
                Thread t = new Thread(r, "jvisor-translator");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.AbortPolicy());

    static {
        try {
            TRANSLATION = MethodHandles.lookup().findVarHandle(Block.class, "translation", Translated.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        if (STATS) Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println(statistics())));
    }

    /** Whether the translator prints its statistics when the JVM shuts down (-Djvisor.jit.stats=true). */
    public static boolean reportsAtExit() {
        return STATS;
    }

    /** Marks the blocks of a region that the background thread is translating. */
    private static final Translated PENDING = new Translated() {
        @Override
        public jvisor.cpu.decode.Insn run(Cpu cpu, Translator translator) {
            throw new IllegalStateException("not translated yet");
        }
    };

    /** Marks the entry block of a region whose generation failed: it is not asked for again. */
    private static final Translated FAILED = new Translated() {
        @Override
        public jvisor.cpu.decode.Insn run(Cpu cpu, Translator translator) {
            throw new IllegalStateException("translation failed");
        }
    };

    /**
     * Which regions keep XMM0-15 (their low 128 bits) in locals of the generated method instead
     * of CpuState's array: those where it pays (the default: see Gen#xmmLocal and
     * Gen#xmmLocalsPay), or every region (the differential tests, so that random instructions
     * run both ways; -Djvisor.jit.xmm=all).
     */
    public enum XmmLocals { WHERE_THEY_PAY, EVERY_REGION }

    private static final XmmLocals DEFAULT_XMM_LOCALS = "all".equals(System.getProperty("jvisor.jit.xmm"))
            ? XmmLocals.EVERY_REGION : XmmLocals.WHERE_THEY_PAY;

    private final Cpu cpu;
    private final int threshold;
    private final boolean background;
    private volatile XmmLocals xmmLocals = DEFAULT_XMM_LOCALS;

    /** The fault of the last translated instruction that faulted, for {@link #takeFault()} (set by generated code). */
    RuntimeException fault;
    /**
     * The block number in its region of the block {@link #code} or {@link #chain} returned the
     * translation for: where it starts (read by generated code).
     */
    int entry;
    /** The translation a region's exit chained to, for {@link #takeNext()}; null: back to the run loop. */
    private Translated next;

    /**
     * The exit slot of {@link #chain} for an exit that goes back to the run loop: a VM exit, a
     * handler that changed RIP, the checks of a block boundary.
     */
    static final int NO_CHAIN = -1;

    /**
     * A computed jump out of a region (RET, an indirect JMP or CALL: a jump table, a function
     * pointer) has this many exit slots in a row, which keep the blocks it went to last, most
     * recent first: two, for a function called from two places in a loop, which returns to each
     * in turn. Such a jump used to go back to the run loop every time: the lexer of
     * scripts/bench left translated code for the run loop 7.1 million times in a 1.3 s run, 41
     * thousand times with the slots; the merge sort's timed loop takes 0.87 of the time with them.
     */
    static final int COMPUTED_JUMP_WAYS = 2;

    /** The exit slot number generated code passes for a computed jump whose slots start at first. */
    static int computedJumpSlot(int first) {
        return -2 - first;
    }

    // Statistics (with -Djvisor.jit.stats=true).
    private static long regions, instructions, bytecodeBytes, nanos, failures;
    /** Per form: the translated instructions that call their interpreter handler (Fallback), where an emitter may pay. */
    private static final Map<String, Integer> HANDLER_CALLS = new HashMap<>();

    /**
     * A translator for cpu that translates a block after threshold executions: on the spot for a
     * threshold of 1, else in the background.
     */
    public Translator(Cpu cpu, int threshold) {
        if (threshold < 1) throw new IllegalArgumentException("threshold " + threshold);
        this.cpu = cpu;
        this.threshold = threshold;
        this.background = threshold > 1;
    }

    public int threshold() {
        return threshold;
    }

    /** Where regions translated from now on keep the XMM registers. */
    public void setXmmLocals(XmmLocals placement) {
        xmmLocals = placement;
    }

    /**
     * The translation to run for block b (just counted in its executions), asking for one when it
     * has become hot; null to interpret it.
     */
    public Translated code(Block b) {
        Translated t = (Translated) TRANSLATION.getAcquire(b);
        if (t == PENDING || t == FAILED) return null;
        if (t == null) {
            // Asked at the threshold, and again every threshold executions after it while the
            // block still has no translation: a request may have been dropped (a full queue) or
            // may have left this block out (a region cut to fit a method).
            if (b.executions < threshold || b.executions % threshold != 0) return null;
            t = request(b);
            if (t == null) return null;
        }
        entry = b.translationEntry;
        return t;
    }

    /**
     * Chooses the region of hot block b and translates it: in the background (null: not yet),
     * or on the spot. A method of its own, called once per threshold executions, which the JVM's
     * compiler leaves out of line: inlined into the run loop, its code and branch profiles made
     * that loop bigger to compile and recompiled it at each first (a first pending block, a first
     * full queue).
     */
    private Translated request(Block b) {
        Region region = Region.select(b, cpu::cachedBlock, Translator::hasTranslation, Math.max(1, threshold / 64),
                MAX_REGION_INSNS, MAX_REGION_BLOCKS);
        region.xmmEverywhere = xmmLocals == XmmLocals.EVERY_REGION;
        if (!background) return translate(region, cpu);
        // Its blocks wait for this translation rather than asking for more of their own.
        for (Block r : region.blocks) {
            if (TRANSLATION.getAcquire(r) == null) TRANSLATION.setRelease(r, PENDING);
        }
        try {
            BACKGROUND.execute(() -> translateInBackground(region, cpu));
        } catch (RejectedExecutionException full) {
            release(region.blocks);
        }
        return null;
    }

    /**
     * Called by every region as it leaves without a fault, the state already in CpuState with RIP
     * at target: finds the translation that runs next, so that the run loop calls it straight
     * away (as qemu chains its translation blocks). A direct branch out of the region has an exit
     * slot of its own in exits, which keeps the block found there: after the first time, the
     * chain costs a validity check. A computed jump has {@link #COMPUTED_JUMP_WAYS} slots, which
     * keep the blocks it went to last (slot is then {@link #computedJumpSlot}). Nothing is
     * chained to a block without a translation (yet), nor to one of a cache emptied since (code
     * changed): the run loop takes over there, and counts the block towards its translation.
     */
    public void chain(Block[] exits, int slot, long target) {
        if (slot >= 0) {
            Block b = exits[slot];
            if (b == null) {
                lookUp(exits, slot, target);
            } else if (b.valid) {
                runNext(b);
            }
        } else if (slot != NO_CHAIN) {
            chainComputed(exits, -2 - slot, target);
        }
    }

    /**
     * A computed jump to target, whose exit slots start at first: a block found there must start
     * at target (it is one of the last ones the jump went to); else a lookup, which takes the
     * first slot and moves the others down.
     */
    private void chainComputed(Block[] exits, int first, long target) {
        for (int k = first; k < first + COMPUTED_JUMP_WAYS; k++) {
            Block b = exits[k];
            if (b != null && b.start == target && b.valid) {
                runNext(b);
                return;
            }
        }
        Block b = translatedBlock(target);
        if (b == null) return;
        System.arraycopy(exits, first, exits, first + 1, COMPUTED_JUMP_WAYS - 1);
        exits[first] = b;
        runNext(b);
    }

    /**
     * The part of {@link #chain} that looks the next block up: a method of its own, so that the
     * JVM's compiler inlines only the few lines above into every region, and leaves this one a
     * call.
     */
    private void lookUp(Block[] exits, int slot, long target) {
        Block b = translatedBlock(target);
        if (b == null) return;
        exits[slot] = b; // its translation never changes again
        runNext(b);
    }

    /** The translation of block b, entered where b starts, is what the run loop calls next. */
    private void runNext(Block b) {
        entry = b.translationEntry;
        next = b.translation;
    }

    /** Whether block b runs in a translation, waits for one, or failed to get one. */
    private static boolean hasTranslation(Block b) {
        return TRANSLATION.getAcquire(b) != null;
    }

    /** The valid cached block starting at target if it has a translation, else null. */
    private Block translatedBlock(long target) {
        Block b = cpu.cachedBlock(target);
        if (b == null || !b.valid) return null;
        Translated t = (Translated) TRANSLATION.getAcquire(b);
        return t == null || t == PENDING || t == FAILED ? null : b;
    }

    /** The translation the last region chained to (see {@link #chain}), or null; either way it is taken. */
    public Translated takeNext() {
        Translated t = next;
        next = null;
        return t;
    }

    /** The fault a translation reported by returning the faulting instruction. */
    public RuntimeException takeFault() {
        RuntimeException f = fault;
        fault = null;
        return f;
    }

    private static void translateInBackground(Region region, Cpu vcpu) {
        try {
            translate(region, vcpu);
        } catch (RuntimeException | LinkageError e) {
            // A generator bug: the entry block stays interpreted for good, the others may still
            // join another region (the tests translate on the spot, where it is thrown).
            synchronized (Translator.class) {
                failures++;
            }
            if (STATS) System.err.println("jit: region at 0x" + Long.toHexString(region.entry.start) + " failed: " + e);
            TRANSLATION.setRelease(region.entry, FAILED);
            release(region.blocks);
        }
    }

    /** The blocks of a request that did not translate them ask again (see {@link #code}). */
    private static void release(List<Block> blocks) {
        for (Block r : blocks) TRANSLATION.compareAndSet(r, PENDING, null);
    }

    /** Generates, loads and installs the class of region, for vcpu (whose blocks they are); returns it. */
    private static Translated translate(Region region, Cpu vcpu) {
        long t0 = STATS ? System.nanoTime() : 0;
        Block b = region.entry;
        byte[] bytes;
        List<Object> constants;
        int xmmInLocals; // the XMM quadwords the code keeps in locals
        while (true) {
            // Pass one learns which registers the code uses, and whether XMM registers in locals
            // pay; pass two generates with that knowledge.
            region.xmmInLocals = false;
            Gen first = learn(region, vcpu);
            region.xmmInLocals = region.xmmEverywhere || first.xmmLocalsPay();
            Object[] out = new Object[2];
            Gen second = build(region, vcpu, first.seen(), out);
            bytes = (byte[]) out[0];
            constants = second.constants;
            xmmInLocals = second.usedXmm;
            if ((int) out[1] <= MAX_BYTECODE || region.blocks.size() == 1) break;
            Region smaller = region.prefix(Math.max(1, region.blocks.size() * 2 / 3));
            release(region.blocks.subList(smaller.blocks.size(), region.blocks.size()));
            region = smaller;
        }
        if (DUMP != null) dump(b, bytes);
        Translated code;
        try {
            MethodHandles.Lookup l = LOOKUP.defineHiddenClassWithClassData(bytes, constants, true);
            code = (Translated) l.findConstructor(l.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (Throwable e) {
            throw new IllegalStateException("translation of the block at 0x" + Long.toHexString(b.start) + " failed", e);
        }
        // Every block of the region runs in it from now on, entered where it starts, unless it runs
        // in another region already.
        for (int k = 0; k < region.blocks.size(); k++) {
            Block r = region.blocks.get(k);
            Object current = TRANSLATION.getAcquire(r);
            if (current != null && current != PENDING) continue;
            r.translationEntry = k;
            TRANSLATION.setRelease(r, code);
        }
        if (STATS) {
            System.err.printf("jit: region at 0x%x: %d blocks, %d instructions, %d bytes of code, %.1f ms%s%n", b.start,
                    region.blocks.size(), region.instructions(), codeSize(bytes), (System.nanoTime() - t0) / 1e6,
                    xmmInLocals != 0 ? ", " + Integer.bitCount(xmmInLocals) + " XMM quadwords in locals" : "");
            synchronized (Translator.class) {
                regions++;
                instructions += region.instructions();
                bytecodeBytes += bytes.length;
                nanos += System.nanoTime() - t0;
                for (Block r : region.blocks) {
                    for (Insn i : r.insns) if (Forms.emitter(i) == null) HANDLER_CALLS.merge(i.form.mnemonic.trim(), 1, Integer::sum);
                }
            }
        }
        return code;
    }

    /**
     * Thrown out of the class builder once the first pass has generated the code: what it
     * learned is in its Gen, and the rest of the build (resolving labels, counting the stack,
     * writing the class file) would be thrown away. Those took a third of the first pass, on the
     * translator thread, whose JDK code is still cold while a program starts.
     */
    private static final class Learned extends RuntimeException {
        final transient Gen gen;

        Learned(Gen gen) {
            super(null, null, false, false);
            this.gen = gen;
        }
    }

    /** The first pass: generates the code of region assuming it uses every register, and stops there. */
    private static Gen learn(Region region, Cpu vcpu) {
        try {
            build(region, vcpu, Gen.Usage.EVERYTHING, null);
        } catch (Learned l) {
            return l.gen;
        }
        throw new IllegalStateException("the first pass did not stop");
    }

    /**
     * Generates the class for region: into out (the class bytes and the method's bytecode size)
     * when out is given, else only as far as {@link Learned}.
     */
    private static Gen build(Region region, Cpu vcpu, Gen.Usage usage, Object[] out) {
        ClassDesc name = ClassDesc.of("jvisor.cpu.jit.Block_" + Long.toHexString(region.entry.start));
        Gen[] gen = new Gen[1];
        byte[] bytes = CLASS_FILE.build(name, cls -> {
            cls.withVersion(CLASS_VERSION, 0);
            cls.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            cls.withSuperclass(Gen.CD_TRANSLATED);
            cls.withMethodBody(ConstantDescs.INIT_NAME, ConstantDescs.MTD_void, ClassFile.ACC_PUBLIC, code -> code
                    .aload(0).invokespecial(Gen.CD_TRANSLATED, ConstantDescs.INIT_NAME, ConstantDescs.MTD_void).return_());
            cls.withMethodBody("run", Gen.RUN_TYPE, ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL, code -> {
                Gen g = new Gen(code, name, region, vcpu, usage);
                g.generate();
                if (out == null) throw new Learned(g);
                gen[0] = g;
            });
            Gen.emitConstantFields(cls, name, gen[0].constantTypes);
        });
        if (out != null) {
            out[0] = bytes;
            // The run method's code is shorter than the class file: parsed only when it may be too long.
            out[1] = bytes.length <= MAX_BYTECODE ? bytes.length : codeSize(bytes);
        }
        return gen[0];
    }

    /** The bytecode length of the class's run method. */
    private static int codeSize(byte[] bytes) {
        return CLASS_FILE.parse(bytes).methods().stream().filter(m -> m.methodName().equalsString("run"))
                .findFirst().flatMap(m -> m.findAttribute(Attributes.code())).map(CodeAttribute::codeLength).orElse(0);
    }

    /** Writes a translation's class file to the directory -Djvisor.jit.dump names (to read it with javap). */
    private static void dump(Block b, byte[] bytes) {
        try {
            java.nio.file.Path dir = java.nio.file.Path.of(DUMP);
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Files.write(dir.resolve("Block_" + Long.toHexString(b.start) + ".class"), bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Statistics of all translations so far (with -Djvisor.jit.stats=true). */
    public static synchronized String statistics() {
        StringBuilder calls = new StringBuilder();
        HANDLER_CALLS.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(20)
                .forEach(e -> calls.append(calls.isEmpty() ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue()));
        return String.format("jit: %d regions, %d instructions, %d bytes of bytecode, %.1f ms translating, %d failed%n"
                + "jit: translated instructions that call their handler, by form: %s",
                regions, instructions, bytecodeBytes, nanos / 1e6, failures, calls.isEmpty() ? "none" : calls);
    }
}
