package jvisor.cpu.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import jvisor.cpu.insn.Instructions;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * The opcode table: where rows land (their opcode text), and rows parsed only when the decoder
 * first meets their opcode, yet checked in full by {@link OpcodeTable#forms}.
 */
class OpcodeTableTest {
    private static final Op NOTHING = (c, i) -> { };

    private static Insn decode(OpcodeTable table, String hex) {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(DecoderTest.CODE, 0x2000, Prot.RX, "code");
        byte[] b = HexFormat.of().parseHex(hex.replace(" ", ""));
        as.pokeBytes(DecoderTest.CODE, b, 0, b.length);
        return new Decoder(table).decode(as, DecoderTest.CODE);
    }

    /**
     * Every field of the placement of text, in one line: kind, mandatory prefix (-1: none
     * given), map, opcode byte and count, VEX.L and VEX.W, ModRM.reg, .mod and .rm (-1: any),
     * and whether a ModRM byte follows.
     */
    private static String placed(String text) {
        return describe(Placement.of(text));
    }

    private static String describe(Placement p) {
        return String.format("%s prefix %d map %d opcode %02X x%d L %d W %d reg %d mod %d rm %d%s", p.vex ? "vex" : "legacy",
                p.prefix, p.map, p.opByte, p.count, p.vexL, p.vexW, p.regExt, p.mod, p.rm, p.modrm ? " modrm" : "");
    }

    @Test
    void legacyOpcodeTextPlacesTheRow() {
        // Prefix 66 is slot 1, map 0F3A is 3.
        assertEquals("legacy prefix 1 map 3 opcode 0F x1 L -1 W -1 reg -1 mod -1 rm -1 modrm", placed("66 0F 3A 0F /r"));
        assertEquals("legacy prefix -1 map 0 opcode B8 x8 L -1 W -1 reg -1 mod -1 rm -1", placed("b8+r"));
        assertEquals("legacy prefix -1 map 1 opcode 40 x16 L -1 W -1 reg -1 mod -1 rm -1 modrm", placed("0F 40+cc /r"));
        assertEquals("legacy prefix 0 map 1 opcode 01 x1 L -1 W -1 reg 2 mod 1 rm 7 modrm", placed("NP 0F 01 /2 reg rm7"));
        // 0F 38 is an opcode of map 0F when no opcode byte follows the 38.
        assertEquals("legacy prefix -1 map 1 opcode 38 x1 L -1 W -1 reg -1 mod -1 rm -1 modrm", placed("0F 38 /r"));
    }

    @Test
    void vexOpcodeTextPlacesTheRow() {
        assertEquals("vex prefix 1 map 2 opcode 36 x1 L 1 W 0 reg -1 mod -1 rm -1 modrm", placed("VEX.256.66.0F38.W0 36 /r"));
        // F3 is prefix slot 2; LIG and no W: any.
        assertEquals("vex prefix 2 map 1 opcode 10 x1 L -1 W -1 reg -1 mod 1 rm -1 modrm", placed("VEX.LIG.F3.0F 10 /r reg"));
        assertEquals("vex prefix 0 map 2 opcode F2 x1 L 0 W -1 reg -1 mod -1 rm -1 modrm", placed("VEX.LZ.0F38 F2 /r"));
    }

    @Test
    void aVexFormDerivedFromItsLegacyRowLandsWhereItsTextWould() {
        String[][] cases = {
            {"66 0F FC /r", "VEX.128.66.0F FC /r", "0"}, {"NP 0F 58 /r", "VEX.256.0F 58 /r", "1"},
            {"F3 0F 51 /r", "VEX.LIG.F3.0F 51 /r", "-1"}, {"66 0F 38 1C /r", "VEX.256.66.0F38 1C /r", "1"},
            {"66 0F 3A 0F /r", "VEX.128.66.0F3A 0F /r", "0"}, {"66 0F 71 /2 reg", "VEX.256.66.0F 71 /2 reg", "1"},
            {"NP 0F 12 /r mem", "VEX.128.0F 12 /r mem", "0"}, {"F2 0F 12 /r", "VEX.128.F2.0F 12 /r", "0"},
        };
        for (String[] c : cases) {
            Placement derived = Placement.vexFormOf(Placement.of(c[0]), Integer.parseInt(c[2]));
            assertTrue(derived.sameNode(Placement.of(c[1])), c[0] + " -> " + c[1]);
            assertEquals(placed(c[1]), describe(derived), c[1]);
        }
        // Decoded through the table: the VEX form of PADDB (VEX.128.66.0F FC /r, C5 F9 FC C1).
        OpcodeTable t = new OpcodeTable();
        t.row("66 0F FC /r", "paddb Vx,Wx", NOTHING);
        t.vexRow(t.legacyRow("66 0F FC /r"), OpcodeTable.VEX_128, "vpaddb Vx,Hx,Wx", NOTHING, "avx");
        assertEquals("vpaddb Vx,Hx,Wx", decode(t, "C5F9FCC1").form.mnemonic);
        // Only a legacy row of the two- and three-byte maps has one; the message names the row.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Placement.vexFormOf(Placement.of("01 /r"), 0));
        assertTrue(e.getMessage().contains("\"01 /r\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Placement.vexFormOf(Placement.of("VEX.128.0F 58 /r"), 0));
    }

    @Test
    void opcodeTextThatIsNoOpcodeIsRefusedWhenDeclared() {
        OpcodeTable t = new OpcodeTable();
        for (String bad : new String[] {"", "0F", "0G /r", "01 /8", "01 rm9", "01 /r sib", "B9+r", "41+cc",
                "VEX.0F 10 /r", "VEX.128 10 /r", "VEX.128.0F.W2 10 /r", "123"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.row(bad, "nop", NOTHING), bad);
            assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
        }
        assertTrue(t.forms().isEmpty());
    }

    @Test
    void aRowIsParsedWhenItsOpcodeIsFirstDecodedAndFormsChecksTheRest() {
        OpcodeTable t = new OpcodeTable();
        t.row("90", "nop", NOTHING);
        t.row("C3", "ret Iq", NOTHING, "end"); // an immediate size that does not exist

        assertEquals("nop", decode(t, "90").form.mnemonic); // the bad row is not parsed yet
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, t::forms);
        assertTrue(e.getMessage().contains("ret Iq"), e.getMessage());
    }

    @Test
    void rowsOfOneOpcodeRefineByPrefixAndModrm() {
        OpcodeTable t = new OpcodeTable();
        t.row("NP 0F 10 /r", "movups Vx,Wx", NOTHING);
        t.row("66 0F 10 /r", "movupd Vx,Wx", NOTHING);
        t.row("0F 01 /2 mem", "lgdt Ms", NOTHING);
        t.row("0F 01 /2 reg rm0", "xgetbv", NOTHING);

        assertEquals("movups Vx,Wx", decode(t, "0F 10 C1").form.mnemonic);
        assertEquals("movupd Vx,Wx", decode(t, "66 0F 10 C1").form.mnemonic);
        assertEquals("xgetbv", decode(t, "0F 01 D0").form.mnemonic);
        assertEquals("lgdt Ms", decode(t, "0F 01 10").form.mnemonic);
        assertFalse(DecoderTest.valid(decode(t, "0F 01 D1")));
        assertFalse(DecoderTest.valid(decode(t, "0F 11 C1"))); // no row
        assertEquals(4, t.forms().size());
    }

    @Test
    void aRowOfEightOpcodesIsOneFormWhicheverOpcodeComesFirst() {
        OpcodeTable t = new OpcodeTable();
        t.row("B8+r", "mov Zv,Iv", NOTHING);
        Form fromBd = decode(t, "BD 01 00 00 00").form;
        assertSame(fromBd, decode(t, "B8 01 00 00 00").form);
        assertEquals(List.of(fromBd), t.forms());
    }

    @Test
    void aRowDeclaredAfterItsOpcodeWasDecodedIsSeen() {
        OpcodeTable t = new OpcodeTable();
        t.row("0F 01 /2 mem", "lgdt Ms", NOTHING);
        assertFalse(DecoderTest.valid(decode(t, "0F 01 D0")));
        t.row("0F 01 /2 reg rm0", "xgetbv", NOTHING);
        assertEquals("xgetbv", decode(t, "0F 01 D0").form.mnemonic);
        assertEquals("lgdt Ms", decode(t, "0F 01 10").form.mnemonic);
    }

    @Test
    void conflictingRowsAreReportedWhenTheirOpcodeIsParsed() {
        OpcodeTable twice = new OpcodeTable();
        twice.row("01 /r", "add Ev,Gv", NOTHING);
        twice.row("01 /r", "or Ev,Gv", NOTHING);
        IllegalStateException e = assertThrows(IllegalStateException.class, twice::forms);
        assertTrue(e.getMessage().contains("declared twice"), e.getMessage());

        OpcodeTable mixed = new OpcodeTable();
        mixed.row("NP 0F 10 /r", "movups Vx,Wx", NOTHING);
        mixed.row("0F 10 /r", "movups Vx,Wx", NOTHING);
        e = assertThrows(IllegalStateException.class, mixed::forms);
        assertTrue(e.getMessage().contains("cannot be mixed"), e.getMessage());
    }

    @Test
    void opFindsALegacyRowHoweverItsTextIsSpelled() {
        OpcodeTable t = new OpcodeTable();
        Op addps = (c, i) -> { };
        Op addpd = (c, i) -> { };
        t.row("NP 0F 58 /r", "addps Vx,Wx", addps);
        t.row("66 0F 58 /r", "addpd Vx,Wx", addpd);
        assertSame(addps, t.op("np  0f 58 /R"));
        assertSame(addpd, t.op("66 0F 58 /r"));
        assertThrows(IllegalArgumentException.class, () -> t.op("F3 0F 58 /r"));
        assertThrows(IllegalArgumentException.class, () -> t.op("0F 58 /r")); // without a prefix: another row
    }

    @Test
    void vcpusThatMeetAnOpcodeTogetherGetTheSameForm() throws Exception {
        for (int round = 0; round < 50; round++) {
            OpcodeTable t = new OpcodeTable();
            t.row("01 /r", "add Ev,Gv", NOTHING, "lock");
            t.row("50+r", "push Zv", NOTHING, "d64", "stack");
            int threads = 4;
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Form[]>> seen = new java.util.ArrayList<>();
                for (int k = 0; k < threads; k++) {
                    seen.add(pool.submit(() -> {
                        start.await();
                        return new Form[] {decode(t, "01 C8").form, decode(t, "53").form};
                    }));
                }
                start.countDown();
                Form[] first = seen.get(0).get();
                assertEquals("add Ev,Gv", first[0].mnemonic);
                assertEquals("push Zv", first[1].mnemonic);
                for (Future<Form[]> f : seen) {
                    Form[] forms = f.get();
                    assertSame(first[0], forms[0]);
                    assertSame(first[1], forms[1]);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void theInstructionSetsTableParsesInFull() {
        List<Form> forms = Instructions.TABLE.forms();
        assertTrue(forms.size() > 1000, "rows: " + forms.size());
        for (Form f : forms) assertTrue(f != null && f.op != null);
    }
}
