package jvisor.kernel.debug.gdb;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jvisor.cpu.CpuState;
import jvisor.cpu.debug.Watchpoint;
import jvisor.kernel.api.LinuxMachine;
import jvisor.kernel.debug.DebugSession;
import jvisor.kernel.debug.DebugSession.Action;
import jvisor.kernel.debug.Stop;
import jvisor.kernel.proc.Task;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.HostMemory;
import jvisor.mmu.PageFault;

/**
 * {@code --gdb PORT}: a GDB Remote Serial Protocol server, so that gdb attaches with
 * {@code target remote :PORT} (gdb's manual, appendix E). It listens on the loopback address
 * only, serves one gdb, and drives the program through the same {@link LinuxMachine} and
 * {@link DebugSession} as the command-line debugger.
 *
 * <p>Supported: qSupported, QStartNoAckMode, the target description (qXfer:features:read),
 * g/G/p/P, m/M/X, Z0/Z1 breakpoints and Z2/Z3/Z4 watchpoints (as hardware ones: no breakpoint
 * instruction is ever written into guest memory), c/C/s/S and vCont with per-thread actions,
 * threads (qfThreadInfo, qC, Hg/Hc, T), stop replies with the signal, thread, breakpoint and
 * watchpoint details, QCatchSyscalls, QPassSignals, D (detach), k and vKill, the 0x03 interrupt,
 * and exec events (the {@code exec} stop reason) when gdb announces {@code exec-events+}: gdb then
 * loads the new program's symbols and stops only for {@code catch exec}.
 * gdb's numbering of signals differs from Linux's and is translated ({@link GdbSignals}).
 */
public final class GdbStub implements AutoCloseable {
    private static final int PACKET_SIZE = 0x4000;
    /** How long to keep the connection after the program ended, for gdb's last packets. */
    private static final int LINGER_MS = 5000;

    private final LinuxMachine machine;
    private final DebugSession session;
    private final ServerSocket server;
    private RspConnection conn;
    private Stop last;
    private int gThread = -1, cThread = -1;
    private boolean swbreak, hwbreak, execEvents;
    /** Breakpoints gdb inserted, with their Z type (0 software, 1 hardware), for the stop reply and detach. */
    private final List<long[]> breakpoints = new ArrayList<>();
    private final Map<String, Watchpoint> watchpoints = new HashMap<>();

    private GdbStub(LinuxMachine machine, ServerSocket server) {
        this.machine = machine;
        this.session = machine.session();
        this.server = server;
        session.setStopOnFault(true);
        session.setSignalStops(-1L);
    }

    /** Listens on 127.0.0.1:port (0: any free port, see {@link #port()}). */
    public static GdbStub listen(LinuxMachine machine, int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        return new GdbStub(machine, s);
    }

    public int port() {
        return server.getLocalPort();
    }

    /**
     * Waits for gdb, then serves it until it detaches or kills the program, or the program ends.
     *
     * @return the program's end (EXITED or KILLED), or null if gdb detached or went away while it
     *         still runs (it then runs on without a debugger)
     */
    public Stop serve() throws IOException {
        Socket s = server.accept();
        server.close();
        conn = new RspConnection(s);
        last = machine.lastStop() != null ? machine.lastStop() : machine.start();
        try {
            while (true) {
                String p = conn.read();
                if (p.equals(RspConnection.INTERRUPT)) continue; // already stopped
                String reply = handle(p);
                if (reply != null) conn.send(reply);
                if (last.ended() && (p.startsWith("vCont") || p.startsWith("c") || p.startsWith("C")
                        || p.startsWith("s") || p.startsWith("S"))) {
                    linger();
                    return last;
                }
                if (p.equals("k") || p.startsWith("vKill")) return last.ended() ? last : null;
                if (p.startsWith("D")) return null;
            }
        } catch (EOFException e) {
            if (last.ended()) return last;
            session.detach(); // gdb went away: the program runs on
            return null;
        } finally {
            conn.close();
        }
    }

    /** After the exit reply gdb may still ask a few things; answer until it closes or a moment passes. */
    private void linger() {
        try {
            conn.socketTimeout(LINGER_MS);
            while (true) {
                String p = conn.read();
                if (p.equals(RspConnection.INTERRUPT)) continue;
                String r = handle(p);
                if (r != null) conn.send(r);
            }
        } catch (SocketTimeoutException | EOFException e) {
            // done
        } catch (IOException e) {
            // gdb is gone: nothing left to tell it
        }
    }

    // ---------------------------------------------------------------- packets

    private String handle(String p) throws IOException {
        try {
            return dispatch(p);
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return "E01"; // malformed packet
        }
    }

    private String dispatch(String p) throws IOException {
        if (p.isEmpty()) return "";
        switch (p.charAt(0)) {
            case '?':
                return stopReply(last);
            case 'g':
                return GdbRegisters.hexAll(regs(gThread), origRax());
            case 'G':
                return GdbRegisters.setAll(regs(gThread), p.substring(1)) ? "OK" : "E01";
            case 'p': {
                int n = (int) Hex.number(p.substring(1));
                return GdbRegisters.valid(n) ? Hex.of(GdbRegisters.get(regs(gThread), n, origRax())) : "E01";
            }
            case 'P': {
                int eq = p.indexOf('=');
                int n = (int) Hex.number(p.substring(1, eq));
                if (!GdbRegisters.valid(n)) return "E01";
                byte[] v = Hex.decode(p.substring(eq + 1));
                if (v.length != GdbRegisters.bytes(n)) return "E01";
                GdbRegisters.set(regs(gThread), n, v);
                return "OK";
            }
            case 'm':
                return readMemory(p.substring(1));
            case 'M': {
                int comma = p.indexOf(','), colon = p.indexOf(':');
                return writeMemory(Hex.number(p.substring(1, comma)), Hex.decode(p.substring(colon + 1)));
            }
            case 'X': {
                int comma = p.indexOf(','), colon = p.indexOf(':');
                byte[] data = p.substring(colon + 1).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                return writeMemory(Hex.number(p.substring(1, comma)), data);
            }
            case 'Z':
            case 'z':
                return breakpoint(p);
            case 'H': {
                int tid = (int) Hex.number(p.substring(2));
                if (tid > 0 && session.task(tid) == null) return "E01";
                if (p.charAt(1) == 'g') gThread = tid;
                else cThread = tid;
                return "OK";
            }
            case 'T':
                return session.task((int) Hex.number(p.substring(1))) != null ? "OK" : "E01";
            case 'c':
            case 's':
            case 'C':
            case 'S':
                return resumeLegacy(p);
            case 'D':
                detach();
                return "OK";
            case 'k':
                session.kill();
                return null;
            case 'v':
                return vPacket(p);
            case 'q':
            case 'Q':
                return query(p);
            default:
                return "";
        }
    }

    private String query(String p) throws IOException {
        if (p.startsWith("qSupported")) {
            swbreak = p.contains("swbreak+");
            hwbreak = p.contains("hwbreak+");
            execEvents = p.contains("exec-events+");
            session.setStopOnExec(execEvents); // only a gdb that asked understands the exec stop reason
            return "PacketSize=" + Integer.toHexString(PACKET_SIZE) + ";QStartNoAckMode+;qXfer:features:read+;"
                    + "QCatchSyscalls+;QPassSignals+;QProgramSignals+;vContSupported+"
                    + (swbreak ? ";swbreak+" : "") + (hwbreak ? ";hwbreak+" : "") + (execEvents ? ";exec-events+" : "");
        }
        if (p.equals("QStartNoAckMode")) {
            conn.send("OK");
            conn.setNoAck();
            return null;
        }
        if (p.startsWith("qXfer:features:read:target.xml:")) {
            String[] range = p.substring("qXfer:features:read:target.xml:".length()).split(",");
            return chunk(GdbRegisters.targetXml(), (int) Hex.number(range[0]), (int) Hex.number(range[1]));
        }
        if (p.startsWith("qXfer:")) return "E00";
        if (p.equals("qAttached")) return "0";
        if (p.equals("qC")) return "QC" + Integer.toHexString(currentTid());
        if (p.equals("qfThreadInfo")) {
            StringBuilder b = new StringBuilder("m");
            for (Task t : session.tasks()) {
                if (b.length() > 1) b.append(',');
                b.append(Integer.toHexString(t.tid));
            }
            return b.length() > 1 ? b.toString() : "l";
        }
        if (p.equals("qsThreadInfo")) return "l";
        if (p.startsWith("qThreadExtraInfo,")) {
            Task t = session.task((int) Hex.number(p.substring("qThreadExtraInfo,".length())));
            Stop s = t != null ? session.stopOf(t) : null;
            return Hex.of(t == null ? "gone" : s != null ? "stopped: " + s.describe() : "running in the kernel");
        }
        if (p.equals("qOffsets")) {
            String bias = Long.toHexString(machine.loadBias());
            return "Text=" + bias + ";Data=" + bias + ";Bss=" + bias;
        }
        if (p.startsWith("QCatchSyscalls:")) return catchSyscalls(p.substring("QCatchSyscalls:".length()));
        if (p.startsWith("QPassSignals:")) {
            long stops = -1L;
            for (String s : p.substring("QPassSignals:".length()).split(";")) {
                if (s.isEmpty()) continue;
                int linux = GdbSignals.toLinux((int) Hex.number(s));
                if (linux > 0) stops &= ~jvisor.kernel.abi.Signals.bit(linux);
            }
            session.setSignalStops(stops);
            return "OK";
        }
        if (p.startsWith("QProgramSignals:")) return "OK";
        if (p.equals("qSymbol::")) return "OK";
        return "";
    }

    private String catchSyscalls(String arg) {
        session.clearSyscallCatches();
        if (arg.startsWith("0")) return "OK";
        String[] parts = arg.split(";");
        if (parts.length == 1) {
            session.catchSyscall(-1, true, true);
        } else {
            for (int i = 1; i < parts.length; i++) session.catchSyscall((int) Hex.number(parts[i]), true, true);
        }
        return "OK";
    }

    private String vPacket(String p) throws IOException {
        if (p.equals("vCont?")) return "vCont;c;C;s;S;t";
        if (p.startsWith("vCont;")) return resumeVCont(p.substring(6));
        if (p.startsWith("vKill")) {
            session.kill();
            return "OK";
        }
        if (p.equals("vMustReplyEmpty")) return "";
        return "";
    }

    /** A piece of an object for qXfer: {@code m} and more to come, or {@code l} and the last of it. */
    private static String chunk(String whole, int offset, int length) {
        if (offset >= whole.length()) return "l";
        int end = Math.min(whole.length(), offset + length);
        return (end < whole.length() ? "m" : "l") + whole.substring(offset, end);
    }

    // ---------------------------------------------------------------- registers and memory

    private int currentTid() {
        if (last != null && last.task() != null) return last.task().tid;
        List<Task> ts = session.tasks();
        return ts.isEmpty() ? machine.process().pid : ts.get(0).tid;
    }

    /** The task gdb means by tid (its Hg or Hc choice; 0 or -1: any), else the one that stopped. */
    private Task task(int tid) {
        Task t = tid > 0 ? session.task(tid) : null;
        if (t == null) t = session.task(currentTid());
        if (t == null) t = machine.process().mainTask();
        return t;
    }

    private CpuState regs(int tid) {
        return task(tid).regs;
    }

    /** Memory of the Hg thread's process: after a fork, each process has its own. */
    private AddressSpace memory() {
        return task(gThread).memory();
    }

    private long origRax() {
        return last != null && last.syscall() >= 0 ? last.syscall() : -1;
    }

    private String readMemory(String args) {
        int comma = args.indexOf(',');
        long addr = Hex.number(args.substring(0, comma));
        int len = (int) Math.min(Hex.number(args.substring(comma + 1)), PACKET_SIZE / 2);
        byte[] buf = new byte[len];
        int done = 0;
        while (done < len) {
            long at = addr + done;
            int chunk = (int) Math.min(len - done, HostMemory.PAGE_SIZE - (at & HostMemory.PAGE_MASK));
            try {
                memory().peekBytes(at, buf, done, chunk);
            } catch (PageFault | IllegalArgumentException e) {
                break;
            }
            done += chunk;
        }
        if (done == 0 && len > 0) return "E14"; // EFAULT
        return Hex.of(java.util.Arrays.copyOf(buf, done));
    }

    private String writeMemory(long addr, byte[] data) {
        if (data.length == 0) return "OK";
        try {
            memory().pokeBytes(addr, data, 0, data.length);
            return "OK";
        } catch (PageFault | IllegalArgumentException e) {
            return "E14";
        }
    }

    private String breakpoint(String p) {
        boolean insert = p.charAt(0) == 'Z';
        String[] f = p.substring(1).split("[,;]");
        int type = Integer.parseInt(f[0]);
        long addr = Hex.number(f[1]);
        int kind = (int) Hex.number(f[2]);
        switch (type) {
            case 0, 1 -> {
                if (insert) {
                    machine.probes().addBreakpoint(addr);
                    breakpoints.add(new long[] {addr, type});
                } else {
                    for (var it = breakpoints.iterator(); it.hasNext();) {
                        long[] b = it.next();
                        if (b[0] == addr && b[1] == type) {
                            it.remove();
                            machine.probes().removeBreakpoint(addr);
                            break;
                        }
                    }
                }
                return "OK";
            }
            case 2, 3, 4 -> {
                String key = type + ":" + addr + ":" + kind;
                if (insert) {
                    Watchpoint.Kind k = type == 2 ? Watchpoint.Kind.WRITE
                            : type == 3 ? Watchpoint.Kind.READ : Watchpoint.Kind.ACCESS;
                    Watchpoint old = watchpoints.put(key, machine.probes().addWatchpoint(addr, Math.max(1, kind), k));
                    if (old != null) machine.probes().removeWatchpoint(old);
                } else {
                    Watchpoint w = watchpoints.remove(key);
                    if (w != null) machine.probes().removeWatchpoint(w);
                }
                return "OK";
            }
            default -> {
                return "";
            }
        }
    }

    private void detach() {
        removePoints();
        session.detach();
    }

    /** Removes every breakpoint and watchpoint gdb inserted. */
    private void removePoints() {
        for (long[] b : breakpoints) machine.probes().removeBreakpoint(b[0]);
        breakpoints.clear();
        for (Watchpoint w : watchpoints.values()) machine.probes().removeWatchpoint(w);
        watchpoints.clear();
    }

    // ---------------------------------------------------------------- running

    /** c, s, C sig, S sig (each with an optional address) act on the Hc thread, the rest continue. */
    private String resumeLegacy(String p) throws IOException {
        char cmd = p.charAt(0);
        String rest = p.substring(1);
        boolean withSignal = cmd == 'C' || cmd == 'S';
        int signal = 0;
        if (withSignal) {
            int semi = rest.indexOf(';');
            signal = (int) Hex.number(semi < 0 ? rest : rest.substring(0, semi));
            rest = semi < 0 ? "" : rest.substring(semi + 1);
        }
        int tid = cThread > 0 ? cThread : currentTid();
        if (!rest.isEmpty()) regs(tid).rip = Hex.number(rest);
        Action a = Character.toLowerCase(cmd) == 's' ? Action.step(1) : Action.CONTINUE;
        if (signal == 0) a = a.withoutSignal();
        Action others = a.mode() == Action.Mode.STEP ? Action.STAY : Action.CONTINUE;
        return resumeAndWait(Map.of(tid, a), others);
    }

    /** vCont;action[:tid];...: the first action that names a thread (or none) applies to it. */
    private String resumeVCont(String spec) throws IOException {
        Map<Integer, Action> actions = new LinkedHashMap<>();
        Action otherwise = Action.STAY;
        for (String part : spec.split(";")) {
            if (part.isEmpty()) continue;
            int colon = part.indexOf(':');
            String act = colon < 0 ? part : part.substring(0, colon);
            int tid = colon < 0 ? -1 : (int) Hex.number(part.substring(colon + 1));
            Action a = switch (act.charAt(0)) {
                case 'c', 'C' -> Action.CONTINUE;
                case 's', 'S' -> Action.step(1);
                case 't' -> Action.STAY;
                default -> null;
            };
            if (a == null) return "E01";
            if ((act.charAt(0) == 'c' || act.charAt(0) == 's')) a = a.withoutSignal();
            if (tid <= 0) {
                if (otherwise == Action.STAY) otherwise = a.mode() == Action.Mode.STEP ? Action.step(1) : a;
            } else {
                actions.putIfAbsent(tid, a);
            }
        }
        return resumeAndWait(actions, otherwise);
    }

    private String resumeAndWait(Map<Integer, Action> actions, Action otherwise) throws IOException {
        if (last.ended()) return stopReply(last);
        session.resume(actions, otherwise);
        try {
            while (true) {
                Stop s = session.waitForEvent(50);
                if (s != null) {
                    last = s;
                    if (s.task() != null) gThread = cThread = s.task().tid;
                    // For gdb the old program's breakpoints went with its memory (Linux clears the
                    // debug registers too): it inserts them again where the new symbols put them.
                    if (s.kind() == Stop.Kind.EXEC) removePoints();
                    return stopReply(s);
                }
                while (conn.available()) {
                    if (conn.readByte() == 0x03) session.interrupt();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the program runs");
        }
    }

    private String stopReply(Stop s) {
        switch (s.kind()) {
            case EXITED:
                return String.format("W%02x", s.exitStatus() & 0xFF);
            case KILLED:
                return String.format("X%02x", GdbSignals.toGdb(s.signo()));
            default:
                break;
        }
        StringBuilder b = new StringBuilder(String.format("T%02x", GdbSignals.toGdb(s.signo())));
        if (s.task() != null) b.append("thread:").append(Integer.toHexString(s.task().tid)).append(';');
        switch (s.kind()) {
            case BREAKPOINT -> {
                long pc = s.task().regs.rip;
                boolean hw = breakpoints.stream().anyMatch(x -> x[0] == pc && x[1] == 1);
                if (hw && hwbreak) b.append("hwbreak:;");
                else if (!hw && swbreak) b.append("swbreak:;");
            }
            case WATCHPOINT -> {
                Watchpoint w = s.debug().watchpoint();
                String kind = switch (w.kind) {
                    case WRITE -> "watch";
                    case READ -> "rwatch";
                    case ACCESS -> "awatch";
                };
                b.append(kind).append(':').append(Long.toHexString(w.address)).append(';');
            }
            case SYSCALL_ENTRY -> b.append("syscall_entry:").append(Integer.toHexString(s.syscall())).append(';');
            case SYSCALL_RETURN -> b.append("syscall_return:").append(Integer.toHexString(s.syscall())).append(';');
            case EXEC -> b.append("exec:").append(Hex.of(s.program())).append(';');
            default -> { }
        }
        return b.toString();
    }

    @Override
    public void close() throws IOException {
        server.close();
        if (conn != null) conn.close();
    }
}
