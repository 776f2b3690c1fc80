package jvisor.cpu.debug;

import jvisor.mmu.Access;

/**
 * A data watchpoint on [address, address+length): what the x86 debug registers DR0-DR3 do with
 * R/W = 01 and 11 (Intel SDM Vol. 3B, 17.2.4), without their size and alignment limits. It
 * fires after the instruction that made the access, as a data breakpoint is a trap.
 *
 * <p>{@link Kind#WRITE} fires only when the watched bytes change (gdb's {@code watch}); writes
 * by the guest kernel into the range count too, and are reported before the guest's next
 * instruction. {@link Kind#READ} fires on guest loads, {@link Kind#ACCESS} on loads and stores.
 */
public final class Watchpoint {
    public enum Kind {
        WRITE, READ, ACCESS
    }

    public final long address;
    public final int length;
    public final Kind kind;

    public Watchpoint(long address, int length, Kind kind) {
        if (length <= 0) throw new IllegalArgumentException("watchpoint length must be positive: " + length);
        this.address = address;
        this.length = length;
        this.kind = kind;
    }

    public boolean overlaps(long gva, int size) {
        return Long.compareUnsigned(gva, address + length) < 0 && Long.compareUnsigned(address, gva + size) < 0;
    }

    /** Whether an access of this kind can fire the watchpoint. */
    public boolean watches(Access access) {
        return switch (kind) {
            case WRITE -> access == Access.WRITE;
            case READ -> access == Access.READ;
            case ACCESS -> access != Access.EXECUTE;
        };
    }

    @Override
    public String toString() {
        return String.format("%s watchpoint 0x%x+%d", kind.name().toLowerCase(java.util.Locale.ROOT), address, length);
    }
}
