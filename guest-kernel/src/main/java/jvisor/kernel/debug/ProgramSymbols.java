package jvisor.kernel.debug;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import jvisor.kernel.abi.Fs;
import jvisor.kernel.elf.ElfSymbols;
import jvisor.kernel.elf.LoadedImage;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.PathResolver;
import jvisor.kernel.fs.Resolution;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.Task;
import jvisor.kernel.syscall.SyscallException;

/**
 * The symbol tables of the programs the guest's processes run, one per program image
 * ({@link Process#image}: a new image at each execve, the same one in fork children), so that
 * every address is named after the program of the process it belongs to, as gdb names it after
 * the program space of the inferior.
 *
 * <p>An execve'd program's table is read at the exec, from the file execve loaded (through the
 * sandbox's file system, so a program the guest wrote to its tmpfs has names too); a file
 * that cannot be read or has no symbol table gives an empty table. The first program's table
 * comes from whoever started it ({@link #put}), since its file may lie outside the guest's root.
 * Tables of images that no process runs any longer are dropped at the next exec.
 */
public final class ProgramSymbols {
    /** Larger files are not read for their names (execve itself refuses beyond 1 GiB). */
    private static final int MAX_FILE = 1 << 30;

    /** Keyed by identity: two execs of one file are two images (the file may have changed between them). */
    private final Map<LoadedImage, ElfSymbols> byImage = new IdentityHashMap<>();

    /** The names of the program process p runs now. */
    public synchronized void put(Process p, ElfSymbols symbols) {
        byImage.put(p.image, symbols);
    }

    /** The names for addresses of the task's process (an empty table if its program has none). */
    public ElfSymbols of(Task t) {
        return of(t.process);
    }

    public ElfSymbols of(Process p) {
        LoadedImage image = p.image;
        synchronized (this) {
            ElfSymbols s = byImage.get(image);
            if (s != null) return s;
        }
        ElfSymbols s = read(p.fs, p.exePath, image); // an image no exec announced (met after a detach)
        synchronized (this) {
            byImage.putIfAbsent(image, s);
            return byImage.get(image);
        }
    }

    /** p has just execve'd: reads the new program's symbol table, and forgets images no process runs. */
    void execed(Process p) {
        LoadedImage image = p.image;
        ElfSymbols s = read(p.fs, p.exePath, image);
        Set<LoadedImage> live = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Process q : p.table.processes()) live.add(q.image);
        synchronized (this) {
            byImage.put(image, s);
            byImage.keySet().retainAll(live);
        }
    }

    /** The symbols of the executable at guestPath, relocated as image was loaded; empty if it cannot be read. */
    private static ElfSymbols read(PathResolver fs, byte[] guestPath, LoadedImage image) {
        if (image == null || guestPath == null || guestPath.length == 0) return ElfSymbols.empty();
        Resolution r = fs.resolve(null, guestPath, true);
        if (!r.ok() || r.node() == null || r.node().type() != Fs.S_IFREG) return ElfSymbols.empty();
        try {
            FileDescription f = r.node().open(r.guestPath(), Fs.O_RDONLY);
            try {
                return ElfSymbols.parse(f.readAll(MAX_FILE), image.loadBias());
            } finally {
                f.decRef();
            }
        } catch (SyscallException e) {
            return ElfSymbols.empty();
        }
    }
}
