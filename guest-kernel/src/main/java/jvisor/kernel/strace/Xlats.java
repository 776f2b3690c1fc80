package jvisor.kernel.strace;

import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Xlat;

/** Tables only strace needs. */
final class Xlats {
    private Xlats() {}

    static final Xlat DUP3 = Xlat.of("O_???", "O_CLOEXEC", Fs.O_CLOEXEC);

    private static final String[] BAUDS = {"B0", "B50", "B75", "B110", "B134", "B150", "B200", "B300", "B600",
            "B1200", "B1800", "B2400", "B4800", "B9600", "B19200", "B38400"};
    private static final String[] HIGH_BAUDS = {"BOTHER", "B57600", "B115200", "B230400", "B460800", "B500000",
            "B576000", "B921600", "B1000000", "B1152000", "B1500000", "B2000000", "B2500000", "B3000000",
            "B3500000", "B4000000"};

    /** The CBAUD bits of c_cflag by name. */
    static String baud(int cbaud) {
        if ((cbaud & 0x1000) != 0) return HIGH_BAUDS[cbaud & 0xf];
        return BAUDS[cbaud & 0xf];
    }
}
