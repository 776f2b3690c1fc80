package jvisor.kernel.strace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Mman;
import jvisor.kernel.abi.Signals;

class StraceStringsTest {
    private static String quote(byte[] b, long count, boolean hex) {
        StringBuilder sb = new StringBuilder();
        StraceStrings.quoteBuffer(sb, b, count, hex);
        return sb.toString();
    }

    private static String quote(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return quote(b, b.length, false);
    }

    @Test
    void escapesLikeStrace() {
        assertEquals("\"hello, world\\n\"", quote("hello, world\n"));
        assertEquals("\"tab\\there \\\"q\\\" back\\\\slash\"", quote("tab\there \"q\" back\\slash"));
        assertEquals("\"\\r\\f\\v\"", quote("\r\f\u000b"));
        assertEquals("\"\\0\\1\\2\\3abc\\n\"", quote("\0\1\2\3abc\n"));
        // Before an octal digit, three digits are needed.
        assertEquals("\"012\\0003\"", quote("012\0003"));
        assertEquals("\"\\177\\377\"", quote("\u007f\u00ff"));
        assertEquals("\"\"", quote(""));
    }

    @Test
    void truncatesAt32CharactersWithDotsAfterTheQuote() {
        String s = "a long string with \t tabs and \"quotes\" and more";
        assertEquals("\"a long string with \\t tabs and \\\"q\"...", quote(s));
        byte[] exactly32 = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        assertEquals("\"0123456789abcdef0123456789abcdef\"", quote(exactly32, 32, false));
    }

    @Test
    void hexForcedForGetrandom() {
        assertEquals("\"\\xdf\\x53\\x00\"", quote(new byte[] {(byte) 0xdf, 0x53, 0}, 3, true));
    }

    @Test
    void flagsPrintInStracesOrder() {
        StringBuilder sb = new StringBuilder();
        Strace.openFlags(sb, Fs.O_RDONLY | Fs.O_CLOEXEC);
        assertEquals("O_RDONLY|O_CLOEXEC", sb.toString());
        sb.setLength(0);
        Strace.openFlags(sb, Fs.O_WRONLY | Fs.O_CREAT | Fs.O_TRUNC);
        assertEquals("O_WRONLY|O_CREAT|O_TRUNC", sb.toString());
        sb.setLength(0);
        Strace.openFlags(sb, Fs.O_RDONLY | Fs.O_DIRECTORY | Fs.O_NOFOLLOW);
        assertEquals("O_RDONLY|O_NOFOLLOW|O_DIRECTORY", sb.toString());
        sb.setLength(0);
        Mman.PROT.appendFlags(sb, Mman.PROT_READ | Mman.PROT_WRITE | Mman.PROT_EXEC | 0x70);
        assertEquals("PROT_READ|PROT_WRITE|PROT_EXEC|0x70", sb.toString());
        sb.setLength(0);
        Mman.PROT.appendFlags(sb, 0);
        assertEquals("PROT_NONE", sb.toString());
        sb.setLength(0);
        Fs.WHENCE.appendValue(sb, 7);
        assertEquals("0x7 /* SEEK_??? */", sb.toString());
        sb.setLength(0);
        Signals.appendSigset(sb, Signals.bit(Signals.SIGINT) | Signals.bit(Signals.SIGTERM));
        assertEquals("[INT TERM]", sb.toString());
        sb.setLength(0);
        Signals.appendSigset(sb, ~(Signals.bit(32) | Signals.bit(33)));
        assertEquals("~[RTMIN RT_1]", sb.toString());
        sb.setLength(0);
        Signals.appendSigset(sb, 0);
        assertEquals("[]", sb.toString());
        assertEquals("SIGRT_2", Signals.name(34));
        assertEquals("SIGRT_32", Signals.name(64));
    }
}
