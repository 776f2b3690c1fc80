package jvisor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Objects;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** CpuState.copyFrom carries every architectural field, including ones added later. */
class CpuStateTest {
    /**
     * Not architectural state: an x87 scratch unit, the per-thread count that drives CPU time, and
     * the flag an AVX instruction holds only while it runs its per-lane SSE operations.
     */
    private static final Set<String> NOT_COPIED = Set.of("fpuScratch", "instructionsRetired", "simdCommitDeferred");

    @Test
    void copyFromCopiesEveryArchitecturalField() throws Exception {
        CpuState from = new CpuState(), to = new CpuState();
        long seed = 0x9E3779B97F4A7C15L;
        int fields = 0;
        for (Field f : CpuState.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || NOT_COPIED.contains(f.getName())) continue;
            f.setAccessible(true);
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            Class<?> t = f.getType();
            if (t == long.class) f.setLong(from, seed);
            else if (t == int.class) f.setInt(from, (int) (seed >>> 17));
            else if (t.isArray()) {
                Object a = f.get(from);
                for (int i = 0; i < Array.getLength(a); i++) {
                    long v = seed + i * 0x1234567L;
                    if (t == long[].class) Array.setLong(a, i, v);
                    else if (t == int[].class) Array.setInt(a, i, (int) v);
                    else throw new AssertionError("copyFrom test does not know arrays of " + t);
                }
            } else {
                throw new AssertionError("copyFrom test does not know field " + f.getName() + " of " + t);
            }
            fields++;
        }
        to.copyFrom(from);
        for (Field f : CpuState.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || NOT_COPIED.contains(f.getName())) continue;
            Object a = f.get(from), b = f.get(to);
            if (f.getType().isArray()) {
                assertNotSame(a, b, f.getName() + " must be copied, not shared");
                for (int i = 0; i < Array.getLength(a); i++) {
                    assertEquals(Array.get(a, i), Array.get(b, i), f.getName() + "[" + i + "]");
                }
            } else {
                assertTrue(Objects.equals(a, b), f.getName() + ": " + a + " vs " + b);
            }
        }
        assertTrue(fields >= 20, "only " + fields + " fields found");
        assertEquals(from.rflags(), to.rflags());
    }
}
