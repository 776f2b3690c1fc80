package jvisor.testbins.example;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import jvisor.cpu.Reg;
import jvisor.cpu.disasm.Disassembler;
import jvisor.hypervisor.ExitKind;
import jvisor.kernel.api.LinuxMachine;
import jvisor.kernel.debug.Stop;
import jvisor.kernel.elf.ElfSymbols;
import jvisor.kernel.proc.Task;
import jvisor.kernel.syscall.SyscallInterceptor;

/**
 * The embedding API at work: find the crash in testbins/out/crash-glibc (a NULL write after a
 * few calls) from Java, with hooks.
 *
 * <ol>
 *   <li>a syscall hook logs each write(2) and its result;</li>
 *   <li>an instruction hook on the function {@code store} (its extent from the ELF symbol table)
 *       keeps the last instructions it ran, with the registers before each;</li>
 *   <li>a VM-exit hook catches the exception exit of the fault: vector, error code, address;</li>
 *   <li>{@code stopOnFaults} makes {@link LinuxMachine#run()} return at the fault, before the
 *       kernel turns it into SIGSEGV, so the registers and memory can be read there.</li>
 * </ol>
 *
 * Run it (after {@code scripts/test} or a build of guest-kernel and testbins):
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp "guest-kernel/target/guest-kernel-0.1.0-SNAPSHOT.jar:guest-kernel/target/lib/*:testbins/target/test-classes" \
 *        jvisor.testbins.example.FindTheCrash testbins/out/crash-glibc
 * </pre>
 *
 * EmbeddingApiTest runs it in CI and checks what it found.
 */
public final class FindTheCrash {
    /** What the hooks found. */
    public record Finding(int vector, int errorCode, long faultAddress, long rip, String where, String instruction,
            long rdi, long rsi, List<String> writes, List<String> lastInstructions, Stop stop) {
    }

    private FindTheCrash() {}

    public static Finding find(Path binary, PrintStream out) throws Exception {
        try (LinuxMachine m = LinuxMachine.load(binary)) {
            // 1. Syscalls: log write(2) with its result; return the result unchanged.
            List<String> writes = new ArrayList<>();
            m.hookSyscalls(new SyscallInterceptor() {
                @Override
                public long after(Task t, int nr, long[] args, long result) {
                    if (nr == 1) writes.add("write(" + args[0] + ", ..., " + args[2] + ") = " + result);
                    return result;
                }
            });

            // 2. The last instructions of store(), each with RDI and RSI as they were before it.
            ElfSymbols.Symbol store = m.symbols().find("store");
            ArrayDeque<String> last = new ArrayDeque<>();
            m.hookInstructions(store.address(), store.address() + store.size(), (cpu, insn) -> {
                if (last.size() == 8) last.removeFirst();
                last.addLast(String.format("%-10s rdi=%#x rsi=%#x", m.describe(insn.addr), cpu.r[Reg.RDI], cpu.r[Reg.RSI]));
            });

            // 3. Every VM exit: remember the first exception exit (the fault).
            long[] fault = {-1, 0, 0};
            m.hookExits((vcpu, exit) -> {
                if (exit.kind == ExitKind.EXCEPTION && exit.debug == null && fault[0] < 0) {
                    fault[0] = exit.vector;
                    fault[1] = exit.errorCode;
                    fault[2] = exit.address;
                }
            });

            // 4. Run until the fault stops the program.
            m.stopOnFaults(true);
            Stop stop = m.run();
            long rip = m.reg("rip");
            byte[] code = m.read(rip, 16);
            String insn = Disassembler.get().disassembleOne(code, rip);
            Finding f = new Finding((int) fault[0], (int) fault[1], fault[2], rip, m.describe(rip), insn, m.reg("rdi"),
                    m.reg("rsi"), List.copyOf(writes), List.copyOf(last), stop);
            if (out != null) {
                out.println("stopped: " + stop.describe() + " [" + stop.vmExit() + "]");
                out.printf("fault: vector %d, error code %#x, address %#x%n", f.vector(), f.errorCode(), f.faultAddress());
                out.printf("at %#x <%s>: %s%n", rip, f.where(), insn != null ? insn : "(no disassembler)");
                out.printf("rdi=%#x rsi=%#x%n", f.rdi(), f.rsi());
                out.println("syscalls before it:");
                writes.forEach(w -> out.println("  " + w));
                out.println("last instructions of store():");
                last.forEach(l -> out.println("  " + l));
            }
            return f;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: FindTheCrash BINARY   (e.g. testbins/out/crash-glibc)");
            System.exit(2);
        }
        find(Path.of(args[0]), System.out);
    }
}
