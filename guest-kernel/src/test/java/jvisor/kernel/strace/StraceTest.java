package jvisor.kernel.strace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jvisor.kernel.TestProcess;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Misc;
import jvisor.kernel.abi.Mman;
import jvisor.kernel.abi.Rlimits;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.signal.FatalSignal;

/** Whole strace lines, produced by issuing syscalls through the dispatcher with --strace on. */
class StraceTest {
    @TempDir
    Path root;
    TestProcess p;

    @BeforeEach
    void setUp() throws IOException {
        java.nio.file.Files.createDirectories(root.resolve("etc"));
        java.nio.file.Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        p = new TestProcess(root, true);
    }

    /** strace's layout: the call, a space, padding to column 40, "= " and the result. */
    private static String line(String call, String result) {
        StringBuilder sb = new StringBuilder(call).append(' ');
        while (sb.length() < 40) sb.append(' ');
        return sb.append("= ").append(result).toString();
    }

    private String last() {
        return p.straceLines.get(p.straceLines.size() - 1);
    }

    @Test
    void alignsResultsAtColumn40() {
        p.call("brk", 0);
        assertEquals("brk(NULL)                               = 0x400000", last());
        p.call("getpid");
        assertEquals("getpid()                                = 4242", last());
    }

    @Test
    void pathsFlagsAndErrors() {
        p.call("openat", Fs.AT_FDCWD, p.string("/etc/passwd"), Fs.O_RDONLY | Fs.O_CLOEXEC);
        assertEquals("openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 0", last());
        p.call("openat", Fs.AT_FDCWD, p.string("/nonexistent"), Fs.O_RDONLY);
        assertEquals("openat(AT_FDCWD, \"/nonexistent\", O_RDONLY) = -1 ENOENT (No such file or directory)", last());
        p.call("openat", Fs.AT_FDCWD, p.string("/etc/x"), Fs.O_WRONLY | Fs.O_CREAT | Fs.O_TRUNC, 0644);
        assertEquals("openat(AT_FDCWD, \"/etc/x\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = -1 EROFS (Read-only file system)",
                last());
        long buf = p.alloc(64);
        p.call("read", 0, buf, 10);
        assertEquals(line("read(0, \"root:x:0:0\", 10)", "10"), last());
        p.call("read", 0, buf, 64);
        assertEquals(line("read(0, \":root:/root:/bin/bash\\n\", 64)", "22"), last());
        p.call("close", 77);
        assertEquals(line("close(77)", "-1 EBADF (Bad file descriptor)"), last());
        p.call("newfstatat", 0, p.string(""), p.alloc(144), Fs.AT_EMPTY_PATH);
        assertEquals("newfstatat(0, \"\", {st_mode=S_IFREG|0" + Integer.toOctalString(mode("/etc/passwd"))
                + ", st_size=32, ...}, AT_EMPTY_PATH) = 0", last());
        p.call("lseek", 0, 0, 7);
        assertEquals(line("lseek(0, 0, 0x7 /* SEEK_??? */)", "-1 EINVAL (Invalid argument)"), last());
    }

    private int mode(String path) {
        try {
            return (Integer) java.nio.file.Files.getAttribute(root.resolve(path.substring(1)), "unix:mode") & 0777;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void memoryAndProcessCalls() {
        p.call("mmap", 0, 8192, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
        assertEquals("mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffd000",
                last());
        p.call("arch_prctl", Misc.ARCH_SET_FS, 0x4c93c0);
        assertEquals(line("arch_prctl(ARCH_SET_FS, 0x4c93c0)", "0"), last());
        long out = p.alloc(8);
        p.call("arch_prctl", Misc.ARCH_GET_FS, out);
        assertEquals(line("arch_prctl(ARCH_GET_FS, [0x4c93c0])", "0"), last());
        long rl = p.alloc(16);
        p.space.write64(rl, 8192 * 1024);
        p.space.write64(rl + 8, -1);
        p.call("prlimit64", 0, Rlimits.RLIMIT_STACK, rl, 0);
        assertEquals("prlimit64(0, RLIMIT_STACK, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}, NULL) = 0", last());
        p.call("getrandom", p.alloc(8), 8, Misc.GRND_NONBLOCK);
        assertEquals(true, last().startsWith("getrandom(\"\\x"), last());
        assertEquals(true, last().endsWith("\", 8, GRND_NONBLOCK) = 8"), last());
        p.callNr(0x1234, 1, 2, 3, 0, 0, 0);
        assertEquals(line("syscall_0x1234(0x1, 0x2, 0x3, 0, 0, 0)", "-1 ENOSYS (Function not implemented)"), last());
        p.call("acct", 0);
        assertEquals(line("acct(0)", "-1 ENOSYS (Function not implemented)"), last());
        p.call("exit_group", 3);
        assertEquals(line("exit_group(3)", "?"), last());
    }

    /** strace shows the futex arguments an operation uses, no others (strace's futex.c). */
    @Test
    void futexShowsTheArgumentsOfItsOperation() {
        long word = p.alloc(4);
        p.call("futex", word, 1 | 128, 1, 0, 0, 0); // FUTEX_WAKE_PRIVATE: nobody waits
        assertEquals(line("futex(" + hex(word) + ", FUTEX_WAKE_PRIVATE, 1)", "0"), last());
        p.call("futex", word, 9 | 128, 5, 0, 0, 0xffffffffL); // FUTEX_WAIT_BITSET: the word is 0, not 5
        assertEquals(line("futex(" + hex(word) + ", FUTEX_WAIT_BITSET_PRIVATE, 5, NULL, 0xffffffff)",
                "-1 EAGAIN (Resource temporarily unavailable)"), last());
        p.call("futex", word, 0 | 128, 5, 0, 0, 0); // FUTEX_WAIT
        assertEquals(line("futex(" + hex(word) + ", FUTEX_WAIT_PRIVATE, 5, NULL)",
                "-1 EAGAIN (Resource temporarily unavailable)"), last());
        long other = p.alloc(4);
        p.call("futex", word, 4 | 128, 1, 0x7fffffff, other, 7); // FUTEX_CMP_REQUEUE: val3 is not the word (0)
        assertEquals(line("futex(" + hex(word) + ", FUTEX_CMP_REQUEUE_PRIVATE, 1, 2147483647, " + hex(other) + ", 0x7)",
                "-1 EAGAIN (Resource temporarily unavailable)"), last());
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    @Test
    void signalCalls() {
        long act = p.alloc(32);
        p.space.write64(act, Signals.SIG_IGN);
        p.space.write64(act + 8, Signals.SA_RESTORER);
        p.space.write64(act + 16, 0x408f30);
        p.space.write64(act + 24, 0);
        p.call("rt_sigaction", Signals.SIGPIPE, act, 0, 8);
        assertEquals("rt_sigaction(SIGPIPE, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, "
                + "sa_restorer=0x408f30}, NULL, 8) = 0", last());
        long set = p.alloc(8);
        p.space.write64(set, Signals.bit(Signals.SIGINT) | Signals.bit(Signals.SIGTERM));
        p.call("rt_sigprocmask", Signals.SIG_BLOCK, set, 0, 8);
        assertEquals("rt_sigprocmask(SIG_BLOCK, [INT TERM], NULL, 8) = 0", last());
    }

    @Test
    void fatalSignalLines() {
        Strace s = new Strace(p.straceLines::add);
        s.signal(new FatalSignal(Signals.SIGSEGV, Signals.SEGV_ACCERR, 0x479840, 0, 0, null));
        assertEquals("--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=0x479840} ---", last());
        s.signal(new FatalSignal(Signals.SIGILL, Signals.SI_KERNEL, 0, 0, 0, null));
        assertEquals("--- SIGILL {si_signo=SIGILL, si_code=SI_KERNEL, si_addr=NULL} ---", last());
        s.signal(new FatalSignal(Signals.SIGPIPE, Signals.SI_USER, 0, 1234, 0, null));
        assertEquals("--- SIGPIPE {si_signo=SIGPIPE, si_code=SI_USER, si_pid=1234, si_uid=0} ---", last());
        s.killed(Signals.SIGSEGV);
        assertEquals("+++ killed by SIGSEGV +++", last());
        s.exited(0);
        assertEquals("+++ exited with 0 +++", last());
    }

    @Test
    void pidsInFrontOnceThereAreSeveralTasks() throws Exception {
        Strace s = new Strace(p.straceLines::add);
        ThreadLocal<Integer> tid = ThreadLocal.withInitial(() -> 0);
        boolean[] several = {false};
        s.setPidPrefix(() -> several[0] ? tid.get() : 0);
        tid.set(4242);
        s.exited(0);
        assertEquals("+++ exited with 0 +++", last(), "one task: no prefix, as strace -f before the first clone");
        several[0] = true;
        s.exited(1);
        assertEquals("[pid  4242] +++ exited with 1 +++", last());
        Thread other = Thread.ofPlatform().start(() -> {
            tid.set(4243);
            s.killed(Signals.SIGSEGV);
        });
        other.join();
        assertEquals("[pid  4243] +++ killed by SIGSEGV +++", last(), "each task's thread names itself");
    }
}
