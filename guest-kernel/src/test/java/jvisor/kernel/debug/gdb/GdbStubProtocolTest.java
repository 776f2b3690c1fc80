package jvisor.kernel.debug.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jvisor.kernel.api.LinuxMachine;
import jvisor.kernel.debug.Stop;
import jvisor.kernel.debug.TinyProgram;

/**
 * The stub at the packet level, as gdb speaks to it (checksums, acks, escapes), on
 * {@link TinyProgram}: independent of an installed gdb (GdbStubTest in testbins drives real gdb).
 */
@Timeout(60)
class GdbStubProtocolTest {
    @TempDir
    Path dir;

    /** A minimal client: sends packets with checksums, reads replies, acks them until no-ack mode. */
    static final class Client implements AutoCloseable {
        final Socket s;
        final InputStream in;
        final OutputStream out;
        boolean ack = true;

        Client(int port) throws Exception {
            s = new Socket(InetAddress.getLoopbackAddress(), port);
            s.setSoTimeout(30_000);
            in = s.getInputStream();
            out = s.getOutputStream();
        }

        String ask(String payload) throws Exception {
            send(payload);
            return reply();
        }

        void send(String payload) throws Exception {
            int sum = 0;
            for (byte b : payload.getBytes(StandardCharsets.ISO_8859_1)) sum += b & 0xFF;
            out.write(("$" + payload + "#" + String.format("%02x", sum & 0xFF)).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (ack) assertEquals('+', in.read(), "the stub acknowledges a good packet");
        }

        String reply() throws Exception {
            int c;
            while ((c = in.read()) != '$') assertTrue(c >= 0, "connection closed");
            StringBuilder b = new StringBuilder();
            int sum = 0;
            while ((c = in.read()) != '#') {
                sum += c;
                if (c == '}') {
                    int e = in.read();
                    sum += e;
                    b.append((char) (e ^ 0x20));
                } else {
                    b.append((char) c);
                }
            }
            int cs = Integer.parseInt("" + (char) in.read() + (char) in.read(), 16);
            assertEquals(sum & 0xFF, cs, "checksum of " + b);
            if (ack) out.write('+');
            return b.toString();
        }

        @Override
        public void close() throws java.io.IOException {
            s.close();
        }
    }

    private static String le64(long v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) b.append(String.format("%02x", (v >>> (8 * i)) & 0xFF));
        return b.toString();
    }

    /** Serves one client on another thread; the future holds the program's end. */
    private static CompletableFuture<Stop> serve(GdbStub stub) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return stub.serve();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aSessionAsGdbWouldHaveIt() throws Exception {
        try (LinuxMachine m = LinuxMachine.load(TinyProgram.write(dir)); GdbStub stub = GdbStub.listen(m, 0)) {
            CompletableFuture<Stop> served = serve(stub);
            try (Client c = new Client(stub.port())) {
                String features = c.ask("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
                assertTrue(features.contains("qXfer:features:read+") && features.contains("swbreak+"), features);
                assertEquals("OK", c.ask("QStartNoAckMode"));
                c.ack = false;
                assertTrue(c.ask("?").startsWith("T05thread:"), "stopped at the start with SIGTRAP");
                String xml = c.ask("qXfer:features:read:target.xml:0,3fff");
                assertTrue(xml.startsWith("l<?xml") && xml.contains("org.gnu.gdb.i386.segments") && xml.contains("name=\"fs_base\""), xml);
                String part = c.ask("qXfer:features:read:target.xml:0,10");
                assertEquals("m<?xml version", part.substring(0, 14));

                String g = c.ask("g");
                // 16 GPRs, rip, eflags, 6 selectors, 8 x 10-byte st, 8 x87 control, 16 xmm, mxcsr, orig_rax, fs/gs base
                int bytes = 16 * 8 + 8 + 4 + 6 * 4 + 8 * 10 + 8 * 4 + 16 * 16 + 4 + 8 + 8 + 8;
                assertEquals(2 * bytes, g.length());
                assertEquals(le64(TinyProgram.START), g.substring(16 * 16, 16 * 16 + 16), "rip follows the 16 GPRs");
                assertEquals(le64(TinyProgram.START), c.ask("p10"));
                assertEquals("OK", c.ask("P0=" + le64(0x1122334455667788L)));
                assertEquals(le64(0x1122334455667788L), c.ask("p0"));
                assertEquals("E01", c.ask("p99"));

                assertEquals("bf05000000", c.ask("m401000,5"));
                assertEquals("E14", c.ask("m0,4"));
                assertEquals("OK", c.ask("X402010,2:}\u0003}\u0004")); // escaped '#' and '$'
                assertEquals("2324", c.ask("m402010,2"));

                assertEquals("OK", c.ask("Z0," + Long.toHexString(TinyProgram.TWICE) + ",1"));
                String stop = c.ask("vCont;c");
                assertTrue(stop.startsWith("T05thread:") && stop.contains("swbreak:;"), stop);
                assertEquals(le64(TinyProgram.TWICE), c.ask("p10"));
                assertEquals("OK", c.ask("z0," + Long.toHexString(TinyProgram.TWICE) + ",1"));

                String tid = stop.substring("T05thread:".length(), stop.indexOf(';'));
                assertEquals("m" + tid, c.ask("qfThreadInfo"));
                assertEquals("l", c.ask("qsThreadInfo"));
                assertEquals("OK", c.ask("Hg" + tid));
                assertTrue(c.ask("vCont;s:" + tid).startsWith("T05"), "one step");
                assertEquals(le64(TinyProgram.TWICE + 3), c.ask("p10"));

                assertEquals("OK", c.ask("Z2," + Long.toHexString(TinyProgram.COUNTER) + ",4"));
                assertEquals("T05thread:" + tid + ";watch:" + Long.toHexString(TinyProgram.COUNTER) + ";", c.ask("c"));
                assertEquals("OK", c.ask("z2," + Long.toHexString(TinyProgram.COUNTER) + ",4"));

                assertEquals("OK", c.ask("QCatchSyscalls:1;27"));
                assertEquals("T05thread:" + tid + ";syscall_entry:27;", c.ask("vCont;c"));
                assertEquals("T05thread:" + tid + ";syscall_return:27;", c.ask("vCont;c"));
                assertEquals("OK", c.ask("QCatchSyscalls:0"));

                assertEquals("T0bthread:" + tid + ";", c.ask("vCont;c"), "SIGSEGV at the NULL write");
                assertEquals("X0b", c.ask("vCont;C0b:" + tid), "delivered, it kills");
            }
            Stop end = served.get(30, TimeUnit.SECONDS);
            assertEquals(Stop.Kind.KILLED, end.kind());
        }
    }

    /** The stub serving a session on the launcher (dir is the guest's root), and a client that said hello. */
    private Stop execSession(boolean execEvents, ClientScript script) throws Exception {
        TinyProgram.write(dir);
        try (LinuxMachine m = LinuxMachine.builder(TinyProgram.writeExecer(dir, "/tiny")).root(dir).load();
                GdbStub stub = GdbStub.listen(m, 0)) {
            CompletableFuture<Stop> served = serve(stub);
            try (Client c = new Client(stub.port())) {
                String features = c.ask("qSupported:swbreak+;hwbreak+" + (execEvents ? ";exec-events+" : ""));
                assertEquals(execEvents, features.contains("exec-events+"), features);
                script.run(c);
            }
            return served.get(30, TimeUnit.SECONDS);
        }
    }

    interface ClientScript {
        void run(Client c) throws Exception;
    }

    @Test
    void execStopsReachGdbOnlyIfItAskedForThem() throws Exception {
        Stop end = execSession(true, c -> {
            // a breakpoint where the new program's twice will be: gdb's breakpoints go with the old program
            assertEquals("OK", c.ask("Z0," + Long.toHexString(TinyProgram.TWICE) + ",1"));
            String stop = c.ask("vCont;c");
            String path = HexFormat.of().formatHex("/tiny".getBytes(StandardCharsets.UTF_8));
            assertTrue(stop.matches("T05thread:[0-9a-f]+;exec:" + path + ";"), stop);
            assertEquals(le64(TinyProgram.START), c.ask("p10"), "before the new program's first instruction");
            assertTrue(c.ask("vCont;c").startsWith("T0bthread:"), "on to the NULL write, past the dropped breakpoint");
            assertEquals("X0b", c.ask("vCont;C0b"));
        });
        assertEquals(Stop.Kind.KILLED, end.kind());

        end = execSession(false, c -> {
            assertTrue(c.ask("vCont;c").startsWith("T0bthread:"), "no exec stop for a gdb that did not ask");
            assertEquals("X0b", c.ask("vCont;C0b"));
        });
        assertEquals(Stop.Kind.KILLED, end.kind());
    }

    @Test
    void signalsTranslateToGdbNumbers() {
        assertEquals(11, GdbSignals.toGdb(11)); // SIGSEGV
        assertEquals(10, GdbSignals.toGdb(7)); // SIGBUS
        assertEquals(30, GdbSignals.toGdb(10)); // SIGUSR1
        assertEquals(12, GdbSignals.toGdb(31)); // SIGSYS
        for (int sig = 1; sig <= 63; sig++) {
            if (sig == 16) continue; // SIGSTKFLT has no gdb number
            assertEquals(sig, GdbSignals.toLinux(GdbSignals.toGdb(sig)), "round trip of " + sig);
        }
    }
}
