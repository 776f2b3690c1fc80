package jvisor.kernel.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the output of {@code strace -f -X raw -xx -v -s N -o FILE} into a {@link Trace}: each line
 * is {@code PID} then a call, a signal ({@code --- SIGUSR1 {...} ---}) or the end
 * ({@code +++ exited with 0 +++}, {@code +++ killed by SIGSEGV (core dumped) +++}). Calls that
 * another task interrupted in the output ({@code <unfinished ...>}) are joined with their
 * {@code <... name resumed>} rest. A line it cannot read is kept as a problem, never thrown.
 */
final class StraceOutput {
    private static final Pattern PID = Pattern.compile("^(\\d+)\\s+");
    /** The rest of an unfinished call; "???" when strace lost the name (a task killed inside the call). */
    private static final Pattern RESUMED = Pattern.compile("^<\\.\\.\\. ([a-z0-9_]+|\\?\\?\\?) resumed>\\s?");
    private static final Pattern EXITED = Pattern.compile("^\\+\\+\\+ exited with (\\d+) \\+\\+\\+$");
    private static final Pattern KILLED = Pattern.compile("^\\+\\+\\+ killed by (SIG[A-Z0-9_]+)( \\(core dumped\\))? \\+\\+\\+$");
    private static final Pattern SIGNAL = Pattern.compile("^--- (SIG[A-Z0-9_]+) (.*) ---$");
    private static final String UNFINISHED = " <unfinished ...>";

    private final Trace trace = new Trace();
    private final Map<Integer, String> unfinished = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    /** Reads every line; returns the trace with tasks linked to their creators. */
    static StraceOutput parse(List<String> lines) {
        StraceOutput o = new StraceOutput();
        for (String line : lines) o.line(line);
        o.trace.linkChildren();
        return o;
    }

    Trace trace() {
        return trace;
    }

    /** Lines that were not understood (reported, so that a parse gap never hides as agreement). */
    List<String> problems() {
        return problems;
    }

    private void line(String raw) {
        Matcher m = PID.matcher(raw);
        if (!m.find()) {
            if (!raw.isBlank()) problems.add(raw);
            return;
        }
        int pid = Integer.parseInt(m.group(1));
        String text = raw.substring(m.end());
        if (text.endsWith(UNFINISHED)) {
            unfinished.put(pid, text.substring(0, text.length() - UNFINISHED.length()));
            return;
        }
        Matcher r = RESUMED.matcher(text);
        if (r.find()) {
            String head = unfinished.remove(pid);
            boolean lost = r.group(1).equals("???");
            if (head == null) {
                if (!lost) problems.add(raw); // else strace knows neither the call nor its end
                return;
            }
            text = head + text.substring(r.end());
            if (lost && event(text) == null) {
                // The task died inside a call whose arguments strace had begun to print ("wait4(-1, "):
                // the call as far as it was printed, without a result; nothing if even that is cut.
                text = head.replaceFirst(",\\s*$", "") + ") = ?";
                if (event(text) == null) return;
            }
        }
        Event e = event(text);
        if (e == null) {
            if (!text.startsWith("+++ superseded") && !text.startsWith("--- stopped by")) problems.add(raw);
            return;
        }
        trace.task(pid).events.add(e);
    }

    /** One event from the text after the pid, or null. */
    static Event event(String text) {
        Matcher m;
        if ((m = EXITED.matcher(text)).matches()) return new Event.Exit(Integer.parseInt(m.group(1)));
        if ((m = KILLED.matcher(text)).matches()) return new Event.Killed(Names.signal(m.group(1)));
        if ((m = SIGNAL.matcher(text)).matches()) {
            int signo = Names.signal(m.group(1));
            Value info = new StraceValues(m.group(2), 0).value();
            return signo > 0 ? new Event.Signal(signo, info) : null;
        }
        return call(text);
    }

    /** "name(args) = result [decoration]", or null. */
    static Event.Call call(String text) {
        int open = text.indexOf('(');
        if (open <= 0) return null;
        String name = text.substring(0, open);
        if (!name.matches("[a-z_][a-z0-9_]*")) return null;
        StraceValues p = new StraceValues(text, open + 1);
        List<StraceValues.Item> items;
        try {
            items = p.arguments();
        } catch (RuntimeException e) {
            return null;
        }
        if (items == null) return null;
        String rest = text.substring(p.pos()).trim();
        if (!rest.startsWith("=")) return null;
        rest = rest.substring(1).trim();
        List<Value> args = new ArrayList<>(items.size());
        for (StraceValues.Item it : items) args.add(it.value());
        args = CloneArgs.inRegisterOrder(name, items, args);
        String[] words = rest.split(" ", 3);
        if (words[0].equals("?")) {
            if (words.length > 1 && words[1].startsWith("E")) {
                int errno = Names.errno(words[1]);
                if (errno > 0) return new Event.Call(name, args, -errno, false);
            }
            return new Event.Call(name, args, 0, true);
        }
        Long v = StraceValues.parseNumber(words[0]);
        if (v == null) return null;
        if (v == -1 && words.length > 1) {
            int errno = words[1].startsWith("E") ? Names.errno(words[1]) : -1;
            if (errno < 0 && words[1].equals("(errno") && words.length > 2) {
                Long n = StraceValues.parseNumber(words[2].replace(")", ""));
                if (n != null) errno = n.intValue();
            }
            if (errno > 0) return new Event.Call(name, args, -errno, false);
        }
        return new Event.Call(name, args, v, false);
    }
}
