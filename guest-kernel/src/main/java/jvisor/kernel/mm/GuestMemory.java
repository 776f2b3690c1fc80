package jvisor.kernel.mm;

import static jvisor.mmu.HostMemory.PAGE_MASK;
import static jvisor.mmu.HostMemory.PAGE_SIZE;

import java.lang.foreign.MemorySegment;

import jvisor.mmu.Access;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.HostRange;
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

    /** Below this size a transfer bounces through scratch memory: the copy costs less than pinning. */
    public static final long ZERO_COPY_MIN = 16 * 1024;

    /**
     * Pins [gva, gva+len) for the host to read or write in place (a host read(2) straight into
     * the guest's buffer), or returns null when the caller should bounce through scratch memory
     * instead: a small transfer, a range that is not one host segment, or an address space whose
     * accesses a debugger observes (the bounce copies report them). The caller closes the range
     * when the host is done; pages unmapped meanwhile stay valid until then.
     */
    public static HostRange pinForHost(AddressSpace space, long gva, long len, Access access) {
        if (len < ZERO_COPY_MIN || space.observer() != null) return null;
        HostRange r = space.pin(gva, len, access);
        if (r.contiguous() != -1) return r;
        r.close();
        return null;
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
