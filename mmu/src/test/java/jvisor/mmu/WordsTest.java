package jvisor.mmu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WordsTest {
    @Test
    void wordsSplitAtRunsOfWhiteSpace() {
        assertArrayEquals(new String[] {"8388608", "unlimited", "bytes"}, Words.of("  8388608 \t unlimited   bytes"));
        assertArrayEquals(new String[] {"a"}, Words.of("a"));
        assertArrayEquals(new String[0], Words.of(" \t "));
        assertArrayEquals(new String[0], Words.of(""));
        assertArrayEquals(new String[] {"0", "read", "3", "1", "write", "3"}, Words.of("\n 0 read 3\n 1 write 3\n"));
    }

    @Test
    void whiteSpaceIsWhatCharacterIsWhitespaceSays() {
        for (int c = 0; c <= Character.MAX_VALUE; c++) {
            int expected = Character.isWhitespace((char) c) ? 2 : 1;
            assertEquals(expected, Words.of("a" + (char) c + "b").length, "char " + c);
        }
    }
}
