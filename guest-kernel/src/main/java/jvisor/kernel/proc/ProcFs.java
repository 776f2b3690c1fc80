package jvisor.kernel.proc;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
    private ProcessTable table;


    /** Connects the tree to the sandbox's processes once the first one exists (the resolver is built first). */
    public void attach(Process p) {
        this.table = p.table;
    }

    /** The process "self" means: the calling task's, or the first process outside guest tasks (tests). */
    private Process self() {
        Task t = Task.current();
        if (t != null) return t.process;
        return table == null ? null : table.init();
    }

    /** The live process named by a /proc entry, or null. */
    private Process byName(String name) {
        if (table == null || name.isEmpty() || name.length() > 9) return null;
        for (int i = 0; i < name.length(); i++) if (name.charAt(i) < '0' || name.charAt(i) > '9') return null;
        if (name.length() > 1 && name.charAt(0) == '0') return null;
        Process p = table.process(Integer.parseInt(name));
        return p == null || p.isZombie() ? null : p;
    }

    private static final long BOOT_NANOS = System.nanoTime();

    @Override
    public FileDescription fdFile(int fd) {
        Process p = self();
        return p == null ? null : p.fds.get(fd);
    }

    private static final List<String> TOP = List.of("self", "thread-self", "cpuinfo", "meminfo", "uptime", "loadavg",
            "version", "stat", "mounts", "filesystems", "sys");

    @Override
    public SyntheticNode lookup(List<String> below) {
        if (below.isEmpty()) {
            return SyntheticNode.dir(() -> {
                List<String> c = new ArrayList<>();
                if (table != null) {
                    for (Process p : table.processes()) if (!p.isZombie()) c.add(Integer.toString(p.pid));
                }
                c.addAll(TOP);
                return c;
            });
        }
        String first = below.get(0);
        List<String> rest = below.subList(1, below.size());
        if (first.equals("self") || first.equals("thread-self")) {
            Process self = self();
            if (self == null) return SyntheticNode.MISSING;
            if (below.size() == 1) {
                Task t = Task.current();
                int tid = t != null ? t.tid : self.pid;
                return SyntheticNode.symlink((first.equals("self") ? Integer.toString(self.pid)
                        : self.pid + "/task/" + tid).getBytes(StandardCharsets.US_ASCII));
            }
            return entry(self, rest);
        }
        Process named = byName(first);
        if (named != null) {
            if (below.size() == 1) return SyntheticNode.dir(() -> PID_ENTRIES);
            return entry(named, rest);
        }
        if (first.equals("sys")) return sys(rest);
        if (below.size() != 1) return SyntheticNode.MISSING;
        return switch (first) {
            case "cpuinfo" -> SyntheticNode.file(ProcFs::cpuinfo);
            case "meminfo" -> SyntheticNode.file(ProcFs::meminfo);
            case "uptime" -> SyntheticNode.file(() -> {
                double up = (System.nanoTime() - BOOT_NANOS) / 1e9;
                return String.format("%.2f %.2f%n", up, up).getBytes(StandardCharsets.US_ASCII);
            });
            case "loadavg" -> SyntheticNode.file(() -> ("0.00 0.00 0.00 1/" + (table == null ? 1 : table.taskCount())
                    + " " + (self() == null ? 0 : self().pid) + "\n").getBytes(StandardCharsets.US_ASCII));
            case "version" -> SyntheticNode.file(() -> ("Linux version " + release()
                    + " (jvisor@jvisor) (jvisor) #1 SMP PREEMPT_DYNAMIC jvisor\n").getBytes(StandardCharsets.US_ASCII));
            case "stat" -> SyntheticNode.file(() -> ("cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\nintr 0\nctxt 0\nbtime "
                    + (System.currentTimeMillis() / 1000 - (System.nanoTime() - BOOT_NANOS) / 1_000_000_000L)
                    + "\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n").getBytes(StandardCharsets.US_ASCII));
            case "mounts" -> SyntheticNode.file(() -> mounts(self()));
            case "filesystems" -> SyntheticNode.file(() -> "nodev\tproc\nnodev\ttmpfs\nnodev\tdevtmpfs\n"
                    .getBytes(StandardCharsets.US_ASCII));
            default -> SyntheticNode.MISSING;
        };
    }

    private static final List<String> PID_ENTRIES = List.of("exe", "cwd", "root", "fd", "maps", "cmdline", "environ",
            "comm", "auxv", "status", "stat", "mounts", "task");

    private static String release() {
        return "6.1.0-jvisor";
    }

    /** /proc/sys: a few read-only kernel settings programs look at. */
    private SyntheticNode sys(List<String> rest) {
        String path = String.join("/", rest);
        return switch (path) {
            case "" -> SyntheticNode.dir(() -> List.of("kernel", "fs", "vm"));
            case "kernel" -> SyntheticNode.dir(() -> List.of("hostname", "domainname", "osrelease", "ostype",
                    "version", "pid_max", "ngroups_max", "random"));
            case "kernel/random" -> SyntheticNode.dir(() -> List.of("boot_id", "uuid"));
            case "fs" -> SyntheticNode.dir(() -> List.of("pipe-max-size", "nr_open", "file-max"));
            case "vm" -> SyntheticNode.dir(() -> List.of("overcommit_memory", "max_map_count"));
            case "kernel/hostname" -> text(hostname());
            case "kernel/domainname" -> text("(none)");
            case "kernel/osrelease" -> text(release());
            case "kernel/ostype" -> text("Linux");
            case "kernel/version" -> text("#1 SMP PREEMPT_DYNAMIC jvisor");
            case "kernel/pid_max" -> text("4194304");
            case "kernel/ngroups_max" -> text("65536");
            case "kernel/random/boot_id" -> text(BootId.VALUE);
            case "kernel/random/uuid" -> SyntheticNode.file(() -> (randomUuid() + "\n").getBytes(StandardCharsets.US_ASCII));
            case "fs/pipe-max-size" -> text("1048576");
            case "fs/nr_open" -> text("1048576");
            case "fs/file-max" -> text("9223372036854775807");
            case "vm/overcommit_memory" -> text("0");
            case "vm/max_map_count" -> text("65530");
            default -> SyntheticNode.MISSING;
        };
    }

    /** Made on first read: one per JVM, as a boot has one. */
    private static final class BootId {
        static final String VALUE = randomUuid();
    }

    /**
     * A random (version 4) UUID from the host's getrandom, as the kernel makes them
     * (random(4)): java.util.UUID.randomUUID would first set up SecureRandom and its providers,
     * tens of milliseconds of a cold start.
     */
    static String randomUuid() {
        byte[] b = new byte[16];
        jvisor.kernel.host.HostRandom.fill(b);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40); // version 4
        b[8] = (byte) ((b[8] & 0x3f) | 0x80); // variant RFC 4122
        ByteBuffer bb = ByteBuffer.wrap(b);
        return new java.util.UUID(bb.getLong(), bb.getLong()).toString();
    }

    private static SyntheticNode text(String s) {
        byte[] b = (s + "\n").getBytes(StandardCharsets.UTF_8);
        return SyntheticNode.file(() -> b);
    }

    private static String hostname() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment u = arena.allocate(390);
            if (Libc.uname(u) != 0) return "localhost";
            return u.getString(65);
        }
    }

    private SyntheticNode entry(Process process, List<String> rest) {
        String name = rest.get(0);
        if (name.equals("task")) return task(process, rest.subList(1, rest.size()));
        if (rest.size() == 1) {
            return switch (name) {
                case "exe" -> SyntheticNode.symlink(process.exePath);
                case "cwd" -> SyntheticNode.symlink(process.cwd());
                case "root" -> SyntheticNode.symlink(new byte[] {'/'});
                case "fd" -> SyntheticNode.dir(() -> {
                    List<String> c = new ArrayList<>();
                    for (int fd : process.fds.openFds()) c.add(Integer.toString(fd));
                    return c;
                });
                case "maps" -> SyntheticNode.file(() -> maps(process));
                case "cmdline" -> SyntheticNode.file(() -> nulJoined(process.argv));
                case "environ" -> SyntheticNode.file(() -> nulJoined(process.envp));
                case "comm" -> SyntheticNode.file(() -> comm(process));
                case "auxv" -> SyntheticNode.file(() -> auxv(process));
                case "status" -> SyntheticNode.file(() -> status(process));
                case "stat" -> SyntheticNode.file(() -> stat(process));
                case "mounts" -> SyntheticNode.file(() -> mounts(process));
                default -> SyntheticNode.MISSING;
            };
        }
        if (rest.size() == 2 && name.equals("fd")) {
            try {
                int fd = Integer.parseInt(rest.get(1));
                FileDescription f = process.fds.get(fd);
                if (f != null && rest.get(1).equals(Integer.toString(fd))) return SyntheticNode.magicFd(fd, f.guestPath());
            } catch (NumberFormatException e) {
                // not a number: no such entry
            }
        }
        return SyntheticNode.MISSING;
    }

    /** /proc/PID/task: one directory per thread, each showing the process's entries. */
    private SyntheticNode task(Process process, List<String> rest) {
        if (rest.isEmpty()) {
            return SyntheticNode.dir(() -> {
                List<String> c = new ArrayList<>();
                for (Task t : process.tasks()) c.add(Integer.toString(t.tid));
                return c;
            });
        }
        boolean found = false;
        for (Task t : process.tasks()) if (Integer.toString(t.tid).equals(rest.get(0))) found = true;
        if (!found) return SyntheticNode.MISSING;
        if (rest.size() == 1) return SyntheticNode.dir(() -> PID_ENTRIES.subList(0, PID_ENTRIES.size() - 1));
        if (rest.get(1).equals("task")) return SyntheticNode.MISSING;
        return entry(process, rest.subList(1, rest.size()));
    }

    private String commName(Process process) {
        byte[] c = comm(process);
        return new String(c, 0, c.length - 1, StandardCharsets.UTF_8);
    }

    private long vmSizeKb(Process process) {
        long total = 0;
        for (Region r : process.mm.regions()) total += r.end() - r.start();
        return total / 1024;
    }

    private byte[] status(Process process) {
        Credentials c = process.creds;
        long vm = vmSizeKb(process);
        String s = "Name:\t" + commName(process) + "\n"
                + String.format("Umask:\t%04o%n", process.umask)
                + "State:\t" + state(process) + "\n"
                + "Tgid:\t" + process.pid + "\nNgid:\t0\nPid:\t" + process.pid + "\nPPid:\t" + process.ppid()
                + "\nTracerPid:\t0\n"
                + "Uid:\t" + c.uid() + "\t" + c.euid() + "\t" + c.euid() + "\t" + c.euid() + "\n"
                + "Gid:\t" + c.gid() + "\t" + c.egid() + "\t" + c.egid() + "\t" + c.egid() + "\n"
                + "FDSize:\t64\nGroups:\t\n"
                + "VmPeak:\t" + vm + " kB\nVmSize:\t" + vm + " kB\nVmRSS:\t" + vm + " kB\n"
                + "Threads:\t" + process.taskCount() + "\n"
                + "SigQ:\t0/0\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
                + String.format("SigBlk:\t%016x%n", process.mainTask() != null ? process.mainTask().sigmask : 0)
                + "SigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\n"
                + "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
                + "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n"
                + "Cpus_allowed:\t1\nCpus_allowed_list:\t0\n"
                + "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n";
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The State line: stopped while the process is (job control), else running. */
    private static String state(Process process) {
        return process.signals.isStopped() ? "T (stopped)" : "R (running)";
    }

    private byte[] stat(Process process) {
        long vsize = vmSizeKb(process) * 1024;
        StringBuilder sb = new StringBuilder();
        int ttyNr = 0, tpgid = -1;
        synchronized (process.table) {
            jvisor.kernel.tty.Terminal term = process.ctty;
            if (term != null) {
                ttyNr = (int) term.rdev;
                tpgid = term.foreground() != 0 ? term.foreground() : -1;
            }
        }
        sb.append(process.pid).append(" (").append(commName(process)).append(") ").append(state(process).charAt(0))
                .append(' ').append(process.ppid()).append(' ').append(process.pgid()).append(' ').append(process.sid())
                .append(' ').append(ttyNr).append(' ').append(tpgid).append(" 4194304 0 0 0 0 0 0 0 0 20 0 ")
                .append(process.taskCount()).append(" 0 0 ")
                .append(vsize).append(' ').append(vsize / 4096).append(" 18446744073709551615");
        for (int i = 26; i <= 52; i++) sb.append(" 0");
        sb.append('\n');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] mounts(Process process) {
        StringBuilder sb = new StringBuilder();
        if (process == null) return new byte[0];
        for (jvisor.kernel.fs.Mount m : process.fs.mounts()) {
            sb.append(m.source).append(' ').append(new String(m.path, StandardCharsets.UTF_8)).append(' ')
                    .append(m.fsType).append(' ').append(m.readOnly ? "ro" : "rw").append(",relatime 0 0\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** /proc/cpuinfo: one CPU with the emulated CPUID's signature, brand and feature flags. */
    static byte[] cpuinfo() {
        jvisor.cpu.CpuState s = new jvisor.cpu.CpuState();
        int[] l1 = cpuid(s, 1), e1 = cpuid(s, 0x8000_0001), l7 = cpuid(s, 7), xsaveLeaf = cpuid(s, 0xD, 1);
        int[] v = cpuid(s, 0);
        String vendor = regString(v[1]) + regString(v[3]) + regString(v[2]);
        StringBuilder brand = new StringBuilder();
        for (int leaf = 0x8000_0002; leaf <= 0x8000_0004; leaf++) {
            int[] b = cpuid(s, leaf);
            for (int x : b) brand.append(regString(x));
        }
        String[] edx = {"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", null, "sep", "mtrr", "pge",
            "mca", "cmov", "pat", "pse36", null, "clflush", null, null, null, "mmx", "fxsr", "sse", "sse2", null, "ht"};
        String[] ecx = {"pni", "pclmulqdq", null, null, null, null, null, null, null, "ssse3", null, null, "fma", "cx16",
            null, null, null, null, null, "sse4_1", "sse4_2", null, "movbe", "popcnt", null, "aes", "xsave", null, "avx",
            "f16c", "rdrand", "hypervisor"};
        String[] l7ebx = new String[32];
        l7ebx[3] = "bmi1";
        l7ebx[5] = "avx2";
        l7ebx[8] = "bmi2";
        l7ebx[19] = "adx";
        String[] extEdx = new String[32];
        extEdx[11] = "syscall";
        extEdx[20] = "nx";
        extEdx[27] = "rdtscp";
        extEdx[29] = "lm";
        String[] extEcx = new String[32];
        extEcx[0] = "lahf_lm";
        extEcx[5] = "abm";
        // CPUID.(EAX=0DH,ECX=1):EAX, Linux's word 10. OSXSAVE (leaf 1 ECX bit 27) has no name in cpuinfo.
        String[] xsaveEax = {"xsaveopt", "xsavec", "xgetbv1", "xsaves"};
        StringBuilder flags = new StringBuilder();
        appendFlags(flags, l1[3], edx);
        appendFlags(flags, e1[3], extEdx);
        appendFlags(flags, l1[2], ecx);
        appendFlags(flags, e1[2], extEcx);
        appendFlags(flags, l7[1], l7ebx);
        appendFlags(flags, xsaveLeaf[0], xsaveEax);
        // Family 6 and 15 add the extended model (bits 16-19) above the model, as Linux prints it.
        int family = (l1[0] >> 8) & 0xf, model = (l1[0] >> 4) & 0xf, stepping = l1[0] & 0xf;
        if (family == 6 || family == 15) model |= ((l1[0] >> 16) & 0xf) << 4;
        int[] l3 = cpuid(s, 4, 3);
        long l3Kib = (long) ((l3[1] >>> 22) + 1) * (((l3[1] >>> 12) & 0x3ff) + 1) * ((l3[1] & 0xfff) + 1) * (l3[2] + 1L) / 1024;
        int cpus = Math.max(1, Math.min(64, Runtime.getRuntime().availableProcessors()));
        StringBuilder out = new StringBuilder();
        for (int cpu = 0; cpu < cpus; cpu++) { // one entry per emulated CPU (one per host processor)
            out.append("processor\t: ").append(cpu).append("\nvendor_id\t: ").append(vendor)
                    .append("\ncpu family\t: ").append(family).append("\nmodel\t\t: ").append(model)
                    .append("\nmodel name\t: ").append(brand.toString().trim()).append("\nstepping\t: ").append(stepping)
                    .append("\ncpu MHz\t\t: 1000.000\ncache size\t: ").append(l3Kib).append(" KB\nphysical id\t: 0")
                    .append("\nsiblings\t: ").append(cpus)
                    .append("\ncore id\t\t: ").append(cpu).append("\ncpu cores\t: ").append(cpus)
                    .append("\napicid\t\t: ").append(cpu).append("\ninitial apicid\t: ").append(cpu)
                    .append("\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: ").append(v[0])
                    .append("\nwp\t\t: yes\nflags\t\t:").append(flags)
                    .append("\nbogomips\t: 2000.00\nclflush size\t: 64\ncache_alignment\t: 64")
                    .append("\naddress sizes\t: 48 bits physical, 48 bits virtual\npower management:\n\n");
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void appendFlags(StringBuilder sb, int bits, String[] names) {
        for (int i = 0; i < names.length; i++) {
            if (names[i] != null && (bits & (1 << i)) != 0) sb.append(' ').append(names[i]);
        }
    }

    private static int[] cpuid(jvisor.cpu.CpuState s, int leaf) {
        return cpuid(s, leaf, 0);
    }

    private static int[] cpuid(jvisor.cpu.CpuState s, int leaf, int subleaf) {
        s.r[jvisor.cpu.Reg.RAX] = leaf & 0xffffffffL;
        s.r[jvisor.cpu.Reg.RCX] = subleaf & 0xffffffffL;
        jvisor.cpu.Cpuid.execute(s);
        return new int[] {(int) s.r[jvisor.cpu.Reg.RAX], (int) s.r[jvisor.cpu.Reg.RBX], (int) s.r[jvisor.cpu.Reg.RCX],
            (int) s.r[jvisor.cpu.Reg.RDX]};
    }

    private static String regString(int r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            char ch = (char) ((r >>> (8 * i)) & 0xff);
            if (ch != 0) sb.append(ch);
        }
        return sb.toString();
    }

    private static byte[] meminfo() {
        long total = 0, free = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment si = arena.allocate(112);
            if (Libc.sysinfo(si) == 0) {
                long unit = si.get(ValueLayout.JAVA_INT, 104) & 0xffffffffL;
                if (unit == 0) unit = 1;
                total = si.get(ValueLayout.JAVA_LONG, 32) * unit / 1024;
                free = si.get(ValueLayout.JAVA_LONG, 40) * unit / 1024;
            }
        }
        String s = String.format("MemTotal:       %8d kB%nMemFree:        %8d kB%nMemAvailable:   %8d kB%n"
                + "Buffers:               0 kB%nCached:                0 kB%nSwapCached:            0 kB%n"
                + "SwapTotal:             0 kB%nSwapFree:              0 kB%nShmem:                 0 kB%n", total, free, free);
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] nulJoined(List<byte[]> strings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] s : strings) {
            out.writeBytes(s);
            out.write(0);
        }
        return out.toByteArray();
    }

    private byte[] comm(Process process) {
        Task leader = process.mainTask();
        byte[] c = leader != null ? leader.comm() : new byte[0];
        byte[] out = java.util.Arrays.copyOf(c, c.length + 1);
        out[c.length] = '\n';
        return out;
    }

    private byte[] auxv(Process process) {
        long[] a = process.auxv();
        byte[] out = new byte[a.length * 8];
        java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(a);
        return out;
    }

    /**
     * /proc/self/maps in Linux's format (fs/proc/task_mmu.c show_map_vma): adjacent regions that
     * Linux would hold in one vma (same protection and name, contiguous file offsets) are merged.
     */
    public byte[] maps(Process process) {
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
                    jvisor.kernel.fs.Resolution res = process.fs.resolve(new byte[] {'/'},
                            r.name().getBytes(StandardCharsets.UTF_8), true);
                    if (res.ok() && res.node() != null && statOk(res.node(), stat)) {
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

    private static boolean statOk(jvisor.kernel.fs.Vnode v, MemorySegment st) {
        try {
            v.stat(st);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Linux's new_encode_dev halves of a glibc dev_t. */
    private static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    private static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }
}
