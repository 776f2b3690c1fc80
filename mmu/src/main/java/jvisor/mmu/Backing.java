package jvisor.mmu;

/**
 * Who owns the host memory behind a region, and whether the memory is shared. The address space
 * counts, per host page, the guest pages that map it (fork adds a user, unmap and copy-on-write
 * remove one) and hands a page back through {@link #release} when its last user is gone;
 * splitting a region for mprotect keeps the same backing for both halves.
 */
public interface Backing {
    /** The host pages [hva, hva+length) are no longer mapped by any guest page of any address space. */
    void release(long hva, long length);

    /**
     * True for MAP_SHARED memory: a write is seen by every address space that maps the page, and
     * fork gives the child the same pages. False (private memory): fork shares the pages
     * copy-on-write, so a write by either side goes to a copy of its own.
     */
    default boolean shared() {
        return false;
    }

    // The constants are instances of named classes, not a method reference and a lambda: the JDK's
    // ahead-of-time cache did not keep those two of this interface, so every start of jvisor
    // generated their classes and the JDK's class-file library with them (milliseconds of a
    // guest's start-up).

    /** Private anonymous host memory from {@link HostMemory#allocate}: released pages go back to the host. */
    Backing ANONYMOUS = new Anonymous();

    /** Shared anonymous host memory (MAP_SHARED|MAP_ANONYMOUS) from {@link HostMemory#allocate}. */
    Backing SHARED_ANONYMOUS = shared(ANONYMOUS);

    /** Private memory the caller owns and frees itself (tests, memory shared with the kernel). */
    Backing UNOWNED = new Unowned();

    /** The same owner, with shared (MAP_SHARED) semantics. */
    static Backing shared(Backing owner) {
        return new Backing() {
            @Override
            public void release(long hva, long length) {
                owner.release(hva, length);
            }

            @Override
            public boolean shared() {
                return true;
            }
        };
    }

    /** {@link #ANONYMOUS}. */
    final class Anonymous implements Backing {
        private Anonymous() {}

        @Override
        public void release(long hva, long length) {
            HostMemory.free(hva, length);
        }
    }

    /** {@link #UNOWNED}. */
    final class Unowned implements Backing {
        private Unowned() {}

        @Override
        public void release(long hva, long length) {
            // the owner frees the memory itself
        }
    }
}
