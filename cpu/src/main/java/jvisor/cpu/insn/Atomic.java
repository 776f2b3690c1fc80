package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * The read-modify-write instructions that lock-free code is built on: CMPXCHG, CMPXCHG8B,
 * CMPXCHG16B and XADD, all LOCK-able (Intel SDM Vol. 2A "CMPXCHG", "CMPXCHG8B/CMPXCHG16B",
 * Vol. 2B "XADD").
 *
 * <p>With LOCK each is one atomic update of host memory, seen whole by the vCPUs on other
 * threads (see {@link Locked}); without it, as on hardware, the load and the store are separate.
 *
 * <p>Register details, as on Intel hardware: a 32-bit CMPXCHG that fails loads EAX (zero-extending
 * RAX) and leaves the destination register untouched, upper half included; one that succeeds
 * writes (zero-extends) the destination and leaves RAX untouched. A failing compare with a memory
 * destination writes the old value back, as the SDM specifies (so a read-only page faults).
 */
final class Atomic {
    private Atomic() {}

    static void register(OpcodeTable t) {
        t.row("0F B0 /r", "cmpxchg Eb,Gb", Atomic::cmpxchg, "lock");
        t.row("0F B1 /r", "cmpxchg Ev,Gv", Atomic::cmpxchg, "lock");
        t.row("0F C7 /1 mem", "cmpxchg8b/16b Mq", Atomic::cmpxchg8b16b, "lock");
        t.row("0F C0 /r", "xadd Eb,Gb", Atomic::xadd, "lock");
        t.row("0F C1 /r", "xadd Ev,Gv", Atomic::xadd, "lock");
    }

    /** Compares the accumulator with the destination; equal: dest = src, else accumulator = dest. Flags of CMP. */
    private static void cmpxchg(Cpu c, Insn i) {
        int size = i.opsize;
        long acc = c.getReg(Reg.RAX, size);
        long src = c.getReg(i.reg, size);
        if (i.mem) {
            long a = c.ea(i);
            if (i.hasPrefix(Insn.P_LOCK)) {
                long d = Locked.compareExchangeAt(c, a, size, acc, src);
                Flags.setSub(c.state, acc, d, acc - d, size);
                if (d != acc) c.setReg(Reg.RAX, size, d); // the failed compare writes back what it read: no change
            } else {
                cmpxchgMem(c, a, size, acc, src);
            }
        } else {
            long d = c.getReg(i.rm, size);
            Flags.setSub(c.state, acc, d, acc - d, size);
            if (d == acc) c.setReg(i.rm, size, src);
            else c.setReg(Reg.RAX, size, d);
        }
    }

    private static void cmpxchgMem(Cpu c, long a, int size, long acc, long src) {
        long d = c.load(a, size);
        c.mem().probeWrite(a, size); // a faulting store must leave the flags alone
        Flags.setSub(c.state, acc, d, acc - d, size);
        if (d == acc) {
            c.store(a, size, src);
        } else {
            c.store(a, size, d);
            c.setReg(Reg.RAX, size, d);
        }
    }

    /**
     * CMPXCHG8B m64 compares EDX:EAX with m64 (equal: m64 = ECX:EBX, else EDX:EAX = m64);
     * with REX.W, CMPXCHG16B m128 does the same with RDX:RAX and RCX:RBX and needs a 16-byte
     * aligned operand (#GP otherwise). Only ZF changes.
     */
    private static void cmpxchg8b16b(Cpu c, Insn i) {
        long a = c.ea(i);
        boolean lock = i.hasPrefix(Insn.P_LOCK);
        if (i.opsize == 8) {
            if ((a & 15) != 0) throw CpuFault.generalProtection();
            if (!lock) {
                cmpxchg16bPlain(c, a);
                return;
            }
            long h = Locked.address(c, a); // checks the page; 16 aligned bytes never cross one
            synchronized (Locked.stripe(h)) {
                cmpxchg16bPlain(c, a);
            }
        } else if (lock && !Locked.splits(a, 8)) {
            long[] r = c.r;
            long h = Locked.address(c, a);
            long expected = (r[Reg.RDX] << 32) | (r[Reg.RAX] & 0xFFFFFFFFL);
            long update = (r[Reg.RCX] << 32) | (r[Reg.RBX] & 0xFFFFFFFFL);
            long m;
            do {
                m = Locked.load(h, 8);
            } while (m == expected && !Locked.compareAndSet(h, 8, m, update));
            if (m != expected) {
                r[Reg.RAX] = m & 0xFFFFFFFFL;
                r[Reg.RDX] = m >>> 32;
            }
            setZf(c, m == expected);
        } else if (lock) {
            synchronized (Locked.SPLIT) {
                cmpxchg8bPlain(c, a);
            }
        } else {
            cmpxchg8bPlain(c, a);
        }
    }

    private static void cmpxchg16bPlain(Cpu c, long a) {
        long[] r = c.r;
        long lo = c.load(a, 8), hi = c.load(a + 8, 8);
        boolean equal = lo == r[Reg.RAX] && hi == r[Reg.RDX];
        if (equal) {
            c.store(a, 8, r[Reg.RBX]);
            c.store(a + 8, 8, r[Reg.RCX]);
        } else {
            c.store(a, 8, lo);
            c.store(a + 8, 8, hi);
            r[Reg.RAX] = lo;
            r[Reg.RDX] = hi;
        }
        setZf(c, equal);
    }

    private static void cmpxchg8bPlain(Cpu c, long a) {
        long[] r = c.r;
        long m = c.load(a, 8);
        long expected = (r[Reg.RDX] << 32) | (r[Reg.RAX] & 0xFFFFFFFFL);
        boolean equal = m == expected;
        if (equal) {
            c.store(a, 8, (r[Reg.RCX] << 32) | (r[Reg.RBX] & 0xFFFFFFFFL));
        } else {
            c.store(a, 8, m);
            r[Reg.RAX] = m & 0xFFFFFFFFL;
            r[Reg.RDX] = m >>> 32;
        }
        setZf(c, equal);
    }

    /** CMPXCHG8B/16B change ZF only. */
    private static void setZf(Cpu c, boolean equal) {
        long f = Flags.status(c.state);
        Flags.setEager(c.state, equal ? f | Flags.ZF : f & ~Flags.ZF);
    }

    /** XADD: dest = dest + src and src = the old dest; flags of the addition. */
    private static void xadd(Cpu c, Insn i) {
        int size = i.opsize;
        long src = c.getReg(i.reg, size);
        if (i.mem) {
            long a = c.ea(i);
            long m = Flags.mask(size);
            long d;
            if (i.hasPrefix(Insn.P_LOCK)) {
                d = Locked.getAndAddAt(c, a, size, src);
            } else {
                d = c.load(a, size);
                c.store(a, size, (d + src) & m);
            }
            c.setReg(i.reg, size, d);
            Flags.setAdd(c.state, d, src, (d + src) & m, size);
        } else {
            long d = c.getReg(i.rm, size);
            long sum = (d + src) & Flags.mask(size);
            c.setReg(i.reg, size, d); // for xadd %r,%r the sum written last wins
            c.setReg(i.rm, size, sum);
            Flags.setAdd(c.state, d, src, sum, size);
        }
    }
}
