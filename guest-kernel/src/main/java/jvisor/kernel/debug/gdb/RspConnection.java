package jvisor.kernel.debug.gdb;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The framing of the GDB Remote Serial Protocol ("Overview" and "Packets" of gdb's manual,
 * appendix E): {@code $payload#cc} with a two-digit hex checksum, {@code +}/{@code -}
 * acknowledgments until QStartNoAckMode, {@code }} escapes ({@code }} then the byte XOR 0x20)
 * for binary data, and the lone byte 0x03 with which gdb interrupts a running target.
 */
final class RspConnection implements AutoCloseable {
    /** A packet, or the interrupt byte. */
    static final String INTERRUPT = "\u0003";

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean noAck;
    /** For tests and --gdb debugging: every packet both ways (JVISOR_GDB_LOG=1). */
    private final boolean log = "1".equals(System.getenv("JVISOR_GDB_LOG"));

    RspConnection(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Makes reads give up after millis with SocketTimeoutException (0: wait for ever). */
    void socketTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    void setNoAck() {
        noAck = true;
    }

    /**
     * The next packet's payload (escapes undone, bytes as ISO-8859-1 chars), or {@link #INTERRUPT}.
     *
     * @throws EOFException when gdb closed the connection
     */
    String read() throws IOException {
        while (true) {
            int c = in.read();
            if (c < 0) throw new EOFException("gdb closed the connection");
            if (c == 0x03) return INTERRUPT;
            if (c != '$') continue; // acks and noise between packets
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            int sum = 0;
            while (true) {
                c = in.read();
                if (c < 0) throw new EOFException("gdb closed the connection");
                if (c == '#') break;
                sum += c;
                if (c == '}') {
                    int e = in.read();
                    if (e < 0) throw new EOFException("gdb closed the connection");
                    sum += e;
                    payload.write(e ^ 0x20);
                } else {
                    payload.write(c);
                }
            }
            int h1 = in.read(), h2 = in.read();
            if (h2 < 0) throw new EOFException("gdb closed the connection");
            boolean ok = Character.digit(h1, 16) * 16 + Character.digit(h2, 16) == (sum & 0xFF);
            if (!noAck) {
                out.write(ok ? '+' : '-');
                out.flush();
            }
            if (!ok) continue;
            String p = payload.toString(StandardCharsets.ISO_8859_1);
            if (log) System.err.println("gdb> " + abbreviate(p));
            return p;
        }
    }

    /** Whether bytes are waiting (gdb's interrupt while the target runs). */
    boolean available() throws IOException {
        return in.available() > 0;
    }

    /** Reads one byte without waiting for a packet (after {@link #available()}). */
    int readByte() throws IOException {
        return in.read();
    }

    /** Sends a packet, escaping what must be; waits for gdb's ack unless in no-ack mode. */
    void send(String payload) throws IOException {
        byte[] raw = payload.getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream b = new ByteArrayOutputStream(raw.length + 8);
        b.write('$');
        int sum = 0;
        for (byte x : raw) {
            int c = x & 0xFF;
            if (c == '$' || c == '#' || c == '}' || c == '*') {
                b.write('}');
                b.write(c ^ 0x20);
                sum += '}' + (c ^ 0x20);
            } else {
                b.write(c);
                sum += c;
            }
        }
        b.write('#');
        b.write(Character.forDigit((sum >> 4) & 0xF, 16));
        b.write(Character.forDigit(sum & 0xF, 16));
        if (log) System.err.println("gdb< " + abbreviate(payload));
        for (int attempt = 0; attempt < 5; attempt++) {
            out.write(b.toByteArray());
            out.flush();
            if (noAck) return;
            int c;
            do {
                c = in.read();
                if (c < 0) throw new EOFException("gdb closed the connection");
            } while (c != '+' && c != '-');
            if (c == '+') return;
        }
        throw new IOException("gdb keeps rejecting a packet");
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
