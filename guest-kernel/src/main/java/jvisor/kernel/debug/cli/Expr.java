package jvisor.kernel.debug.cli;

import java.util.function.LongUnaryOperator;

import jvisor.cpu.CpuState;
import jvisor.cpu.debug.Registers;
import jvisor.kernel.elf.ElfSymbols;

/**
 * The debugger's expressions, a small part of gdb's C syntax over 64-bit integers: numbers
 * (decimal, 0x hex), registers ({@code $rax}, {@code $eax}, {@code $pc}, {@code $sp}, {@code $fp}),
 * ELF symbols (their address; {@code &sym} too), {@code *expr} (the 8 bytes at that address),
 * unary minus, {@code + - * /}, parentheses.
 */
final class Expr {
    private final String text;
    private final CpuState regs;
    private final ElfSymbols symbols;
    private final LongUnaryOperator load64;
    private int at;

    private Expr(String text, CpuState regs, ElfSymbols symbols, LongUnaryOperator load64) {
        this.text = text;
        this.regs = regs;
        this.symbols = symbols;
        this.load64 = load64;
    }

    /**
     * Evaluates text.
     *
     * @param load64 reads 8 bytes of guest memory (throws IllegalArgumentException when it cannot)
     * @throws IllegalArgumentException with a message for the user
     */
    static long eval(String text, CpuState regs, ElfSymbols symbols, LongUnaryOperator load64) {
        Expr e = new Expr(text.trim(), regs, symbols, load64);
        if (e.text.isEmpty()) throw new IllegalArgumentException("an expression is needed");
        long v = e.sum();
        e.skipSpace();
        if (e.at < e.text.length()) throw new IllegalArgumentException("cannot make sense of '" + e.text.substring(e.at) + "'");
        return v;
    }

    private long sum() {
        long v = product();
        while (true) {
            skipSpace();
            if (peek('+')) {
                at++;
                v += product();
            } else if (peek('-')) {
                at++;
                v -= product();
            } else {
                return v;
            }
        }
    }

    private long product() {
        long v = unary();
        while (true) {
            skipSpace();
            if (peek('*')) {
                at++;
                v *= unary();
            } else if (peek('/')) {
                at++;
                long d = unary();
                if (d == 0) throw new IllegalArgumentException("division by zero");
                v /= d;
            } else {
                return v;
            }
        }
    }

    private long unary() {
        skipSpace();
        if (peek('-')) {
            at++;
            return -unary();
        }
        if (peek('*')) {
            at++;
            return load64.applyAsLong(unary());
        }
        if (peek('&')) {
            at++;
            return unary(); // a symbol's value is already its address
        }
        if (peek('(')) {
            at++;
            long v = sum();
            skipSpace();
            if (!peek(')')) throw new IllegalArgumentException("missing ')'");
            at++;
            return v;
        }
        if (peek('$')) {
            at++;
            String name = word();
            return register(name);
        }
        if (at < text.length() && Character.isDigit(text.charAt(at))) return number();
        String name = word();
        if (name.isEmpty()) throw new IllegalArgumentException("cannot make sense of '" + text.substring(at) + "'");
        ElfSymbols.Symbol s = symbols.find(name);
        if (s == null) throw new IllegalArgumentException("No symbol \"" + name + "\" in the program.");
        return s.address();
    }

    private long register(String name) {
        String n = switch (name) {
            case "pc" -> "rip";
            case "sp" -> "rsp";
            case "fp" -> "rbp";
            case "ps" -> "eflags";
            default -> name;
        };
        if (!Registers.exists(n)) throw new IllegalArgumentException("no register named '$" + name + "'");
        return Registers.get(regs, n);
    }

    private long number() {
        int start = at;
        if (text.startsWith("0x", at) || text.startsWith("0X", at)) {
            at += 2;
            while (at < text.length() && Character.digit(text.charAt(at), 16) >= 0) at++;
            if (at == start + 2) throw new IllegalArgumentException("bad number '" + text.substring(start, at) + "'");
            return Long.parseUnsignedLong(text.substring(start + 2, at), 16);
        }
        while (at < text.length() && Character.isDigit(text.charAt(at))) at++;
        try {
            return Long.parseUnsignedLong(text.substring(start, at));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("number too large: " + text.substring(start, at));
        }
    }

    private String word() {
        int start = at;
        while (at < text.length()) {
            char c = text.charAt(at);
            if (!Character.isLetterOrDigit(c) && c != '_' && c != '.' && c != '@') break;
            at++;
        }
        return text.substring(start, at);
    }

    private boolean peek(char c) {
        return at < text.length() && text.charAt(at) == c;
    }

    private void skipSpace() {
        while (at < text.length() && text.charAt(at) == ' ') at++;
    }
}
