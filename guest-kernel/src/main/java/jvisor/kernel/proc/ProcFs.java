package jvisor.kernel.proc;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;

import jvisor.kernel.abi.Fs;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.StatBuf;
import jvisor.kernel.fs.SyntheticNode;
import jvisor.kernel.fs.SyntheticTree;
import jvisor.kernel.host.Libc;
import jvisor.kernel.host.Scratch;
import jvisor.mmu.Prot;
import jvisor.mmu.Region;

/**
 * The guest's own /proc/self and /proc/PID (proc(5)), generated from the kernel's state: the
 * host's entries would describe the JVM. Provided: exe, cwd, root and fd/N links; maps, cmdline,
 * environ, comm and auxv files. Other entries of the process directory do not exist (ENOENT);
 * the rest of /proc (cpuinfo, meminfo...) is the host's, seen through the root.
 */
public final class ProcFs implements SyntheticTree {
    private Process process;
    private final String pidName;

    public ProcFs(int pid) {
        this.pidName = Integer.toString(pid);
    }

    /** Connects the tree to its process once that exists (the resolver is built first). */
    public void attach(Process p) {
        this.process = p;
    }

    @Override
    public SyntheticNode lookup(List<String> below) {
        String first = below.get(0);
        if (first.equals("self") || first.equals("thread-self")) {
            if (below.size() == 1) return SyntheticNode.symlink(pidName.getBytes(StandardCharsets.US_ASCII));
            return null == process ? SyntheticNode.MISSING : entry(below.subList(1, below.size()));
        }
        if (!first.equals(pidName)) return null;
        if (below.size() == 1) return SyntheticNode.DIR;
        return process == null ? SyntheticNode.MISSING : entry(below.subList(1, below.size()));
    }

    private SyntheticNode entry(List<String> rest) {
        String name = rest.get(0);
        if (rest.size() == 1) {
            return switch (name) {
                case "exe" -> SyntheticNode.symlink(process.exePath);
                case "cwd" -> SyntheticNode.symlink(process.cwd());
                case "root" -> SyntheticNode.symlink(new byte[] {'/'});
                case "fd" -> SyntheticNode.DIR;
                case "maps" -> SyntheticNode.file(this::maps);
                case "cmdline" -> SyntheticNode.file(() -> nulJoined(process.argv));
                case "environ" -> SyntheticNode.file(() -> nulJoined(process.envp));
                case "comm" -> SyntheticNode.file(this::comm);
                case "auxv" -> SyntheticNode.file(this::auxv);
                default -> SyntheticNode.MISSING;
            };
        }
        if (rest.size() == 2 && name.equals("fd")) {
            try {
                FileDescription f = process.fds.get(Integer.parseInt(rest.get(1)));
                int fd = Integer.parseInt(rest.get(1));
                if (f != null) return SyntheticNode.magicFd(fd, f.guestPath());
            } catch (NumberFormatException e) {
                // not a number: no such entry
            }
        }
        return SyntheticNode.MISSING;
    }

    private static byte[] nulJoined(List<byte[]> strings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] s : strings) {
            out.writeBytes(s);
            out.write(0);
        }
        return out.toByteArray();
    }

    private byte[] comm() {
        byte[] exe = process.exePath;
        int slash = -1;
        for (int i = 0; i < exe.length; i++) if (exe[i] == '/') slash = i;
        int len = Math.min(exe.length - slash - 1, 15); // TASK_COMM_LEN - 1
        byte[] out = new byte[len + 1];
        System.arraycopy(exe, slash + 1, out, 0, len);
        out[len] = '\n';
        return out;
    }

    private byte[] auxv() {
        long[] a = process.auxv();
        byte[] out = new byte[a.length * 8];
        java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(a);
        return out;
    }

    /**
     * /proc/self/maps in Linux's format (fs/proc/task_mmu.c show_map_vma): adjacent regions that
     * Linux would hold in one vma (same protection and name, contiguous file offsets) are merged.
     */
    public byte[] maps() {
        StringBuilder sb = new StringBuilder();
        List<Region> regions = process.mm.regions();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stat = arena.allocate(StatBuf.SIZE);
            int i = 0;
            while (i < regions.size()) {
                Region r = regions.get(i);
                long end = r.end();
                boolean file = r.name().startsWith("/");
                int j = i + 1;
                while (j < regions.size()) {
                    Region n = regions.get(j);
                    if (n.start() != end || n.prot() != r.prot() || !n.name().equals(r.name())) break;
                    if (file && n.fileOffset() != r.fileOffset() + (end - r.start())) break;
                    end = n.end();
                    j++;
                }
                long dev = 0, ino = 0;
                if (file) {
                    byte[] host = process.fs.hostPath(r.name().getBytes(StandardCharsets.UTF_8));
                    if (Libc.fstatat(Fs.AT_FDCWD, Scratch.cString(arena, host), stat, 0) == 0) {
                        dev = stat.get(ValueLayout.JAVA_LONG, StatBuf.ST_DEV);
                        ino = stat.get(ValueLayout.JAVA_LONG, StatBuf.ST_INO);
                    }
                }
                int start = sb.length();
                sb.append(String.format("%08x-%08x %s%s %08x %02x:%02x %d ", r.start(), end, Prot.toString(r.prot()),
                        "p", file ? r.fileOffset() : 0, major(dev), minor(dev), ino));
                String name = r.name();
                if (!name.isEmpty()) {
                    while (sb.length() - start < 72) sb.append(' '); // seq_pad: to column 72, then one space
                    sb.append(' ');
                    sb.append(name);
                }
                sb.append('\n');
                i = j;
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Linux's new_encode_dev halves of a glibc dev_t. */
    private static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    private static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }
}
