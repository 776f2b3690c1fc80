package jvisor.kernel.check;

import java.util.List;

/** Events as strace prints them (strings readable, numbers as recorded), for reports. */
final class Render {
    private Render() {}

    static String event(Event e) {
        return switch (e) {
            case Event.Call c -> call(c);
            case Event.Signal s -> "--- " + Names.signal(s.signo()) + " " + Value.render(s.info()) + " ---";
            case Event.Exit x -> "+++ exited with " + x.status() + " +++";
            case Event.Killed k -> "+++ killed by " + Names.signal(k.signo()) + " +++";
        };
    }

    static String call(Event.Call c) {
        StringBuilder sb = new StringBuilder(c.name()).append('(');
        List<Value> args = c.args();
        for (int i = 0; i < args.size(); i++) {
            if (i > 0) sb.append(", ");
            Value.render(sb, args.get(i));
        }
        return sb.append(") = ").append(result(c)).toString();
    }

    /** "3", "-1 ENOENT", "?". */
    static String result(Event.Call c) {
        if (c.noReturn()) return "?";
        if (c.failed()) return "-1 " + Names.errnoName((int) -c.result());
        long r = c.result();
        return r >= -4096 && r < 65536 ? Long.toString(r) : "0x" + Long.toHexString(r);
    }
}
