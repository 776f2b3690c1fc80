package jvisor.cpu.disasm;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Human-readable x86-64 disassembly through capstone, for messages, traces, the debugger and
 * decoder cross-checks. Never used for execution. This is the only class in jvisor that touches
 * capstone.
 *
 * <p>How capstone is reached: the {@code capstone.Capstone} binding of
 * {@code com.github.transcurity:capstone} loads the library as JNA name {@code "capstone"}, but its
 * {@code disasm} never calls {@code cs_free} (every call leaks the native instruction array) and
 * allocates several Java objects per instruction. So this class binds the handful of C functions it
 * needs itself, with JNA direct mapping, and decodes with {@code cs_disasm_iter} into one
 * {@code cs_insn} allocated once by {@code cs_malloc}: no native allocation per call. Only the
 * binding's compile-time constants are used.
 *
 * <p>The library is looked for, in order, as {@code libcapstone.so.4} (the Debian/Ubuntu
 * {@code libcapstone4} package; resolved by the system dynamic linker), as JNA name
 * {@code "capstone"} (honours {@code jna.library.path}; also finds a versioned
 * {@code libcapstone.so.N} in the system library directories) and as {@code libcapstone.so.5}.
 * The system property {@code jvisor.capstone.library} (comma-separated names or absolute paths)
 * replaces that list; {@code -Djvisor.capstone.library=none} disables disassembly.
 * Capstone major versions 4 and 5 are accepted (their {@code cs_insn} layouts are known).
 *
 * <p>Nothing here ever prints; failures only make {@link #available()} false.
 * All methods are thread-safe; decoding is serialised on one lock.
 */
public final class Disassembler {

    private static final String INSTALL_HINT = "install libcapstone4 (apt-get install libcapstone4)";
    private static final String LIBRARY_PROPERTY = "jvisor.capstone.library";
    private static final String[] DEFAULT_LIBRARIES = {"libcapstone.so.4", "capstone", "libcapstone.so.5"};

    // capstone.h values (identical in capstone 4 and 5); from the binding's compile-time constants.
    private static final int CS_ARCH_X86 = capstone.Capstone.CS_ARCH_X86;
    private static final int CS_MODE_64 = capstone.Capstone.CS_MODE_64;
    private static final int CS_OPT_SYNTAX = capstone.Capstone.CS_OPT_SYNTAX;
    private static final int CS_OPT_DETAIL = capstone.Capstone.CS_OPT_DETAIL;
    private static final int CS_OPT_SYNTAX_INTEL = capstone.Capstone.CS_OPT_SYNTAX_INTEL;
    private static final int CS_OPT_OFF = capstone.Capstone.CS_OPT_OFF;
    private static final int CS_ERR_OK = capstone.Capstone.CS_ERR_OK;

    // cs_insn layout: unsigned id @0; uint64 address @8; uint16 size @16; uint8 bytes[B] @18;
    // char mnemonic[32] @18+B; char op_str[160] @50+B. B = 16 in capstone 4, 24 in capstone 5.
    private static final int INSN_SIZE_OFFSET = 16;
    private static final int INSN_BYTES_OFFSET = 18;
    private static final int MNEMONIC_SIZE = 32;
    private static final int OP_STR_SIZE = 160;

    /** Bytes handed to capstone for single-instruction queries (x86 instructions are at most 15). */
    private static final int ONE_INSN_BYTES = 16;

    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

    /** JNA direct mapping of the capstone C functions used; registered on the chosen library. */
    private static final class Cs {
        static native int cs_version(Pointer major, Pointer minor);
        static native int cs_open(int arch, int mode, Pointer handleOut);
        static native int cs_option(long handle, int type, long value);
        static native Pointer cs_malloc(long handle);
        // C bool: read only the low byte.
        static native byte cs_disasm_iter(long handle, Pointer code, Pointer size, Pointer address, Pointer insn);
    }

    private static final class Holder {
        static final Disassembler INSTANCE = create();
    }

    // Non-null exactly when capstone is usable.
    private final String unavailableReason;
    private final long handle;
    private final Pointer insn;          // one cs_insn from cs_malloc, reused for every decode
    private final int mnemonicOffset;
    private final int opStrOffset;
    private final Memory args;           // [0] const uint8_t *code, [8] size_t size, [16] uint64_t address
    private final Pointer argCode;
    private final Pointer argSize;
    private final Pointer argAddress;
    private Memory codeBuf;              // guarded by this; grown for disassemble()
    private final byte[] textBuf = new byte[OP_STR_SIZE]; // guarded by this

    private Disassembler(String unavailableReason) {
        this.unavailableReason = unavailableReason;
        this.handle = 0;
        this.insn = null;
        this.mnemonicOffset = 0;
        this.opStrOffset = 0;
        this.args = null;
        this.argCode = null;
        this.argSize = null;
        this.argAddress = null;
        this.codeBuf = null;
    }

    private Disassembler(long handle, Pointer insn, int bytesFieldLength) {
        this.unavailableReason = null;
        this.handle = handle;
        this.insn = insn;
        this.mnemonicOffset = INSN_BYTES_OFFSET + bytesFieldLength;
        this.opStrOffset = mnemonicOffset + MNEMONIC_SIZE;
        this.args = new Memory(24);
        this.argCode = args.share(0, 8);
        this.argSize = args.share(8, 8);
        this.argAddress = args.share(16, 8);
        this.codeBuf = new Memory(64);
    }

    /** The shared instance; never null. Lazily initialised on first use, thread-safe. */
    public static Disassembler get() {
        return Holder.INSTANCE;
    }

    /** True if capstone loaded and works for x86-64. */
    public boolean available() {
        return unavailableReason == null;
    }

    /**
     * One line hint when not available, e.g.
     * "disassembly unavailable: install libcapstone4 (apt-get install libcapstone4)"; null when available.
     */
    public String unavailableReason() {
        return unavailableReason;
    }

    /**
     * Disassembles the first instruction of code (which starts at guest address address), Intel
     * syntax lowercase, e.g. "ud2", "mov dword ptr [rax], 1". Returns null if capstone is
     * unavailable or the bytes are not a valid instruction.
     */
    public String disassembleOne(byte[] code, long address) {
        if (unavailableReason != null || code == null || code.length == 0) {
            return null;
        }
        try {
            synchronized (this) {
                load(code, 0, Math.min(code.length, ONE_INSN_BYTES), address);
                return decodeNext() ? text() : null;
            }
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Length in bytes of the first instruction capstone decodes, or 0 if invalid/unavailable. */
    public int lengthOfOne(byte[] code, long address) {
        if (unavailableReason != null || code == null || code.length == 0) {
            return 0;
        }
        try {
            synchronized (this) {
                load(code, 0, Math.min(code.length, ONE_INSN_BYTES), address);
                return decodeNext() ? insn.getShort(INSN_SIZE_OFFSET) & 0xffff : 0;
            }
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }

    /**
     * Disassembles up to count instructions, one "0x401000: 48 89 e5  mov rbp, rsp" line each;
     * stops at the first invalid byte sequence. Empty list if unavailable.
     */
    public List<String> disassemble(byte[] code, long address, int count) {
        List<String> lines = new ArrayList<>();
        if (unavailableReason == null && code != null && code.length > 0 && count > 0) {
            try {
                synchronized (this) {
                    load(code, 0, code.length, address);
                    int offset = 0;
                    while (lines.size() < count && decodeNext()) {
                        int size = insn.getShort(INSN_SIZE_OFFSET) & 0xffff;
                        lines.add("0x" + Long.toHexString(address + offset) + ": "
                                + hex(code, offset, size) + "  " + text());
                        offset += size;
                    }
                }
            } catch (RuntimeException | LinkageError e) {
                // Keep what was decoded before the failure.
            }
        }
        return lines;
    }

    /** Formats bytes as lowercase hex separated by spaces: "0f 0b". */
    public static String hex(byte[] code, int off, int len) {
        Objects.checkFromIndexSize(off, len, code.length);
        if (len == 0) {
            return "";
        }
        char[] out = new char[len * 3 - 1];
        for (int i = 0; i < len; i++) {
            int b = code[off + i] & 0xff;
            int p = i * 3;
            if (i > 0) {
                out[p - 1] = ' ';
            }
            out[p] = HEX_DIGITS[b >>> 4];
            out[p + 1] = HEX_DIGITS[b & 0xf];
        }
        return new String(out);
    }

    // ---- decoding (callers hold the lock) ----

    /** Copies code[off, off+len) to native memory and points the cs_disasm_iter arguments at it. */
    private void load(byte[] code, int off, int len, long address) {
        if (codeBuf.size() < len) {
            codeBuf = new Memory(Math.max(len, codeBuf.size() * 2));
        }
        codeBuf.write(0, code, off, len);
        args.setPointer(0, codeBuf);
        args.setLong(8, len);
        args.setLong(16, address);
    }

    /** Decodes the next instruction into insn, advancing the arguments; false if invalid or no bytes left. */
    private boolean decodeNext() {
        return Cs.cs_disasm_iter(handle, argCode, argSize, argAddress, insn) != 0;
    }

    /** "mnemonic op_str" of the instruction in insn. */
    private String text() {
        String mnemonic = cString(mnemonicOffset, MNEMONIC_SIZE);
        String ops = cString(opStrOffset, OP_STR_SIZE);
        return ops.isEmpty() ? mnemonic : mnemonic + " " + ops;
    }

    private String cString(int offset, int max) {
        insn.read(offset, textBuf, 0, max);
        int n = 0;
        while (n < max && textBuf[n] != 0) {
            n++;
        }
        return new String(textBuf, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    // ---- initialisation ----

    private static Disassembler create() {
        try {
            if (Native.SIZE_T_SIZE != 8 || Native.POINTER_SIZE != 8) {
                return unavailable("needs a 64-bit JVM");
            }
            String property = System.getProperty(LIBRARY_PROPERTY);
            String[] candidates = property == null || property.isBlank()
                    ? DEFAULT_LIBRARIES : property.trim().split("\\s*,\\s*");
            NativeLibrary library = null;
            for (String name : candidates) {
                library = open(name);
                if (library != null) {
                    break;
                }
            }
            if (library == null) {
                return unavailable(INSTALL_HINT);
            }
            Native.register(Cs.class, library);

            int major = Cs.cs_version(null, null) >>> 8;
            int bytesFieldLength;
            if (major == 4) {
                bytesFieldLength = 16;
            } else if (major == 5) {
                bytesFieldLength = 24;
            } else {
                return unavailable("unsupported capstone version " + major + ", " + INSTALL_HINT);
            }

            Memory handleOut = new Memory(8);
            handleOut.setLong(0, 0);
            int err = Cs.cs_open(CS_ARCH_X86, CS_MODE_64, handleOut);
            long handle = handleOut.getLong(0);
            if (err != CS_ERR_OK || handle == 0) {
                return unavailable("capstone cannot open x86-64 (cs_open error " + err + ")");
            }
            Cs.cs_option(handle, CS_OPT_SYNTAX, CS_OPT_SYNTAX_INTEL);
            Cs.cs_option(handle, CS_OPT_DETAIL, CS_OPT_OFF);
            Pointer insn = Cs.cs_malloc(handle);
            if (insn == null) {
                return unavailable("capstone cs_malloc failed");
            }
            Disassembler d = new Disassembler(handle, insn, bytesFieldLength);
            // Self-check: ud2 must decode as a 2-byte "ud2" (also validates the cs_insn layout).
            synchronized (d) {
                d.load(new byte[] {0x0f, 0x0b}, 0, 2, 0x1000);
                if (!d.decodeNext() || (insn.getShort(INSN_SIZE_OFFSET) & 0xffff) != 2
                        || !"ud2".equals(d.text())) {
                    return unavailable("capstone self-check failed (unexpected library build)");
                }
            }
            return d;
        } catch (RuntimeException | LinkageError e) {
            String detail = e.getMessage();
            if (detail != null) {
                int nl = detail.indexOf('\n');
                detail = nl >= 0 ? detail.substring(0, nl) : detail;
            }
            return unavailable(INSTALL_HINT + " [" + e.getClass().getSimpleName()
                    + (detail == null ? "" : ": " + detail) + "]");
        }
    }

    /** Opens a library that exports cs_disasm_iter, or returns null. */
    private static NativeLibrary open(String name) {
        if (name.isEmpty() || name.equalsIgnoreCase("none")) {
            return null;
        }
        try {
            NativeLibrary library = NativeLibrary.getInstance(name);
            library.getFunction("cs_disasm_iter"); // throws UnsatisfiedLinkError if missing
            return library;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }

    private static Disassembler unavailable(String why) {
        return new Disassembler("disassembly unavailable: " + why);
    }
}
