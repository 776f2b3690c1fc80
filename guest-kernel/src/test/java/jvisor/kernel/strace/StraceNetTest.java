package jvisor.kernel.strace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * IPv6 addresses as inet_ntop(3) (and so strace) writes them: RFC 5952 compression, dotted IPv4
 * tails. The expected strings are what the host's inet_ntop gives for the same bytes.
 */
class StraceNetTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "0:0:0:0:0:0:0:1, ::1",
        "0:0:0:0:0:0:0:0, ::",
        "2001:db8:0:0:0:0:0:1, 2001:db8::1",
        "fe80:0:0:0:fc:ff:fe00:1, fe80::fc:ff:fe00:1",
        "1:0:0:1:0:0:0:1, 1:0:0:1::1",
        "1:0:0:2:0:0:3:4, 1::2:0:0:3:4",
        "1:0:1:0:1:0:1:0, 1:0:1:0:1:0:1:0",
        "fd00:0:0:0:0:0:0:2, fd00::2",
        "0:0:0:0:0:ffff:7f00:1, ::ffff:127.0.0.1",
        "0:0:0:0:0:0:102:304, ::1.2.3.4",
        "1:2:3:4:5:6:7:0, 1:2:3:4:5:6:7:0",
    })
    void ipv6AsInetNtop(String groups, String expected) {
        String[] g = groups.split(":");
        byte[] b = new byte[16];
        for (int k = 0; k < 8; k++) {
            int v = Integer.parseInt(g[k], 16);
            b[2 * k] = (byte) (v >> 8);
            b[2 * k + 1] = (byte) v;
        }
        assertEquals(expected, StraceNet.ipv6(b, 0));
    }
}
