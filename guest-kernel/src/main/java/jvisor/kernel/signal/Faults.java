package jvisor.kernel.signal;

import java.util.Arrays;

import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.disasm.Disassembler;
import jvisor.hypervisor.Vcpu;
import jvisor.hypervisor.VmExit;
import jvisor.kernel.abi.Signals;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.PageFault;

/**
 * Turns a CPU exception (an EXCEPTION VM exit) into the signal Linux would send for it
 * (arch/x86/kernel/traps.c, arch/x86/mm/fault.c), and explains it in one line.
 */
public final class Faults {
    private static final int PF_PROT = 1, PF_WRITE = 2, PF_INSTR = 16;

    private Faults() {}

    /** The signal for an exception exit, with a report naming the instruction and the access. */
    public static FatalSignal signalFor(VmExit exit, Vcpu vcpu) {
        CpuState s = vcpu.state();
        long rip = s.rip;
        int signo;
        int code;
        long addr;
        String access = null;
        switch (exit.vector) {
            case CpuFault.DE -> {
                signo = Signals.SIGFPE;
                code = Signals.FPE_INTDIV;
                addr = rip;
            }
            case CpuFault.UD -> {
                signo = Signals.SIGILL;
                code = Signals.ILL_ILLOPN;
                addr = rip;
            }
            case CpuFault.PF -> {
                signo = Signals.SIGSEGV;
                code = (exit.errorCode & PF_PROT) != 0 ? Signals.SEGV_ACCERR : Signals.SEGV_MAPERR;
                addr = exit.address;
                String what = (exit.errorCode & PF_INSTR) != 0 ? "instruction fetch at"
                        : (exit.errorCode & PF_WRITE) != 0 ? "write to" : "read from";
                access = String.format("%s 0x%x (%s)", what, addr,
                        (exit.errorCode & PF_PROT) != 0 ? "protection" : "not mapped");
            }
            case CpuFault.BP -> {
                signo = Signals.SIGTRAP;
                code = Signals.SI_KERNEL;
                addr = 0;
            }
            case CpuFault.DB -> {
                signo = Signals.SIGTRAP;
                code = Signals.TRAP_TRACE;
                addr = rip;
            }
            case CpuFault.SS -> { // Linux's do_stack_segment: SIGBUS from the kernel, no address
                signo = Signals.SIGBUS;
                code = Signals.SI_KERNEL;
                addr = 0;
                access = "stack-segment fault (non-canonical stack address)";
            }
            case CpuFault.AC -> {
                signo = Signals.SIGBUS;
                code = Signals.BUS_ADRALN;
                addr = 0;
            }
            case CpuFault.MF -> {
                signo = Signals.SIGFPE;
                code = x87Code(s.fpuStatus, s.fpuControl);
                addr = rip;
            }
            case CpuFault.XM -> {
                signo = Signals.SIGFPE;
                code = simdCode(s.mxcsr);
                addr = rip;
            }
            default -> { // #GP, #OF, #BR, #NM...: SIGSEGV from the kernel, no address
                signo = Signals.SIGSEGV;
                code = Signals.SI_KERNEL;
                addr = 0;
                if (exit.vector == CpuFault.GP) access = "general protection fault (e.g. a non-canonical address)";
            }
        }
        // For traps (int3) RIP is already past the instruction: name the one that trapped.
        long insnAddr = exit.vector == CpuFault.BP ? rip - 1 : rip;
        // The bytes and jvisor's own length of the instruction are taken now; capstone's text of
        // them when the line is read (see FaultReport).
        byte[] bytes = readCode(vcpu.addressSpace(), insnAddr);
        int decodedLength = bytes.length == 0 ? 0 : decodedLength(vcpu, insnAddr);
        String head = "guest killed by " + Signals.name(signo) + " at 0x" + Long.toHexString(insnAddr) + ": ";
        String tail = access != null ? ": " + access : "";
        FaultReport report = FaultReport.lazily(() -> head + describeInstruction(bytes, insnAddr, decodedLength) + tail);
        return new FatalSignal(signo, code, addr, 0, 0, report);
    }

    /**
     * "0f 0b (ud2)", or the bytes with a hint when capstone is missing, or "(code not readable)":
     * the instruction at rip whose bytes (up to 15) are code, decodedLength long by jvisor's decoder.
     */
    static String describeInstruction(byte[] code, long rip, int decodedLength) {
        if (code.length == 0) return "(code not readable)";
        Disassembler d = Disassembler.get();
        String text = d.disassembleOne(code, rip);
        int len = text != null ? d.lengthOfOne(code, rip) : 0;
        if (len <= 0) len = decodedLength;
        if (len <= 0 || len > code.length) len = Math.min(code.length, 8);
        String hex = Disassembler.hex(code, 0, len);
        if (text != null) return hex + " (" + text + ")";
        String why = d.unavailableReason();
        return hex + " (" + (why != null ? why : "not a valid instruction") + ")";
    }

    /** The instruction's length by jvisor's own decoder, or 0. */
    private static int decodedLength(Vcpu vcpu, long rip) {
        try {
            return vcpu.cpu().decodeAt(rip).len;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Up to 15 bytes from rip, stopping at the first unmapped byte. */
    private static byte[] readCode(AddressSpace space, long rip) {
        byte[] out = new byte[15];
        int n = 0;
        try {
            for (; n < out.length; n++) {
                long h = space.translateIgnoringProtection(rip + n);
                out[n] = jvisor.mmu.HostAccess.getByte(h);
            }
        } catch (PageFault e) {
            // keep what was readable
        }
        return Arrays.copyOf(out, n);
    }

    /** si_code for an x87 exception: the unmasked exception with the highest priority (fpu__exception_code). */
    static int x87Code(int status, int control) {
        int err = status & ~control & 0x3f;
        return fpCode(err);
    }

    /** si_code for a SIMD exception from MXCSR: flags in bits 0-5, masks in bits 7-12. */
    static int simdCode(int mxcsr) {
        int err = ~(mxcsr >> 7) & mxcsr & 0x3f;
        return fpCode(err);
    }

    private static int fpCode(int err) {
        if ((err & 0x01) != 0) return Signals.FPE_FLTINV; // invalid operation
        if ((err & 0x04) != 0) return Signals.FPE_FLTDIV; // divide by zero
        if ((err & 0x08) != 0) return Signals.FPE_FLTOVF; // overflow
        if ((err & 0x12) != 0) return Signals.FPE_FLTUND; // denormal, underflow
        if ((err & 0x20) != 0) return Signals.FPE_FLTRES; // precision
        return Signals.FPE_FLTINV;
    }
}
