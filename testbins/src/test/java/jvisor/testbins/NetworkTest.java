/*
 * NetworkTest - end-to-end: static busybox servers run under jvisor answer clients of the host
 * (the test itself) over loopback TCP, and busybox clients under jvisor reach servers the test
 * runs natively. The guest's sockets are jvisor's AF_INET sockets on Java NIO; the other end is
 * the host's own network stack, so every byte crosses a real loopback connection.
 */
package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

class NetworkTest {
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** How long a guest server may take to start listening (a JVM start, then busybox). */
    private static final Duration STARTUP = Duration.ofSeconds(45);

    @TempDir
    Path work;

    @BeforeEach
    void busyboxIsThere() {
        assumeTrue(Files.isExecutable(BUSYBOX), "busybox-static is not installed (scripts/install-deps installs it)");
    }

    /** A port nothing listens on right now (the host picks it). */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    /** jvisor run --quiet busybox ARGS... as a process of the test, in the work directory. */
    private Process startGuest(String... args) throws IOException {
        List<String> cmd = GuestRunner.jvisorCommand();
        cmd.addAll(List.of("run", "--quiet", BUSYBOX.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
        pb.environment().clear();
        pb.environment().putAll(GuestRunner.DEFAULT_ENV);
        pb.redirectErrorStream(true);
        return pb.start();
    }

    /** Connects to the guest's port, retrying while the guest server is still starting. */
    private static Socket connectWhenListening(int port, Process guest) throws Exception {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (true) {
            try {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(LOOPBACK, port), 2000);
                s.setSoTimeout(20_000);
                return s;
            } catch (IOException e) {
                if (!guest.isAlive()) {
                    throw new AssertionError("the guest server exited (" + guest.exitValue() + "): "
                            + new String(guest.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                }
                if (System.nanoTime() > deadline) throw new AssertionError("the guest never listened on " + port, e);
                Thread.sleep(100);
            }
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    /** One HTTP/1.0 GET to the guest server: the whole response. */
    private static String httpGet(int port, String path, Process guest) throws Exception {
        try (Socket s = connectWhenListening(port, guest)) {
            OutputStream o = s.getOutputStream();
            o.write(("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            return new String(readAll(s.getInputStream()), StandardCharsets.ISO_8859_1);
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void httpdUnderJvisorServesNativeClients() throws Exception {
        Path www = Files.createDirectory(work.resolve("www"));
        String page = "served by busybox httpd under jvisor\n".repeat(300); // several TCP segments
        Files.writeString(www.resolve("index.html"), page);
        int port = freePort();
        Process httpd = startGuest("httpd", "-f", "-p", "127.0.0.1:" + port, "-h", www.toString());
        try {
            String ok = httpGet(port, "/index.html", httpd);
            assertTrue(ok.matches("(?s)HTTP/1\\.[01] 200 OK\r\n.*"), ok);
            assertTrue(ok.endsWith("\r\n\r\n" + page), () -> "body differs:\n" + ok);
            String missing = httpGet(port, "/no-such-page", httpd);
            assertTrue(missing.matches("(?s)HTTP/1\\.[01] 404 Not Found\r\n.*"), missing);
            // Connections one after another: httpd forks a child for each (fork, accept, close).
            for (int i = 0; i < 3; i++) assertTrue(httpGet(port, "/", httpd).endsWith(page));
            assertTrue(httpd.isAlive(), "httpd must keep serving");
        } finally {
            stop(httpd);
        }
    }

    @Test
    void ncListeningUnderJvisorTalksToNativeClient() throws Exception {
        int port = freePort();
        Process nc = startGuest("nc", "-l", "-p", Integer.toString(port));
        try {
            try (OutputStream in = nc.getOutputStream()) {
                in.write("from the guest\n".getBytes(StandardCharsets.US_ASCII));
            }
            try (Socket s = connectWhenListening(port, nc)) {
                s.getOutputStream().write("from the host\n".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                assertEquals("from the guest\n", new String(readAll(s.getInputStream()), StandardCharsets.US_ASCII));
            }
            assertTrue(nc.waitFor(30, TimeUnit.SECONDS), "nc -l must end when both sides are done");
            assertEquals("from the host\n", new String(readAll(nc.getInputStream()), StandardCharsets.US_ASCII));
            assertEquals(0, nc.exitValue());
        } finally {
            stop(nc);
        }
    }

    @Test
    void ncUnderJvisorReachesNativeServer() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK)) {
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket c = server.accept()) {
                    c.setSoTimeout(60_000);
                    String got = new String(readAll(c.getInputStream()), StandardCharsets.US_ASCII);
                    c.getOutputStream().write(("echo: " + got).getBytes(StandardCharsets.US_ASCII));
                    return got;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            List<String> cmd = new ArrayList<>(GuestRunner.jvisorCommand());
            cmd.addAll(List.of("run", "--quiet", BUSYBOX.toString(), "nc", "127.0.0.1",
                    Integer.toString(server.getLocalPort())));
            GuestRunner.Result r = GuestRunner.run(cmd, "line one\nline two\n".getBytes(StandardCharsets.US_ASCII),
                    null, work);
            assertEquals("line one\nline two\n", received.get(30, TimeUnit.SECONDS));
            assertEquals("echo: line one\nline two\n", r.stdoutText(), r.toString());
            assertEquals(0, r.exitCode(), r.toString());
        }
    }

    @Test
    void wgetUnderJvisorReachesNativeHttpServer() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        byte[] body = "native page\n".repeat(2000).getBytes(StandardCharsets.US_ASCII);
        server.createContext("/page", ex -> {
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            List<String> cmd = new ArrayList<>(GuestRunner.jvisorCommand());
            cmd.addAll(List.of("run", "--quiet", BUSYBOX.toString(), "wget", "-q", "-O", "-", base + "/page"));
            GuestRunner.Result ok = GuestRunner.run(cmd, null, null, work);
            assertEquals(0, ok.exitCode(), ok.toString());
            assertEquals(new String(body, StandardCharsets.US_ASCII), ok.stdoutText());

            cmd.set(cmd.size() - 1, base + "/missing");
            GuestRunner.Result missing = GuestRunner.run(cmd, null, null, work);
            assertEquals(1, missing.exitCode(), missing.toString());
            assertTrue(missing.stderrText().contains("404"), missing.toString());

            cmd.set(cmd.size() - 1, "http://127.0.0.1:" + freePort() + "/");
            GuestRunner.Result refused = GuestRunner.run(cmd, null, null, work);
            assertEquals(1, refused.exitCode(), refused.toString());
            assertTrue(refused.stderrText().contains("Connection refused"), refused.toString());
        } finally {
            server.stop(0);
        }
    }
}
