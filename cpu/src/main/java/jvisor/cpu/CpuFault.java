package jvisor.cpu;

/**
 * An exception raised by an instruction (Intel SDM Vol. 3A, 6.3.1 "Exception and interrupt
 * vectors"). Handlers throw it; the run loop catches it, leaves RIP at the faulting instruction
 * (or after it, for traps such as INT3) and returns an exception exit.
 *
 * <p>Never fills a stack trace: it is control flow for the guest, not a Java error.
 */
public final class CpuFault extends RuntimeException {
    public static final int DE = 0, DB = 1, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, SS = 12, GP = 13, PF = 14, MF = 16,
            AC = 17, XM = 19;

    public final int vector;
    public final int errorCode;
    /** True for traps (INT3, INTO): RIP stays after the instruction, as the CPU reports it. */
    public final boolean trap;

    private CpuFault(int vector, int errorCode, boolean trap) {
        super(null, null, false, false);
        this.vector = vector;
        this.errorCode = errorCode;
        this.trap = trap;
    }

    public static CpuFault undefinedOpcode() {
        return new CpuFault(UD, 0, false);
    }

    public static CpuFault generalProtection() {
        return new CpuFault(GP, 0, false);
    }

    public static CpuFault divideError() {
        return new CpuFault(DE, 0, false);
    }

    public static CpuFault breakpoint() {
        return new CpuFault(BP, 0, true);
    }

    public static CpuFault simdException() {
        return new CpuFault(XM, 0, false);
    }

    public static CpuFault of(int vector, int errorCode, boolean trap) {
        return new CpuFault(vector, errorCode, trap);
    }

    public static String vectorName(int vector) {
        return switch (vector) {
            case DE -> "#DE divide error";
            case DB -> "#DB debug";
            case BP -> "#BP breakpoint";
            case OF -> "#OF overflow";
            case BR -> "#BR bound range";
            case UD -> "#UD invalid opcode";
            case NM -> "#NM device not available";
            case SS -> "#SS stack-segment fault";
            case GP -> "#GP general protection";
            case PF -> "#PF page fault";
            case MF -> "#MF x87 floating-point error";
            case AC -> "#AC alignment check";
            case XM -> "#XM SIMD floating-point exception";
            default -> "vector " + vector;
        };
    }

    @Override
    public String getMessage() {
        return vectorName(vector);
    }
}
