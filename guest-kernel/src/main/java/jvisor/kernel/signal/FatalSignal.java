package jvisor.kernel.signal;

import jvisor.kernel.abi.Signals;

/**
 * A signal that ends the process, with the siginfo strace prints for it.
 *
 * @param signo the signal
 * @param code si_code (SEGV_ACCERR, ILL_ILLOPN, SI_KERNEL, SI_USER...)
 * @param addr si_addr for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP
 * @param senderPid si_pid for signals sent by a process (SI_USER, SI_TKILL)
 * @param senderUid si_uid for signals sent by a process
 * @param report the one-line explanation for the user (without "jvisor: "), made when read, or null
 *        to stay silent (a SIGPIPE or a kill(2) is the program's business, as a shell says nothing
 *        about them)
 * @param info the siginfo as strace prints it, or null to build it from the fields above
 */
public record FatalSignal(int signo, int code, long addr, int senderPid, int senderUid, FaultReport report, String info) {

    public FatalSignal(int signo, int code, long addr, int senderPid, int senderUid, FaultReport report) {
        this(signo, code, addr, senderPid, senderUid, report, null);
    }

    /** True if the signal came from a process (kill, tgkill) rather than from a fault. */
    public boolean fromProcess() {
        return code == Signals.SI_USER || code == Signals.SI_TKILL;
    }

    /** The siginfo as strace prints it: {@code {si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=0x1000}}. */
    public String siginfo() {
        if (info != null) return info;
        StringBuilder sb = new StringBuilder("{si_signo=").append(Signals.name(signo)).append(", si_code=");
        String codeName = Signals.codeName(signo, code);
        sb.append(codeName != null ? codeName : Integer.toString(code));
        if (fromProcess()) {
            sb.append(", si_pid=").append(senderPid).append(", si_uid=").append(senderUid);
        } else if (signo == Signals.SIGSEGV || signo == Signals.SIGBUS || signo == Signals.SIGILL
                || signo == Signals.SIGFPE || signo == Signals.SIGTRAP) {
            sb.append(", si_addr=").append(addr == 0 ? "NULL" : "0x" + Long.toHexString(addr));
        }
        return sb.append('}').toString();
    }
}
