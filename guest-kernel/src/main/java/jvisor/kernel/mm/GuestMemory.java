package jvisor.kernel.mm;

import static jvisor.mmu.HostMemory.HOST;
import static jvisor.mmu.HostMemory.PAGE_MASK;
import static jvisor.mmu.HostMemory.PAGE_SIZE;

import java.lang.foreign.MemorySegment;

import jvisor.mmu.Access;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;
import jvisor.mmu.Region;

/**
 * copy_from_user / copy_to_user for buffers handed to syscalls. Guest memory is host memory (the
 * NanoPVM model), so when a guest buffer is one contiguous host range the host kernel can read
 * or write it in place; otherwise data bounces through native scratch memory page by page.
 */
public final class GuestMemory {
    private GuestMemory() {}

    /**
     * How many bytes from gva on (at most len) the guest may access in the given way: a syscall
     * that faults part-way transfers only what comes before the fault (read(2) returns a short
     * count, EFAULT only if nothing could be transferred).
     */
    public static long accessiblePrefix(AddressSpace space, long gva, long len, Access access) {
        long done = 0;
        while (done < len) {
            Region r = space.find(gva + done);
            if (r == null || !Prot.allows(r.prot(), access)) break;
            done = Math.min(len, r.end() - gva);
        }
        return done;
    }

    /**
     * The host address of [gva, gva+len) for the host to use in place, or -1: always -1 now. With
     * copy-on-write fork and several threads per address space, a host address is only safe while
     * its pages are pinned (AddressSpace.pin); until the callers pin, every transfer bounces
     * through native scratch memory with the copies below, which hold the address space's lock.
     */
    public static long contiguousHost(AddressSpace space, long gva, long len) {
        return -1;
    }

    /**
     * Prepares [gva, gva+len) for a write by the host: translating each page for writing tells the
     * CPU's decoded-code cache about pages that held code (self-modifying code stays correct).
     */
    public static void prepareWrite(AddressSpace space, long gva, long len) {
        long page = gva & ~PAGE_MASK;
        long end = gva + len;
        for (long p = page; Long.compareUnsigned(p, end) < 0; p += PAGE_SIZE) {
            space.translate(Long.compareUnsigned(p, gva) < 0 ? gva : p, Access.WRITE);
        }
    }

    /** Copies len bytes of guest memory at gva into native memory dst (page by page, under the address space's lock). */
    public static void copyIn(AddressSpace space, long gva, MemorySegment dst, long dstOff, long len) {
        space.readToHost(gva, dst.address() + dstOff, len);
    }

    /** Copies len bytes of native memory src into guest memory at gva (page by page, write-checked, under the lock). */
    public static void copyOut(AddressSpace space, long gva, MemorySegment src, long srcOff, long len) {
        space.writeFromHost(gva, src.address() + srcOff, len);
    }
}
