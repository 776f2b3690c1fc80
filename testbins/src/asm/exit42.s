# exit42.s - pure assembly program that exits with status 42, no libc.
# Tests: the plain exit(2) syscall (60, not exit_group) and the exit status.
# Build: as exit42.s -o exit42.o && ld -static exit42.o -o exit42-asm

        .text
        .globl  _start
_start:
        mov     $60, %eax               # SYS_exit
        mov     $42, %edi               # status 42
        syscall
        hlt                             # never reached
