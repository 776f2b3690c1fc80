package jvisor.cpu.insn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** The differential x87 tests' allowance for a non-Intel host, on saved environment images. */
class X87TestSupportTest {
    private static byte[] image(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    /**
     * A 16-bit FNSTENV image (data16) from an AMD host that a context switch reached between the
     * snippet's instructions: FIP and FDP read as zero there, where the emulator, like an
     * undisturbed run, has the last instruction's pointers (seen once in a run of the whole suite).
     */
    @Test
    void zeroPointersOfASixteenBitEnvironmentAreAcceptedWithNothingPending() {
        byte[] host = image("7f01 007e 0b30 0000 0000 0000 0000");
        byte[] emu = image("7f01 007e 0b30 7856 0000 f0de 0000");
        X87TestSupport.Image.ENV16.sameOffIntel(host, emu, 0);
        assertArrayEquals(host, emu);
    }

    /** Pointers the host did record must still match, and the control, status and tag words are never touched. */
    @Test
    void recordedPointersAndTheOtherWordsStillCount() {
        byte[] host = image("7f01 007e 0b30 3412 0000 f0de 0000");
        byte[] emu = image("7f01 007e 0b30 7856 0000 f0de 0000");
        X87TestSupport.Image.ENV16.sameOffIntel(host, emu, 0);
        assertFalse(Arrays.equals(host, emu));

        byte[] hostTags = image("7f01 007e ff30 0000 0000 0000 0000");
        byte[] emuTags = image("7f01 007e 0b30 7856 0000 f0de 0000");
        X87TestSupport.Image.ENV16.sameOffIntel(hostTags, emuTags, 0);
        assertFalse(Arrays.equals(hostTags, emuTags));
    }
}
