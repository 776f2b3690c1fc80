package jvisor.kernel.debug;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
import jvisor.cpu.debug.InsnHook;
import jvisor.cpu.debug.Probes;
import jvisor.cpu.debug.Registers;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.disasm.Disassembler;
import jvisor.hypervisor.ExitKind;
import jvisor.hypervisor.Hypervisor;
import jvisor.hypervisor.Vcpu;
import jvisor.hypervisor.VmExit;
import jvisor.kernel.proc.Task;
import jvisor.mmu.Access;
import jvisor.mmu.PageFault;

/**
 * {@code --trace}: one line per executed instruction, built from an instruction hook (state
 * before and after), a memory hook (what the instruction wrote) and an exit hook (the
 * instruction that faulted, which never completes):
 *
 * <pre>
 *  #1234 0x401702 &lt;store+18&gt;  48 89 37     mov qword ptr [rdi], rsi   [0x4a62e0]:8 0x0-&gt;0x10
 *  #1240 0x401708 &lt;store+24&gt;  48 01 c8     add rax, rcx               rax 0x3-&gt;0x5 PF 1-&gt;0
 * </pre>
 *
 * The number is the task's count of retired instructions, so {@link Options#after} and the
 * numbers agree. Addresses are named after the program of the task's process (so they change
 * with execve); while the guest runs several tasks each line starts with {@code [pid TID]}, as
 * strace's lines do. Only what changed is listed: general registers, RIP when it did not simply
 * advance, flags one by one, FS/GS base, XMM registers, MXCSR, the x87 stack and status, and
 * memory stores with old and new values. While no trace is installed none of this exists and the
 * interpreter runs its plain loop; once {@link Options#count} lines are out the trace removes
 * itself and the program goes back to full speed.
 */
public final class InsnTrace implements InsnHook {
    /**
     * What to trace.
     *
     * @param begin first address traced (unsigned; 0 for all)
     * @param end one past the last address traced (-1 for all)
     * @param after trace only once this many instructions have retired
     * @param count stop tracing after this many lines (0: no limit)
     */
    public record Options(long begin, long end, long after, long count) {
        public static final Options ALL = new Options(0, -1, 0, 0);
    }

    private static final int MAX_DISASM_CACHE = 1 << 16;
    /** Where the list of changes starts, so that they line up. */
    private static final int CHANGES_COLUMN = 110;

    private final Consumer<String> out;
    private final ProgramSymbols symbols;
    private final Options options;
    private final Hypervisor hv;
    private Probes.Handle insnHandle, memHandle;
    private AutoCloseable exitHandle;
    private long lines;

    // State before the instruction in flight (one task at a time is traced per thread; the
    // fields are per trace, so several tasks would interleave: tasks are traced one by one).
    private final ThreadLocal<Snapshot> before = ThreadLocal.withInitial(Snapshot::new);
    private final java.util.HashMap<Long, String[]> disasm = new java.util.HashMap<>();

    /** Registers before the instruction, and its stores. */
    private static final class Snapshot {
        final long[] r = new long[16];
        final long[] xmm = new long[32];
        final long[] fpuMant = new long[8];
        final int[] fpuSexp = new int[8];
        long rip, rflags, fsBase, gsBase;
        int mxcsr, fpuStatus, fpuControl;
        Insn insn;
        long number;
        /** Width of the line's "[pid N] " tag: the columns start after it. */
        int tag;
        final List<long[]> stores = new ArrayList<>(); // {address, size, old, new}
    }

    /** symbols names each address after the program of the task that runs it. */
    public InsnTrace(Hypervisor hv, ProgramSymbols symbols, Options options, Consumer<String> out) {
        this.hv = hv;
        this.symbols = symbols;
        this.options = options;
        this.out = out;
    }

    /** Starts tracing every vCPU of the hypervisor. */
    public synchronized void install() {
        Probes p = hv.probes();
        insnHandle = p.addInsnHook(options.begin(), options.end(), this);
        memHandle = p.addMemoryHook(0, -1, false, true, this::stored);
        exitHandle = hv.addExitHook(this::vmExit);
    }

    /** Stops tracing; the interpreter returns to its plain loop if nothing else is hooked. */
    public synchronized void remove() {
        if (insnHandle != null) insnHandle.remove();
        if (memHandle != null) memHandle.remove();
        try {
            if (exitHandle != null) exitHandle.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        insnHandle = memHandle = null;
        exitHandle = null;
    }

    public long lines() {
        return lines;
    }

    @Override
    public void before(Cpu cpu, Insn insn) {
        CpuState s = cpu.state;
        Snapshot b = before.get();
        b.insn = null;
        if (s.instructionsRetired < options.after() || insnHandle == null) return;
        System.arraycopy(s.r, 0, b.r, 0, 16);
        System.arraycopy(s.xmm, 0, b.xmm, 0, 32);
        System.arraycopy(s.fpuMant, 0, b.fpuMant, 0, 8);
        System.arraycopy(s.fpuSexp, 0, b.fpuSexp, 0, 8);
        b.rip = s.rip;
        b.rflags = s.rflags();
        b.fsBase = s.fsBase;
        b.gsBase = s.gsBase;
        b.mxcsr = s.mxcsr;
        b.fpuStatus = s.fpuStatus;
        b.fpuControl = s.fpuControl;
        b.stores.clear();
        b.number = s.instructionsRetired + 1;
        b.insn = insn;
    }

    private void stored(Cpu cpu, Access kind, long address, int size, long value) {
        if (cpu == null) return; // the kernel's copy_to_user: not an instruction's store
        Snapshot b = before.get();
        if (b.insn == null) return;
        long old = 0;
        int n = Math.min(size, 8);
        try {
            byte[] m = new byte[n];
            cpu.addressSpace().peekBytes(address, m, 0, n);
            for (int i = n - 1; i >= 0; i--) old = (old << 8) | (m[i] & 0xFF);
        } catch (PageFault e) {
            old = 0;
        }
        b.stores.add(new long[] {address, size, old, value});
    }

    @Override
    public void after(Cpu cpu, Insn insn) {
        Snapshot b = before.get();
        if (b.insn != insn) return;
        StringBuilder sb = head(cpu, b);
        changes(sb, b, cpu.state, insn);
        b.insn = null;
        emit(sb);
    }

    private void vmExit(Vcpu vcpu, VmExit exit) {
        if (exit.kind != ExitKind.EXCEPTION || exit.debug != null) return;
        Snapshot b = before.get();
        if (b.insn == null) return;
        StringBuilder sb = head(vcpu.cpu(), b);
        pad(sb, b.tag + CHANGES_COLUMN);
        sb.append("=> ").append(CpuFault.vectorName(exit.vector)).append(String.format(
                " (vector %d) error code %#x address %#x;", exit.vector, exit.errorCode, exit.address));
        operands(sb, b.insn, vcpu.state());
        b.insn = null;
        emit(sb);
    }

    private synchronized void emit(StringBuilder sb) {
        if (insnHandle == null) return;
        out.accept(sb.toString());
        lines++;
        if (options.count() > 0 && lines >= options.count()) {
            out.accept("-- trace: " + lines + " instructions traced, the limit; the program goes on untraced");
            remove();
        }
    }

    private StringBuilder head(Cpu cpu, Snapshot b) {
        Insn i = b.insn;
        String[] d = disassemble(cpu, i);
        StringBuilder sb = new StringBuilder(160);
        Task t = Task.current(); // hooks run on the task's own thread
        if (t != null && t.process.table.taskCount() > 1) sb.append("[pid ").append(t.tid).append("] ");
        b.tag = sb.length();
        sb.append('#').append(b.number).append(' ');
        sb.append("0x").append(Long.toHexString(i.addr));
        String sym = t != null ? symbols.of(t).describe(i.addr) : null;
        if (sym != null) sb.append(" <").append(sym).append('>');
        pad(sb, b.tag + 40);
        sb.append(d[0]);
        pad(sb, b.tag + 72);
        sb.append(d[1]);
        return sb;
    }

    /** The registers a faulting instruction names (memory base and index, ModRM operands), as they were. */
    private static void operands(StringBuilder sb, Insn i, CpuState s) {
        java.util.LinkedHashSet<Integer> regs = new java.util.LinkedHashSet<>();
        if (i.mem) {
            if (i.base >= 0) regs.add(i.base);
            if (i.index >= 0) regs.add(i.index);
        } else if (i.form != null && i.form.modrm && i.rm < 16) {
            regs.add(i.rm);
        }
        if (i.form != null && (i.form.modrm || i.form.regInOpcode) && i.reg >= 0 && i.reg < 16) regs.add(i.reg);
        for (int r : regs) sb.append(' ').append(Reg.name(r)).append("=0x").append(Long.toHexString(s.r[r]));
    }

    private static void pad(StringBuilder sb, int column) {
        do sb.append(' '); while (sb.length() < column);
    }

    /** {hex bytes, disassembly}, cached by address and checked against the bytes. */
    private String[] disassemble(Cpu cpu, Insn i) {
        byte[] code = new byte[i.len];
        try {
            cpu.addressSpace().peekBytes(i.addr, code, 0, code.length);
        } catch (PageFault e) {
            return new String[] {"??", i.form != null ? i.form.mnemonic : "(bad)"};
        }
        String hex = Disassembler.hex(code, 0, code.length);
        synchronized (disasm) {
            String[] c = disasm.get(i.addr);
            if (c != null && c[0].equals(hex)) return c;
            String text = Disassembler.get().disassembleOne(code, i.addr);
            if (text == null) text = i.form != null ? i.form.mnemonic : "(bad)";
            c = new String[] {hex, text};
            if (disasm.size() >= MAX_DISASM_CACHE) disasm.clear();
            disasm.put(i.addr, c);
            return c;
        }
    }

    private static void changes(StringBuilder sb, Snapshot b, CpuState s, Insn insn) {
        int mark = sb.length();
        pad(sb, b.tag + CHANGES_COLUMN);
        int listStart = sb.length();
        for (int r = 0; r < 16; r++) {
            if (b.r[r] != s.r[r]) change(sb, Reg.name(r), b.r[r], s.r[r]);
        }
        if (s.rip != insn.next) change(sb, "rip", insn.next, s.rip); // a taken branch: where to
        long flagsNow = s.rflags();
        long diff = (b.rflags ^ flagsNow) & Registers.TRACKED_FLAGS;
        for (int bit = 0; diff != 0 && bit < 22; bit++) {
            if ((diff >>> bit & 1) == 0) continue;
            sb.append(' ').append(Registers.flagName(bit)).append(' ').append(b.rflags >>> bit & 1).append("->")
                    .append(flagsNow >>> bit & 1);
        }
        if (b.fsBase != s.fsBase) change(sb, "fs_base", b.fsBase, s.fsBase);
        if (b.gsBase != s.gsBase) change(sb, "gs_base", b.gsBase, s.gsBase);
        for (int x = 0; x < 16; x++) {
            if (b.xmm[2 * x] != s.xmm[2 * x] || b.xmm[2 * x + 1] != s.xmm[2 * x + 1]) {
                sb.append(" xmm").append(x).append(' ').append(xmm(b.xmm, x)).append("->").append(xmm(s.xmm, x));
            }
        }
        if (b.mxcsr != s.mxcsr) change(sb, "mxcsr", b.mxcsr, s.mxcsr);
        if (b.fpuControl != s.fpuControl) change(sb, "fctrl", b.fpuControl, s.fpuControl);
        if (b.fpuStatus != s.fpuStatus) change(sb, "fstat", b.fpuStatus, s.fpuStatus);
        int top = (s.fpuStatus >>> 11) & 7;
        for (int p = 0; p < 8; p++) {
            if (b.fpuMant[p] != s.fpuMant[p] || b.fpuSexp[p] != s.fpuSexp[p]) {
                int st = (p - top) & 7;
                sb.append(" st").append(st).append(' ').append(Registers.stAsDouble(s, st));
            }
        }
        for (long[] st : b.stores) {
            sb.append(String.format(" [%#x]:%d %#x->%#x", st[0], st[1], st[2], st[3]));
        }
        if (sb.length() == listStart) sb.setLength(mark); // nothing changed: no trailing blanks
    }

    private static String xmm(long[] x, int n) {
        return String.format("0x%016x%016x", x[2 * n + 1], x[2 * n]);
    }

    private static void change(StringBuilder sb, String name, long from, long to) {
        sb.append(' ').append(name).append(" 0x").append(Long.toHexString(from)).append("->0x").append(Long.toHexString(to));
    }
}
