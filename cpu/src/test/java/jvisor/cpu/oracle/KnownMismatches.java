package jvisor.cpu.oracle;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import jvisor.cpu.Reg;

/**
 * Reproducers of RandomDifferentialTest.KNOWN_SSE_MISMATCHES: one instruction and the state it
 * starts from, written as "|"-separated fields:
 * <pre>
 *   code 66 0f 3a 40 f9 ff | xmm7 hi:lo | xmm1 hi:lo | rax 1234 | mxcsr 1f80 | flags 8d5 | mem+80 00112233 | note ...
 *   code c5 fc 58 c1 | ymm1 q3:q2:q1:q0 | ...
 * </pre>
 * Registers not named are zero (RSP points into the data window), memory not named is zero,
 * MXCSR defaults to 1f80. "note" fields (expected and actual values) are for people only.
 */
final class KnownMismatches {
    private KnownMismatches() {}

    static DiffCase parse(String reproducer) {
        DiffCase c = new DiffCase(0, 0);
        c.codeAddr = DiffCase.CODE + 0x1000;
        c.gpr[Reg.RSP] = DiffCase.DATA + 0x180;
        for (String field : reproducer.split("\\|")) {
            String[] kv = field.trim().split("\\s+", 2);
            String k = kv[0].toLowerCase(Locale.ROOT), v = kv.length > 1 ? kv[1].trim() : "";
            if (k.equals("note") || k.equals("expect") || k.isEmpty()) continue;
            if (k.equals("code")) {
                c.code = HexFormat.of().parseHex(v.replace(" ", ""));
                c.hostCode = c.code;
            } else if (k.startsWith("ymm")) {
                int n = Integer.parseInt(k.substring(3));
                String[] q = v.split(":");
                c.ymmHi[2 * n + 1] = Long.parseUnsignedLong(q[0], 16);
                c.ymmHi[2 * n] = Long.parseUnsignedLong(q[1], 16);
                c.xmm[2 * n + 1] = Long.parseUnsignedLong(q[2], 16);
                c.xmm[2 * n] = Long.parseUnsignedLong(q[3], 16);
            } else if (k.startsWith("xmm")) {
                int n = Integer.parseInt(k.substring(3));
                String[] hl = v.split(":");
                c.xmm[2 * n + 1] = Long.parseUnsignedLong(hl[0], 16);
                c.xmm[2 * n] = Long.parseUnsignedLong(hl[1], 16);
            } else if (k.equals("mxcsr")) {
                c.mxcsr = Integer.parseInt(v, 16);
            } else if (k.equals("flags")) {
                c.rflags = Long.parseLong(v, 16);
            } else if (k.startsWith("mem+")) {
                byte[] b = HexFormat.of().parseHex(v.replace(" ", ""));
                System.arraycopy(b, 0, c.window, Integer.parseInt(k.substring(4), 16), b.length);
            } else {
                int reg = List.of("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
                        "r13", "r14", "r15").indexOf(k);
                if (reg < 0) throw new IllegalArgumentException("unknown reproducer field: " + field);
                c.gpr[reg] = Long.parseUnsignedLong(v, 16);
            }
        }
        if (c.code == null) throw new IllegalArgumentException("reproducer without code: " + reproducer);
        c.starts.add(0);
        return c;
    }

    /**
     * Runs each reproducer on the host and the emulator and returns one failure text for each whose
     * outcomes differ or whose host outcome hostCheck rejects (hostCheck returns why, or null).
     */
    static List<String> failuresAgainstHost(List<String> reproducers, Engine engine,
            java.util.function.BiFunction<String, Outcome, String> hostCheck) {
        List<String> failures = new java.util.ArrayList<>();
        try (NativeOracle oracle = new NativeOracle()) {
            EmulatorRunner emu = new EmulatorRunner(engine);
            for (String text : reproducers) {
                DiffCase c = parse(text);
                Outcome host = oracle.submit(List.of(c)).join()[0];
                String why = hostCheck.apply(text, host);
                if (why != null) failures.add(text + "\n  " + why);
                String diff = Differ.compare(c, host, emu.run(c));
                if (diff != null) failures.add(text + "\n" + diff);
            }
        }
        return failures;
    }

    /** The differences of the reproducer between host and emulator, or null if there are none (fixed). */
    static String differences(NativeOracle oracle, EmulatorRunner emu, String reproducer) {
        DiffCase c = parse(reproducer);
        Outcome host = oracle.submit(List.of(c)).join()[0];
        return Differ.compare(c, host, emu.run(c));
    }
}
