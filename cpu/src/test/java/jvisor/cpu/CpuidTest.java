package jvisor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The descriptive CPUID leaves agree with each other (what glibc and libgcc see from inside a guest
 * is tested end to end by testbins' CpuFeaturesTest).
 */
class CpuidTest {
    private static long[] leaf(int leaf, int sub) {
        long[] r = new long[16];
        Cpuid.leaf(leaf, sub, r);
        return new long[] {r[Reg.RAX], r[Reg.RBX], r[Reg.RCX], r[Reg.RDX]};
    }

    private static String text(long... regs) {
        StringBuilder b = new StringBuilder();
        for (long r : regs) for (int k = 0; k < 4; k++) if ((r >>> (8 * k) & 0xFF) != 0) b.append((char) (r >>> (8 * k) & 0xFF));
        return b.toString();
    }

    @Test
    void vendorHypervisorAndBrand() {
        long[] l0 = leaf(0, 0);
        assertEquals("GenuineIntel", text(l0[1], l0[3], l0[2]));
        long[] h = leaf(0x4000_0000, 0);
        assertEquals("JvisorJvisor", text(h[1], h[2], h[3]));
        assertEquals(1, leaf(1, 0)[2] >>> 31, "hypervisor bit");
        StringBuilder brand = new StringBuilder();
        for (int l = 0x8000_0002; l <= 0x8000_0004; l++) brand.append(text(leaf(l, 0)));
        assertEquals(Cpuid.BRAND, brand.toString());
    }

    /** Intel: a leaf beyond the highest basic or extended one answers as the highest basic leaf. */
    @Test
    void leavesOutOfRangeAnswerAsTheHighestBasicLeaf() {
        long[] top = leaf((int) leaf(0, 0)[0], 0);
        assertArrayEquals(top, leaf((int) leaf(0, 0)[0] + 1, 0));
        assertArrayEquals(top, leaf((int) leaf(0x8000_0000, 0)[0] + 1, 0));
        assertArrayEquals(top, leaf(0x4000_0001, 0));
    }

    /** Leaf 4 enumerates L1d, L1i, L2, L3 and ends; 0x80000006 and /proc/cpuinfo repeat the L2 and L3 sizes. */
    @Test
    void cacheLeavesAreConsistent() {
        long[] sizes = new long[4];
        for (int sub = 0; sub < 4; sub++) {
            long[] c = leaf(4, sub);
            assertEquals(sub < 2 ? 1 : sub, c[0] >>> 5 & 7, "level of subleaf " + sub);
            assertEquals(64, (c[1] & 0xFFF) + 1, "line size");
            sizes[sub] = ((c[1] >>> 22) + 1) * ((c[1] >>> 12 & 0x3FF) + 1) * ((c[1] & 0xFFF) + 1) * (c[2] + 1);
        }
        assertEquals(0, leaf(4, 4)[0] & 0x1F, "leaf 4 ends with a null cache type");
        assertArrayEquals(new long[] {32 << 10, 32 << 10, 256 << 10, 8 << 20}, sizes);
        long l2 = leaf(0x8000_0006, 0)[2];
        assertEquals(sizes[2] >> 10, l2 >>> 16);
        assertEquals(64, l2 & 0xFF);
        assertEquals(1, leaf(2, 0)[0] & 0xFF, "leaf 2: AL = 1");
    }

    /** Leaf 0xD describes XCR0's components and the standard-format XSAVE area XSAVE writes. */
    @Test
    void xsaveLeaf() {
        long[] l0 = leaf(0xD, 0), l1 = leaf(0xD, 1), l2 = leaf(0xD, 2);
        assertEquals(Cpuid.XCR0, l0[0]);
        assertEquals(jvisor.cpu.insn.XSave.SIZE, l0[1]);
        assertEquals(1, l1[0], "XSAVEOPT only");
        assertEquals(256, l2[0]);
        assertEquals(jvisor.cpu.insn.XSave.AVX_OFFSET, l2[1]);
        long ecx = leaf(1, 0)[2];
        assertEquals(7, ecx >>> 26 & 7, "XSAVE, OSXSAVE, AVX");
    }

    /** The TSC leaves describe the virtual time-stamp counter: 1 GHz. */
    @Test
    void tscFrequency() {
        long[] t = leaf(0x15, 0);
        assertEquals(Cpuid.TSC_HZ, t[2] * t[1] / t[0]);
        assertEquals(Cpuid.TSC_HZ / 1_000_000, leaf(0x16, 0)[0]);
        assertEquals(1, leaf(0x8000_0007, 0)[3] >>> 8 & 1, "invariant TSC");
    }
}
