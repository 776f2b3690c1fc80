package jvisor.kernel.conformance;

import jvisor.kernel.host.HostConsole;

/**
 * `jvisor syscalls [--markdown]`: prints the conformance table ({@link ConformanceTable}) as text,
 * or as the Markdown of docs/SYSCALLS.md.
 */
public final class SyscallsCommand {
    private SyscallsCommand() {}

    public static final String USAGE_TEXT = """
            usage: jvisor syscalls [--markdown]

            Prints every x86-64 syscall with its state in jvisor (implemented, partial, deliberately
            different, not implemented), what is missing or why it differs, and the test programs that
            checked it against the host kernel. --markdown prints docs/SYSCALLS.md.
            """;

    public static int run(String[] args) {
        boolean markdown = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--markdown" -> markdown = true;
                case "-h", "--help" -> {
                    HostConsole.outText(USAGE_TEXT);
                    return 0;
                }
                default -> {
                    HostConsole.errLine("jvisor syscalls: unknown argument '" + args[i] + "'");
                    HostConsole.write(2, USAGE_TEXT);
                    return 2;
                }
            }
        }
        ConformanceTable t = ConformanceTable.current();
        HostConsole.outText(markdown ? t.markdown() : t.text());
        return 0;
    }
}
