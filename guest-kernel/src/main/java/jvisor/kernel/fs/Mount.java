package jvisor.kernel.fs;

/**
 * One entry of the mount table: a file system's root vnode attached at a guest path.
 *
 * @param path the mount point, an absolute resolved guest path ("/" for the root)
 */
public final class Mount {
    public final byte[] path;
    public final Vnode root;
    public final boolean readOnly;
    public final String fsType;
    public final String source;
    /** st_dev of the file system's generated files (host files keep the host's). */
    public final long dev;

    public Mount(byte[] path, Vnode root, boolean readOnly, String fsType, String source, long dev) {
        this.path = path;
        this.root = root;
        this.readOnly = readOnly;
        this.fsType = fsType;
        this.source = source;
        this.dev = dev;
        root.setMount(this);
    }

    /** Linux's makedev for the st_dev of a kernel file system (major 0, minor n). */
    public static long anonDev(int minor) {
        return ((minor & 0xffL) | ((minor & ~0xffL) << 12));
    }
}
