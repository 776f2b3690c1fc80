/**
 * The syscall table ({@link jvisor.kernel.syscall.SyscallTable}) and one class per syscall family,
 * after gVisor's pkg/sentry/syscalls/linux/sys_*.go: SysRead, SysWrite, SysFile, SysStat, SysDirent,
 * SysMemory, SysThread, SysIdentity, SysTime, SysSignal, SysInfo, SysRlimit, SysRandom.
 */
package jvisor.kernel.syscall;
