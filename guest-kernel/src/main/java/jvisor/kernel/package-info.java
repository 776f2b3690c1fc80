/**
 * jvisor's guest kernel: a library OS in Java that runs one static x86-64 Linux program on the
 * hypervisor's vCPU, handling every syscall and fault VM exit ({@link jvisor.kernel.Kernel}).
 * Packages: cli (the command), elf (loading), proc (processes and tasks), mm (memory layout),
 * fs (files and the sandbox root), syscall (the table and one class per syscall family),
 * signal (dispositions and fatal signals), strace (--strace), abi (Linux's numbers and names),
 * host (FFM calls into the host C library).
 */
package jvisor.kernel;
