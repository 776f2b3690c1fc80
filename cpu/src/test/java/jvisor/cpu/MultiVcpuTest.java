package jvisor.cpu;

import static jvisor.cpu.CpuTestSupport.asm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * Several vCPUs (Cpu instances, each on its own host thread) running guest code on one address
 * space: LOCK-prefixed and implicitly locked instructions give exact totals under contention,
 * code written by one vCPU (or the kernel) is what the others execute, a fork copy stays apart,
 * and memory unmapped under running vCPUs faults cleanly.
 */
class MultiVcpuTest {
    private static final long CODE = 0x1000_0000L, DATA = 0x2000_0000L, STACKS = 0x3000_0000L;
    private static final long STACK_SIZE = 0x1_0000L;
    private static final int THREADS = 4;

    private static AddressSpace space() {
        AddressSpace s = new AddressSpace();
        s.mapAnonymous(CODE, 0x4000, Prot.RWX, "code");
        s.mapAnonymous(DATA, 0x1000, Prot.RW, "data");
        s.mapAnonymous(STACKS, THREADS * STACK_SIZE, Prot.RW, "stacks");
        return s;
    }

    private static long place(AddressSpace s, long at, String snippet) {
        byte[] code = asm(snippet);
        s.pokeBytes(at, code, 0, code.length);
        return at;
    }

    /** A vCPU set up to run from entry with RSI = DATA and R8 = count, on stack k. */
    private static Cpu vcpu(AddressSpace s, int k, long entry, long count) {
        Cpu c = new Cpu(s);
        c.state.rip = entry;
        c.r[Reg.RSI] = DATA;
        c.r[Reg.R8] = count;
        c.r[Reg.RSP] = STACKS + (k + 1) * STACK_SIZE - 64;
        return c;
    }

    /** Runs THREADS vCPUs from entry at once, each to its SYSCALL exit. */
    private static void runTogether(AddressSpace s, long entry, long count) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        List<Cpu> cpus = new ArrayList<>();
        for (int k = 0; k < THREADS; k++) {
            Cpu c = vcpu(s, k, entry, count);
            cpus.add(c);
            threads.add(new Thread(() -> {
                try {
                    start.await();
                    int exit = c.run();
                    if (exit != Cpu.EXIT_SYSCALL) throw new AssertionError("exit " + exit + " vector " + c.exitVector + " at 0x" + Long.toHexString(c.exitAddress));
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    c.detach();
                }
            }));
        }
        for (Thread t : threads) t.start();
        long deadline = System.nanoTime() + 120_000_000_000L;
        for (Thread t : threads) t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        if (threads.stream().anyMatch(Thread::isAlive)) { // a lock that did not exclude can leave one held forever
            cpus.forEach(Cpu::kick);
            for (Thread t : threads) t.join();
            throw new AssertionError("the vCPUs did not finish (kicked out): " + errors.peek());
        }
        if (!errors.isEmpty()) throw new AssertionError(errors.peek());
        assertEquals(0, s.vcpuCount());
    }

    @Test
    void lockedReadModifyWritesGiveExactTotals() throws Exception {
        AddressSpace s = space();
        long entry = place(s, CODE, """
                1:  mov $1, %eax
                    lock xadd %rax, (%rsi)
                    lock incq 8(%rsi)
                    lock addl $3, 16(%rsi)
                    lock incw 20(%rsi)
                    lock decb 22(%rsi)
                    lock subl $1, 30(%rsi)
                    lock addl $1, 65(%rsi)
                    lock orq $0x10, 48(%rsi)
                    stc
                    lock adcq $0, 56(%rsi)
                    mov 40(%rsi), %rax
                2:  lea 1(%rax), %rdx
                    lock cmpxchg %rdx, 40(%rsi)
                    jnz 2b
                    dec %r8
                    jnz 1b
                    syscall
                """);
        long n = 30_000;
        runTogether(s, entry, n);
        long total = THREADS * n;
        assertEquals(total, s.read64(DATA), "lock xadd");
        assertEquals(total, s.read64(DATA + 8), "lock inc");
        assertEquals(3 * total & 0xFFFF_FFFFL, s.read32(DATA + 16) & 0xFFFF_FFFFL, "lock add, a dword");
        assertEquals(total & 0xFFFF, s.read16(DATA + 20), "lock inc, the word next to it");
        assertEquals(-total & 0xFF, s.read8(DATA + 22), "lock dec, the byte next to that");
        assertEquals(-total & 0xFFFF_FFFFL, s.read32(DATA + 30) & 0xFFFF_FFFFL, "lock sub across an 8-byte boundary");
        assertEquals(total, s.read32(DATA + 65) & 0xFFFF_FFFFL, "lock add, a dword inside a quadword but not aligned");
        assertEquals(total, s.read64(DATA + 40), "cmpxchg loop");
        assertEquals(0x10, s.read64(DATA + 48));
        assertEquals(total, s.read64(DATA + 56), "lock adc of the carry");
    }

    @Test
    void spinLocksBuiltOnXchgAndBtsExcludeEachOther() throws Exception {
        AddressSpace s = space();
        long entry = place(s, CODE, """
                1:  mov $1, %eax
                2:  xchg %eax, (%rsi)
                    test %eax, %eax
                    jnz 2b
                    incq 8(%rsi)
                    movl $0, (%rsi)
                3:  lock btsq $0, 16(%rsi)
                    jc 3b
                    incq 24(%rsi)
                    lock btrq $0, 16(%rsi)
                    dec %r8
                    jnz 1b
                    syscall
                """);
        long n = 20_000;
        runTogether(s, entry, n);
        assertEquals(THREADS * n, s.read64(DATA + 8), "increments under the XCHG lock");
        assertEquals(THREADS * n, s.read64(DATA + 24), "increments under the BTS lock");
    }

    @Test
    void wideCompareExchangesAreAtomic() throws Exception {
        AddressSpace s = space();
        long entry = place(s, CODE, """
                1:  mov (%rsi), %rax
                    mov 8(%rsi), %rdx
                2:  lea 1(%rax), %rbx
                    lea 2(%rdx), %rcx
                    lock cmpxchg16b (%rsi)
                    jnz 2b
                    mov 16(%rsi), %eax
                    mov 20(%rsi), %edx
                3:  lea 1(%eax), %ebx
                    lea 3(%edx), %ecx
                    lock cmpxchg8b 16(%rsi)
                    jnz 3b
                    mov 36(%rsi), %eax
                    mov 40(%rsi), %edx
                4:  lea 1(%eax), %ebx
                    lea 1(%edx), %ecx
                    lock cmpxchg8b 36(%rsi)
                    jnz 4b
                    dec %r8
                    jnz 1b
                    syscall
                """);
        long n = 20_000;
        runTogether(s, entry, n);
        long total = THREADS * n;
        assertEquals(total, s.read64(DATA));
        assertEquals(2 * total, s.read64(DATA + 8));
        assertEquals(total, s.read32(DATA + 16));
        assertEquals(3 * total, s.read32(DATA + 20));
        assertEquals(total, s.read32(DATA + 36), "split cmpxchg8b");
        assertEquals(total, s.read32(DATA + 40));
    }

    /** A vCPU on its own thread. */
    private record Running(Thread thread, Cpu cpu) {
        /** Waits for the vCPU's exit; kicks it out after 10 s and fails. */
        void awaitExit(String failure) throws InterruptedException {
            thread.join(10_000);
            if (thread.isAlive()) {
                cpu.kick();
                thread.join();
                throw new AssertionError(failure);
            }
        }
    }

    /** Runs a vCPU that calls the function at CODE+0x800 until it returns want, on its own thread. */
    private static Running spinner(AddressSpace s, int want, AtomicLong calls, ConcurrentLinkedQueue<Throwable> errors) {
        long entry = place(s, CODE, "1: mov $0x" + Long.toHexString(CODE + 0x800) + ", %rbx\n call *%rbx\n incq (%rsi)\n"
                + " cmp $" + want + ", %eax\n jne 1b\n syscall");
        Cpu c = vcpu(s, 0, entry, 0);
        c.r[Reg.RSI] = DATA + 0x100;
        Thread t = new Thread(() -> {
            try {
                int exit = c.run();
                if (exit != Cpu.EXIT_SYSCALL) throw new AssertionError("exit " + exit);
                calls.set(s.read64(DATA + 0x100));
            } catch (Throwable e) {
                errors.add(e);
            } finally {
                c.detach();
            }
        });
        t.start();
        return new Running(t, c);
    }

    private static void awaitCalls(AddressSpace s, long n) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s.read64(DATA + 0x100) < n && System.nanoTime() < deadline) Thread.sleep(1);
    }

    @Test
    void codeWrittenByOneVcpuIsWhatAnotherExecutes() throws Exception {
        AddressSpace s = space();
        place(s, CODE + 0x800, "mov $1, %eax\n ret");
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicLong calls = new AtomicLong();
        Running t = spinner(s, 2, calls, errors);
        awaitCalls(s, 1000); // the spinner has decoded and runs the function from its block cache
        long writer = place(s, CODE + 0x2000, "movb $2, (%rdi)\n syscall"); // another page
        Cpu w = vcpu(s, 1, writer, 0);
        w.r[Reg.RDI] = CODE + 0x801; // the immediate of mov $1, %eax
        assertEquals(Cpu.EXIT_SYSCALL, w.run());
        w.detach();
        t.awaitExit("the spinner still runs the old code");
        assertTrue(errors.isEmpty(), () -> errors.peek().toString());
        assertTrue(calls.get() >= 1000);
    }

    @Test
    void codeThePokingKernelWritesIsWhatARunningVcpuExecutes() throws Exception {
        AddressSpace s = space();
        place(s, CODE + 0x800, "mov $1, %eax\n ret");
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        Running t = spinner(s, 3, new AtomicLong(), errors);
        awaitCalls(s, 1000);
        s.pokeBytes(CODE + 0x801, new byte[] {3}, 0, 1); // as a debugger or the loader would
        t.awaitExit("the spinner still runs the old code");
        assertTrue(errors.isEmpty(), () -> errors.peek().toString());
    }

    @Test
    void aForkedAddressSpaceKeepsItsOwnWrites() {
        AddressSpace parent = space();
        long store = place(parent, CODE, "mov %rax, (%rsi)\n syscall");
        Cpu cpu = vcpu(parent, 0, store, 0);
        cpu.r[Reg.RAX] = 1;
        assertEquals(Cpu.EXIT_SYSCALL, cpu.run()); // the parent's TLB may write DATA in place now
        AddressSpace child = parent.forkCopy();
        cpu.state.rip = store;
        cpu.r[Reg.RAX] = 2;
        assertEquals(Cpu.EXIT_SYSCALL, cpu.run());
        Cpu childCpu = vcpu(child, 1, store, 0);
        childCpu.state.copyFrom(cpu.state);
        childCpu.state.rip = store;
        childCpu.r[Reg.RAX] = 3;
        assertEquals(Cpu.EXIT_SYSCALL, childCpu.run());
        assertEquals(2, parent.read64(DATA));
        assertEquals(3, child.read64(DATA));
        cpu.detach();
        childCpu.detach();
        child.clear();
        assertEquals(2, parent.read64(DATA));
    }

    @Test
    void memoryUnmappedUnderRunningVcpusFaultsCleanly() throws Exception {
        AddressSpace s = space();
        long src = 0x4000_0000L, dst = 0x5000_0000L, len = 0x10000;
        s.mapAnonymous(src, len, Prot.RW, "src");
        s.mapAnonymous(dst, len, Prot.RW, "dst");
        long entry = place(s, CODE, """
                1:  mov %r9, %rsi
                    mov %r10, %rdi
                    mov %r11, %rcx
                    rep movsb
                    mov %r10, %rdi
                    mov %r11, %rcx
                    mov $0x5a, %al
                    rep stosb
                    lock incq (%r10)
                    dec %r8
                    jnz 1b
                    syscall
                """);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong faults = new AtomicLong(), rounds = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            Cpu c = vcpu(s, k, entry, 0);
            threads.add(new Thread(() -> {
                try {
                    while (!stop.get()) {
                        c.state.rip = entry;
                        c.r[Reg.R8] = 4;
                        c.r[Reg.R9] = src;
                        c.r[Reg.R10] = dst;
                        c.r[Reg.R11] = len;
                        c.state.setRflags(0);
                        int exit = c.run();
                        if (exit == Cpu.EXIT_SYSCALL) {
                            rounds.incrementAndGet();
                        } else if (exit == Cpu.EXIT_EXCEPTION && c.exitVector == CpuFault.PF
                                && (Long.compareUnsigned(c.exitAddress - src, len) < 0 || Long.compareUnsigned(c.exitAddress - dst, len) < 0)) {
                            faults.incrementAndGet();
                        } else {
                            throw new AssertionError("exit " + exit + " vector " + c.exitVector + " at 0x" + Long.toHexString(c.exitAddress));
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    c.detach();
                }
            }));
        }
        for (Thread t : threads) t.start();
        Random r = new Random(3);
        long deadline = System.nanoTime() + 2_000_000_000L;
        try {
            while (System.nanoTime() < deadline && errors.isEmpty()) {
                long base = r.nextBoolean() ? src : dst;
                long off = r.nextInt((int) (len / 0x1000)) * 0x1000L;
                long pages = 1 + r.nextInt((int) ((len - off) / 0x1000));
                switch (r.nextInt(4)) {
                    case 0 -> s.unmap(base + off, pages * 0x1000);
                    case 1 -> s.protect(base + off, pages * 0x1000, Prot.READ);
                    case 2 -> s.forkCopy().clear();
                    default -> s.mapAnonymous(base, len, Prot.RW, base == src ? "src" : "dst");
                }
                Thread.sleep(0, 200_000);
            }
        } finally {
            stop.set(true);
            for (Thread t : threads) t.join();
        }
        if (!errors.isEmpty()) throw new AssertionError(errors.peek());
        assertTrue(faults.get() > 0, "no fault in " + rounds + " rounds");
    }
}
