package jvisor.kernel.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import jvisor.cpu.Cpuid;
import jvisor.hypervisor.Hypervisor;
import jvisor.kernel.abi.Auxv;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;
import jvisor.mmu.Region;

class InitialStackTest {
    private final Hypervisor hv = new Hypervisor();
    private final AddressSpace space = hv.createAddressSpace();
    private final LoadedImage image = new LoadedImage(0x401bc0, 0, 0x400040, 10, 56, 0x4ac000);
    private final byte[] random = new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    private static List<byte[]> strings(String... s) {
        List<byte[]> out = new ArrayList<>();
        for (String x : s) out.add(x.getBytes(StandardCharsets.UTF_8));
        return out;
    }

    private String cstring(long addr) {
        return new String(space.readCString(addr, 4096), StandardCharsets.UTF_8);
    }

    @Test
    void layoutFollowsThePsAbiAndLinux() throws ElfException {
        List<byte[]> argv = strings("./prog", "a b", "");
        List<byte[]> envp = strings("HOME=/root", "PATH=/bin");
        InitialStack.Layout l = InitialStack.build(hv, space, image, argv, envp,
                "./prog".getBytes(StandardCharsets.UTF_8), random, new InitialStack.Ids(1000, 1001, 100, 101));

        Region stack = space.find(InitialStack.STACK_TOP - 1);
        assertEquals("[stack]", stack.name());
        assertEquals(InitialStack.STACK_TOP - InitialStack.STACK_SIZE, stack.start());
        assertEquals(Prot.RW, stack.prot());

        long sp = l.sp();
        assertEquals(0, sp & 0xf, "RSP is 16-byte aligned at entry");
        assertEquals(3, space.read64(sp));
        // argv pointers, NULL
        List<String> args = new ArrayList<>();
        long at = sp + 8;
        for (long p; (p = space.read64(at)) != 0; at += 8) args.add(cstring(p));
        assertEquals(List.of("./prog", "a b", ""), args);
        at += 8;
        assertEquals(l.envpAddr(), at);
        List<String> env = new ArrayList<>();
        for (long p; (p = space.read64(at)) != 0; at += 8) env.add(cstring(p));
        assertEquals(List.of("HOME=/root", "PATH=/bin"), env);
        at += 8;
        assertEquals(l.auxvAddr(), at);

        Map<Long, Long> aux = new LinkedHashMap<>();
        while (true) {
            long k = space.read64(at), v = space.read64(at + 8);
            at += 16;
            if (k == Auxv.AT_NULL) break;
            aux.put(k, v);
        }
        assertEquals(List.of((long) Auxv.AT_MINSIGSTKSZ, (long) Auxv.AT_HWCAP, (long) Auxv.AT_PAGESZ,
                (long) Auxv.AT_CLKTCK, (long) Auxv.AT_PHDR, (long) Auxv.AT_PHENT, (long) Auxv.AT_PHNUM,
                (long) Auxv.AT_BASE, (long) Auxv.AT_FLAGS, (long) Auxv.AT_ENTRY, (long) Auxv.AT_UID,
                (long) Auxv.AT_EUID, (long) Auxv.AT_GID, (long) Auxv.AT_EGID, (long) Auxv.AT_SECURE,
                (long) Auxv.AT_RANDOM, (long) Auxv.AT_HWCAP2, (long) Auxv.AT_EXECFN, (long) Auxv.AT_PLATFORM),
                List.copyOf(aux.keySet()));
        assertEquals(Cpuid.LEAF1_EDX & 0xFFFFFFFFL, aux.get((long) Auxv.AT_HWCAP));
        assertEquals(4096L, aux.get((long) Auxv.AT_PAGESZ));
        assertEquals(100L, aux.get((long) Auxv.AT_CLKTCK));
        assertEquals(0x400040L, aux.get((long) Auxv.AT_PHDR));
        assertEquals(56L, aux.get((long) Auxv.AT_PHENT));
        assertEquals(10L, aux.get((long) Auxv.AT_PHNUM));
        assertEquals(0L, aux.get((long) Auxv.AT_BASE));
        assertEquals(0L, aux.get((long) Auxv.AT_FLAGS));
        assertEquals(0x401bc0L, aux.get((long) Auxv.AT_ENTRY));
        assertEquals(1000L, aux.get((long) Auxv.AT_UID));
        assertEquals(1001L, aux.get((long) Auxv.AT_EUID));
        assertEquals(100L, aux.get((long) Auxv.AT_GID));
        assertEquals(101L, aux.get((long) Auxv.AT_EGID));
        assertEquals(0L, aux.get((long) Auxv.AT_SECURE));
        assertEquals(0L, aux.get((long) Auxv.AT_HWCAP2));
        assertArrayEquals(random, space.readBytes(aux.get((long) Auxv.AT_RANDOM), 16));
        assertEquals("./prog", cstring(aux.get((long) Auxv.AT_EXECFN)));
        assertEquals("x86_64", cstring(aux.get((long) Auxv.AT_PLATFORM)));

        // Linux's string area: argv strings lowest, then envp, then execfn, 8 zero bytes at the top.
        long execfn = aux.get((long) Auxv.AT_EXECFN);
        assertEquals(InitialStack.STACK_TOP - 8 - "./prog".length() - 1, execfn);
        assertEquals(0, space.read64(InitialStack.STACK_TOP - 8));
        assertEquals("PATH=/bin", cstring(execfn - "PATH=/bin".length() - 1));
        assertEquals(l.stringsStart(), space.read64(l.argvAddr()));
        // Random bytes and platform string sit between the tables and the strings.
        assertTrue(aux.get((long) Auxv.AT_RANDOM) < aux.get((long) Auxv.AT_PLATFORM));
        assertTrue(aux.get((long) Auxv.AT_PLATFORM) < l.stringsStart());
        assertTrue(at <= aux.get((long) Auxv.AT_RANDOM));
    }

    @Test
    void matchesNativeAddressesForAKnownCase() throws ElfException {
        // With no environment and argv = {"./a"}: strings end at 0x7fffffffeff8.
        InitialStack.Layout l = InitialStack.build(hv, space, image, strings("./a"), List.of(),
                "./a".getBytes(StandardCharsets.UTF_8), random, new InitialStack.Ids(0, 0, 0, 0));
        assertEquals(0x7fffffffeff8L - 4, l.execfnAddr());
        assertEquals(0x7fffffffeff8L - 8, l.stringsStart());
        long p = (l.stringsStart() & ~0xfL) - 7;
        assertEquals(p, l.platformAddr());
        assertEquals(p - 16, l.randomAddr());
        long items = 2 + 1 + 1;
        long sp = ((p - 16) - 40L * 8 - items * 8) & ~0xfL;
        assertEquals(sp, l.sp());
    }

    @Test
    void refusesHugeArgumentLists() {
        List<byte[]> big = new ArrayList<>();
        big.add(new byte[(int) InitialStack.MAX_STRINGS]);
        assertThrows(ElfException.class, () -> InitialStack.build(hv, space, image, big, List.of(),
                new byte[0], random, new InitialStack.Ids(0, 0, 0, 0)));
    }
}
