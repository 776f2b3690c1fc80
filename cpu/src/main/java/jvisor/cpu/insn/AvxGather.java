package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * AVX2 gathers (Intel SDM Vol. 2C "VPGATHERDD/VPGATHERQD", "VPGATHERDQ/VPGATHERQQ",
 * "VGATHERDPS/VGATHERQPS", "VGATHERDPD/VGATHERQPD"): element j of the destination is loaded from
 * base + index[j] * scale + displacement, where the VSIB memory operand's index is an XMM/YMM
 * register of signed dwords (D forms) or qwords (Q forms), when the top bit of element j of the
 * mask register (VEX.vvvv) is set; other elements keep their value.
 *
 * <p>As the SDM's pseudocode does: the mask elements are first made all ones or all zeros from
 * their top bits (and the mask above the vector length cleared), then the elements are gathered
 * from the lowest up, each one's mask element cleared once it is loaded. A fault at element j
 * therefore leaves elements below j gathered and their mask elements clear, so the instruction
 * can be restarted where it stopped. At the end the whole mask register is zero and the
 * destination above the vector length is zeroed. The destination, index and mask registers must
 * be three different registers (#UD).
 */
final class AvxGather {
    private AvxGather() {}

    static void register(OpcodeTable t) {
        String[][] forms = {{"90", "W0", "vpgatherdd", "4", "4"}, {"90", "W1", "vpgatherdq", "4", "8"},
                {"91", "W0", "vpgatherqd", "8", "4"}, {"91", "W1", "vpgatherqq", "8", "8"},
                {"92", "W0", "vgatherdps", "4", "4"}, {"92", "W1", "vgatherdpd", "4", "8"},
                {"93", "W0", "vgatherqps", "8", "4"}, {"93", "W1", "vgatherqpd", "8", "8"}};
        for (String[] f : forms) {
            int indexSize = Integer.parseInt(f[3]), dataSize = Integer.parseInt(f[4]);
            for (int l = 0; l < 2; l++) {
                String len = l == 0 ? "128" : "256", sz = l == 0 ? "x" : "qq";
                // The destination and mask are 128 bits when 256 bits of qword indexes gather dwords.
                String data = l == 1 && indexSize > dataSize ? "x" : sz;
                t.row("VEX." + len + ".66.0F38." + f[1] + " " + f[0] + " /r mem", f[2] + " V" + data + ",M" + sz + ",H" + data,
                        (c, i) -> gather(c, i, indexSize, dataSize), "avx2", "vsib");
            }
        }
    }

    private static void gather(Cpu c, Insn i, int indexSize, int dataSize) {
        int dest = i.reg, mask = i.vvvv, index = i.index;
        if (dest == mask || dest == index || mask == index) throw CpuFault.undefinedOpcode();
        CpuState s = c.state;
        int vectorBits = i.vexL == 1 ? 256 : 128;
        int count = vectorBits / (8 * Math.max(indexSize, dataSize));
        int dataQuads = (count * dataSize + 7) / 8; // quadwords of destination and mask in use: 1, 2 or 4
        // Every mask element within the vector length to all ones or zeros (as a fault shows: also the
        // ones past the elements gathered, when dwords come from qword indexes), zero above it.
        for (int k = 0; k < 4; k++) {
            long m = AvxMove.q(s, mask, k);
            AvxMove.setQ(s, mask, k, k >= vectorBits / 64 ? 0 : dataSize == 4 ? Sse41.laneMask(m, 32) : m >> 63);
        }
        long base = i.base >= 0 ? c.r[i.base] : 0;
        for (int j = 0; j < count; j++) {
            long idx = indexSize == 4 ? element32(s, index, j) : AvxMove.q(s, index, j);
            boolean selected = dataSize == 4 ? (element32(s, mask, j) & 0x8000_0000L) != 0 : AvxMove.q(s, mask, j) < 0;
            if (selected) {
                long a = i.disp + base + (idx << i.scale);
                if (i.adsize == 4) a &= 0xFFFFFFFFL;
                a = c.segmented(i, a);
                long v = c.load(a, dataSize);
                if (dataSize == 4) setElement32(s, dest, j, v);
                else AvxMove.setQ(s, dest, j, v);
            }
            if (dataSize == 4) setElement32(s, mask, j, 0);
            else AvxMove.setQ(s, mask, j, 0);
        }
        for (int k = 0; k < 4; k++) AvxMove.setQ(s, mask, k, 0);
        // Above the elements gathered, the destination is zero (a 64-bit result zeroes bits 127:64 too).
        for (int k = dataQuads; k < 4; k++) AvxMove.setQ(s, dest, k, 0);
    }

    /** Dword j of YMM register n, sign-extended (an index) - or as a bit pattern (data and masks). */
    private static long element32(CpuState s, int n, int j) {
        return (int) (AvxMove.q(s, n, j >> 1) >>> (32 * (j & 1)));
    }

    private static void setElement32(CpuState s, int n, int j, long v) {
        long q = AvxMove.q(s, n, j >> 1);
        int sh = 32 * (j & 1);
        AvxMove.setQ(s, n, j >> 1, q & ~(0xFFFFFFFFL << sh) | (v & 0xFFFFFFFFL) << sh);
    }
}
