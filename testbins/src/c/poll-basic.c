/* poll-basic: poll, ppoll, select, pselect, epoll (level, edge, oneshot), eventfd and timerfd. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <unistd.h>

static void r(const char *what, long rc) {
    if (rc < 0) printf("%s = -1 %s\n", what, strerrorname_np(errno));
    else printf("%s = %ld\n", what, rc);
}

int main(void) {
    int p[2];
    pipe(p);
    struct pollfd pf[3] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {-1, POLLIN, 0}};
    r("poll", poll(pf, 3, 0));
    printf("revents %x %x %x\n", pf[0].revents, pf[1].revents, pf[2].revents);
    write(p[1], "x", 1);
    r("poll after write", poll(pf, 2, 100));
    printf("revents %x %x\n", pf[0].revents, pf[1].revents);
    struct pollfd bad = {77, POLLIN, 0};
    r("poll bad fd", poll(&bad, 1, 0));
    printf("revents %x\n", bad.revents);
    struct timespec ts = {0, 1000000};
    r("ppoll", ppoll(pf, 1, &ts, NULL));
    ts.tv_nsec = -1;
    r("ppoll bad ts", ppoll(pf, 1, &ts, NULL));
    r("poll timeout", poll(&pf[2], 1, 20));

    fd_set rs, ws;
    FD_ZERO(&rs); FD_ZERO(&ws);
    FD_SET(p[0], &rs); FD_SET(p[1], &ws);
    struct timeval tv = {0, 0};
    r("select", select(p[1] + 1, &rs, &ws, NULL, &tv));
    printf("isset %d %d\n", FD_ISSET(p[0], &rs), FD_ISSET(p[1], &ws));
    FD_ZERO(&rs); FD_SET(20, &rs);
    r("select bad fd", select(21, &rs, NULL, NULL, &tv));
    r("select negative", select(-1, NULL, NULL, NULL, &tv));
    struct timespec pts = {0, 1000};
    FD_ZERO(&rs); FD_SET(p[0], &rs);
    r("pselect", pselect(p[0] + 1, &rs, NULL, NULL, &pts, NULL));

    /* epoll */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    r("epoll_create1 bad", epoll_create1(1));
    r("epoll_create 0", epoll_create(0));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 42};
    r("ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    r("ctl add again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    r("ctl mod missing", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
    r("ctl del missing", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], &ev));
    r("ctl self", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    r("ctl not epoll", epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev));
    char tmpl[] = "/tmp/pollbasic-XXXXXX";
    int ffd = mkstemp(tmpl);
    r("ctl regular file", epoll_ctl(ep, EPOLL_CTL_ADD, ffd, &ev));
    unlink(tmpl);
    close(ffd);
    struct epoll_event out[4];
    r("wait level", epoll_wait(ep, out, 4, 0));
    printf("data %llu events %x\n", (unsigned long long)out[0].data.u64, out[0].events);
    r("wait level again", epoll_wait(ep, out, 4, 0));
    r("wait bad max", epoll_wait(ep, out, 0, 0));
    ev.events = EPOLLIN | EPOLLET;
    r("ctl mod ET", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    r("wait ET", epoll_wait(ep, out, 4, 0));
    r("wait ET again", epoll_wait(ep, out, 4, 0));
    /* Still readable: more data arriving is a new edge; reading some is not. */
    write(p[1], "m", 1);
    r("wait ET, more data", epoll_wait(ep, out, 4, 0));
    char two[2];
    read(p[0], two, 1);
    r("wait ET, after reading some", epoll_wait(ep, out, 4, 0));
    write(p[1], "n", 1);
    r("wait ET, more data again", epoll_wait(ep, out, 4, 0));
    ev.events = EPOLLIN | EPOLLONESHOT;
    r("ctl mod ONESHOT", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    r("wait oneshot", epoll_wait(ep, out, 4, 0));
    r("wait oneshot again", epoll_wait(ep, out, 4, 0));
    char c[4];
    read(p[0], c, sizeof c);
    r("ctl del", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    r("wait timeout", epoll_wait(ep, out, 4, 10));

    /* eventfd */
    int efd = eventfd(3, EFD_NONBLOCK);
    uint64_t v;
    r("eventfd read", read(efd, &v, 8));
    printf("v=%llu\n", (unsigned long long)v);
    r("eventfd read empty", read(efd, &v, 8));
    r("eventfd short read", read(efd, &v, 4));
    v = 5;
    r("eventfd write", write(efd, &v, 8));
    v = UINT64_MAX;
    r("eventfd write max", write(efd, &v, 8));
    ev.events = EPOLLIN; ev.data.u64 = 7;
    r("ctl add eventfd", epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
    r("wait eventfd", epoll_wait(ep, out, 4, 0));
    printf("data %llu\n", (unsigned long long)out[0].data.u64);
    int sfd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    read(sfd, &v, 8);
    printf("sem v=%llu\n", (unsigned long long)v);
    r("eventfd bad flags", eventfd(0, 0x4000000));

    /* timerfd */
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    r("timerfd_create bad clock", timerfd_create(99, 0));
    r("timerfd read unarmed", read(tfd, &v, 8));
    struct itimerspec its = {{0, 0}, {0, 500000000}}; /* long enough to be seen armed on a loaded machine */
    r("timerfd_settime", timerfd_settime(tfd, 0, &its, NULL));
    struct itimerspec cur;
    timerfd_gettime(tfd, &cur);
    printf("armed %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);
    struct pollfd tp = {tfd, POLLIN, 0};
    r("poll timerfd", poll(&tp, 1, 5000));
    r("timerfd read", read(tfd, &v, 8));
    printf("expirations %llu\n", (unsigned long long)v);
    its.it_value.tv_nsec = 2000000000;
    r("timerfd_settime bad", timerfd_settime(tfd, 0, &its, NULL));
    r("timerfd_settime on pipe", timerfd_settime(p[0], 0, &its, NULL));
    return 0;
}
