package jvisor.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import jvisor.cpu.CpuFault;
import jvisor.cpu.Reg;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/** The NanoPVM contract: map, switch until a VM exit of each kind, unmap. */
class HypervisorTest {
    static final long CODE = 0x400000, DATA = 0x600000;
    final Hypervisor hv = new Hypervisor();

    Vcpu load(String hex) {
        AddressSpace as = hv.createAddressSpace();
        hv.mapAnonymous(as, CODE, 0x1000, Prot.RX, "code");
        hv.mapAnonymous(as, DATA, 0x1000, Prot.RW, "data");
        byte[] code = HexFormat.of().parseHex(hex.replace(" ", ""));
        as.pokeBytes(CODE, code, 0, code.length);
        Vcpu v = hv.createVcpu(as);
        v.state().rip = CODE;
        v.state().r[Reg.RSP] = DATA + 0x1000;
        return v;
    }

    @Test
    void syscallExitLeavesRipAfterTheInstructionAndSavesRcxR11() {
        // mov eax, 39 (getpid); syscall; mov ebx, eax; syscall
        Vcpu v = load("b8 27 00 00 00  0f 05  89 c3  0f 05");
        VmExit exit = hv.switchTo(v);
        assertEquals(ExitKind.SYSCALL, exit.kind);
        assertEquals(39, v.state().r[Reg.RAX]);
        assertEquals(CODE + 7, v.state().rip);
        assertEquals(CODE + 7, v.state().r[Reg.RCX]);
        assertEquals(v.state().rflags(), v.state().r[Reg.R11]);
        v.state().r[Reg.RAX] = 1234; // the kernel's answer
        assertEquals(ExitKind.SYSCALL, hv.switchTo(v).kind);
        assertEquals(1234, v.state().r[Reg.RBX]);
    }

    @Test
    void hotCodeIsTranslatedUnlessInterpretOnly() throws InterruptedException {
        // mov ecx, 100000; 1: add rax, rcx; dec ecx; jnz 1b; syscall
        String loop = "b9 a0 86 01 00  48 01 c8  ff c9  75 f9  0f 05";
        Vcpu translated = load(loop);
        assertEquals(ExitKind.SYSCALL, hv.switchTo(translated).kind);
        // The translation is made in the background: it may come after the loop has ended.
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!translatedCode(translated) && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(translatedCode(translated), "the loop was translated");
        hv.setInterpretOnly(true);
        Vcpu interpreted = load(loop);
        assertEquals(ExitKind.SYSCALL, hv.switchTo(interpreted).kind);
        assertTrue(interpreted.cpu().cachedBlock(CODE + 5).translation == null, "--interp: nothing translated");
        assertEquals(translated.state().r[Reg.RAX], interpreted.state().r[Reg.RAX]);
        assertEquals(translated.state().instructionsRetired, interpreted.state().instructionsRetired);
    }

    @Test
    void aTranslationThresholdAppliesToTheVcpusCreatedAfterIt() {
        // mov ecx, 3; 1: dec ecx; jnz 1b; syscall: the first block runs once.
        String code = "b9 03 00 00 00  ff c9  75 fc  0f 05";
        Vcpu before = load(code);
        hv.setTranslationThreshold(1);
        Vcpu after = load(code);
        assertEquals(ExitKind.SYSCALL, hv.switchTo(before).kind);
        assertEquals(ExitKind.SYSCALL, hv.switchTo(after).kind);
        // Threshold 1 translates a block on the spot, before its first run; the default waits for
        // thousands of runs.
        assertTrue(before.cpu().cachedBlock(CODE).translation == null, "made before: the default threshold");
        Object t = after.cpu().cachedBlock(CODE).translation;
        assertTrue(t != null && t.getClass().isHidden(), "made after: translated before its first run");
        assertThrows(IllegalArgumentException.class, () -> hv.setTranslationThreshold(0));
    }

    /** Whether the loop's block runs in a translation (a hidden class the translator generated). */
    private static boolean translatedCode(Vcpu v) {
        Object t = v.cpu().cachedBlock(CODE + 5).translation;
        return t != null && t.getClass().isHidden();
    }

    @Test
    void invalidOpcodeIsAnExceptionExitAtTheInstruction() {
        Vcpu v = load("90 0f 0b"); // nop; ud2
        VmExit exit = hv.switchTo(v);
        assertEquals(ExitKind.EXCEPTION, exit.kind);
        assertEquals(CpuFault.UD, exit.vector);
        assertEquals(CODE + 1, v.state().rip);
    }

    @Test
    void pageFaultReportsAddressAndErrorCode() {
        // mov dword [0x601000], 1 : just past the data page
        Vcpu v = load("c7 04 25 00 10 60 00 01 00 00 00");
        VmExit exit = hv.switchTo(v);
        assertTrue(exit.isPageFault());
        assertEquals(DATA + 0x1000, exit.address);
        assertEquals(4 | 2, exit.errorCode); // user, write, not present
        assertEquals(CODE, v.state().rip);
    }

    @Test
    void writeToReadOnlyCodeIsAProtectionFault() {
        Vcpu v = load("c6 04 25 00 00 40 00 cc"); // mov byte [0x400000], 0xcc
        VmExit exit = hv.switchTo(v);
        assertTrue(exit.isPageFault());
        assertEquals(CODE, exit.address);
        assertEquals(4 | 2 | 1, exit.errorCode);
    }

    @Test
    void breakpointTrapLeavesRipAfterInt3() {
        Vcpu v = load("cc 90");
        VmExit exit = hv.switchTo(v);
        assertEquals(CpuFault.BP, exit.vector);
        assertEquals(CODE + 1, v.state().rip);
    }

    @Test
    void divideByZeroIsDivideError() {
        Vcpu v = load("31 c9 f7 f1"); // xor ecx, ecx; div ecx
        VmExit exit = hv.switchTo(v);
        assertEquals(CpuFault.DE, exit.vector);
        assertEquals(CODE + 2, v.state().rip);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void kickFromAnotherThreadStopsAnEndlessLoop() throws Exception {
        Vcpu v = load("eb fe"); // jmp .
        Thread kicker = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            hv.kick(v);
        });
        kicker.start();
        VmExit exit = hv.switchTo(v);
        kicker.join();
        assertEquals(ExitKind.KICK, exit.kind);
        assertEquals(CODE, v.state().rip);
    }

    @Test
    void unmappedCodeFaultsOnFetch() {
        Vcpu v = load("e9 fb 0f 00 00"); // jmp CODE+0x1000 (unmapped)
        VmExit exit = hv.switchTo(v);
        assertTrue(exit.isPageFault());
        assertEquals(CODE + 0x1000, exit.address);
        assertEquals(CODE + 0x1000, v.state().rip);
        assertEquals(4 | 16, exit.errorCode); // user, instruction fetch, not present
    }

    @Test
    void codeChangesAreSeenAfterRewrite() {
        // mov eax, 1; syscall ; executed once, then the immediate is rewritten by the "kernel"
        Vcpu v = load("b8 01 00 00 00 0f 05");
        hv.switchTo(v);
        assertEquals(1, v.state().r[Reg.RAX]);
        v.addressSpace().pokeBytes(CODE + 1, new byte[] {2}, 0, 1);
        v.state().rip = CODE;
        hv.switchTo(v);
        assertEquals(2, v.state().r[Reg.RAX]);
    }

    @Test
    void nonCanonicalAddressIsGeneralProtectionOrStackFault() {
        Vcpu v = load("48 8b 18"); // mov rbx, [rax]
        v.state().r[Reg.RAX] = 0x8000_0000_0000_0000L;
        VmExit exit = hv.switchTo(v);
        assertEquals(CpuFault.GP, exit.vector);
        assertEquals(0, exit.errorCode);
        Vcpu w = load("c9"); // leave, with RBP non-canonical
        w.state().r[Reg.RBP] = 0x1234_5678_9abc_def0L;
        assertEquals(CpuFault.SS, hv.switchTo(w).vector);
        assertEquals(DATA + 0x1000, w.state().r[Reg.RSP], "a faulting LEAVE changes nothing");
    }

    @Test
    void forkedAddressSpaceRunsItsOwnVcpuCopyOnWrite() {
        // mov qword [0x600000], rax; syscall
        Vcpu parent = load("48 89 04 25 00 00 60 00  0f 05");
        AddressSpace space = parent.addressSpace();
        parent.state().r[Reg.RAX] = 1;
        assertEquals(ExitKind.SYSCALL, hv.switchTo(parent).kind);
        AddressSpace childSpace = hv.forkAddressSpace(space);
        Vcpu child = hv.createVcpu(childSpace);
        child.state().copyFrom(parent.state()); // fork: the child resumes where the parent is
        child.state().rip = CODE;
        child.state().r[Reg.RAX] = 2;
        assertEquals(ExitKind.SYSCALL, hv.switchTo(child).kind);
        assertEquals(1, space.read64(DATA));
        assertEquals(2, childSpace.read64(DATA));
        assertEquals(1, childSpace.pagesCopied());
        assertEquals(1, space.vcpuCount());
        Vcpu thread = hv.createVcpu(space); // clone: a second vCPU on the same space
        assertEquals(2, space.vcpuCount());
        hv.releaseVcpu(thread);
        hv.releaseVcpu(child);
        assertEquals(1, space.vcpuCount());
        assertEquals(0, childSpace.vcpuCount());
        childSpace.clear();
        assertEquals(1, space.read64(DATA));
    }
}
