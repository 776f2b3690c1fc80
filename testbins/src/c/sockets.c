/* sockets: AF_UNIX stream, datagram and seqpacket socketpairs; SCM_RIGHTS across fork;
 * AF_UNIX bind/listen/connect/accept on a path and on an abstract name between parent and
 * child; AF_INET TCP echo between parent and child on an ephemeral loopback port; AF_INET6
 * on ::1; UDP; socket options; shutdown; poll; and the errno of the usual mistakes.
 * Everything printed is independent of the run (ports, paths and pids are compared, not shown). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Output goes through log_: after a fork, the child and the parent each collect their lines
 * in memory, the child writes them when it ends and the parent after waiting for it, so the
 * output does not depend on how the two are scheduled. */
static FILE *log_;
static char *held;
static size_t held_size;
#define printf(...) fprintf(log_, __VA_ARGS__)

static void hold(void) {
    fflush(stdout);
    log_ = open_memstream(&held, &held_size);
}

static void release(void) {
    fclose(log_);
    fwrite(held, 1, held_size, stdout);
    fflush(stdout);
    free(held);
    log_ = stdout;
}

static void child_end(void) {
    release();
    _exit(0);
}

static void r(const char *what, long rc) {
    if (rc < 0) printf("%s = -1 %s\n", what, strerrorname_np(errno));
    else printf("%s = %ld\n", what, rc);
}

static volatile int sigpipes;
static void on_sigpipe(int s) { (void)s; sigpipes++; }

static int revents(int fd, short events) {
    struct pollfd p = {fd, events, 0};
    int n = poll(&p, 1, 0);
    return n < 0 ? -1 : p.revents;
}

static void show_poll(const char *what, int fd) {
    int ev = revents(fd, POLLIN | POLLOUT | POLLRDHUP);
    printf("%s poll:%s%s%s%s%s\n", what, ev & POLLIN ? " IN" : "", ev & POLLOUT ? " OUT" : "",
           ev & POLLRDHUP ? " RDHUP" : "", ev & POLLHUP ? " HUP" : "", ev & POLLERR ? " ERR" : "");
}

static void wait_child(void) {
    int st;
    pid_t w = wait(&st);
    release();
    if (w < 0) printf("wait failed\n");
    else printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static int sockopt_int(int fd, int level, int name) {
    int v = -1;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) < 0) return -1;
    return v;
}

/* ------------------------------------------------------------------ socketpairs */

static void stream_pair(void) {
    printf("-- stream socketpair\n");
    int sv[2];
    char buf[256];
    r("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    show_poll("fresh", sv[0]);
    r("write", write(sv[0], "hello", 5));
    r("send", send(sv[0], " world", 6, 0));
    int avail = -1;
    r("FIONREAD", ioctl(sv[1], FIONREAD, &avail));
    printf("avail=%d\n", avail);
    show_poll("readable", sv[1]);
    r("recv MSG_PEEK", recv(sv[1], buf, 5, MSG_PEEK));
    printf("'%.5s'\n", buf);
    r("read all", read(sv[1], buf, sizeof buf));
    printf("'%.11s'\n", buf);
    r("recv MSG_DONTWAIT", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    r("SO_TYPE", sockopt_int(sv[0], SOL_SOCKET, SO_TYPE));
    r("SO_DOMAIN", sockopt_int(sv[0], SOL_SOCKET, SO_DOMAIN));
    r("SO_ACCEPTCONN", sockopt_int(sv[0], SOL_SOCKET, SO_ACCEPTCONN));
    r("SO_ERROR", sockopt_int(sv[0], SOL_SOCKET, SO_ERROR));
    struct sockaddr_un sun;
    socklen_t len = sizeof sun;
    memset(&sun, 0x55, sizeof sun);
    r("getsockname", getsockname(sv[0], (struct sockaddr *)&sun, &len));
    printf("len=%u family=%d\n", len, sun.sun_family);
    len = sizeof sun;
    r("getpeername", getpeername(sv[0], (struct sockaddr *)&sun, &len));
    printf("len=%u\n", len);
    struct ucred cr;
    len = sizeof cr;
    r("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len));
    printf("peer is me: %d\n", cr.pid == getpid() && cr.uid == getuid() && cr.gid == getgid());
    struct stat st;
    r("fstat", fstat(sv[0], &st));
    printf("S_ISSOCK=%d\n", S_ISSOCK(st.st_mode));
    /* half close */
    r("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
    show_poll("after peer SHUT_WR", sv[1]);
    r("read at EOF", read(sv[1], buf, sizeof buf));
    r("send after SHUT_WR MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
    printf("sigpipes=%d\n", sigpipes);
    r("write after SHUT_WR", write(sv[0], "x", 1));
    printf("sigpipes=%d\n", sigpipes);
    r("other direction still works", write(sv[1], "back", 4));
    r("read back", read(sv[0], buf, sizeof buf));
    r("shutdown bad how", shutdown(sv[0], 7));
    r("shutdown SHUT_RD", shutdown(sv[0], SHUT_RD));
    r("read after SHUT_RD", read(sv[0], buf, sizeof buf));
    /* close with unread data: the peer sees ECONNRESET */
    r("write unread", write(sv[1], "unread", 6));
    int sv2[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv2);
    write(sv2[1], "unread", 6);
    close(sv2[1]);
    r("read after peer closed (data it sent is still there)", read(sv2[0], buf, sizeof buf));
    r("read after peer closed", read(sv2[0], buf, sizeof buf));
    close(sv2[0]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv2);
    write(sv2[0], "never read", 10);
    close(sv2[1]);
    show_poll("peer closed with unread data", sv2[0]);
    r("read after reset", read(sv2[0], buf, sizeof buf));
    r("write after peer closed", send(sv2[0], "x", 1, MSG_NOSIGNAL));
    close(sv2[0]);
    close(sv[0]);
    close(sv[1]);
    /* nonblocking fill */
    r("socketpair SOCK_NONBLOCK|SOCK_CLOEXEC", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    r("F_GETFL has O_NONBLOCK", (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0);
    r("F_GETFD", fcntl(sv[0], F_GETFD));
    static char big[65536];
    long total = 0, w;
    while ((w = write(sv[0], big, sizeof big)) > 0) total += w;
    printf("filled: %s, then %s\n", total > 65536 ? "more than 64 KiB" : "little", strerrorname_np(errno));
    show_poll("full sender", sv[0]);
    long got = 0;
    while ((w = read(sv[1], big, sizeof big)) > 0) got += w;
    printf("drained all: %d\n", got == total);
    show_poll("drained sender", sv[0]);
    close(sv[0]);
    close(sv[1]);
}

static void dgram_pair(int type, const char *name) {
    printf("-- %s socketpair\n", name);
    int sv[2];
    char buf[64];
    r("socketpair", socketpair(AF_UNIX, type, 0, sv));
    r("send one", send(sv[0], "one", 3, 0));
    r("send three", send(sv[0], "three", 5, 0));
    r("send empty", send(sv[0], "", 0, 0));
    r("recv keeps boundaries", recv(sv[1], buf, sizeof buf, 0));
    struct iovec iov = {buf, 2};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    r("recvmsg truncated", recvmsg(sv[1], &mh, 0));
    printf("MSG_TRUNC=%d '%.2s'\n", (mh.msg_flags & MSG_TRUNC) != 0, buf);
    r("recv empty datagram", recv(sv[1], buf, sizeof buf, 0));
    send(sv[0], "peeked", 6, 0);
    r("recv MSG_PEEK|MSG_TRUNC", recv(sv[1], buf, 1, MSG_PEEK | MSG_TRUNC));
    r("recv after peek", recv(sv[1], buf, sizeof buf, 0));
    r("recv nothing MSG_DONTWAIT", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    r("SO_TYPE", sockopt_int(sv[0], SOL_SOCKET, SO_TYPE));
    r("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
    r("recv after peer SHUT_WR", recv(sv[1], buf, sizeof buf, type == SOCK_DGRAM ? MSG_DONTWAIT : 0));
    r("send after SHUT_WR", send(sv[0], "x", 1, MSG_NOSIGNAL));
    close(sv[0]);
    if (type == SOCK_SEQPACKET) r("recv after close", recv(sv[1], buf, sizeof buf, 0));
    close(sv[1]);
}

/* ------------------------------------------------------------------ SCM_RIGHTS */

static int send_fds(int sock, const int *fds, int n, const char *data) {
    char ctl[CMSG_SPACE(sizeof(int) * 4)];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                        .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return sendmsg(sock, &mh, 0);
}

/* Receives up to max fds; returns their count (or -1), data in buf. */
static int recv_fds(int sock, int *fds, int max, char *buf, size_t size, size_t ctlsize, int flags) {
    char ctl[256];
    struct iovec iov = {buf, size};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = ctlsize};
    long n = recvmsg(sock, &mh, flags);
    if (n < 0) {
        printf("recvmsg = -1 %s\n", strerrorname_np(errno));
        return -1;
    }
    buf[n] = 0;
    int count = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (int i = 0; i < k && count < max; i++) memcpy(&fds[count++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        }
    }
    printf("recvmsg = %ld '%s' fds=%d ctrunc=%d\n", n, buf, count, (mh.msg_flags & MSG_CTRUNC) != 0);
    return count;
}

static void scm_rights(void) {
    printf("-- SCM_RIGHTS across fork\n");
    int sv[2];
    r("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    hold();
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        char buf[64];
        int fds[4];
        int n = recv_fds(sv[1], fds, 4, buf, sizeof buf, 256, MSG_CMSG_CLOEXEC);
        if (n == 2) {
            printf("child: cloexec=%d\n", (fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0);
            char data[64] = {0};
            r("child: read passed pipe", read(fds[0], data, sizeof data - 1));
            printf("child: '%s'\n", data);
            r("child: write passed pipe end", write(fds[1], "from child", 10));
            close(fds[0]);
            close(fds[1]);
        }
        /* A control buffer too small for the fds: MSG_CTRUNC, and the fds are not installed. */
        int before = dup(0);
        close(before);
        n = recv_fds(sv[1], fds, 4, buf, sizeof buf, CMSG_LEN(0), 0);
        int after = dup(0);
        printf("child: no fd leaked: %d\n", after == before);
        close(after);
        child_end();
    }
    close(sv[1]);
    int p1[2], p2[2];
    pipe(p1);
    pipe(p2);
    int pass[2] = {p1[0], p2[1]};
    r("write before passing", write(p1[1], "through the pipe", 16));
    r("sendmsg SCM_RIGHTS", send_fds(sv[0], pass, 2, "fds"));
    close(p1[0]);
    close(p2[1]);
    close(p1[1]);
    int one = p2[0];
    r("sendmsg more fds", send_fds(sv[0], &one, 1, "more"));
    char buf[64] = {0};
    wait_child();
    r("parent: read what child wrote", read(p2[0], buf, sizeof buf - 1));
    printf("parent: '%s'\n", buf);
    int bad = 999;
    r("sendmsg bad fd", send_fds(sv[0], &bad, 1, "x"));
    close(p2[0]);
    close(sv[0]);
}

/* ------------------------------------------------------------------ AF_UNIX names */

static char dir[64];

static socklen_t unix_addr(struct sockaddr_un *a, const char *name, int abstract) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (abstract) {
        a->sun_path[0] = 0;
        size_t n = strlen(name);
        memcpy(a->sun_path + 1, name, n);
        return offsetof(struct sockaddr_un, sun_path) + 1 + n;
    }
    snprintf(a->sun_path, sizeof a->sun_path, "%s/%s", dir, name);
    return offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1;
}

/* Prints a unix address with the test directory replaced by DIR. */
static void show_unix(const char *what, const struct sockaddr_un *a, socklen_t len) {
    printf("%s: len=%u", what, len);
    if (len <= offsetof(struct sockaddr_un, sun_path)) {
        printf(" unnamed\n");
    } else if (a->sun_path[0] == 0) {
        printf(" abstract\n");
    } else {
        size_t d = strlen(dir);
        printf(" path=%s%s\n", strncmp(a->sun_path, dir, d) == 0 ? "DIR" : "", a->sun_path + (strncmp(a->sun_path, dir, d) == 0 ? d : 0));
    }
}

static void unix_server(int abstract) {
    char name[64];
    snprintf(name, sizeof name, abstract ? "jvisor-sockets-test-%08d" : "srv", getpid());
    printf("-- AF_UNIX stream server on %s\n", abstract ? "an abstract name" : "a path");
    struct sockaddr_un a, b;
    socklen_t len = unix_addr(&a, name, abstract);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    r("listen unbound", listen(s, 5));
    r("bind", bind(s, (struct sockaddr *)&a, len));
    r("bind again", bind(s, (struct sockaddr *)&a, len));
    if (!abstract) {
        struct stat st;
        r("stat socket file", stat(a.sun_path, &st));
        printf("S_ISSOCK=%d\n", S_ISSOCK(st.st_mode));
        r("open socket file", open(a.sun_path, O_RDONLY));
    }
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    r("bind taken name", bind(s2, (struct sockaddr *)&a, len));
    close(s2);
    r("listen", listen(s, 5));
    r("SO_ACCEPTCONN", sockopt_int(s, SOL_SOCKET, SO_ACCEPTCONN));
    socklen_t bl = sizeof b;
    r("getsockname", getsockname(s, (struct sockaddr *)&b, &bl));
    show_unix("bound", &b, bl);
    show_poll("listening, nobody waiting", s);
    hold();
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        r("child: connect", connect(c, (struct sockaddr *)&a, len));
        socklen_t pl = sizeof b;
        r("child: getpeername", getpeername(c, (struct sockaddr *)&b, &pl));
        show_unix("child: peer", &b, pl);
        r("child: send", send(c, "ping", 4, 0));
        char buf[16] = {0};
        r("child: recv", recv(c, buf, sizeof buf - 1, 0));
        printf("child: '%s'\n", buf);
        r("child: recv EOF", recv(c, buf, sizeof buf - 1, 0));
        child_end();
    }
    bl = sizeof b;
    int c = accept(s, (struct sockaddr *)&b, &bl);
    r("accept", c >= 0 ? 0 : -1);
    show_unix("accepted peer", &b, bl);
    char buf[16] = {0};
    r("recv", recv(c, buf, sizeof buf - 1, 0));
    printf("'%s'\n", buf);
    r("send", send(c, "pong", 4, 0));
    close(c);
    wait_child();
    /* Nonblocking accept with nobody waiting. */
    fcntl(s, F_SETFL, O_NONBLOCK);
    r("accept nonblocking", accept(s, NULL, NULL));
    /* Connect with nobody accepting yet: it completes, accept picks it up later. */
    int early = socket(AF_UNIX, SOCK_STREAM, 0);
    r("connect before accept", connect(early, (struct sockaddr *)&a, len));
    show_poll("listening, one waiting", s);
    r("send before accept", send(early, "early", 5, 0));
    c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    r("accept4 SOCK_CLOEXEC", c >= 0 ? fcntl(c, F_GETFD) : -1);
    memset(buf, 0, sizeof buf);
    r("recv on accepted", recv(c, buf, sizeof buf - 1, 0));
    printf("'%s'\n", buf);
    close(c);
    close(early);
    close(s);
    int late = socket(AF_UNIX, SOCK_STREAM, 0);
    r("connect after close", connect(late, (struct sockaddr *)&a, len));
    close(late);
    if (!abstract) r("unlink", unlink(a.sun_path));
}

static void unix_dgram_names(void) {
    printf("-- AF_UNIX datagrams between bound sockets\n");
    struct sockaddr_un a, b, from;
    socklen_t alen = unix_addr(&a, "dgram-a", 0), blen = unix_addr(&b, "dgram-b", 0), flen;
    int sa = socket(AF_UNIX, SOCK_DGRAM, 0), sb = socket(AF_UNIX, SOCK_DGRAM, 0);
    r("bind a", bind(sa, (struct sockaddr *)&a, alen));
    r("bind b", bind(sb, (struct sockaddr *)&b, blen));
    r("sendto b", sendto(sa, "to b", 4, 0, (struct sockaddr *)&b, blen));
    char buf[32] = {0};
    flen = sizeof from;
    r("recvfrom", recvfrom(sb, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &flen));
    show_unix("from", &from, flen);
    r("send unconnected", send(sa, "x", 1, 0));
    r("connect a to b", connect(sa, (struct sockaddr *)&b, blen));
    r("send connected", send(sa, "conn", 4, 0));
    int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
    r("sendto from unbound", sendto(anon, "anon", 4, 0, (struct sockaddr *)&b, blen));
    flen = sizeof from;
    r("recvfrom", recvfrom(sb, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &flen));
    show_unix("from", &from, flen);
    flen = sizeof from;
    r("recvfrom", recvfrom(sb, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &flen));
    show_unix("from", &from, flen);
    struct sockaddr_un missing;
    socklen_t mlen = unix_addr(&missing, "missing", 0);
    r("sendto missing path", sendto(anon, "x", 1, 0, (struct sockaddr *)&missing, mlen));
    r("connect stream to dgram", ({ int s = socket(AF_UNIX, SOCK_STREAM, 0);
                                    int rc = connect(s, (struct sockaddr *)&b, blen); close(s); rc; }));
    close(sb);
    r("send to closed peer", send(sa, "x", 1, 0));
    close(sa);
    close(anon);
    unlink(a.sun_path);
    unlink(b.sun_path);
    /* A plain file is not a socket. */
    struct sockaddr_un f;
    socklen_t flen2 = unix_addr(&f, "plain", 0);
    close(open(f.sun_path, O_CREAT | O_WRONLY, 0600));
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    r("connect to a plain file", connect(s, (struct sockaddr *)&f, flen2));
    r("connect to a missing path", connect(s, (struct sockaddr *)&missing, mlen));
    r("bind over a plain file", bind(s, (struct sockaddr *)&f, flen2));
    close(s);
    unlink(f.sun_path);
    /* autobind: an address of just the family binds an abstract name */
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    r("autobind", bind(s, (struct sockaddr *)&fam, sizeof(sa_family_t)));
    flen = sizeof from;
    getsockname(s, (struct sockaddr *)&from, &flen);
    printf("autobound: len=%u abstract=%d\n", flen, from.sun_path[0] == 0);
    close(s);
}

/* ------------------------------------------------------------------ AF_INET */

static void show_in(const char *what, const struct sockaddr_in *a, socklen_t len, int port) {
    char ip[32];
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    printf("%s: len=%u family=%s addr=%s port=%s\n", what, len, a->sin_family == AF_INET ? "AF_INET" : "?", ip,
           port < 0 ? (ntohs(a->sin_port) ? "nonzero" : "0") : (ntohs(a->sin_port) == port ? "expected" : "other"));
}

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int free_port(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    return ntohs(a.sin_port);
}

static void tcp(void) {
    printf("-- TCP over 127.0.0.1 between parent and child\n");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(0), b;
    socklen_t len = sizeof b;
    r("getsockname unbound", getsockname(s, (struct sockaddr *)&b, &len));
    show_in("unbound", &b, len, 0);
    int one = 1;
    r("SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    r("SO_REUSEADDR get", sockopt_int(s, SOL_SOCKET, SO_REUSEADDR));
    int rcv = 65536;
    r("SO_RCVBUF", setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv));
    r("SO_RCVBUF get (doubled)", sockopt_int(s, SOL_SOCKET, SO_RCVBUF));
    r("bind short addrlen", bind(s, (struct sockaddr *)&a, 4));
    r("bind", bind(s, (struct sockaddr *)&a, sizeof a));
    len = sizeof b;
    r("getsockname", getsockname(s, (struct sockaddr *)&b, &len));
    show_in("bound", &b, len, -1);
    int port = ntohs(b.sin_port);
    r("listen", listen(s, 8));
    r("SO_ACCEPTCONN", sockopt_int(s, SOL_SOCKET, SO_ACCEPTCONN));
    r("SO_REUSEADDR after listen", sockopt_int(s, SOL_SOCKET, SO_REUSEADDR));
    r("SO_RCVBUF after listen", sockopt_int(s, SOL_SOCKET, SO_RCVBUF));
    r("SO_TYPE", sockopt_int(s, SOL_SOCKET, SO_TYPE));
    r("SO_PROTOCOL", sockopt_int(s, SOL_SOCKET, SO_PROTOCOL));
    int s2 = socket(AF_INET, SOCK_STREAM, 0);
    a = loopback(port);
    r("bind used port", bind(s2, (struct sockaddr *)&a, sizeof a));
    close(s2);
    int pc[2];
    pipe(pc);
    hold();
    pid_t pid = fork();
    if (pid == 0) {
        close(pc[0]);
        int c = socket(AF_INET, SOCK_STREAM, 0);
        r("child: TCP_NODELAY", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
        r("child: TCP_NODELAY get", sockopt_int(c, IPPROTO_TCP, TCP_NODELAY));
        r("child: recv unconnected", recv(c, &one, 1, 0));
        r("child: getpeername unconnected", getpeername(c, (struct sockaddr *)&b, &len));
        r("child: connect", connect(c, (struct sockaddr *)&a, sizeof a));
        r("child: connect again", connect(c, (struct sockaddr *)&a, sizeof a));
        struct sockaddr_in me;
        socklen_t ml = sizeof me;
        getsockname(c, (struct sockaddr *)&me, &ml);
        write(pc[1], &me.sin_port, sizeof me.sin_port);
        len = sizeof b;
        r("child: getpeername", getpeername(c, (struct sockaddr *)&b, &len));
        show_in("child: peer", &b, len, port);
        static char msg[100000];
        for (size_t i = 0; i < sizeof msg; i++) msg[i] = (char)(i * 7);
        long sent = 0;
        while (sent < (long)sizeof msg) {
            long w = send(c, msg + sent, sizeof msg - sent, 0);
            if (w <= 0) break;
            sent += w;
        }
        r("child: sent", sent);
        r("child: shutdown SHUT_WR", shutdown(c, SHUT_WR));
        static char back[100000];
        long got = 0, n;
        while ((n = recv(c, back + got, sizeof back - got, 0)) > 0) got += n;
        r("child: echoed bytes", got);
        printf("child: echo intact: %d\n", got == (long)sizeof msg && memcmp(msg, back, sizeof msg) == 0);
        r("child: recv at EOF", recv(c, back, 1, 0));
        child_end();
    }
    close(pc[1]);
    len = sizeof b;
    int c = accept(s, (struct sockaddr *)&b, &len);
    r("accept", c >= 0 ? 0 : -1);
    unsigned short child_port = 0;
    read(pc[0], &child_port, sizeof child_port);
    close(pc[0]);
    show_in("accepted from", &b, len, ntohs(child_port));
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    r("getsockname accepted", getsockname(c, (struct sockaddr *)&me, &ml));
    show_in("accepted local", &me, ml, port);
    static char buf[100000];
    long total = 0, n;
    while ((n = recv(c, buf, sizeof buf, 0)) > 0) {
        long off = 0;
        while (off < n) {
            long w = send(c, buf + off, n - off, 0);
            if (w <= 0) break;
            off += w;
        }
        total += n;
    }
    r("echoed", total);
    r("recv at EOF", n);
    r("shutdown SHUT_WR", shutdown(c, SHUT_WR));
    r("send after SHUT_WR", send(c, "x", 1, MSG_NOSIGNAL));
    wait_child();
    close(c);

    /* Nonblocking connect: EINPROGRESS (or done at once), then POLLOUT and SO_ERROR 0. */
    int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int rc = connect(nb, (struct sockaddr *)&a, sizeof a);
    printf("nonblocking connect: %s\n", rc == 0 || errno == EINPROGRESS ? "ok or in progress" : strerrorname_np(errno));
    struct pollfd pf = {nb, POLLOUT, 0};
    r("poll for connect", poll(&pf, 1, 5000));
    r("SO_ERROR", sockopt_int(nb, SOL_SOCKET, SO_ERROR));
    int ac = accept(s, NULL, NULL);
    r("accept nonblocking connection", ac >= 0 ? 0 : -1);
    /* epoll on the accepted connection */
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7}, out[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, ac, &ev);
    r("epoll_wait idle", epoll_wait(ep, out, 2, 0));
    send(nb, "e", 1, 0);
    r("epoll_wait readable", epoll_wait(ep, out, 2, 2000));
    printf("data=%u events=%#x\n", out[0].data.u32, out[0].events);
    close(ep);
    char cbuf[4];
    r("recv", recv(ac, cbuf, sizeof cbuf, 0));
    r("recv nonblocking empty", recv(nb, cbuf, sizeof cbuf, 0));
    close(nb);
    r("recv after peer closed", recv(ac, cbuf, sizeof cbuf, 0));
    close(ac);
    close(s);

    /* Connection refused: blocking and nonblocking. */
    int dead = free_port();
    struct sockaddr_in d = loopback(dead);
    int rs = socket(AF_INET, SOCK_STREAM, 0);
    r("connect refused", connect(rs, (struct sockaddr *)&d, sizeof d));
    close(rs);
    rs = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    rc = connect(rs, (struct sockaddr *)&d, sizeof d);
    if (rc < 0 && errno == EINPROGRESS) {
        pf.fd = rs;
        pf.events = POLLOUT;
        poll(&pf, 1, 5000);
        int err = sockopt_int(rs, SOL_SOCKET, SO_ERROR);
        printf("nonblocking connect refused: %s\n", err > 0 ? strerrorname_np(err) : "no error");
        r("SO_ERROR cleared", sockopt_int(rs, SOL_SOCKET, SO_ERROR));
    } else {
        printf("nonblocking connect refused: %s\n", rc < 0 ? strerrorname_np(errno) : "connected?");
        r("SO_ERROR cleared", sockopt_int(rs, SOL_SOCKET, SO_ERROR));
    }
    close(rs);
}

static void tcp6(void) {
    printf("-- TCP over ::1\n");
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT}, b;
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
        /* no IPv6 loopback on this host: nothing more to compare */
        printf("no ::1\n");
        close(s);
        return;
    }
    socklen_t len = sizeof b;
    getsockname(s, (struct sockaddr *)&b, &len);
    char ip[64];
    printf("bound: len=%u family=%d addr=%s\n", len, b.sin6_family == AF_INET6,
           inet_ntop(AF_INET6, &b.sin6_addr, ip, sizeof ip));
    r("listen", listen(s, 1));
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    r("connect", connect(c, (struct sockaddr *)&b, len));
    int ac = accept(s, (struct sockaddr *)&a, &len);
    printf("accepted from: len=%u addr=%s\n", len, inet_ntop(AF_INET6, &a.sin6_addr, ip, sizeof ip));
    r("send", send(c, "six", 3, 0));
    char buf[8] = {0};
    r("recv", recv(ac, buf, sizeof buf - 1, 0));
    printf("'%s'\n", buf);
    close(ac);
    close(c);
    close(s);
}

static void udp(void) {
    printf("-- UDP over 127.0.0.1\n");
    int s = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = loopback(0), b, from;
    socklen_t len = sizeof b, flen;
    r("bind", bind(s, (struct sockaddr *)&a, sizeof a));
    getsockname(s, (struct sockaddr *)&b, &len);
    int port = ntohs(b.sin_port);
    r("SO_TYPE", sockopt_int(s, SOL_SOCKET, SO_TYPE));
    r("listen on UDP", listen(s, 1));
    r("accept on UDP", accept(s, NULL, NULL));
    r("send unconnected", send(c, "x", 1, 0));
    char buf[64] = {0};
    r("recv nothing", recv(c, buf, sizeof buf, 0));
    show_poll("idle udp", s);
    r("sendto", sendto(c, "datagram one", 12, 0, (struct sockaddr *)&b, len));
    r("sendto", sendto(c, "two", 3, 0, (struct sockaddr *)&b, len));
    struct pollfd pf = {s, POLLIN, 0};
    r("poll", poll(&pf, 1, 5000));
    r("recv MSG_PEEK", recv(s, buf, sizeof buf, MSG_PEEK));
    flen = sizeof from;
    r("recvfrom truncated with MSG_TRUNC", recvfrom(s, buf, 4, MSG_TRUNC, (struct sockaddr *)&from, &flen));
    printf("'%.4s'\n", buf);
    struct sockaddr_in cme;
    socklen_t cl = sizeof cme;
    getsockname(c, (struct sockaddr *)&cme, &cl);
    show_in("from", &from, flen, ntohs(cme.sin_port));
    r("recv", recv(s, buf, sizeof buf, 0));
    r("connect", connect(c, (struct sockaddr *)&b, len));
    len = sizeof from;
    r("getpeername", getpeername(c, (struct sockaddr *)&from, &len));
    show_in("peer", &from, len, port);
    r("send connected", send(c, "three", 5, 0));
    flen = sizeof from;
    r("recvfrom", recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen));
    r("sendto back", sendto(s, "reply", 5, 0, (struct sockaddr *)&from, flen));
    pf.fd = c;
    r("poll", poll(&pf, 1, 5000));
    r("recv reply", recv(c, buf, sizeof buf, 0));
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    r("connect AF_UNSPEC", connect(c, &unspec, sizeof unspec));
    len = sizeof from;
    r("getpeername after disconnect", getpeername(c, (struct sockaddr *)&from, &len));
    r("send after disconnect", send(c, "x", 1, 0));
    int s2 = socket(AF_INET, SOCK_DGRAM, 0);
    a = loopback(port);
    r("bind used port", bind(s2, (struct sockaddr *)&a, sizeof a));
    close(s2);
    close(s);
    close(c);
}

static void errors(void) {
    printf("-- errors\n");
    r("socket bad family", socket(12345, SOCK_STREAM, 0));
    r("socket bad type", socket(AF_INET, 77, 0));
    r("socket TCP as dgram", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
    r("socket UDP as stream", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    r("socket bad flags", socket(AF_INET, SOCK_STREAM | 0x100000, 0));
    r("socketpair AF_INET", ({ int sv[2]; socketpair(AF_INET, SOCK_STREAM, 0, sv); }));
    int fd = open("/dev/null", O_RDONLY);
    struct sockaddr_in a = loopback(1);
    r("bind on a file", bind(fd, (struct sockaddr *)&a, sizeof a));
    r("listen on a file", listen(fd, 1));
    r("getsockopt on a file", sockopt_int(fd, SOL_SOCKET, SO_TYPE));
    close(fd);
    r("bind bad fd", bind(999, (struct sockaddr *)&a, sizeof a));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    r("bind wrong family", ({ struct sockaddr_un u = {.sun_family = AF_UNIX}; bind(s, (struct sockaddr *)&u, sizeof u); }));
    r("accept unlistening", accept(s, NULL, NULL));
    r("send unconnected TCP", send(s, "x", 1, MSG_NOSIGNAL));
    r("getsockopt bad level", sockopt_int(s, 9999, 1));
    r("getsockopt bad name", sockopt_int(s, SOL_SOCKET, 9999));
    r("setsockopt short", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &a, 2));
    close(s);
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un u = {.sun_family = AF_UNIX};
    r("connect empty path", connect(s, (struct sockaddr *)&u, sizeof u));
    r("shutdown unconnected", shutdown(s, SHUT_RDWR));
    close(s);
}

/* ------------------------------------------------------------------ signals */

static void on_alarm(int s) { (void)s; }

/* A blocked recv and accept end with EINTR under a handler without SA_RESTART, are restarted
 * with SA_RESTART, and a task blocked in accept dies from SIGKILL. */
static void signals(void) {
    printf("-- signals and blocked socket calls\n");
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    char buf[8];
    ualarm(50000, 0);
    r("recv interrupted", recv(sv[0], buf, sizeof buf, 0));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(0);
    bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, 1);
    ualarm(50000, 0);
    r("accept interrupted", accept(s, NULL, NULL));
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    hold();
    pid_t pid = fork();
    if (pid == 0) {
        usleep(150000);
        write(sv[1], "late", 4);
        child_end();
    }
    ualarm(50000, 0);
    r("recv restarted", recv(sv[0], buf, sizeof buf, 0));
    wait_child();
    hold();
    pid = fork();
    if (pid == 0) {
        accept(s, NULL, NULL);
        _exit(3);
    }
    usleep(100000);
    kill(pid, SIGKILL);
    wait_child();
    close(s);
    close(sv[0]);
    close(sv[1]);
}

int main(int argc, char **argv) {
    /* "nofork": only the parts that run in one process, for comparing --strace with strace. */
    int nofork = argc > 1 && strcmp(argv[1], "nofork") == 0;
    signal(SIGPIPE, on_sigpipe);
    log_ = stdout;
    strcpy(dir, "/tmp/jvisor-sockets-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    stream_pair();
    dgram_pair(SOCK_DGRAM, "datagram");
    dgram_pair(SOCK_SEQPACKET, "seqpacket");
    if (!nofork) {
        scm_rights();
        unix_server(0);
        unix_server(1);
    }
    unix_dgram_names();
    if (!nofork) tcp();
    tcp6();
    udp();
    errors();
    if (!nofork) signals();
    rmdir(dir);
    return 0;
}
