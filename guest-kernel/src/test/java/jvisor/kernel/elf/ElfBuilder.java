package jvisor.kernel.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Builds small ELF64 files for the loader tests. */
final class ElfBuilder {
    record Segment(int type, int flags, long offset, long vaddr, long filesz, long memsz, long align) {
    }

    int type = ElfFile.ET_EXEC;
    int machine = ElfFile.EM_X86_64;
    long entry = 0x401000;
    final List<Segment> segments = new ArrayList<>();
    /** File contents beyond the headers: placed at their offsets. */
    byte[] body = new byte[0x3000];

    ElfBuilder load(int flags, long offset, long vaddr, long filesz, long memsz) {
        segments.add(new Segment(ProgramHeader.PT_LOAD, flags, offset, vaddr, filesz, memsz, 0x1000));
        return this;
    }

    ElfBuilder segment(int type, long offset, long filesz) {
        segments.add(new Segment(type, ProgramHeader.PF_R, offset, 0, filesz, filesz, 1));
        return this;
    }

    byte[] build() {
        int phoff = 64;
        int size = Math.max(phoff + segments.size() * 56, body.length);
        byte[] out = new byte[size];
        System.arraycopy(body, 0, out, 0, body.length);
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 0x7f).put(1, (byte) 'E').put(2, (byte) 'L').put(3, (byte) 'F');
        b.put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
        b.putShort(16, (short) type).putShort(18, (short) machine).putInt(20, 1);
        b.putLong(24, entry).putLong(32, phoff).putLong(40, 0);
        b.putShort(52, (short) 64).putShort(54, (short) 56).putShort(56, (short) segments.size());
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            int o = phoff + i * 56;
            b.putInt(o, s.type()).putInt(o + 4, s.flags()).putLong(o + 8, s.offset()).putLong(o + 16, s.vaddr())
                    .putLong(o + 24, s.vaddr()).putLong(o + 32, s.filesz()).putLong(o + 40, s.memsz())
                    .putLong(o + 48, s.align());
        }
        return out;
    }
}
