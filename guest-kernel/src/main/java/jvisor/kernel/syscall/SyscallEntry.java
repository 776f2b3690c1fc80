package jvisor.kernel.syscall;

import jvisor.kernel.strace.ArgFormat;

/**
 * One row of the syscall table.
 *
 * @param nr the x86-64 syscall number
 * @param name the name strace prints
 * @param args how strace prints each argument (their count is the syscall's argument count)
 * @param ret how strace prints the result
 * @param handler the implementation, or null: the call fails with ENOSYS
 */
public record SyscallEntry(int nr, String name, ArgFormat[] args, ArgFormat ret, SyscallHandler handler) {
}
