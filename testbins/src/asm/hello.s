# hello.s - pure assembly hello world, no libc.
# Tests: the bare ELF entry point, the write(2) and exit_group(2) syscalls.
# Build: as hello.s -o hello.o && ld -static hello.o -o hello-asm

        .section .rodata
msg:    .ascii  "hello, world\n"
        .set    msglen, . - msg

        .text
        .globl  _start
_start:
        mov     $1, %eax                # SYS_write
        mov     $1, %edi                # fd 1 (stdout)
        lea     msg(%rip), %rsi         # buffer
        mov     $msglen, %edx           # length
        syscall

        mov     $231, %eax              # SYS_exit_group
        xor     %edi, %edi              # status 0
        syscall
        hlt                             # never reached
