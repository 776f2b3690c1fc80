package jvisor.mmu;

/**
 * Sees the data accesses to the guest pages it covers: what watchpoints, memory hooks and the
 * instruction trace are built on. An address space has at most one; with none, nothing on the
 * access paths changes.
 *
 * <p>Pages the observer covers are never entered in the software TLB, so every access to them
 * takes the slow path and is reported there, exactly once per access: a load after it read
 * (with the value read), a store before it writes (with the value it will write, so the old value
 * can still be read). Bulk copies (the kernel's copy_to_user / copy_from_user, string fills) are
 * reported once per page-sized piece with value 0. Instruction fetches and the debugger's own
 * {@code peekBytes}/{@code pokeBytes} are not reported. The observer runs on the accessing thread
 * and may throw nothing.
 */
public interface MemoryObserver {
    /** Whether accesses to the page starting at pageAddress are reported. */
    boolean covers(long pageAddress);

    /**
     * One data access of size bytes at gva.
     *
     * @param value the value loaded or about to be stored, zero-extended (0 for bulk copies)
     */
    void accessed(long gva, int size, Access kind, long value);
}
