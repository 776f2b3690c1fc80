/* The memory syscalls (mmap, munmap, mprotect, mremap, madvise, brk, msync, mincore) with good
 * and bad arguments: prints what the kernel answered and what the memory then holds, so the
 * output can be compared with the host's. Addresses are printed relative to a base. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096L

static void r(const char *what, long rc) {
    if (rc == -1) printf("%-44s = -1 %s\n", what, strerrorname_np(errno));
    else printf("%-44s = %ld\n", what, rc);
}

static void p(const char *what, void *a) {
    if (a == MAP_FAILED) printf("%-44s = MAP_FAILED %s\n", what, strerrorname_np(errno));
    else printf("%-44s = ok\n", what);
}

static sigjmp_buf jb;
static volatile int faults;
static void on_segv(int sig, siginfo_t *si, void *uc) {
    (void) sig; (void) uc;
    faults++;
    printf("  SIGSEGV si_code=%d\n", si->si_code);
    siglongjmp(jb, 1);
}

/* Reads one byte, reporting a fault instead of dying. */
static int probe_read(volatile char *a) {
    if (sigsetjmp(jb, 1)) return -1;
    return *a;
}

static int probe_write(volatile char *a, char v) {
    if (sigsetjmp(jb, 1)) return -1;
    *a = v;
    return 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);

    /* Anonymous private mappings are zeroed and writable. */
    char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p("mmap 4 pages rw", a);
    printf("zeroed: %d\n", a[0] == 0 && a[4 * PG - 1] == 0);
    memset(a, 'A', 4 * PG);

    /* Bad arguments. */
    p("mmap length 0", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    p("mmap unaligned offset", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 0, 1));
    p("mmap neither shared nor private", mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0));
    p("mmap bad fd", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 99, 0));
    p("mmap fixed unaligned", mmap(a + 1, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    r("munmap unaligned", munmap(a + 1, PG));
    r("munmap length 0", munmap(a, 0));
    r("mprotect unaligned", mprotect(a + 1, PG, PROT_READ));
    r("mprotect bad bits", mprotect(a, PG, 0x100));

    /* mprotect: read-only, then none; the fault's si_code is SEGV_ACCERR. */
    r("mprotect page 1 read-only", mprotect(a + PG, PG, PROT_READ));
    printf("read ro: %c\n", probe_read(a + PG));
    printf("write ro: %d\n", probe_write(a + PG, 'x'));
    r("mprotect page 2 none", mprotect(a + 2 * PG, PG, PROT_NONE));
    printf("read none: %d\n", probe_read(a + 2 * PG));
    r("mprotect back to rw", mprotect(a + PG, 2 * PG, PROT_READ | PROT_WRITE));
    printf("after rw: %c %c\n", a[PG], a[2 * PG]);

    /* munmap a hole; touching it is SEGV_MAPERR; mprotect over it is ENOMEM. */
    r("munmap page 3", munmap(a + 3 * PG, PG));
    printf("read unmapped: %d\n", probe_read(a + 3 * PG));
    r("mprotect over the hole", mprotect(a, 4 * PG, PROT_READ));
    r("munmap over the hole", munmap(a + 2 * PG, 2 * PG));

    /* mremap: grow in place or move, contents kept. */
    char *b = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(b, 'B', 2 * PG);
    char *c = mremap(b, 2 * PG, 8 * PG, MREMAP_MAYMOVE);
    p("mremap grow maymove", c);
    printf("kept: %c %c, new zero: %d\n", c[0], c[2 * PG - 1], c[8 * PG - 1]);
    c = mremap(c, 8 * PG, PG, 0);
    p("mremap shrink", c);
    p("mremap bad flags", mremap(c, PG, 2 * PG, 0x80));
    p("mremap fixed without maymove", mremap(c, PG, PG, MREMAP_FIXED, (void *) 0x700000000000));

    /* MAP_FIXED replaces what was there; MAP_FIXED_NOREPLACE refuses. */
    char *d = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(d, 'D', 2 * PG);
    p("mmap fixed over it", mmap(d, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    printf("replaced page zero: %d, next kept: %c\n", d[0], d[PG]);
    p("mmap fixed_noreplace", mmap(d, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));

    /* File mappings: private copies, shared writes reach the file. */
    char path[] = "/tmp/memtestXXXXXX";
    int fd = mkstemp(path);
    ftruncate(fd, 2 * PG);
    pwrite(fd, "file data", 9, 0);
    char *f = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    p("mmap file private", f);
    printf("file contents: %.9s\n", f);
    f[0] = 'F';
    char buf[10] = {0};
    pread(fd, buf, 9, 0);
    printf("private write not in file: %s\n", buf);
    char *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    p("mmap file shared", s);
    memcpy(s, "SHARED", 6);
    r("msync", msync(s, PG, MS_SYNC));
    pread(fd, buf, 9, 0);
    printf("shared write in file: %s\n", buf);
    r("msync unaligned", msync(s + 1, PG, MS_SYNC));
    r("msync bad flags", msync(s, PG, MS_SYNC | MS_ASYNC));
    close(fd);
    unlink(path);

    /* MAP_SHARED anonymous memory is shared with a forked child; private is not. */
    int *shared = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *priv = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *shared = 1;
    *priv = 1;
    pid_t pid = fork();
    if (pid == 0) {
        *shared = 2;
        *priv = 2;
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("after child: shared %d, private %d\n", *shared, *priv);

    /* madvise and mincore. */
    char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 'M', 2 * PG);
    r("madvise DONTNEED", madvise(m, 2 * PG, MADV_DONTNEED));
    printf("after DONTNEED: %d\n", m[0]);
    r("madvise bad advice", madvise(m, PG, 12345));
    r("madvise unaligned", madvise(m + 1, PG, MADV_NORMAL));
    unsigned char vec[2];
    r("mincore", mincore(m, 2 * PG, vec));
    r("mincore unaligned", mincore(m + 1, PG, vec));

    /* brk. */
    void *cur = sbrk(0);
    r("brk grow by 3 pages", (long) (sbrk(3 * PG) == cur ? 0 : -1));
    memset(cur, 'K', 3 * PG);
    r("brk shrink back", brk(cur));
    printf("faults seen: %d\n", faults);
    return 0;
}
