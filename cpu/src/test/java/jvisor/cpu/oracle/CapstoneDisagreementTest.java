package jvisor.cpu.oracle;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The host CPU settles the byte strings on which jvisor's decoder and capstone 4 disagree
 * (listed in CapstoneCrossCheckTest's header): each runs natively and under jvisor and must end
 * in the same state, without a fault. Each is followed by {@code mov ecx, 0x12345678}, so a host
 * that decoded a different length would run different instructions and end elsewhere.
 *
 * <p>All are prefixes in an order capstone mishandles: 0x66 together with F2 or F3, or a
 * mandatory prefix followed by 0x67 or a second REX. The hardware reads 0x66 as the operand-size
 * override wherever it stands, F2/F3 as the mandatory prefix where the opcode has one (LDDQU)
 * and as nothing where it does not (MOV moffs, PUSH), and a REX prefix only when it is the last
 * prefix before the opcode (SDM Vol. 2A 2.2.1): of two REX prefixes the last one counts.
 */
class CapstoneDisagreementTest {
    private static final String MARK = " b9 78 56 34 12";

    static final List<String> CASES = List.of(
            // LDDQU xmm15, [r13+0x40]: REX 4C voided by the 66 after it; REX 4F counts; F2 selects LDDQU over 66.
            "code f2 4c 66 4f 0f f0 bd 40 00 00 00" + MARK + " | r13 20000000 | mem+40 00112233445566778899aabbccddeeff",
            "code f2 66 0f f0 bd 40 00 00 00" + MARK + " | rbp 20000000 | mem+40 00112233445566778899aabbccddeeff",
            // MOV AL, moffs64 with 66, a REX.W voided by F2, and F2: a 64-bit address, F2 ignored.
            "code 66 4e f2 a0 48 00 00 20 00 00 00 00" + MARK + " | rax ffffffffffffffff | mem+48 a5",
            // MOV moffs64, AX (66 before the voided REX) and with a REX.W that counts (66 then ignored).
            "code 66 46 f2 a3 50 00 00 20 00 00 00 00" + MARK + " | rax 8877665544332211",
            "code 66 f2 48 a3 50 00 00 20 00 00 00 00" + MARK + " | rax 8877665544332211",
            // PUSH imm16: 66 is the operand size before or after F3; a REX.W voided by a later 66 does not widen it.
            "code 66 f3 68 40 08" + MARK,
            "code f3 66 68 40 08" + MARK,
            "code 48 66 68 40 08" + MARK,
            // ... while a REX.W right before the opcode wins over 66: PUSH imm32 sign-extended to 64 bits.
            "code 66 48 68 40 08 ab f5" + MARK,
            // SSE forms whose mandatory prefix is followed by other prefixes: LDDQU with a REX voided by
            // 67 (so [ebx+8], not [r11+8]), and CVTTPD2DQ and ADDPD after two REX prefixes, of which the last counts.
            "code f2 41 67 0f f0 4b 08" + MARK + " | rbx 5a5a5a5a20000038 | r11 20000000 | mem+40 00112233445566778899aabbccddeeff",
            "code 66 48 42 0f e6 3a" + MARK + " | rdx 20000040 | mem+40 0000000000c05e400000000000005ec0",
            "code 66 44 41 0f 58 c1" + MARK + " | xmm0 3ff0000000000000:4000000000000000 | xmm1 4010000000000000:4020000000000000"
                    + " | xmm8 4030000000000000:4040000000000000 | xmm9 4050000000000000:4060000000000000");

    @Test
    void theHostAgreesWithJvisor() {
        String why = NativeOracle.unavailableReason();
        Assumptions.assumeTrue(why == null, why);
        List<String> failures = KnownMismatches.failuresAgainstHost(CASES, Engine.INTERPRETER, (text, host) -> host.vector() != -1
                ? "the host raised " + Differ.vector(host.vector())
                : host.gpr()[jvisor.cpu.Reg.RCX] != 0x12345678 ? "the host did not reach the marker" : null);
        if (!failures.isEmpty()) fail(failures.size() + " cases differ:\n" + String.join("\n", failures));
    }
}
