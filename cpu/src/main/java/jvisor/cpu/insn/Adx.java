package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * ADX (Intel SDM Vol. 2A "ADCX", "ADOX"): unsigned add with carry through one flag only, so two
 * carry chains can interleave. ADCX reads and writes CF, ADOX OF (as the carry); every other
 * flag keeps its value. The 66 and F3 prefixes are mandatory; REX.W selects 64 bits.
 */
final class Adx {
    private Adx() {}

    static void register(OpcodeTable t) {
        t.row("66 0F 38 F6 /r", "adcx Gy,Ey", (c, i) -> addWithCarry(c, i, Flags.CF));
        t.row("F3 0F 38 F6 /r", "adox Gy,Ey", (c, i) -> addWithCarry(c, i, Flags.OF));
    }

    private static void addWithCarry(Cpu c, Insn i, long carryFlag) {
        CpuState s = c.state;
        long src = c.readE(i), dst = c.readG(i);
        long flags = Flags.status(s);
        long carry = (flags & carryFlag) != 0 ? 1 : 0;
        long res;
        boolean out;
        if (i.opsize == 8) {
            res = dst + src + carry;
            out = Long.compareUnsigned(res, dst) < 0 || carry != 0 && res == dst;
        } else {
            long wide = dst + src + carry; // both zero-extended 32-bit values: no overflow of 64 bits
            res = wide;
            out = (wide >>> 32) != 0;
        }
        c.writeG(i, res);
        Flags.setEager(s, out ? flags | carryFlag : flags & ~carryFlag);
    }
}
