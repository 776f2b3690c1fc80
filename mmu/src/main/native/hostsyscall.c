/*
 * hostsyscall.c - the JNI side of jvisor.mmu.HostSyscall: syscall(2) with six arguments,
 * returning the result or -errno as the Linux system call itself does.
 *
 * Why JNI next to FFM: a JNI method is bound by name on its first call (a symbol lookup),
 * where an FFM downcall makes its stub from generated classes, about 60 ms of a starting JVM
 * that a short guest such as hello pays in full. Built by mmu's pom with the host's gcc.
 */
#include <errno.h>
#include <jni.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

JNIEXPORT jlong JNICALL Java_jvisor_mmu_HostSyscall_syscall6(JNIEnv *env, jclass cls, jlong nr, jlong a,
        jlong b, jlong c, jlong d, jlong e, jlong f)
{
    (void)env;
    (void)cls;
    long r = syscall((long)nr, (long)a, (long)b, (long)c, (long)d, (long)e, (long)f);
    return r == -1 ? -(jlong)errno : (jlong)r;
}

/*
 * clock_gettime(3) of the C library, into the struct timespec at a host address: 0 or -errno.
 * Through the library rather than syscall(2): its vDSO path answers without entering the kernel.
 */
JNIEXPORT jlong JNICALL Java_jvisor_mmu_HostSyscall_clockGettime0(JNIEnv *env, jclass cls, jlong clock, jlong timespec)
{
    (void)env;
    (void)cls;
    return clock_gettime((clockid_t)clock, (struct timespec *)(intptr_t)timespec) == 0 ? 0 : -(jlong)errno;
}
