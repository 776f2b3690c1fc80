package jvisor.cpu.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.CpuTestSupport;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * The translator against the interpreter on whole programs with loops, calls, memory, flags that
 * live across blocks, instructions left to their handlers, faults inside translated regions,
 * self-modifying code and kicks. Both engines start from the same state and must end in the
 * same state, field for field: registers, RIP, RFLAGS and the operation and size of the lazy
 * flag record (its operand fields may differ where the translator skipped flags nobody sees,
 * see FlagLiveness), the retired instruction count, XMM registers and memory. The translator runs with several
 * thresholds, so regions are built before and after the loops' blocks have all been decoded.
 */
class TranslatorTest {
    private static final long CODE = 0x1000_0000L, DATA = 0x2000_0000L, DATA_SIZE = 0x2000, STACK = 0x3000_0000L;
    private static final int[] THRESHOLDS = {1, 5, 50};

    /** The architectural state plus everything the interpreter leaves behind that the translator must leave alike. */
    private record Snapshot(int exit, int vector, long address, long[] regs, long rip, long rflags, int lfOp, int lfSize,
            long lfDst, long lfSrc, long lfRes, long lfAux, long retired, long[] xmm, long[] ymmHi, int mxcsr, byte[] data) {
        String diff(Snapshot o) {
            List<String> d = new ArrayList<>();
            if (exit != o.exit || vector != o.vector || address != o.address) {
                d.add(String.format("exit %d/%d/%x vs %d/%d/%x", exit, vector, address, o.exit, o.vector, o.address));
            }
            for (int k = 0; k < 16; k++) {
                if (regs[k] != o.regs[k]) d.add(String.format("%s %x vs %x", Reg.name(k), regs[k], o.regs[k]));
            }
            if (rip != o.rip) d.add(String.format("rip %x vs %x", rip, o.rip));
            if (rflags != o.rflags) d.add(String.format("rflags %x vs %x", rflags, o.rflags));
            // An eager record (status bits computed) leaves lfSize as it was: meaningless then.
            if (lfOp != o.lfOp || lfOp != jvisor.cpu.Flags.OP_EAGER && lfSize != o.lfSize) {
                d.add(String.format("lazy flags %d/%d/%x/%x/%x/%x vs %d/%d/%x/%x/%x/%x", lfOp, lfSize, lfDst, lfSrc, lfRes,
                        lfAux, o.lfOp, o.lfSize, o.lfDst, o.lfSrc, o.lfRes, o.lfAux));
            }
            if (retired != o.retired) d.add("instructions retired " + retired + " vs " + o.retired);
            for (int k = 0; k < 32; k++) { // XMM0-15; the slots above are VexLanes' scratch registers
                if (xmm[k] != o.xmm[k]) d.add(String.format("xmm%d[%d] %x vs %x", k / 2, k % 2, xmm[k], o.xmm[k]));
            }
            for (int k = 0; k < 32; k++) {
                if (ymmHi[k] != o.ymmHi[k]) d.add(String.format("ymm%d[%d] %x vs %x", k / 2, 2 + k % 2, ymmHi[k], o.ymmHi[k]));
            }
            if (mxcsr != o.mxcsr) d.add(String.format("mxcsr %x vs %x", mxcsr, o.mxcsr));
            if (!Arrays.equals(data, o.data)) d.add("memory differs");
            return d.isEmpty() ? null : String.join("; ", d);
        }
    }

    private static Snapshot snapshot(Cpu c, int exit, AddressSpace s) {
        CpuState t = c.state;
        return new Snapshot(exit, exit == Cpu.EXIT_EXCEPTION ? c.exitVector : -1, exit == Cpu.EXIT_EXCEPTION ? c.exitAddress : 0,
                t.r.clone(), t.rip, t.rflags(), t.lfOp, t.lfSize, t.lfDst, t.lfSrc, t.lfRes, t.lfAux, t.instructionsRetired,
                t.xmm.clone(), t.ymmHi.clone(), t.mxcsr, s.readBytes(DATA, (int) DATA_SIZE));
    }

    private static AddressSpace space(byte[] code) {
        AddressSpace s = new AddressSpace();
        s.mapAnonymous(CODE, 0x4000, Prot.RWX, "code");
        s.mapAnonymous(DATA, DATA_SIZE, Prot.RW, "data");
        s.mapAnonymous(STACK - 0x10000, 0x10000, Prot.RW, "stack");
        s.pokeBytes(CODE, code, 0, code.length);
        return s;
    }

    /** Runs code from CODE with the given threshold (0: interpreter) until `exits` VM exits; a snapshot after each. */
    private static List<Snapshot> run(byte[] code, int threshold, int exits) {
        return run(code, threshold, Translator.XmmLocals.WHERE_THEY_PAY, exits);
    }

    /** {@link #run(byte[], int, int)} with the XMM registers kept in locals where xmmLocals says. */
    private static List<Snapshot> run(byte[] code, int threshold, Translator.XmmLocals xmmLocals, int exits) {
        AddressSpace s = space(code);
        Cpu c = new Cpu(s);
        c.setTranslationThreshold(threshold);
        c.setXmmLocals(xmmLocals);
        CpuState t = c.state;
        t.rip = CODE;
        t.r[Reg.RSP] = STACK - 64;
        for (int k = 0; k < 16; k++) if (k != Reg.RSP) t.r[k] = 0x0101_0101_0101_0101L * (k + 1);
        t.setRflags(0x8D5);
        List<Snapshot> out = new ArrayList<>();
        for (int n = 0; n < exits; n++) {
            int exit = c.run();
            out.add(snapshot(c, exit, s));
            if (exit == Cpu.EXIT_EXCEPTION) break;
        }
        return out;
    }

    /** Assembles a snippet written in Intel syntax. */
    private static byte[] intel(String asm) {
        return CpuTestSupport.asm(".intel_syntax noprefix\n" + asm + "\n.att_syntax prefix");
    }

    private static void assertAgree(String name, String asm, int exits) {
        Assumptions.assumeTrue(CpuTestSupport.hostAvailable(), "needs the host's assembler");
        byte[] code = intel(asm);
        List<Snapshot> interpreted = run(code, 0, exits);
        for (Translator.XmmLocals xmmLocals : Translator.XmmLocals.values()) {
            for (int threshold : THRESHOLDS) {
                String how = "threshold " + threshold + ", XMM locals " + xmmLocals;
                List<Snapshot> translated = run(code, threshold, xmmLocals, exits);
                assertEquals(interpreted.size(), translated.size(), name + ": number of exits, " + how);
                for (int k = 0; k < interpreted.size(); k++) {
                    String d = interpreted.get(k).diff(translated.get(k));
                    assertEquals(null, d, name + ", " + how + ", exit " + k + ": interpreter vs translator");
                }
            }
        }
    }

    @Test
    void arithmeticLoop() {
        assertAgree("arithmetic", """
                    mov ecx, 1000
                    xor eax, eax
                    mov rbx, 0x123456789
                1:  add rax, rcx
                    adc rbx, rax
                    rol rbx, 7
                    xor rdx, rbx
                    imul rdx, rdx, 31
                    shr rdx, 3
                    ror r8d, 5
                    rcl r9w, 3
                    sar r10, 1
                    neg r11
                    not r12
                    sbb r13b, cl
                    shl r14, cl
                    jz 2f
                    sar r15d, cl
                    shr r14w, cl
                    sal r11b, cl
                2:  sub ecx, 1
                    jnz 1b
                    syscall
                """, 1);
    }

    @Test
    void callsMemoryAndStack() {
        assertAgree("calls", """
                    mov esi, 0x20000000
                    mov ecx, 500
                1:  call 2f
                    mov [rsi + rcx*8], rax
                    mov word ptr [rsi + rcx*2 + 0x1000], cx
                    add byte ptr [rsi + rcx], al
                    shr byte ptr [rsi + rcx], cl
                    sar qword ptr [rsi + rcx*8], cl
                    dec ecx
                    jnz 1b
                    push 7
                    pop r14
                    mov rbp, rsp
                    sub rsp, 32
                    leave
                    syscall
                2:  mov rax, rcx
                    imul rax, rax
                    push rax
                    pop rdx
                    lea rax, [rdx + rax*2 + 5]
                    movsx r15, ax
                    movzx r13d, byte ptr [rsi + rcx]
                    movsxd r12, eax
                    cqo
                    cdqe
                    ret
                """, 1);
    }

    @Test
    void flagsAcrossBlocksConditionalsAndPartialRegisters() {
        assertAgree("flags", """
                    mov ecx, 300
                1:  mov al, cl
                    add al, 0x80
                    jc 2f
                    inc bl
                2:  setc dl
                    cmovs rdi, rcx
                    cmovnz esi, ecx
                    movzx r8d, dl
                    add r9, r8
                    mov ah, cl
                    xchg ah, bl
                    test cl, 3
                    jp 3f
                    sete bh
                3:  cmp cx, 150
                    jae 4f
                    shl r10, 1
                    jo 4f
                    dec r11
                4:  sub ecx, 1
                    cmp ecx, 0
                    jg 1b
                    syscall
                """, 1);
    }

    @Test
    void handlersInsideTranslatedCode() {
        assertAgree("handlers", """
                    mov ecx, 200
                    mov edi, 0x20000000
                1:  mov rax, rcx
                    bsf rdx, rax
                    popcnt r8, rax
                    movq xmm0, rax
                    paddq xmm0, xmm0
                    pshufd xmm1, xmm0, 0x1b
                    movq rax, xmm0
                    xor edx, edx
                    mov r9d, 7
                    div r9
                    push rcx
                    mov ecx, 8
                    rep stosb
                    pop rcx
                    sub rdi, 7
                    adc r10, rdx
                    bt r10, 3
                    cmc
                    adc r11, 0
                    dec ecx
                    jnz 1b
                    rdtsc
                    syscall
                    mov ecx, 30
                5:  rdtsc
                    add r12, rax
                    loop 5b
                    syscall
                """, 2);
    }

    @Test
    void faultInsideATranslatedLoopIsExact() {
        // The loop runs off the end of the data area: the fault must leave the state of the faulting load.
        assertAgree("fault", """
                    mov esi, 0x20000000
                    xor ecx, ecx
                1:  add rax, [rsi + rcx*8]
                    inc ecx
                    rol rax, 3
                    mov [rsi + rcx*8 - 8], rax
                    cmp ecx, 100000
                    jne 1b
                    syscall
                """, 1);
        assertAgree("fault in a store", """
                    mov esi, 0x20000000
                    mov ecx, 0x4000
                1:  sub ecx, 1
                    shl rax, 1
                    adc rax, rcx
                    mov [rsi + rcx*2 - 0x6000], ax
                    jmp 1b
                """, 1);
        assertAgree("divide error", """
                    mov ecx, 100
                1:  mov eax, 1000
                    xor edx, edx
                    add r8, rcx
                    div ecx
                    dec ecx
                    jmp 1b
                """, 1);
    }

    @Test
    void doubleArithmeticAndUnalignedMovesAcrossPages() {
        // MOVUPD walks byte by byte over the boundary between the two data pages and then off the end
        // of the data area: the store that straddles into the unmapped page faults before writing
        // anything. MXCSR starts without PE, which the first inexact result sets (the inline path
        // then applies); zeros, and results that cancel, take the calls. The compares feed branches
        // (the flags of an eager record, NaNs from the square roots of negative values included).
        String loop = """
                    mov rax, 0x3FF8000000000000
                    movq xmm1, rax
                    unpcklpd xmm1, xmm1
                    mov rax, 0x3FB999999999999A
                    movq xmm2, rax
                    unpcklpd xmm2, xmm2
                    mov esi, 0x20000F80
                    mov ecx, 0x1100
                1:  movupd xmm0, [rsi]
                    mulpd xmm0, xmm2
                    addpd xmm0, xmm1
                    sqrtpd xmm3, xmm0
                    divsd xmm3, xmm1
                    subpd xmm0, xmm3
                    mulsd xmm3, xmm0
                    addsd xmm3, xmm2
                    subsd xmm3, xmm1
                    sqrtsd xmm4, xmm3
                    ucomisd xmm3, xmm1
                    ja 2f
                    inc r8
                2:  comisd xmm4, xmm2
                    jbe 3f
                    inc r9
                3:  ucomisd xmm0, xmm4
                    jp 4f
                    jb 4f
                    inc r10
                4:  comisd xmm0, [rsi]
                    jne 5f
                    inc r11
                5:  movups %s, xmm0
                    movdqu [rsi + 5], xmm3
                    inc rsi
                    dec ecx
                    jnz 1b
                    syscall
                """;
        assertAgree("store straddles into the unmapped page", loop.formatted("[rsi + 1]"), 1);
        assertAgree("load straddles into the unmapped page", loop.formatted("[rsi - 7]").replace("[rsi + 5]", "[rsi - 3]"), 1);
    }

    @Test
    void avxDoubleFormsAndIntegerConversions() {
        // The VEX forms of libm's *_avx code and CVTSI2SD: tiny and zero sums and differences
        // (inline), tiny products (the calls), conversions of integers above 2^53 (inline only once
        // PE is set), VEX.128 forms zeroing bits 255:128 that VBROADCASTSD filled, and VEX.256
        // operands walking into the unmapped page, where the load faults before anything is written.
        String loop = """
                    mov rax, 0x0010000000000003
                    vmovq xmm5, rax
                    mov rax, 0x0010000000000000
                    vmovq xmm6, rax
                    mov rdx, 0x0020000000000001
                    mov esi, 0x20000F80
                    mov ecx, 0x1100
                1:  vbroadcastsd ymm7, xmm5
                    vbroadcastsd ymm12, xmm6
                    vsubsd xmm7, xmm5, xmm6
                    vsubsd xmm8, xmm5, xmm5
                    vaddsd xmm9, xmm7, [rsi]
                    vmulsd xmm10, xmm9, xmm5
                    vdivsd xmm11, xmm9, xmm6
                    vminsd xmm11, xmm11, xmm10
                    vcvtsi2sd xmm12, xmm6, rdx
                    cvtsi2sd xmm13, edx
                    cvtsi2sd xmm13, qword ptr [rsi]
                    vsqrtsd xmm14, xmm14, xmm9
                    vmovsd xmm15, xmm14, xmm9
                    vmovsd xmm4, qword ptr [rsi + 3]
                    vmovsd qword ptr [rsi + 16], xmm12
                    vmovq xmm3, xmm9
                    vandpd ymm1, ymm7, ymm12
                    vxorpd xmm2, xmm9, xmm12
                    vaddpd ymm2, ymm12, [rsi]
                    vmulpd xmm3, xmm2, xmm9
                    vsubpd ymm0, ymm2, ymm12
                    vcomisd xmm9, xmm8
                    jbe 2f
                    inc r8
                2:  vucomisd xmm10, xmm11
                    jp 3f
                    inc r9
                3:  imul rdx, rdx, 3
                    inc rsi
                    dec ecx
                    jnz 1b
                    syscall
                """;
        assertAgree("VEX.256 load into the unmapped page", loop, 1);
    }

    @Test
    void divisionAndWideMultiplication() {
        // DIV and IDIV of 32 and 64 bits inline (64-bit dividends, quotients that fit), the handler
        // for 128-bit dividends and 32-bit quotients that overflow (#DE, the last one ending the
        // run), MUL and one-operand IMUL of every size in between; a divisor from memory too.
        String loop = """
                    mov rsi, 0x20000000
                    mov rbx, 0x9E3779B97F4A7C15
                    mov ecx, 0x3000
                1:  imul rbx, rbx, 0x5851F42D
                    mov rdi, rbx
                    shr rdi, 40
                    or rdi, 1
                    mov rax, rbx
                    xor edx, edx
                    div rdi
                    add r8, rdx
                    mov rax, rbx
                    cqo
                    idiv rdi
                    add r9, rax
                    mov eax, ebx
                    mov edx, ecx
                    and edx, 0xF
                    div edi
                    add r10, rdx
                    mov eax, ebx
                    cdq
                    neg edi
                    idiv edi
                    add r11, rax
                    mov [rsi], rdi
                    mov rax, rbx
                    mov rdx, rcx
                    div qword ptr [rsi]
                    add r12, rax
                    mov rax, rbx
                    mul rbx
                    add r13, rdx
                    mov eax, ebx
                    imul ecx
                    add r14, rdx
                    mov al, bl
                    mul cl
                    add r15, rax
                    dec ecx
                    jnz 1b
                    mov eax, 1
                    mov edx, 1
                    mov ecx, 1
                    div ecx
                    syscall
                """;
        assertAgree("divisions and multiplications", loop, 1);
    }

    /**
     * The end of the loops that rewrite their own code: the immediate of the MOV at label 2 (its
     * address plus 1) goes from 1 to 2, which each later pass adds to RBX.
     */
    private static final String REWRITTEN_LOOP_END = """
                jmp 2f
            2:  mov eax, 1
                add rbx, rax
                dec ecx
                jnz 1b
                syscall
            """;

    @Test
    void selfModifyingCodeInATranslatedRegion() {
        // Halfway, the loop rewrites the immediate of an instruction in another block of its own region
        // (within one block, both engines run what was decoded when the block began).
        String asm = """
                    mov ecx, 1000
                    lea rdi, [rip + 2f + 1]
                1:  cmp ecx, 500
                    jne 2f
                    mov byte ptr [rdi], 2
                """ + REWRITTEN_LOOP_END;
        assertAgree("self-modifying", asm, 1);
        for (int threshold : THRESHOLDS) {
            Snapshot s = run(intel(asm), threshold, 1).get(0);
            assertEquals(0x0404_0404_0404_0404L + 500 + 500 * 2, s.regs[Reg.RBX], "threshold " + threshold);
        }
    }

    /**
     * A store into the code of the next block of the same region, by each kind of store the
     * translator generates: an emitter's store of a general register, of an SSE register, the
     * in-place store of a whole YMM register, and an interpreter handler's (MOVBE has no emitter).
     * Only an edge that leaves a block that may write memory checks for changed code (Gen#edge):
     * a kind of store left out of that count goes on running the old immediate until the region
     * next leaves (checked: without the count in Gen#store the first two fail, without it in the
     * handlers' calls the last one; the YMM store's way through the TLB's check for a whole
     * operand counts too, but its code also holds a quadword-by-quadword way through Gen#store).
     *
     * <p>The loop stores into data on every pass, so that the storing block is hot and joins the
     * region; the code is rewritten only once the test has seen both blocks in one translation.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mov byte ptr [rsi], 2", "movq qword ptr [rsi], xmm1", "vmovdqu ymmword ptr [rsi], ymm1",
            "movbe word ptr [rsi], dx"})
    void everyKindOfStoreIntoTheNextBlockOfARegionIsSeen(String store) throws Exception {
        Assumptions.assumeTrue(CpuTestSupport.hostAvailable(), "needs the host's assembler");
        // The new bytes are the code's own with the immediate's low byte set to 2, copied through
        // the data page into the registers the stores write from (MOVBE swaps them twice).
        String asm = """
                    lea r10, [rip + 1f]
                    lea rdi, [rip + 2f + 1]
                    mov r8d, 0x20000000
                    vmovdqu ymm1, ymmword ptr [rdi]
                    vmovdqu ymmword ptr [r8 + 256], ymm1
                    mov byte ptr [r8 + 256], 2
                    vmovdqu ymm1, ymmword ptr [r8 + 256]
                    movbe dx, word ptr [r8 + 256]
                0:  mov ecx, 100
                1:  mov rsi, r8
                    cmp ecx, r9d
                    cmove rsi, rdi
                    STORE
                """.replace("STORE", store) + REWRITTEN_LOOP_END + "jmp 0b\n";
        for (int threshold : new int[] {5, 50}) {
            Cpu c = new Cpu(space(intel(asm)));
            c.setTranslationThreshold(threshold);
            c.state.rip = CODE;
            c.state.r[Reg.R9] = 0; // ECX never is: every store goes to data
            long deadline = System.nanoTime() + 30_000_000_000L;
            boolean oneRegion;
            do {
                assertEquals(Cpu.EXIT_SYSCALL, c.run());
                jvisor.cpu.Block storing = c.cachedBlock(c.state.r[Reg.R10]), next = c.cachedBlock(c.state.r[Reg.RDI] - 1);
                Translated t = storing.translation; // read once: the translator thread sets it
                oneRegion = t != null && t.getClass().isHidden() && t == next.translation;
            } while (!oneRegion && System.nanoTime() < deadline);
            assertTrue(oneRegion, "the two blocks never ran in one translation");
            long before = c.state.r[Reg.RBX];
            c.state.r[Reg.R9] = 50; // the pass with ECX = 50 rewrites the immediate, and adds the new one already
            assertEquals(Cpu.EXIT_SYSCALL, c.run());
            assertEquals(50 * 1 + 50 * 2, c.state.r[Reg.RBX] - before, store + ", threshold " + threshold);
        }
    }

    /**
     * A comparison right before a conditional jump keeps its flags in locals of the region (see
     * Gen#setFlags); on the way to a block that reads them before anything else (SETcc, both
     * ways here) they must go to CpuState. Run until the blocks are in one translation, so that
     * the edges are the region's own: the loop's end gets hot first and leads the region, the
     * test's block comes next, so both its edges go forward (checked: with the flags left in
     * locals on every forward edge, SETZ reads an old ZF and this fails).
     */
    @Test
    void flagsOfATestReachTheBlocksOfItsRegionThatReadThem() throws Exception {
        Assumptions.assumeTrue(CpuTestSupport.hostAvailable(), "needs the host's assembler");
        String asm = """
                    lea r10, [rip + 1f]
                    lea r12, [rip + 2f]
                    lea r13, [rip + 4f]
                0:  mov ecx, 100
                1:  test ecx, 1
                    jz 2f
                4:  setnz al
                    movzx eax, al
                    add rbx, rax
                    jmp 3f
                2:  setz al
                    movzx eax, al
                    add rbx, rax
                    add rbx, 1000
                3:  dec ecx
                    jnz 1b
                    syscall
                    jmp 0b
                """;
        for (int threshold : new int[] {5, 50}) {
            Cpu c = new Cpu(space(intel(asm)));
            c.setTranslationThreshold(threshold);
            c.state.rip = CODE;
            long deadline = System.nanoTime() + 30_000_000_000L;
            boolean oneRegion;
            do {
                assertEquals(Cpu.EXIT_SYSCALL, c.run());
                Translated t = c.cachedBlock(c.state.r[Reg.R10]).translation; // read once: the translator thread sets it
                oneRegion = t != null && t.getClass().isHidden() && t == c.cachedBlock(c.state.r[Reg.R12]).translation
                        && t == c.cachedBlock(c.state.r[Reg.R13]).translation;
            } while (!oneRegion && System.nanoTime() < deadline);
            assertTrue(oneRegion, "the blocks never ran in one translation");
            long before = c.state.r[Reg.RBX];
            assertEquals(Cpu.EXIT_SYSCALL, c.run());
            // ECX 100..1: 50 odd values add 1 each, 50 even ones 1001.
            assertEquals(50 * 1 + 50 * 1001, c.state.r[Reg.RBX] - before, "threshold " + threshold);
        }
    }

    /**
     * A loop of more blocks than a region holds, translated block by block as the loop first
     * reaches them: it runs as translations that leave for each other, chained without the run
     * loop (Translator.chain). Halfway, one block rewrites the immediate of the next one, which
     * must end every chain into the old code. Two things end it: the run loop stops chaining when
     * the address space changed, and the chain refuses an invalid block; with both removed, this
     * test fails (RDX).
     */
    @Test
    void chainedRegionsAgreeAndSeeCodeChanges() {
        StringBuilder asm = new StringBuilder("""
                    mov ecx, 1000
                    lea rdi, [rip + 7f + 1]
                1:
                """);
        for (int b = 0; b < 20; b++) {
            asm.append("add rbx, ").append(b + 1).append("\njmp 3").append(b).append("f\n3").append(b).append(":\n");
            // A store in every iteration, into data but once into the code of the next block, which
            // starts with the instruction rewritten. At threshold 1 both blocks are regions of their
            // own, translated in the first iteration and chained from the second on.
            if (b == 10) asm.append("mov esi, 0x20000000\ncmp ecx, 500\ncmove rsi, rdi\nmov byte ptr [rsi], 2\n");
            if (b == 11) asm.append("7: mov eax, 1\nadd rdx, rax\n");
        }
        asm.append("dec ecx\njnz 1b\nsyscall\n");
        assertAgree("chained regions", asm.toString(), 1);
        for (int threshold : THRESHOLDS) {
            Snapshot s = run(intel(asm.toString()), threshold, 1).get(0);
            assertEquals(0x0404_0404_0404_0404L + 1000 * 210, s.regs[Reg.RBX], "threshold " + threshold);
            assertEquals(0x0303_0303_0303_0303L + 500 + 500 * 2, s.regs[Reg.RDX], "threshold " + threshold);
        }
    }

    @Test
    void computedJumpsChainAcrossRegionsAndSeeCodeChanges() {
        // One function returns to three call sites in turn (more than a computed jump remembers),
        // and a jump table sends each iteration to one of three blocks. Halfway, the loop rewrites
        // the immediate of one of those blocks: a jump that remembered it must not run the old code.
        String asm = """
                    mov esi, 0x20000000
                    lea rax, [rip + 20f]
                    mov [rsi], rax
                    lea rax, [rip + 21f]
                    mov [rsi + 8], rax
                    lea rax, [rip + 22f]
                    mov [rsi + 16], rax
                    mov ecx, 600
                1:  call 60f
                    add rbx, 1
                    call 60f
                    add rbx, 2
                    call 60f
                    add rbx, 3
                    mov eax, ecx
                    xor edx, edx
                    mov edi, 3
                    div edi
                    jmp qword ptr [rsi + rdx * 8]
                20: add r9, 1
                    jmp 30f
                21: add r10, 1
                    jmp 30f
                22: add r13, 1
                    jmp 30f
                30: cmp ecx, 300
                    jne 31f
                    mov byte ptr [rip + 22b + 3], 7
                31: dec ecx
                    jnz 1b
                    syscall
                60: add r12, 5
                    ret
                """;
        assertAgree("computed jumps", asm, 1);
        for (int threshold : THRESHOLDS) {
            Snapshot s = run(intel(asm), threshold, 1).get(0);
            assertEquals(0x0404_0404_0404_0404L + 600 * 6, s.regs[Reg.RBX], "threshold " + threshold);
            assertEquals(0x0D0D_0D0D_0D0D_0D0DL + 600 * 3 * 5, s.regs[Reg.R12], "threshold " + threshold);
            assertEquals(0x0A0A_0A0A_0A0A_0A0AL + 200, s.regs[Reg.R9], "threshold " + threshold);
            assertEquals(0x0B0B_0B0B_0B0B_0B0BL + 200, s.regs[Reg.R10], "threshold " + threshold);
            // ecx % 3 == 2: 100 times before the rewrite (ecx 599..302), 100 times after it (299..2)
            assertEquals(0x0E0E_0E0E_0E0E_0E0EL + 100 + 100 * 7, s.regs[Reg.R13], "threshold " + threshold);
        }
    }

    @Test
    void xmmRegistersInLocalsOfALoopGoBackAtExitsAndAroundHandlers() {
        // The loop's head becomes hot first (thresholds 5 and 50): its region keeps XMM1, XMM3,
        // XMM4 and XMM5 in locals (in every region, or because the loop writes them 20 times an
        // iteration, more than the 16 loads and stores of an entry and exit). XMM3 is written only every eighth iteration, so an exit must
        // leave the value of the last write (the one at 152 when the loop leaves at 147).
        // PCMPISTRI runs its interpreter handler, which reads XMM4 and XMM5 and writes RCX: the
        // locals go back before it. The guest's own exits (syscall, at 150 and 147) come
        // mid-loop, and so does a page fault (at 100, through r9): each must find the
        // iteration's XMM values in CpuState.
        String asm = """
                    mov rax, 0x1111222233334444
                    movq xmm3, rax
                    movq xmm4, rax
                    movq xmm5, rax
                    mov r9, 0x20000000
                    syscall
                    mov r8d, 300
                1:  test r8d, 7
                    jnz 2f
                    movq xmm3, r8
                    paddq xmm1, xmm3
                2:  movq xmm4, r8
                    paddq xmm5, xmm4
                    paddq xmm5, xmm4
                    paddq xmm5, xmm4
                    paddq xmm5, xmm4
                    paddq xmm5, xmm4
                    paddq xmm5, xmm4
                    paddq xmm5, xmm4
                    pcmpistri xmm4, xmm5, 0x0c
                    add r10, rcx
                    cmp r8d, 100
                    jne 5f
                    mov r9, 0x50000000
                5:  mov r11, [r9]
                    cmp r8d, 150
                    je 4f
                    cmp r8d, 147
                    jne 3f
                4:  syscall
                3:  dec r8d
                    jnz 1b
                    syscall
                """;
        assertAgree("xmm locals", asm, 4);
        for (Translator.XmmLocals xmmLocals : Translator.XmmLocals.values()) {
            for (int threshold : THRESHOLDS) {
                String how = "threshold " + threshold + ", XMM locals " + xmmLocals;
                List<Snapshot> s = run(intel(asm), threshold, xmmLocals, 4);
                assertEquals(152, s.get(2).xmm[6], "xmm3 at the exit at 147, " + how);
                assertEquals(147, s.get(2).xmm[8], "xmm4 at the exit at 147, " + how);
                assertEquals(0x1111222233334444L + 7 * (300 + 147) * 154 / 2, s.get(2).xmm[10], "xmm5 at the exit at 147, " + how);
                assertEquals(Cpu.EXIT_EXCEPTION, s.get(3).exit, "the fault at 100, " + how);
                assertEquals(104, s.get(3).xmm[6], "xmm3 at the fault, " + how);
                assertEquals(100, s.get(3).xmm[8], "xmm4 at the fault, " + how);
            }
        }
    }

    /** A spin of 20 blocks: translated before their first run, the translations chain to each other for ever. */
    private static final byte[] CHAINED_SPIN = CpuTestSupport.hostAvailable() ? intel("""
            1:  add rax, 1
                jmp 2f
            """ + "2: jmp 3f\n3: jmp 4f\n4: jmp 5f\n5: jmp 6f\n6: jmp 7f\n7: jmp 8f\n8: jmp 9f\n9: jmp 10f\n"
            + "10: jmp 11f\n11: jmp 12f\n12: jmp 13f\n13: jmp 14f\n14: jmp 15f\n15: jmp 16f\n16: jmp 17f\n"
            + "17: jmp 18f\n18: jmp 19f\n19: jmp 20f\n20: jmp 1b\n") : null;

    @Test
    void kickLeavesChainedRegions() throws Exception {
        Cpu c = spinThenKick(CHAINED_SPIN);
        long n = c.state.r[Reg.RAX];
        // 21 instructions per iteration; the kick lands at some block boundary of it.
        long retired = c.state.instructionsRetired;
        assertTrue(retired >= 21 * (n - 1) + 2 && retired <= 21 * n, "retired " + retired + " for " + n + " iterations");
    }

    /** A loop that never ends by itself: RAX counts its iterations. */
    private static final byte[] SPIN = CpuTestSupport.hostAvailable() ? intel("""
            1:  add rax, 1
                jmp 1b
            """) : null;

    /** Runs c, every block translated before its first run, from CODE on a thread of its own; exit gets the run's result. */
    private static Thread spinTranslated(Cpu c, AtomicReference<Integer> exit) {
        c.setTranslationThreshold(1);
        c.state.rip = CODE;
        c.state.r[Reg.RAX] = 0;
        Thread t = new Thread(() -> exit.set(c.run()));
        t.start();
        return t;
    }

    /** Spins code (see {@link #spinTranslated}) for a while, kicks the vCPU and checks that the run returned for it. */
    private static Cpu spinThenKick(byte[] code) throws InterruptedException {
        Assumptions.assumeTrue(CpuTestSupport.hostAvailable(), "needs the host's assembler");
        Cpu c = new Cpu(space(code));
        AtomicReference<Integer> exit = new AtomicReference<>();
        Thread t = spinTranslated(c, exit);
        Thread.sleep(300);
        c.kick();
        t.join(10_000);
        assertEquals(Cpu.EXIT_KICK, exit.get());
        assertTrue(c.state.r[Reg.RAX] > 0, "the loop ran");
        return c;
    }

    @Test
    void kickLeavesATranslatedLoop() throws Exception {
        Cpu c = spinThenKick(SPIN);
        long n = c.state.r[Reg.RAX];
        assertEquals(2 * n, c.state.instructionsRetired, "two instructions per iteration, counted at block ends");
        assertTrue(c.state.rip == CODE, "at the loop's block boundary: " + Long.toHexString(c.state.rip));
    }

    /**
     * A loop that calls an interpreter handler (BSWAP's) at every iteration, which adds the
     * retired count to CpuState there, still leaves for a kick: the region's budget counts from
     * its entry, not from the last handler call (checked: with the count started again at each
     * handler call, the loop never leaves and this fails).
     */
    @Test
    void kickLeavesALoopThatCallsAHandler() throws Exception {
        Cpu c = spinThenKick(intel("""
                1:  add rax, 1
                    bswap rdx
                    jmp 1b
                """));
        long n = c.state.r[Reg.RAX];
        assertTrue(c.state.instructionsRetired >= 3 * (n - 1) && c.state.instructionsRetired <= 3 * n,
                "retired " + c.state.instructionsRetired + " for " + n + " iterations");
    }

    /**
     * A kick leaves a translated loop whose comparison keeps its flags in locals (Gen#setFlags):
     * the budget of jumps back runs out at the loop's head, and RFLAGS there must be the
     * comparison's, not the XOR's from before the loop (checked: without the store on the way
     * out, it fails).
     */
    @Test
    void kickLeavesALoopWithTheFlagsOfItsComparison() throws Exception {
        Assumptions.assumeTrue(CpuTestSupport.hostAvailable(), "needs the host's assembler");
        Cpu c = spinThenKick(intel("""
                    mov rcx, 0x4000000000000000
                    xor edx, edx
                    jmp 1f
                1:  add rax, 1
                    cmp rax, rcx
                    jb 1b
                    syscall
                """));
        long rax = c.state.r[Reg.RAX], flags = c.state.rflags();
        assertTrue(c.state.rip == CODE + 14, "at the loop's head: " + Long.toHexString(c.state.rip));
        // RAX - 2^62 < 0: CF and SF set, ZF and OF clear; no borrow from bit 4 (AF); PF from the low byte.
        long parity = Long.bitCount(rax & 0xFF) % 2 == 0 ? Flags.PF : 0;
        assertEquals(Flags.CF | Flags.SF | parity, flags & Flags.STATUS,
                "RFLAGS " + Long.toHexString(flags) + " after RAX " + rax);
    }

    /**
     * A region too big for one JVM method is cut to fit, and the blocks cut off ask for a
     * translation again: every block of a hot loop ends up translated (in the background, as in
     * a real run), none of them left waiting for good.
     */
    @Test
    void blocksCutFromARegionAreTranslatedLater() throws Exception {
        Assumptions.assumeTrue(CpuTestSupport.hostAvailable(), "needs the host's assembler");
        int blocks = 10;
        StringBuilder asm = new StringBuilder("1:\n");
        for (int b = 0; b < blocks; b++) {
            // Forty read-modify-writes of memory per block: ten blocks need far more bytecode than a method may hold.
            for (int k = 0; k < 40; k++) asm.append("add qword ptr [rbx + ").append(8 * (k % 64)).append("], rax\n");
            asm.append("jmp 2f\n2:\n");
        }
        asm.append("syscall\njmp 1b\n");
        byte[] code = intel(asm.toString());
        AddressSpace s = space(code);
        Cpu c = new Cpu(s);
        c.setTranslationThreshold(5);
        c.state.rip = CODE;
        c.state.r[Reg.RBX] = DATA;
        c.state.r[Reg.RAX] = 3;
        long deadline = System.nanoTime() + 60_000_000_000L;
        List<String> waiting;
        do {
            assertEquals(Cpu.EXIT_SYSCALL, c.run());
            waiting = new ArrayList<>();
            long pc = CODE;
            for (int b = 0; b < blocks; b++) {
                jvisor.cpu.Block block = c.cachedBlock(pc);
                // Read once: the translator thread may change it between two reads.
                Object translation = block.translation;
                if (translation == null || !translation.getClass().isHidden()) waiting.add(Long.toHexString(pc));
                pc = block.end;
            }
        } while (!waiting.isEmpty() && System.nanoTime() < deadline);
        assertEquals(List.of(), waiting, "blocks never translated");
    }

    /** A translation holds its vCPU's state and TLB as constants: on another vCPU it refuses to run, and changes nothing. */
    @Test
    void aTranslationRunsOnItsOwnVcpuOnly() {
        Assumptions.assumeTrue(CpuTestSupport.hostAvailable(), "needs the host's assembler");
        byte[] code = intel("mov rax, 7\nadd rax, rbx\nsyscall\n");
        Cpu mine = new Cpu(space(code));
        mine.setTranslationThreshold(1);
        mine.state.rip = CODE;
        assertEquals(Cpu.EXIT_SYSCALL, mine.run());
        Translated t = mine.cachedBlock(CODE).translation;
        assertNotNull(t);
        Cpu other = new Cpu(space(code));
        other.state.rip = CODE;
        other.state.r[Reg.RAX] = 5;
        assertThrows(IllegalStateException.class, () -> t.run(other, new Translator(other, 1)));
        assertEquals(5, other.state.r[Reg.RAX]);
        assertEquals(7, mine.state.r[Reg.RAX]);
    }

    /** Guest CPU time (ITIMER_VIRTUAL) is the retired count, which another thread watches while the guest spins. */
    @Test
    void retiredCountAdvancesInsideATranslatedLoop() throws Exception {
        Assumptions.assumeTrue(CpuTestSupport.hostAvailable(), "needs the host's assembler");
        Cpu c = new Cpu(space(SPIN));
        AtomicReference<Integer> exit = new AtomicReference<>();
        Thread t = spinTranslated(c, exit);
        long deadline = System.nanoTime() + 20_000_000_000L;
        long seen;
        while ((seen = c.state.instructionsRetired) < 1_000_000 && System.nanoTime() < deadline) Thread.sleep(1);
        c.kick();
        t.join(10_000);
        assertTrue(seen >= 1_000_000, "the count did not grow while the loop ran: " + seen);
        assertEquals(Cpu.EXIT_KICK, exit.get());
        assertEquals(2 * c.state.r[Reg.RAX], c.state.instructionsRetired);
    }

    @Test
    void everyEmitterNamesAForm() {
        List<String> missing = new ArrayList<>();
        java.util.Set<String> table = new java.util.HashSet<>();
        jvisor.cpu.insn.Instructions.TABLE.forms().forEach(f -> table.add(f.mnemonic));
        for (String s : Forms.syntaxes()) if (!table.contains(s)) missing.add(s);
        assertEquals(List.of(), missing, "emitters for forms the opcode table does not have");
    }

    @ParameterizedTest
    @ValueSource(strings = {"comisd Vsd,Wsd=FLAGS", "ptest Vx,Wx=FLAGS", "pcmpistri Vx,Wx,Ib=ALL", "maskmovdqu Vx,Ux=ALL",
            "movd/movq Vx,Ey=NAMED_REGISTERS", "cvttsd2si Gy,Wsd=NAMED_REGISTERS", "fld Mq=ALL", "cpuid=ALL",
            "paddq Vx,Wx=XMM_ONLY", "movaps Vx,Wx=XMM_ONLY", "addsd Vx,Wsd=XMM_ONLY", "pshufd Vx,Wx,Ib=XMM_ONLY",
            "movlpd Mq,Vq=XMM_ONLY", "vtestps Vqq,Wqq=FLAGS", "vucomisd Vsd,Wsd=FLAGS", "vpcmpestri Vx,Wx,Ib=ALL",
            "vaddpd Vqq,Hqq,Wqq=XMM_ONLY"})
    void whatAHandlerMayTouchFollowsItsOperands(String syntaxAndEffects) {
        String syntax = syntaxAndEffects.substring(0, syntaxAndEffects.indexOf('='));
        Fallback.Effects expected = Fallback.Effects.valueOf(syntaxAndEffects.substring(syntax.length() + 1));
        long n = jvisor.cpu.insn.Instructions.TABLE.forms().stream().filter(f -> f.mnemonic.equals(syntax))
                .peek(f -> assertEquals(expected, Fallback.effects(f), syntax)).count();
        assertTrue(n > 0, "no form " + syntax);
    }

    /** The #DE of the divide loop is reported where the interpreter reports it. */
    @Test
    void divideErrorVector() {
        Assumptions.assumeTrue(CpuTestSupport.hostAvailable(), "needs the host's assembler");
        byte[] code = intel("""
                    mov ecx, 3
                1:  mov eax, 7
                    xor edx, edx
                    div ecx
                    dec ecx
                    jmp 1b
                """);
        Snapshot s = run(code, 1, 1).get(0);
        assertEquals(CpuFault.DE, s.vector);
        assertEquals(0, s.regs[Reg.RCX]);
    }
}
