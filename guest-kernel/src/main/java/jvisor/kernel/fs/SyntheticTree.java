package jvisor.kernel.fs;

import java.util.List;

/** A tree the kernel generates: /proc. */
public interface SyntheticTree {
    /** The node at /proc/c0/c1/... (the empty list is /proc itself); null or MISSING if there is none. */
    SyntheticNode lookup(List<String> belowProc);

    /** The open file behind descriptor fd (the target of /proc/self/fd/N), or null. */
    default FileDescription fdFile(int fd) {
        return null;
    }
}
