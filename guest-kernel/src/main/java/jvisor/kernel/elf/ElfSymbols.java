package jvisor.kernel.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The function and object symbols of an executable's symbol table (.symtab, or .dynsym when
 * stripped), at their run-time addresses: what the debugger, the trace and the gdb stub use to
 * name addresses ({@code main+21}) and to find them ({@code break main}). A file without symbols
 * (or with a malformed table) gives an empty set, never an error.
 *
 * <p>Format: System V gABI, "Sections" and "Symbol Table" (Elf64_Shdr, Elf64_Sym).
 */
public final class ElfSymbols {
    private static final int SHT_SYMTAB = 2, SHT_DYNSYM = 11;
    private static final int STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2;
    private static final int SHDR_SIZE = 64, SYM_SIZE = 24;

    /** One symbol: name, run-time address, size in bytes (0 if unknown), and whether it is code. */
    public record Symbol(String name, long address, long size, boolean function) {
        public boolean contains(long a) {
            return a == address || (Long.compareUnsigned(a, address) > 0 && Long.compareUnsigned(a - address, size) < 0);
        }
    }

    private static final ElfSymbols EMPTY = new ElfSymbols(List.of());

    /** Sorted by address. */
    private final List<Symbol> byAddress;
    private final Map<String, Symbol> byName = new HashMap<>();

    private ElfSymbols(List<Symbol> symbols) {
        List<Symbol> sorted = new ArrayList<>(symbols);
        sorted.sort(Comparator.comparingLong(Symbol::address));
        this.byAddress = List.copyOf(sorted);
        for (Symbol s : sorted) {
            Symbol old = byName.get(s.name());
            if (old == null || (s.function() && !old.function())) byName.put(s.name(), s);
        }
    }

    public static ElfSymbols empty() {
        return EMPTY;
    }

    /** Reads the symbols of the executable at path, relocated as the loader places it. */
    public static ElfSymbols load(Path binary) {
        try {
            byte[] data = Files.readAllBytes(binary);
            ElfFile elf = ElfFile.parse(data);
            return parse(data, ElfLoader.loadBias(elf));
        } catch (IOException | ElfException | RuntimeException e) {
            return EMPTY;
        }
    }

    /** Parses the symbol table of an ELF64 image; bias is added to every address (PIE load bias). */
    public static ElfSymbols parse(byte[] data, long bias) {
        try {
            return new ElfSymbols(read(data, bias));
        } catch (RuntimeException e) { // a malformed table: no names, not an error
            return EMPTY;
        }
    }

    private static List<Symbol> read(byte[] data, long bias) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(0x28);
        int shentsize = b.getShort(0x3A) & 0xFFFF;
        int shnum = b.getShort(0x3C) & 0xFFFF;
        if (shoff <= 0 || shnum == 0 || shentsize != SHDR_SIZE || shoff + (long) shnum * SHDR_SIZE > data.length) {
            return List.of();
        }
        int table = -1;
        for (int i = 0; i < shnum; i++) {
            int type = b.getInt((int) shoff + i * SHDR_SIZE + 4);
            if (type == SHT_SYMTAB) table = i;
            else if (type == SHT_DYNSYM && table < 0) table = i;
        }
        if (table < 0) return List.of();
        int sh = (int) shoff + table * SHDR_SIZE;
        long off = b.getLong(sh + 24), size = b.getLong(sh + 32);
        int link = b.getInt(sh + 40);
        if (link <= 0 || link >= shnum || off < 0 || size < 0 || off + size > data.length) return List.of();
        int str = (int) shoff + link * SHDR_SIZE;
        long strOff = b.getLong(str + 24), strSize = b.getLong(str + 32);
        if (strOff < 0 || strSize < 0 || strOff + strSize > data.length) return List.of();

        List<Symbol> out = new ArrayList<>();
        for (long p = off; p + SYM_SIZE <= off + size; p += SYM_SIZE) {
            int at = (int) p;
            int name = b.getInt(at);
            int type = data[at + 4] & 0xF;
            int shndx = b.getShort(at + 6) & 0xFFFF;
            long value = b.getLong(at + 8), symSize = b.getLong(at + 16);
            if (shndx == 0 || (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE)) continue;
            if (name <= 0 || name >= strSize) continue;
            String n = cString(data, (int) (strOff + name), (int) (strOff + strSize));
            if (n.isEmpty() || n.startsWith("$") || n.startsWith(".L")) continue;
            out.add(new Symbol(n, value + bias, symSize, type == STT_FUNC));
        }
        return out;
    }

    private static String cString(byte[] d, int from, int limit) {
        int e = from;
        while (e < limit && d[e] != 0) e++;
        return new String(d, from, e - from, StandardCharsets.UTF_8);
    }

    public boolean isEmpty() {
        return byAddress.isEmpty();
    }

    public List<Symbol> all() {
        return byAddress;
    }

    /** The symbol of that name (a function if there are several), or null. */
    public Symbol find(String name) {
        return byName.get(name);
    }

    /** The symbol whose extent holds the address (the nearest below it for sizeless ones), or null. */
    public Symbol at(long address) {
        int lo = 0, hi = byAddress.size() - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(byAddress.get(mid).address(), address) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        // Several symbols may start at the same address or nest: look back for one that holds it.
        for (int i = found; i >= 0 && i > found - 8; i--) {
            Symbol s = byAddress.get(i);
            if (s.contains(address)) return s;
        }
        return null;
    }

    /** {@code main+21}, {@code main}, or null when no symbol holds the address. */
    public String describe(long address) {
        Symbol s = at(address);
        if (s == null) return null;
        long off = address - s.address();
        return off == 0 ? s.name() : s.name() + "+" + off;
    }
}
