package jvisor.kernel.cli;

import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The guest's argument and environment strings as the bytes the JVM received, not as Java
 * strings: Java decodes them with the platform charset (lossily in the C locale), so the raw bytes
 * are taken from /proc/self/cmdline and /proc/self/environ when those agree with what Java saw.
 * That also keeps the environment in its original order.
 */
final class HostArgs {
    private HostArgs() {}

    /** The charset Java decoded arguments and environment with. */
    private static Charset jnu() {
        try {
            String name = System.getProperty("sun.jnu.encoding");
            return name != null ? Charset.forName(name) : Charset.defaultCharset();
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /** The byte strings of javaArgs[from..]; javaArgs are main's arguments. */
    static List<byte[]> arguments(String[] javaArgs, int from) {
        Charset cs = jnu();
        List<byte[]> raw = split(read("/proc/self/cmdline"));
        List<byte[]> out = new ArrayList<>();
        if (raw != null && raw.size() >= javaArgs.length) {
            List<byte[]> tail = raw.subList(raw.size() - javaArgs.length, raw.size());
            boolean same = true;
            for (int i = 0; i < javaArgs.length && same; i++) same = new String(tail.get(i), cs).equals(javaArgs[i]);
            if (same) {
                for (int i = from; i < javaArgs.length; i++) out.add(tail.get(i));
                return out;
            }
        }
        for (int i = from; i < javaArgs.length; i++) out.add(javaArgs[i].getBytes(cs));
        return out;
    }

    /** The environment: System.getenv()'s variables, in the original order when it can be known. */
    static List<byte[]> environment() {
        Charset cs = jnu();
        Map<String, String> env = System.getenv();
        List<byte[]> raw = split(read("/proc/self/environ"));
        if (raw != null) {
            Map<String, String> seen = new HashMap<>();
            List<byte[]> kept = new ArrayList<>();
            for (byte[] e : raw) {
                String s = new String(e, cs);
                int eq = s.indexOf('=');
                if (eq <= 0) continue; // Java ignores entries without a name
                seen.put(s.substring(0, eq), s.substring(eq + 1));
                kept.add(e);
            }
            if (seen.equals(env) && kept.size() == env.size()) return kept;
        }
        List<byte[]> out = new ArrayList<>();
        for (Map.Entry<String, String> e : env.entrySet()) out.add((e.getKey() + "=" + e.getValue()).getBytes(cs));
        return out;
    }

    private static byte[] read(String path) {
        return jvisor.kernel.host.HostProcFile.bytes(path);
    }

    /** NUL-terminated strings. */
    private static List<byte[]> split(byte[] data) {
        if (data == null) return null;
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == 0) {
                out.add(Arrays.copyOfRange(data, start, i));
                start = i + 1;
            }
        }
        if (start < data.length) out.add(Arrays.copyOfRange(data, start, data.length));
        return out;
    }
}
