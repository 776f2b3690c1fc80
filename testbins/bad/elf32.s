# elf32.s - a minimal 32-bit (i386) static ELF used as a bad input:
# jvisor only runs x86-64 ELF64 binaries and must reject this one cleanly.
# Build without gcc-multilib: as --32 elf32.s -o elf32.o && ld -m elf_i386 -static elf32.o -o elf32

        .text
        .globl  _start
_start:
        mov     $1, %eax                # i386 SYS_exit
        xor     %ebx, %ebx              # status 0
        int     $0x80
