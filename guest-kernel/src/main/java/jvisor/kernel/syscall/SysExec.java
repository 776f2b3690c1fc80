package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.AT_FLAGS;
import static jvisor.kernel.strace.ArgFormat.DIRFD;
import static jvisor.kernel.strace.ArgFormat.PATH;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.elf.ElfException;
import jvisor.kernel.elf.ElfFile;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.Resolution;
import jvisor.kernel.fs.Vnode;
import jvisor.kernel.proc.Exec;
import jvisor.kernel.proc.Task;
import jvisor.mmu.AddressSpace;

/**
 * execve(2) and execveat(2) (fs/exec.c; fs/binfmt_script.c for #! scripts): the program is
 * read through the sandbox's file system, so it may live anywhere the guest can see (a tmpfs
 * file written a moment ago included). Everything that can fail is checked before the point of
 * no return; after it, {@link Exec#replaceImage} cannot fail.
 */
final class SysExec {
    private SysExec() {}

    /** MAX_ARG_STRLEN and the total of argv + envp Linux accepts (a quarter of an 8 MiB stack). */
    private static final int MAX_ARG_STRLEN = 32 * 4096;
    private static final long MAX_ARG_TOTAL = 2L << 20;
    /** BINPRM_BUF_SIZE: the #! line is looked for in the first 256 bytes. */
    private static final int BINPRM_BUF_SIZE = 256;
    /** Scripts whose interpreter is a script: at most this deep (ELOOP beyond). */
    private static final int MAX_SCRIPT_DEPTH = 4;
    private static final int MAX_BINARY = 1 << 30;

    static void register(SyscallTable t) {
        t.define("execve", (k, a, b, c, d, e, f) -> execve(k, Fs.AT_FDCWD, a, b, c, 0), RET_DEC, PATH, PTR, PTR);
        t.define("execveat", (k, a, b, c, d, e, f) -> execve(k, (int) a, b, c, d, (int) e), RET_DEC,
                DIRFD, PATH, PTR, PTR, AT_FLAGS);
    }

    static long execve(Task t, int dirfd, long pathAddr, long argvAddr, long envpAddr, int flags) {
        if ((flags & ~(Fs.AT_EMPTY_PATH | Fs.AT_SYMLINK_NOFOLLOW)) != 0) return -Errno.EINVAL;
        byte[] path = SysSupport.path(t, pathAddr);
        List<byte[]> argv = strings(t.memory(), argvAddr);
        List<byte[]> envp = strings(t.memory(), envpAddr);
        long total = 0;
        for (byte[] s : argv) total += s.length + 1;
        for (byte[] s : envp) total += s.length + 1;
        if (total > MAX_ARG_TOTAL) return -Errno.E2BIG;

        byte[] execfn = execfn(dirfd, path);
        // The task name: the last component of the name as passed, or for an fexecve-style
        // AT_EMPTY_PATH the file's own name (fs/exec.c alloc_bprm, comm_from_dentry).
        byte[] commSource = path.length == 0 ? null : execfn;
        for (int depth = 0;; depth++) {
            Loaded file = load(t, dirfd, path, flags);
            byte[] data = file.data;
            if (data.length >= 2 && data[0] == '#' && data[1] == '!') {
                if (depth >= MAX_SCRIPT_DEPTH) return -Errno.ELOOP;
                byte[][] interp = shebang(data);
                if (interp == null) return -Errno.ENOEXEC;
                // binfmt_script: argv[0] is replaced by interpreter [optional-arg] script-path.
                List<byte[]> next = new ArrayList<>();
                next.add(interp[0]);
                if (interp[1] != null) next.add(interp[1]);
                next.add(path);
                if (argv.size() > 1) next.addAll(argv.subList(1, argv.size()));
                argv = next;
                path = interp[0];
                dirfd = Fs.AT_FDCWD;
                flags = 0;
                continue;
            }
            ElfFile elf;
            try {
                elf = ElfFile.parse(data);
            } catch (ElfException e) {
                return refused(t, file, e);
            }
            if (argv.isEmpty()) argv = List.of(new byte[0]); // Linux 5.18+: an empty argv gets "" as argv[0]
            try {
                Exec.replaceImage(t, elf, file.guestPath, List.copyOf(argv), List.copyOf(envp), execfn,
                        commSource != null ? commSource : file.guestPath);
            } catch (ElfException e) {
                return refused(t, file, e);
            }
            return 0;
        }
    }

    /**
     * The error for a file that jvisor does not run. Anything but an ELF file gets ENOEXEC without a
     * word, as from Linux (a shell then runs it as a script). An ELF file gets a notice too, since
     * Linux may well have run it. A dynamically linked one fails with ENOENT, what Linux returns
     * when the interpreter its PT_INTERP names is missing (a shell says "not found"), rather than
     * ENOEXEC, after which a shell would run the binary as a script of garbage lines, each an
     * error, some of them a file created under a name made of the binary's bytes.
     */
    private static long refused(Task t, Loaded file, ElfException e) {
        if (!ElfFile.hasMagic(file.data)) return -Errno.ENOEXEC;
        t.process.table.notice(new String(file.guestPath, java.nio.charset.StandardCharsets.UTF_8) + ": "
                + e.getMessage());
        return -(e.needsInterpreter() ? Errno.ENOENT : Errno.ENOEXEC);
    }

    /**
     * The file name the new program sees as AT_EXECFN (fs/exec.c alloc_bprm): the path as given
     * when it is absolute or relative to the working directory, "/dev/fd/N" for AT_EMPTY_PATH,
     * "/dev/fd/N/PATH" for a path relative to a directory descriptor.
     */
    static byte[] execfn(int dirfd, byte[] path) {
        if (dirfd == Fs.AT_FDCWD || (path.length > 0 && path[0] == '/')) return path;
        String prefix = "/dev/fd/" + dirfd + (path.length == 0 ? "" : "/");
        byte[] p = prefix.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] out = java.util.Arrays.copyOf(p, p.length + path.length);
        System.arraycopy(path, 0, out, p.length, path.length);
        return out;
    }

    private record Loaded(byte[] guestPath, byte[] data) {
    }

    /** Resolves and reads an executable: EACCES unless it is a regular file with execute permission. */
    private static Loaded load(Task t, int dirfd, byte[] path, int flags) {
        Vnode node;
        byte[] guestPath;
        if (path.length == 0 && (flags & Fs.AT_EMPTY_PATH) != 0) {
            FileDescription f = SysSupport.file(t, dirfd);
            node = f.vnode();
            guestPath = f.guestPath();
            if (node == null) throw SysSupport.err(Errno.EACCES);
        } else {
            Resolution r = SysSupport.resolve(t, dirfd, path, (flags & Fs.AT_SYMLINK_NOFOLLOW) == 0);
            if (!r.exists()) throw SysSupport.err(Errno.ENOENT);
            if (r.magic() != null) {
                node = r.magic().vnode();
                guestPath = r.magic().guestPath();
                if (node == null) throw SysSupport.err(Errno.EACCES);
            } else {
                node = r.node();
                guestPath = r.guestPath();
            }
        }
        if (node.type() == Fs.S_IFLNK) throw SysSupport.err(Errno.ELOOP);
        if (node.type() != Fs.S_IFREG) throw SysSupport.err(Errno.EACCES);
        int pr = node.permission(Fs.X_OK, t.process.creds);
        if (pr < 0) throw SysSupport.err((int) -pr);
        if ((node.mode() & 0111) == 0) throw SysSupport.err(Errno.EACCES); // even root needs one x bit
        pr = node.permission(Fs.R_OK, t.process.creds);
        if (pr < 0) throw SysSupport.err((int) -pr);
        FileDescription f = node.open(guestPath, Fs.O_RDONLY);
        try {
            return new Loaded(guestPath, f.readAll(MAX_BINARY));
        } finally {
            f.decRef();
        }
    }

    /**
     * The interpreter and its optional single argument from a "#!" line (binfmt_script: blanks
     * trimmed, everything after the interpreter is one argument), or null if there is none.
     */
    static byte[][] shebang(byte[] data) {
        int end = 2;
        int limit = Math.min(data.length, BINPRM_BUF_SIZE);
        while (end < limit && data[end] != '\n') end++;
        int i = 2;
        while (i < end && (data[i] == ' ' || data[i] == '\t')) i++;
        int e = end;
        while (e > i && (data[e - 1] == ' ' || data[e - 1] == '\t' || data[e - 1] == '\r')) e--;
        if (i == e) return null;
        int j = i;
        while (j < e && data[j] != ' ' && data[j] != '\t') j++;
        byte[] interp = Arrays.copyOfRange(data, i, j);
        while (j < e && (data[j] == ' ' || data[j] == '\t')) j++;
        byte[] arg = j < e ? Arrays.copyOfRange(data, j, e) : null;
        return new byte[][] {interp, arg};
    }

    /** A NULL-terminated array of string pointers (argv, envp); a NULL array is empty. */
    private static List<byte[]> strings(AddressSpace m, long addr) {
        List<byte[]> out = new ArrayList<>();
        if (addr == 0) return out;
        for (int i = 0;; i++) {
            if (i > 0x7fffffff / 8) throw SysSupport.err(Errno.E2BIG);
            long p = m.read64(addr + 8L * i);
            if (p == 0) return out;
            byte[] s = m.readCString(p, MAX_ARG_STRLEN);
            if (s == null) throw SysSupport.err(Errno.E2BIG);
            out.add(s);
        }
    }
}
