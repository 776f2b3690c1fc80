/* fs-basic: files, directories, links, attributes and errnos, inside a fresh directory of /tmp.
 * Prints what the kernel answered; paths are printed relative to that directory. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static void r(const char *what, long rc) {
    if (rc < 0) printf("%s = -1 %s\n", what, strerrorname_np(errno));
    else printf("%s = %ld\n", what, rc);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static void list(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) { printf("opendir %s: %s\n", dir, strerrorname_np(errno)); return; }
    char *names[64]; int n = 0; struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        char *s; asprintf(&s, "%s:%d", e->d_name, e->d_type); names[n++] = s;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("ls %s:", dir);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

static void st(const char *p) {
    struct stat s;
    if (lstat(p, &s) < 0) { printf("lstat %s: %s\n", p, strerrorname_np(errno)); return; }
    printf("lstat %s: mode=%o", p, s.st_mode);
    if (!S_ISDIR(s.st_mode)) printf(" size=%lld nlink=%ld", (long long)s.st_size, (long)s.st_nlink);
    printf("\n");
}

int main(void) {
    char tmpl[] = "/tmp/fsbasic-XXXXXX";
    if (!mkdtemp(tmpl) || chdir(tmpl) < 0) { perror("setup"); return 1; }
    umask(022);
    char buf[256];

    /* open and its errnos */
    r("open missing", open("missing", O_RDONLY));
    int fd = open("f", O_CREAT | O_RDWR, 0666);
    r("creat f", fd >= 0 ? 0 : -1);
    r("write f", write(fd, "hello world\n", 12));
    r("O_EXCL f", open("f", O_CREAT | O_EXCL | O_RDWR, 0600));
    r("O_DIRECTORY f", open("f", O_RDONLY | O_DIRECTORY));
    r("f/x", open("f/x", O_RDONLY));
    r("f/ create", open("g/", O_CREAT | O_RDWR, 0600));
    r("mkdir d", mkdir("d", 0755));
    r("mkdir d again", mkdir("d", 0755));
    r("open d O_WRONLY", open("d", O_WRONLY));
    r("open d O_CREAT", open("d", O_CREAT | O_RDONLY, 0600));
    r("mkdir missing/x", mkdir("missing/x", 0755));
    r("mkdir f/x", mkdir("f/x", 0755));
    st("f");
    st("d");

    /* read, seek, pread, pwrite, append */
    r("lseek 0", lseek(fd, 0, SEEK_SET));
    memset(buf, 0, sizeof buf);
    r("read", read(fd, buf, sizeof buf));
    printf("data: %s", buf);
    r("pwrite", pwrite(fd, "HELLO", 5, 0));
    r("pread", pread(fd, buf, 11, 0));
    printf("data: %.11s\n", buf);
    r("lseek end", lseek(fd, 0, SEEK_END));
    r("lseek bad whence", lseek(fd, 0, 42));
    r("lseek negative", lseek(fd, -100, SEEK_SET));
    int afd = open("f", O_WRONLY | O_APPEND);
    r("append write", write(afd, "tail\n", 5));
    r("fcntl getfl append", fcntl(afd, F_GETFL) & (O_APPEND | O_ACCMODE));
    close(afd);
    st("f");
    struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
    r("pwritev", pwritev(fd, iov, 2, 2));
    r("pread after pwritev", pread(fd, buf, 6, 0));
    printf("data: %.6s\n", buf);
    /* pwritev2's RWF_APPEND: to the end whatever the offset; only offset -1 moves the position. */
    r("position before RWF_APPEND", lseek(fd, 1, SEEK_SET));
    r("pwritev2 RWF_APPEND at 0", pwritev2(fd, iov, 1, 0, RWF_APPEND));
    r("position after", lseek(fd, 0, SEEK_CUR));
    r("pwritev2 RWF_APPEND at -1", pwritev2(fd, iov + 1, 1, -1, RWF_APPEND));
    r("position after", lseek(fd, 0, SEEK_CUR));
    r("pread the end", pread(fd, buf, 6, 15));
    printf("end: %.6s\n", buf);
    r("pwritev2 unknown flag", pwritev2(fd, iov, 1, 0, 0x40000000));

    /* truncate and sparse files */
    r("ftruncate 100000", ftruncate(fd, 100000));
    st("f");
    r("pread hole", pread(fd, buf, 4, 50000));
    printf("hole bytes: %d %d %d %d\n", buf[0], buf[1], buf[2], buf[3]);
    r("truncate 3", truncate("f", 3));
    st("f");
    r("truncate dir", truncate("d", 0));
    r("truncate negative", truncate("f", -1));
    int rofd = open("f", O_RDONLY);
    r("ftruncate rdonly", ftruncate(rofd, 0));
    r("write rdonly", write(rofd, "x", 1));
    close(rofd);

    /* links */
    r("link f f2", link("f", "f2"));
    st("f");
    r("link d d2", link("d", "d2"));
    r("link f f2 again", link("f", "f2"));
    r("symlink f s", symlink("f", "s"));
    r("symlink dangling", symlink("nowhere", "dangle"));
    ssize_t n = readlink("s", buf, sizeof buf);
    r("readlink s", n);
    if (n >= 0) printf("target: %.*s\n", (int)n, buf);
    r("readlink f", readlink("f", buf, sizeof buf));
    r("open s O_NOFOLLOW", open("s", O_RDONLY | O_NOFOLLOW));
    r("open dangle", open("dangle", O_RDONLY));
    r("symlink loop1", symlink("loop2", "loop1"));
    r("symlink loop2", symlink("loop1", "loop2"));
    r("open loop", open("loop1", O_RDONLY));
    r("stat loop", stat("loop1", (struct stat *)buf));
    st("s");

    /* unlink, rmdir, rename */
    r("mkdir d/sub", mkdir("d/sub", 0700));
    r("rmdir d", rmdir("d"));
    r("rmdir f", rmdir("f"));
    r("unlink d", unlink("d"));
    r("rmdir d/sub/.", rmdir("d/sub/."));
    r("rename d f", rename("d", "f"));
    r("rename f d", rename("f", "d"));
    r("rename d d/sub/x", rename("d", "d/sub/x"));
    r("rename missing", rename("missing", "x"));
    r("rename f2 f3", rename("f2", "f3"));
    r("renameat2 noreplace", syscall(SYS_renameat2, AT_FDCWD, "f3", AT_FDCWD, "f", 1));
    r("renameat2 exchange", syscall(SYS_renameat2, AT_FDCWD, "f3", AT_FDCWD, "s", 2));
    st("f3");
    st("s");
    r("renameat2 exchange missing", syscall(SYS_renameat2, AT_FDCWD, "f3", AT_FDCWD, "nope", 2));
    r("renameat2 bad flags", syscall(SYS_renameat2, AT_FDCWD, "f3", AT_FDCWD, "s", 3));
    r("rename f f (same)", rename("f", "f"));
    r("mkdir e", mkdir("e", 0755));
    r("rename d e (empty)", rename("d", "e"));
    r("mkdir d2", mkdir("d2", 0755));
    r("rename d2 e (nonempty)", rename("d2", "e"));
    r("rmdir d2", rmdir("d2"));
    r("unlink f3", unlink("f3"));
    r("unlink missing", unlink("f3"));
    list(".");
    list("e");

    /* attributes */
    r("chmod f 0640", chmod("f", 0640));
    st("f");
    r("fchmod 0604", fchmod(fd, 0604));
    st("f");
    r("chown self", chown("f", getuid(), getgid()));
    r("access f R_OK", access("f", R_OK));
    r("access f X_OK", access("f", X_OK));
    r("access missing", access("missing", F_OK));
    r("access bad mode", access("f", 0100));
    struct timespec ts[2] = {{1000000000, 5}, {1234567890, 0}};
    r("utimensat", utimensat(AT_FDCWD, "f", ts, 0));
    struct stat s;
    stat("f", &s);
    printf("atime=%ld mtime=%ld\n", (long)s.st_atime, (long)s.st_mtime);
    struct timespec bad[2] = {{0, 2000000000}, {0, 0}};
    r("utimensat bad nsec", utimensat(AT_FDCWD, "f", bad, 0));
    r("umask", umask(077));
    int cfd = creat("masked", 0666);
    st("masked");
    close(cfd);
    umask(022);

    /* *at family */
    int dfd = open("e", O_RDONLY | O_DIRECTORY);
    r("openat e/in", openat(dfd, "in", O_CREAT | O_WRONLY, 0644) >= 0 ? 0 : -1);
    r("fstatat e/in", fstatat(dfd, "in", &s, 0));
    r("fstatat bad flag", fstatat(dfd, "in", &s, 0x4000000));
    r("fstatat EMPTY_PATH", fstatat(dfd, "", &s, AT_EMPTY_PATH));
    printf("isdir=%d\n", S_ISDIR(s.st_mode));
    r("fstatat empty no flag", fstatat(dfd, "", &s, 0));
    r("unlinkat REMOVEDIR file", unlinkat(dfd, "in", AT_REMOVEDIR));
    r("unlinkat file", unlinkat(dfd, "in", 0));
    r("unlinkat bad flag", unlinkat(dfd, "in", 0x1));
    r("openat file as dirfd", openat(fd, "x", O_RDONLY));
    r("openat bad fd", openat(999, "x", O_RDONLY));
    r("mkdirat", mkdirat(dfd, "sub", 0700));
    r("fchdir", fchdir(dfd));
    char cwd[512];
    getcwd(cwd, sizeof cwd);
    printf("cwd ends with: %s\n", strrchr(cwd, '/'));
    r("chdir ..", chdir(".."));
    r("chdir f", chdir("f"));
    r("getcwd small", getcwd(cwd, 2) ? 0 : -1);
    close(dfd);

    /* descriptors */
    r("dup2 to 50", dup2(fd, 50));
    r("dup3 same", dup3(50, 50, 0));
    r("dup3 bad flags", dup3(fd, 51, 0x1));
    r("F_DUPFD_CLOEXEC 60", fcntl(fd, F_DUPFD_CLOEXEC, 60));
    r("F_GETFD 60", fcntl(60, F_GETFD));
    r("F_GETFD 50", fcntl(50, F_GETFD));
    r("close 50", close(50));
    r("close 50 again", close(50));
    r("read bad fd", read(50, buf, 1));
    r("fcntl bad cmd", fcntl(fd, 9999));

    /* record locks */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    r("F_SETLK wr", fcntl(fd, F_SETLK, &fl));
    fl.l_type = F_WRLCK;
    r("F_GETLK", fcntl(fd, F_GETLK, &fl));
    printf("l_type=%d (F_UNLCK=%d)\n", fl.l_type, F_UNLCK);
    fl.l_type = 7;
    r("F_SETLK bad type", fcntl(fd, F_SETLK, &fl));
    int rd = open("f", O_RDONLY);
    fl.l_type = F_WRLCK;
    r("F_SETLK wr on rdonly", fcntl(rd, F_SETLK, &fl));
    fl.l_type = F_RDLCK;
    r("F_SETLK rd on rdonly", fcntl(rd, F_SETLK, &fl));
    fl.l_type = F_UNLCK;
    r("F_SETLK unlock", fcntl(rd, F_SETLK, &fl));
    fl.l_type = F_RDLCK; fl.l_whence = 9;
    r("F_SETLK bad whence", fcntl(rd, F_SETLK, &fl));
    close(rd);

    /* O_PATH */
    int pfd = open("f", O_PATH);
    r("O_PATH read", read(pfd, buf, 1));
    r("O_PATH fstat", fstat(pfd, &s));
    r("O_PATH fchmod", fchmod(pfd, 0600));
    close(pfd);

    /* Writes to /dev/null, /dev/zero and /dev/full never read their buffer: only its range is
     * checked (vfs_write's access_ok), so unmapped memory below the top of user space is fine. */
    {
        const char *devs[] = {"/dev/null", "/dev/zero", "/dev/full"};
        char *unmapped = (char *)1, *top = (char *)0x7ffffffff000UL;
        struct iovec bad[2] = {{unmapped, 10}, {(char *)2, 20}}, over[1] = {{top, 1}};
        for (int i = 0; i < 3; i++) {
            int d = open(devs[i], O_WRONLY);
            char what[64];
            snprintf(what, sizeof what, "%s unmapped write", devs[i]); r(what, syscall(SYS_write, d, unmapped, 64));
            snprintf(what, sizeof what, "%s unmapped pwrite", devs[i]); r(what, syscall(SYS_pwrite64, d, unmapped, 64, 5));
            snprintf(what, sizeof what, "%s write ending at the top", devs[i]); r(what, syscall(SYS_write, d, top - 64, 64));
            snprintf(what, sizeof what, "%s write past the top", devs[i]); r(what, syscall(SYS_write, d, top, 1));
            snprintf(what, sizeof what, "%s kernel write", devs[i]); r(what, syscall(SYS_write, d, 0xffff800000000000UL, 8));
            snprintf(what, sizeof what, "%s unmapped writev", devs[i]); r(what, syscall(SYS_writev, d, bad, 2));
            snprintf(what, sizeof what, "%s writev past the top", devs[i]); r(what, syscall(SYS_writev, d, over, 1));
            close(d);
        }
    }

    /* fallocate(FALLOC_FL_PUNCH_HOLE): written pages become holes again, partial ones zeros. */
    {
        int h = open("holes", O_CREAT | O_RDWR | O_TRUNC, 0644);
        char page[4096];
        memset(page, 'a', sizeof page);
        for (int i = 0; i < 4; i++) write(h, page, sizeof page);
        r("punch hole without KEEP_SIZE", fallocate(h, FALLOC_FL_PUNCH_HOLE, 4096, 8192));
        r("punch hole", fallocate(h, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 8192));
        r("punch inside a page", fallocate(h, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 50));
        struct stat hs;
        fstat(h, &hs);
        printf("size after punching %ld\n", (long) hs.st_size);
        r("SEEK_HOLE from 0", lseek(h, 0, SEEK_HOLE));
        r("SEEK_DATA from 4096", lseek(h, 4096, SEEK_DATA));
        char got[256];
        pread(h, got, sizeof got, 0);
        printf("bytes 98..102: %d %d %d %d, 149..151: %d %d\n", got[98], got[99], got[100], got[101], got[149], got[150]);
        pread(h, got, 8, 4092);
        printf("bytes 4092..4099: %.4s then %d %d %d %d\n", got, got[4], got[5], got[6], got[7]);
        pread(h, got, 4, 12288);
        printf("bytes 12288..12291: %.4s\n", got);
        close(h);
        unlink("holes");
    }

    /* cleanup */
    close(fd);
    unlink("f"); unlink("s"); unlink("dangle"); unlink("loop1"); unlink("loop2"); unlink("masked");
    rmdir("e/sub"); rmdir("e"); rmdir("d/sub"); rmdir("d");
    chdir("/");
    r("rmdir tmpdir", rmdir(tmpl));
    return 0;
}
