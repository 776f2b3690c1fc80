/* fs-escape: attempts to climb out of the root must land on the root (natively the root is the
 * real "/", so every attempt reaches "/" too): "..", symlinks to "/" and "../../..", /proc links,
 * and a symlink loop (ELOOP). Prints what each path resolves to, by identity with "/". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct stat root;

static void probe(const char *p) {
    struct stat s;
    if (stat(p, &s) < 0) { printf("%s: %s\n", p, strerrorname_np(errno)); return; }
    printf("%s: %s\n", p, s.st_ino == root.st_ino && s.st_dev == root.st_dev ? "root" : "not root");
}

int main(void) {
    char tmpl[] = "/tmp/fsescape-XXXXXX";
    if (!mkdtemp(tmpl) || chdir(tmpl) < 0) { perror("setup"); return 1; }
    stat("/", &root);
    probe("../../../../../../..");
    probe("/..");
    probe("/../../..");
    probe("/proc/self/root/..");
    probe("/proc/self/root/../..");
    probe("/proc/self/cwd/../../../..");
    symlink("/", "toroot");
    symlink("../../../../../../../../..", "updots");
    symlink("/etc/..", "etcup");
    symlink("loopb", "loopa");
    symlink("loopa", "loopb");
    symlink("self", "self");
    probe("toroot");
    probe("toroot/..");
    probe("updots");
    probe("updots/..");
    probe("etcup/..");
    probe("loopa");
    probe("self");
    probe("loopa/x");
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    int fd2 = openat(fd, "..", O_RDONLY | O_DIRECTORY);
    struct stat s;
    fstat(fd2, &s);
    printf("openat(/, ..): %s\n", s.st_ino == root.st_ino ? "root" : "not root");
    char buf[256];
    ssize_t n = readlink("/proc/self/root", buf, sizeof buf);
    printf("readlink /proc/self/root: %.*s\n", (int)n, buf);
    /* a chain of 41 links is too long, 40 is fine */
    char name[32], target[32];
    for (int i = 0; i < 41; i++) {
        snprintf(name, sizeof name, "c%d", i);
        snprintf(target, sizeof target, i == 40 ? "/" : "c%d", i + 1);
        symlink(target, name);
    }
    probe("c1");
    probe("c0");
    for (int i = 0; i < 41; i++) { snprintf(name, sizeof name, "c%d", i); unlink(name); }
    unlink("toroot"); unlink("updots"); unlink("etcup"); unlink("loopa"); unlink("loopb"); unlink("self");
    chdir("/");
    printf("rmdir: %d\n", rmdir(tmpl));
    return 0;
}
