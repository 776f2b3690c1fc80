package jvisor.mmu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

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
}
