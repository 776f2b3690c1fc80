package jvisor.kernel.debug.gdb;

/**
 * Linux signal numbers to the GDB remote protocol's own numbering (gdb's include/gdb/signals.def,
 * the traditional BSD order) and back. Only 1-15 coincide.
 */
final class GdbSignals {
    /** gdb's number for Linux signal i (index 1..31); 143 is GDB_SIGNAL_UNKNOWN. */
    private static final int[] TO_GDB = {0,
        1, 2, 3, 4, 5, 6, 10, 8, 9, 30, // HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1
        11, 31, 13, 14, 15, 143, 20, 19, 17, 18, // SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP TSTP
        21, 22, 16, 24, 25, 26, 27, 28, 23, 32, // TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR
        12}; // SYS
    private static final int UNKNOWN = 143;
    /** GDB_SIGNAL_REALTIME_33 .. _63 are 45..75; _32 is 77 (added later, out of order). */
    private static final int RT33 = 45, RT32 = 77;

    private GdbSignals() {}

    static int toGdb(int linux) {
        if (linux >= 1 && linux < TO_GDB.length) return TO_GDB[linux];
        if (linux == 32) return RT32;
        if (linux >= 33 && linux <= 63) return RT33 + (linux - 33);
        return linux == 0 ? 0 : UNKNOWN;
    }

    /** The Linux signal for gdb's number, or 0 if there is none. */
    static int toLinux(int gdb) {
        if (gdb == 0) return 0;
        for (int i = 1; i < TO_GDB.length; i++) if (TO_GDB[i] == gdb) return i;
        if (gdb == RT32) return 32;
        if (gdb >= RT33 && gdb <= RT33 + 30) return 33 + (gdb - RT33);
        return 0;
    }
}
