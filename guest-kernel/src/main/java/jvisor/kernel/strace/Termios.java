package jvisor.kernel.strace;

import jvisor.kernel.abi.Xlat;

/** strace's abbreviated struct termios (term.c decode_termios without -v). */
final class Termios {
    private Termios() {}

    private static final Xlat IFLAGS = Xlat.of("IGN???", "IGNBRK", 01, "BRKINT", 02, "IGNPAR", 04, "PARMRK", 010,
            "INPCK", 020, "ISTRIP", 040, "INLCR", 0100, "IGNCR", 0200, "ICRNL", 0400, "IUCLC", 01000, "IXON", 02000,
            "IXANY", 04000, "IXOFF", 010000, "IMAXBEL", 020000, "IUTF8", 040000);
    private static final Xlat OFLAGS = Xlat.of("O???", "OPOST", 01, "OLCUC", 02, "ONLCR", 04, "OCRNL", 010,
            "ONOCR", 020, "ONLRET", 040, "OFILL", 0100, "OFDEL", 0200);
    private static final Xlat CFLAGS = Xlat.of("C???", "CSTOPB", 0100, "CREAD", 0200, "PARENB", 0400,
            "PARODD", 01000, "HUPCL", 02000, "CLOCAL", 04000, "CMSPAR", 010000000000L, "CRTSCTS", 020000000000L);
    private static final Xlat LFLAGS = Xlat.of("???", "ISIG", 01, "ICANON", 02, "XCASE", 04, "ECHO", 010,
            "ECHOE", 020, "ECHOK", 040, "ECHONL", 0100, "NOFLSH", 0200, "IEXTEN", 0100000, "ECHOCTL", 01000,
            "ECHOPRT", 02000, "ECHOKE", 04000, "FLUSHO", 010000, "PENDIN", 040000, "TOSTOP", 0400,
            "EXTPROC", 0200000);
    private static final Xlat CSIZE = Xlat.of("CS?", "CS5", 0, "CS6", 020, "CS7", 040, "CS8", 060);

    /** Output delay fields: mask and the names of its values. */
    private static final long[] DELAY_MASKS = {0400, 03000, 014000, 020000, 040000, 0100000};
    private static final Xlat[] DELAYS = {
        Xlat.of("NL?", "NL0", 0, "NL1", 0400),
        Xlat.of("CR?", "CR0", 0, "CR1", 01000, "CR2", 02000, "CR3", 03000),
        Xlat.of("TAB?", "TAB0", 0, "TAB1", 04000, "TAB2", 010000, "TAB3", 014000),
        Xlat.of("BS?", "BS0", 0, "BS1", 020000),
        Xlat.of("VT?", "VT0", 0, "VT1", 040000),
        Xlat.of("FF?", "FF0", 0, "FF1", 0100000),
    };

    /** c_iflag, c_oflag, c_cflag, c_lflag as unsigned values. */
    static void append(StringBuilder sb, long iflag, long oflag, long cflag, long lflag) {
        sb.append("{c_iflag=");
        IFLAGS.appendFlags(sb, iflag);
        sb.append(", c_oflag=");
        long o = oflag;
        for (int i = 0; i < DELAYS.length; i++) {
            DELAYS[i].appendValue(sb, o & DELAY_MASKS[i]);
            sb.append('|');
            o &= ~DELAY_MASKS[i];
        }
        OFLAGS.appendFlags(sb, o);
        sb.append(", c_cflag=").append(Xlats.baud((int) (cflag & 010017))).append('|');
        long ibaud = cflag & 002003600000L;
        if (ibaud != 0) sb.append(Xlats.baud((int) (ibaud >> 16))).append("<<IBSHIFT|");
        CSIZE.appendValue(sb, cflag & 060);
        sb.append('|');
        CFLAGS.appendFlags(sb, cflag & ~(010017L | 002003600000L | 060L));
        sb.append(", c_lflag=");
        LFLAGS.appendFlags(sb, lflag);
        sb.append(", ...}");
    }
}
