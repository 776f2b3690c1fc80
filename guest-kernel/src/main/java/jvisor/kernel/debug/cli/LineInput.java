package jvisor.kernel.debug.cli;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jvisor.kernel.host.HostConsole;
import jvisor.kernel.host.Libc;

/**
 * The debugger's command lines, read from the host's fd 0 with read(2) one byte at a time: no
 * Java buffer ever reads ahead, so whatever follows the commands on stdin stays for the guest.
 *
 * <p>On a terminal the line is edited in place, readline style: left/right arrows, Home/End,
 * Ctrl-A/E, Backspace/Delete, Ctrl-K/U/W, up/down (or Ctrl-P/N) through the history, Ctrl-L,
 * Ctrl-D on an empty line for end of input. The terminal is switched to non-canonical, no-echo
 * mode only while a line is being read (TCGETS/TCSETS on fd 0), and restored before the guest
 * runs again. Elsewhere (a pipe, a file) lines are read plainly.
 */
public final class LineInput {
    /** Where lines come from: the host terminal or a script (tests). */
    public interface Source {
        /** The next line without its newline, or null at end of input. */
        String readLine(String prompt);
    }

    private static final long TCGETS = 0x5401, TCSETS = 0x5402;
    private static final int TERMIOS_SIZE = 60, LFLAG = 12, CC = 17, VTIME = 5, VMIN = 6;
    private static final int ICANON = 0x2, ECHO = 0x8;
    private static final int MAX_HISTORY = 500;

    private LineInput() {}

    /** Lines from fd 0, edited when fd 0 is a terminal. */
    public static Source host() {
        return new HostSource();
    }

    /** Lines from a list (tests, scripted sessions). */
    public static Source of(List<String> lines, StringBuilder echo) {
        return new Source() {
            int next;

            @Override
            public String readLine(String prompt) {
                if (next >= lines.size()) return null;
                String l = lines.get(next++);
                if (echo != null) echo.append(prompt).append(l).append('\n');
                return l;
            }
        };
    }

    private static final class HostSource implements Source {
        private final List<String> history = new ArrayList<>();
        private final Arena arena = Arena.ofAuto();
        private final MemorySegment one = arena.allocate(8);
        private final MemorySegment saved = arena.allocate(TERMIOS_SIZE);
        private final boolean terminal;

        HostSource() {
            boolean t;
            try {
                t = Libc.ioctl(0, TCGETS, saved) == 0;
            } catch (RuntimeException | LinkageError e) {
                t = false;
            }
            terminal = t;
        }

        @Override
        public String readLine(String prompt) {
            HostConsole.outText(prompt);
            String line = terminal ? edited() : plain();
            if (line != null && !line.isBlank()) {
                if (history.isEmpty() || !history.get(history.size() - 1).equals(line)) history.add(line);
                if (history.size() > MAX_HISTORY) history.remove(0);
            }
            return line;
        }

        /** One byte from fd 0, or -1 at end of input or on an error. */
        private int readByte() {
            while (true) {
                long n = Libc.read(0, one.address(), 1);
                if (n == -4) continue; // EINTR
                return n == 1 ? one.get(ValueLayout.JAVA_BYTE, 0) & 0xFF : -1;
            }
        }

        private String plain() {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                int c = readByte();
                if (c < 0) return b.size() > 0 ? b.toString(StandardCharsets.UTF_8) : null;
                if (c == '\n') return b.toString(StandardCharsets.UTF_8);
                if (c != '\r') b.write(c);
            }
        }

        private String edited() {
            MemorySegment raw = arena.allocate(TERMIOS_SIZE);
            Libc.ioctl(0, TCGETS, saved);
            MemorySegment.copy(saved, 0, raw, 0, TERMIOS_SIZE);
            int lflag = raw.get(ValueLayout.JAVA_INT_UNALIGNED, LFLAG);
            raw.set(ValueLayout.JAVA_INT_UNALIGNED, LFLAG, lflag & ~(ICANON | ECHO));
            raw.set(ValueLayout.JAVA_BYTE, CC + VMIN, (byte) 1);
            raw.set(ValueLayout.JAVA_BYTE, CC + VTIME, (byte) 0);
            Libc.ioctl(0, TCSETS, raw);
            try {
                return new Editor(this).run();
            } finally {
                Libc.ioctl(0, TCSETS, saved);
            }
        }
    }

    /** The in-place editor of one line on a terminal in non-canonical mode. */
    private static final class Editor {
        private final HostSource src;
        private final StringBuilder line = new StringBuilder();
        private int cursor;
        private int historyAt;
        private String draft = "";

        Editor(HostSource src) {
            this.src = src;
            this.historyAt = src.history.size();
        }

        String run() {
            while (true) {
                int c = src.readByte();
                if (c < 0) return line.length() > 0 ? line.toString() : null;
                switch (c) {
                    case '\r', '\n' -> {
                        HostConsole.outText("\r\n");
                        return line.toString();
                    }
                    case 4 -> { // Ctrl-D
                        if (line.length() == 0) {
                            HostConsole.outText("\r\n");
                            return null;
                        }
                        delete(cursor);
                    }
                    case 1 -> move(0); // Ctrl-A
                    case 5 -> move(line.length()); // Ctrl-E
                    case 2 -> move(cursor - 1); // Ctrl-B
                    case 6 -> move(cursor + 1); // Ctrl-F
                    case 11 -> { // Ctrl-K
                        line.setLength(cursor);
                        redraw();
                    }
                    case 21 -> { // Ctrl-U
                        line.delete(0, cursor);
                        cursor = 0;
                        redraw();
                    }
                    case 23 -> { // Ctrl-W: the word before the cursor
                        int from = cursor;
                        while (from > 0 && line.charAt(from - 1) == ' ') from--;
                        while (from > 0 && line.charAt(from - 1) != ' ') from--;
                        line.delete(from, cursor);
                        cursor = from;
                        redraw();
                    }
                    case 12 -> redraw(); // Ctrl-L
                    case 16 -> history(-1); // Ctrl-P
                    case 14 -> history(1); // Ctrl-N
                    case 127, 8 -> delete(cursor - 1);
                    case 27 -> escape();
                    default -> {
                        if (c >= 32) insert(c);
                    }
                }
            }
        }

        /** ESC [ A/B/C/D, ESC [ H/F, ESC [ 1~/4~/3~ (the common VT100/xterm keys). */
        private void escape() {
            int c = src.readByte();
            if (c != '[' && c != 'O') return;
            int k = src.readByte();
            switch (k) {
                case 'A' -> history(-1);
                case 'B' -> history(1);
                case 'C' -> move(cursor + 1);
                case 'D' -> move(cursor - 1);
                case 'H' -> move(0);
                case 'F' -> move(line.length());
                case '1', '3', '4', '7', '8' -> {
                    if (src.readByte() != '~') return;
                    if (k == '3') delete(cursor);
                    else if (k == '1' || k == '7') move(0);
                    else move(line.length());
                }
                default -> { }
            }
        }

        private void insert(int first) {
            // A UTF-8 sequence arrives byte by byte: gather it before inserting the character.
            int extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0;
            byte[] b = new byte[extra + 1];
            b[0] = (byte) first;
            for (int i = 1; i <= extra; i++) b[i] = (byte) src.readByte();
            String s = new String(b, StandardCharsets.UTF_8);
            line.insert(cursor, s);
            cursor += s.length();
            redraw();
        }

        private void delete(int at) {
            if (at < 0 || at >= line.length()) return;
            line.deleteCharAt(at);
            if (at < cursor) cursor--;
            redraw();
        }

        private void move(int to) {
            cursor = Math.max(0, Math.min(line.length(), to));
            redraw();
        }

        private void history(int delta) {
            List<String> h = src.history;
            int to = historyAt + delta;
            if (to < 0 || to > h.size()) return;
            if (historyAt == h.size()) draft = line.toString();
            historyAt = to;
            line.setLength(0);
            line.append(to == h.size() ? draft : h.get(to));
            cursor = line.length();
            redraw();
        }

        /** Rewrites the line after the prompt: back to its start, text, clear the rest, cursor back. */
        private void redraw() {
            StringBuilder out = new StringBuilder("\r\u001b[").append(PROMPT_WIDTH).append('C');
            out.append(line).append("\u001b[K");
            int back = line.length() - cursor;
            if (back > 0) out.append("\u001b[").append(back).append('D');
            HostConsole.outText(out.toString());
        }
    }

    /** The width of the debugger's prompt "(jvisor) ". */
    static final int PROMPT_WIDTH = 9;
}
