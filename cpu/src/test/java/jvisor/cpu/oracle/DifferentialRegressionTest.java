package jvisor.cpu.oracle;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;

import jvisor.cpu.CpuFault;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The emulator bugs the random differential tester found, pinned down as fixed cases that must
 * agree with the host CPU (reproducer syntax: {@link KnownMismatches}). READ_ONLY is the read-only
 * page after the data page (20001000), UNMAPPED the page after it (20002000).
 */
class DifferentialRegressionTest {
    static final String RO = "20001000", UNMAPPED = "20002000";

    /** Faulting instructions leave registers and flags unchanged (Alu, Shift, BitOps, Atomic, Stack) and fault as the host does. */
    static final List<String> CASES = List.of(
            // ENTER checks a write at the final RSP: #PF with the pushes done but RSP and RBP unchanged.
            "code c8 00 10 00 | rbp 20000100",
            "code 66 c8 88 ff 02 | rsp 20000168 | rbp 20000148",
            "code c8 70 01 01 | rsp 20000168 | rbp 20000148",
            "code c8 60 01 00 | rsp 20000168 | rbp 20000148 | expect none", // final RSP = DATA: no fault
            // Read-modify-writes of a read-only page: #PF, flags unchanged (CF feeds ADC/RCL on the retry).
            "code 11 1f | rdi " + RO + " | rbx 1 | flags 8d5",
            "code 48 19 1f | rdi " + RO + " | flags 1",
            "code d3 17 | rdi " + RO + " | rcx 5 | flags 8d5",
            "code 66 c1 1f 03 | rdi " + RO + " | flags 0",
            "code 0f ab 1f | rdi " + RO + " | rbx 3 | flags 8d4",
            "code 0f b1 1f | rdi " + RO + " | rax 0 | flags 8d5",
            "code 48 f7 1f | rdi " + RO + " | flags 0",
            "code fe 07 | rdi " + RO + " | flags 8d5",
            "code 0f a4 1f 03 | rdi " + RO + " | flags 8d5",
            "code f0 83 37 7f | rdi " + RO + " | flags 8d5",
            // POP to a read-only page and LEAVE from an unmapped frame: RSP unchanged.
            "code 8f 07 | rdi " + RO,
            "code 66 8f 07 | rdi " + RO,
            "code c9 | rbp " + UNMAPPED,
            "code 66 c9 | rbp " + UNMAPPED,
            // An access that runs past the end of the canonical range: #SS or #GP, not #PF at its first byte.
            "code c9 | rbp 7ffffffffffd | expect #SS",
            "code 48 8b 07 | rdi 7ffffffffffc | expect #GP",
            "code 48 89 07 | rdi 7ffffffffffa | expect #GP",
            "code f3 0f 6f 07 | rdi 7ffffffffff8 | expect #GP",
            "code f3 0f 7f 07 | rdi 7ffffffffff4 | expect #GP",
            // (MASKMOVDQU: an AMD host stores byte by byte and raises #PF at the first, unmapped, byte:
            // accepted there, and only there, by NonIntelHost.)
            "code 66 0f f7 c1 | rdi 7ffffffffff4 | xmm1 ffffffffffffffff:ffffffffffffffff | expect #GP",
            // A VEX prefix after 66, F2, F3, LOCK or REX is #UD (SDM Vol. 2A 2.3.2); so are VEX.L = 1 and a
            // VEX.vvvv other than 1111b where the form has no such operand. (ANDN, VZEROUPPER, RORX.)
            "code 66 c4 e2 78 f2 c0 | expect #UD",
            "code f2 c4 e2 78 f2 c0 | expect #UD",
            "code f3 c5 f8 77 | expect #UD",
            "code f0 c4 e2 78 f2 c0 | expect #UD",
            "code 48 c4 e2 78 f2 c0 | expect #UD",
            "code c4 e2 7c f2 c0 | expect #UD",
            "code c4 e3 73 f0 c0 05 | expect #UD",
            "code 41 67 c4 e2 78 f2 00 | rax 20000000 | expect none",
            "code 64 c4 e2 78 f2 00 | rax 18000000 | expect none");

    @ParameterizedTest
    @EnumSource(Engine.class)
    void fixedBugsAgreeWithTheHost(Engine engine) {
        String why = NativeOracle.unavailableReason();
        Assumptions.assumeTrue(why == null, why);
        List<String> failures = KnownMismatches.failuresAgainstHost(CASES, engine, (text, host) -> {
            long expected = text.contains("expect none") ? -1 : text.contains("expect #UD") ? 6
                    : text.contains("expect #SS") ? 12 : text.contains("expect #GP") ? 13 : 14;
            if (host.vector() == expected) return null;
            if (expected == CpuFault.GP && host.vector() == CpuFault.PF
                    && NonIntelHost.allowance(KnownMismatches.parse(text), host).pageFaultForGp()) {
                return null; // a non-Intel host's #PF for an access across the end of the canonical range
            }
            return "the host raised " + Differ.vector(host.vector());
        });
        if (!failures.isEmpty()) fail(failures.size() + " regression cases differ from the host:\n" + String.join("\n", failures));
    }
}
