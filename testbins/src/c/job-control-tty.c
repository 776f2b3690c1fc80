/* Job control on a terminal: a pseudoterminal (posix_openpt) becomes the controlling terminal of a
 * new session, and processes of background groups that read it get SIGTTIN, that change its
 * settings or its foreground group (or write to it under TOSTOP) get SIGTTOU, unless they block or
 * ignore the signal; tcgetpgrp, tcsetpgrp, tcgetsid, TIOCSCTTY, TIOCNOTTY and /dev/tty, their
 * errors, and the SIGHUP the foreground group gets when the session leader exits. Where fd 0 is no
 * terminal (a pipe, under the tests) the terminal requests fail with ENOTTY. Prints what the
 * kernel answered, so the output can be compared with the host's.
 *
 * Every step is ordered by pipes and waits, never by timing. The first process makes itself a child
 * subreaper so that the processes orphaned on purpose come back to it. */
#define _GNU_SOURCE
#include "job-control.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

static const char *err(int r) {
    return r < 0 ? strerrorname_np(errno) : "ok";
}

static int pty_slave;       /* the slave, the session's controlling terminal */
static int pty_master;
static int report[2];       /* children's lines to the session leader */
static pid_t leader_group;

/* Reads exactly n bytes from the master and prints them with escapes. */
static void show_master_output(const char *what, size_t n) {
    char buf[64];
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(pty_master, buf + got, n - got);
        if (r <= 0) fail("read the master");
        got += (size_t) r;
    }
    printf("%s: \"", what);
    for (size_t i = 0; i < got; i++) {
        if (buf[i] == '\r') printf("\\r");
        else if (buf[i] == '\n') printf("\\n");
        else putchar(buf[i]);
    }
    printf("\"\n");
}

static void set_lflag(tcflag_t on, tcflag_t off) {
    struct termios t;
    if (tcgetattr(pty_slave, &t) != 0) fail("tcgetattr");
    t.c_lflag = (t.c_lflag | on) & ~off;
    if (tcsetattr(pty_slave, TCSANOW, &t) != 0) fail("tcsetattr");
}

/* As shells do, with SIGTTOU blocked: the leader's own group is orphaned (its parent is in another
 * session), so from the background it would get EIO (ENOTTY) instead of a stop. */
static void give_terminal(pid_t pgrp, const char *to) {
    sigset_t ttou, old;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    sigprocmask(SIG_BLOCK, &ttou, &old);
    int r = tcsetpgrp(pty_slave, pgrp);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("the leader gives the terminal to %s: %s\n", to, err(r));
}

/* A child stopped by the terminal goes on in the foreground: it sends lines, then exits. */
static void resume_in_foreground(pid_t c, int lines) {
    give_terminal(c, "the stopped child");
    kill(c, SIGCONT);
    for (int i = 0; i < lines; i++) relay_line(report[0]);
    wait_show("waitpid", c, 0);
}

static void on_signal(int sig) { (void) sig; }

/* ---------------------------------------------------------------------------------------------- */

static void no_terminal_on_stdin(void) {
    printf("== fd 0 is no terminal ==\n");
    errno = 0;
    int tty = isatty(0);
    printf("isatty(0): %d (%s)\n", tty, strerrorname_np(errno));
    printf("tcgetpgrp(0): %s\n", err(tcgetpgrp(0)));
    printf("tcsetpgrp(0): %s\n", err(tcsetpgrp(0, getpgrp())));
    printf("tcgetsid(0): %s\n", err(tcgetsid(0)));
    printf("TIOCSCTTY on fd 0: %s\n", err(ioctl(0, TIOCSCTTY, 0)));
    printf("TIOCNOTTY on fd 0: %s\n", err(ioctl(0, TIOCNOTTY)));
    int fds[2];
    if (pipe(fds)) fail("pipe");
    printf("tcgetpgrp of a pipe: %s\n", err(tcgetpgrp(fds[0])));
    close(fds[0]);
    close(fds[1]);
}

/* The session leader opens a pty; the first open without O_NOCTTY makes it the controlling one. */
static void acquire_terminal(void) {
    printf("\n== a new session acquires a pseudoterminal ==\n");
    int fd = open("/dev/tty", O_RDWR);
    printf("open /dev/tty without a controlling terminal: %s\n", err(fd));
    pty_master = posix_openpt(O_RDWR | O_NOCTTY);
    if (pty_master < 0) fail("posix_openpt");
    printf("grantpt: %s, unlockpt: %s\n", err(grantpt(pty_master)), err(unlockpt(pty_master)));
    const char *name = ptsname(pty_master);
    printf("ptsname is under /dev/pts/: %d\n", name != NULL && strncmp(name, "/dev/pts/", 9) == 0);
    int pgrp = -1;
    const char *r = err(ioctl(pty_master, TIOCGPGRP, &pgrp));
    printf("TIOCGPGRP on the master before any session: %s, %d\n", r, pgrp);
    r = err(ioctl(pty_master, TIOCGSID, &pgrp));
    printf("TIOCGSID on the master before any session: %s\n", r);
    int noctty = open(name, O_RDWR | O_NOCTTY);
    if (noctty < 0) fail("open the slave");
    printf("opened with O_NOCTTY: tcgetpgrp %s\n", err(tcgetpgrp(noctty)));
    pty_slave = open(name, O_RDWR);
    if (pty_slave < 0) fail("open the slave");
    printf("opened without O_NOCTTY: foreground is our group %d, session is ours %d\n",
           tcgetpgrp(pty_slave) == getpgrp(), tcgetsid(pty_slave) == getsid(0));
    printf("the other descriptor of the same terminal: foreground is our group %d\n", tcgetpgrp(noctty) == getpgrp());
    close(noctty);
    printf("TIOCSCTTY on our own controlling terminal: %s\n", err(ioctl(pty_slave, TIOCSCTTY, 0)));
    fd = open("/dev/tty", O_RDWR);
    printf("open /dev/tty: %s, its foreground is our group %d\n", err(fd), fd >= 0 && tcgetpgrp(fd) == getpgrp());
    if (fd >= 0) close(fd);
    pgrp = -1;
    ioctl(pty_master, TIOCGPGRP, &pgrp);
    printf("TIOCGPGRP on the master: our group %d\n", pgrp == getpgrp());
    /* Input the leader writes to the master is not echoed back, so the master only shows output. */
    set_lflag(0, ECHO);
}

/* tcsetpgrp from a background group: SIGTTOU stops the group until it is the foreground. */
static void background_tcsetpgrp(void) {
    printf("\n== tcsetpgrp from the background ==\n");
    pid_t c = fork_in_own_group();
    if (c == 0) {
        send_line(report[1], "child: the foreground is the leader's group %d\n", tcgetpgrp(pty_slave) == leader_group);
        int r = tcsetpgrp(pty_slave, getpgrp());
        send_line(report[1], "child: tcsetpgrp %s, the foreground is mine %d\n", err(r), tcgetpgrp(pty_slave) == getpgrp());
        r = tcsetpgrp(pty_slave, leader_group);
        send_line(report[1], "child: gave it back: %s\n", err(r));
        _exit(0);
    }
    relay_line(report[0]);
    wait_show("waitpid WUNTRACED", c, WUNTRACED);
    resume_in_foreground(c, 2);
    printf("the foreground is the leader's group again: %d\n", tcgetpgrp(pty_slave) == leader_group);
}

/* read from the background: SIGTTIN; after tcsetpgrp and SIGCONT the read is restarted. */
static void background_read(void) {
    printf("\n== read from the background ==\n");
    pid_t c = fork_in_own_group();
    if (c == 0) {
        char buf[32];
        ssize_t n = read(pty_slave, buf, sizeof buf);
        send_line(report[1], "child: read %zd bytes: %.*s", n, n > 0 ? (int) n : 0, buf);
        send_line(report[1], "child: gives the terminal back: %s\n", err(tcsetpgrp(pty_slave, leader_group)));
        _exit(0);
    }
    wait_show("waitpid WUNTRACED", c, WUNTRACED);
    write_all(pty_master, "a line\n", 7);
    resume_in_foreground(c, 2);

    printf("-- with SIGTTIN ignored\n");
    c = fork_in_own_group();
    if (c == 0) {
        signal(SIGTTIN, SIG_IGN);
        char b;
        send_line(report[1], "child: read %s\n", err((int) read(pty_slave, &b, 1)));
        _exit(0);
    }
    relay_line(report[0]);
    wait_show("waitpid", c, 0);

    printf("-- with a SIGTTIN handler\n");
    c = fork_in_own_group();
    if (c == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGTTIN, &sa, NULL);
        char b;
        send_line(report[1], "child: read %s\n", err((int) read(pty_slave, &b, 1)));
        _exit(0);
    }
    relay_line(report[0]);
    wait_show("waitpid", c, 0);
}

/* write from the background: allowed, unless TOSTOP is set. */
static void background_write(void) {
    printf("\n== write from the background ==\n");
    pid_t c = fork_in_own_group();
    if (c == 0) {
        send_line(report[1], "child: write %s\n", err((int) write(pty_slave, "bg\n", 3)));
        _exit(0);
    }
    relay_line(report[0]);
    wait_show("waitpid", c, 0);
    show_master_output("the master reads", 4);

    printf("-- with TOSTOP\n");
    set_lflag(TOSTOP, 0);
    c = fork_in_own_group();
    if (c == 0) {
        int r = (int) write(pty_slave, "late\n", 5);
        send_line(report[1], "child: write %s\n", err(r));
        send_line(report[1], "child: gives the terminal back: %s\n", err(tcsetpgrp(pty_slave, leader_group)));
        _exit(0);
    }
    wait_show("waitpid WUNTRACED", c, WUNTRACED);
    resume_in_foreground(c, 2);
    show_master_output("the master reads", 6);

    printf("-- with TOSTOP and SIGTTOU ignored\n");
    c = fork_in_own_group();
    if (c == 0) {
        signal(SIGTTOU, SIG_IGN);
        send_line(report[1], "child: write %s\n", err((int) write(pty_slave, "ign\n", 4)));
        _exit(0);
    }
    relay_line(report[0]);
    wait_show("waitpid", c, 0);
    show_master_output("the master reads", 5);
    set_lflag(0, TOSTOP);
}

/* Changing the terminal's settings from the background: SIGTTOU, unless blocked or ignored. */
static void background_tcsetattr(void) {
    printf("\n== tcsetattr from the background ==\n");
    pid_t c = fork_in_own_group();
    if (c == 0) {
        struct termios t;
        tcgetattr(pty_slave, &t);
        tcsetattr(pty_slave, TCSANOW, &t);
        _exit(0);
    }
    wait_show("waitpid WUNTRACED", c, WUNTRACED);
    kill(c, SIGKILL);
    wait_show("waitpid", c, 0);

    c = fork_in_own_group();
    if (c == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTTOU);
        sigprocmask(SIG_BLOCK, &set, NULL);
        struct termios t;
        tcgetattr(pty_slave, &t);
        const char *setattr = err(tcsetattr(pty_slave, TCSANOW, &t));
        const char *flush = err(tcflush(pty_slave, TCIFLUSH));
        send_line(report[1], "child with SIGTTOU blocked: tcsetattr %s, tcflush %s\n", setattr, flush);
        send_line(report[1], "child with SIGTTOU blocked: tcsetpgrp %s\n", err(tcsetpgrp(pty_slave, getpgrp())));
        send_line(report[1], "child: gives the terminal back: %s\n", err(tcsetpgrp(pty_slave, leader_group)));
        _exit(0);
    }
    relay_line(report[0]);
    relay_line(report[0]);
    relay_line(report[0]);
    wait_show("waitpid", c, 0);
}

/* The errors of the requests, and a process that gives up its controlling terminal. */
static void requests_and_errors(void) {
    printf("\n== errors ==\n");
    printf("tcsetpgrp to a group that does not exist: %s\n", err(tcsetpgrp(pty_slave, 0x3fffff)));
    printf("tcsetpgrp to a group of another session: %s\n", err(tcsetpgrp(pty_slave, getpgid(getppid()))));
    printf("tcsetpgrp to a negative group: %s\n", err(tcsetpgrp(pty_slave, -5)));
    pid_t c = fork_in_own_group();
    if (c == 0) {
        send_line(report[1], "child: TIOCSCTTY when not a session leader: %s\n", err(ioctl(pty_slave, TIOCSCTTY, 0)));
        send_line(report[1], "child: TIOCNOTTY: %s\n", err(ioctl(pty_slave, TIOCNOTTY)));
        const char *g = err(tcgetpgrp(pty_slave));
        const char *sid = err(tcgetsid(pty_slave));
        const char *again = err(ioctl(pty_slave, TIOCNOTTY));
        send_line(report[1], "child: then tcgetpgrp %s, tcgetsid %s, TIOCNOTTY %s\n", g, sid, again);
        int fd = open("/dev/tty", O_RDWR);
        send_line(report[1], "child: then open /dev/tty: %s\n", err(fd));
        _exit(0);
    }
    for (int i = 0; i < 4; i++) relay_line(report[0]);
    wait_show("waitpid", c, 0);
    printf("the leader still has it: %d\n", tcgetpgrp(pty_slave) == leader_group);

    c = fork();
    if (c == 0) {
        setsid();
        send_line(report[1], "child in a new session: TIOCSCTTY on a terminal of another session: %s\n",
                  err(ioctl(pty_slave, TIOCSCTTY, 0)));
        int fd = open(ptsname(pty_master), O_RDWR);
        const char *g = err(tcgetpgrp(fd));
        const char *sid = err(tcgetsid(pty_slave));
        send_line(report[1], "child in a new session: opened it again, tcgetpgrp %s, tcgetsid %s\n", g, sid);
        int pgrp = -1;
        ioctl(pty_master, TIOCGPGRP, &pgrp);
        send_line(report[1], "child in a new session: TIOCGPGRP on the master is the leader's group %d\n",
                  pgrp == leader_group);
        _exit(0);
    }
    for (int i = 0; i < 3; i++) relay_line(report[0]);
    wait_show("waitpid", c, 0);
}

/* The terminal's special characters (ISIG): ^C and ^Z typed on the master signal the foreground group. */
static void special_characters(void) {
    printf("\n== ^C and ^Z from the master ==\n");
    pid_t c = fork_in_own_group();
    if (c == 0) {
        report_signal_on(SIGINT, report[1], "child: got SIGINT\n");
        ready_then_await(SIGINT, report[1]);
        _exit(0);
    }
    await_byte(report[0]);
    give_terminal(c, "a child");
    write_all(pty_master, "\003", 1);
    relay_line(report[0]);
    wait_show("waitpid", c, 0);
    printf("the leader takes the terminal back without blocking SIGTTOU: %s\n",
           err(tcsetpgrp(pty_slave, leader_group)));
    give_terminal(leader_group, "the leader's group");

    int go[2];
    if (pipe(go)) fail("pipe");
    c = fork_in_own_group();
    if (c == 0) {
        await_byte(go[0]); /* in the foreground now: the read waits for input */
        char b;
        read(pty_slave, &b, 1);
        _exit(0);
    }
    give_terminal(c, "a reading child");
    write_all(go[1], "g", 1);
    close(go[0]);
    close(go[1]);
    write_all(pty_master, "\032", 1);
    wait_show("waitpid WUNTRACED", c, WUNTRACED);
    give_terminal(leader_group, "the leader's group");
    kill(c, SIGKILL);
    wait_show("waitpid", c, 0);
    /* With ISIG off the characters are data. */
    set_lflag(0, ISIG);
    write_all(pty_master, "\003\n", 2);
    char buf[8];
    ssize_t n = read(pty_slave, buf, sizeof buf);
    printf("with ISIG off the leader reads %zd bytes, the first is ^C %d\n", n, n > 0 && buf[0] == 3);
    set_lflag(ISIG, 0);
}

/* Closing the master hangs the slave up: its session leader gets SIGHUP, its files are dead. */
static void master_closed(void) {
    printf("\n== the master is closed ==\n");
    pid_t c = fork();
    if (c == 0) {
        setsid();
        int m = posix_openpt(O_RDWR | O_NOCTTY);
        if (m < 0 || grantpt(m) || unlockpt(m)) fail("posix_openpt");
        int s = open(ptsname(m), O_RDWR);
        if (s < 0) fail("open the slave");
        send_line(report[1], "new session: its own terminal %d\n", tcgetsid(s) == getsid(0));
        sigset_t hup;
        sigemptyset(&hup);
        sigaddset(&hup, SIGHUP);
        sigprocmask(SIG_BLOCK, &hup, NULL);
        report_signal_on(SIGHUP, report[1], "new session leader: got SIGHUP\n");
        close(m);
        sigprocmask(SIG_UNBLOCK, &hup, NULL);
        const char *g = err(tcgetpgrp(s));
        const char *sp = err(tcsetpgrp(s, getpgrp()));
        char b;
        ssize_t n = read(s, &b, 1);
        const char *w = err((int) write(s, "x", 1));
        int fd = open("/dev/tty", O_RDWR);
        send_line(report[1], "after the hangup: tcgetpgrp %s, tcsetpgrp %s, read %zd, write %s, open /dev/tty %s\n",
                  g, sp, n, w, err(fd));
        _exit(0);
    }
    for (int i = 0; i < 3; i++) relay_line(report[0]);
    wait_show("waitpid", c, 0);
}

/* A background group that lost its tie to the session: EIO instead of a stop. */
static void orphaned_background(void) {
    printf("\n== an orphaned background group ==\n");
    set_lflag(TOSTOP, 0);
    int go[2];
    if (pipe(go)) fail("pipe");
    pid_t p = fork_in_own_group();
    if (p == 0) {
        pid_t q = fork();
        if (q == 0) {
            char b;
            await_byte(go[0]); /* our parent has exited and been reaped: we were adopted */
            send_line(report[1], "orphan: read %s\n", err((int) read(pty_slave, &b, 1)));
            send_line(report[1], "orphan: write under TOSTOP %s\n", err((int) write(pty_slave, "o\n", 2)));
            send_line(report[1], "orphan: tcsetpgrp %s\n", err(tcsetpgrp(pty_slave, getpgrp())));
            struct termios t;
            tcgetattr(pty_slave, &t);
            send_line(report[1], "orphan: tcsetattr %s\n", err(tcsetattr(pty_slave, TCSANOW, &t)));
            _exit(10);
        }
        _exit(0);
    }
    wait_show("the orphan's parent", p, 0);
    write_all(go[1], "g", 1);
    close(go[0]);
    close(go[1]);
    for (int i = 0; i < 4; i++) relay_line(report[0]);
    set_lflag(0, TOSTOP);
}

/* The session leader exits: its terminal's foreground group gets SIGHUP. */
static int hangup_report; /* the first process's pipe: it hears after the leader is gone */

static void leader_exits(void) {
    printf("\n== the session leader exits ==\n");
    pid_t c = fork_in_own_group();
    if (c == 0) {
        report_signal_on(SIGHUP, hangup_report, "foreground child: got SIGHUP\n");
        ready_then_await(SIGHUP, report[1]); /* SIGHUP may come as soon as the leader hears from us */
        send_line(hangup_report, "foreground child: then tcgetpgrp %s\n", err(tcgetpgrp(pty_slave)));
        _exit(12);
    }
    await_byte(report[0]);
    give_terminal(c, "a child");
    printf("the leader exits\n");
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) fail("PR_SET_CHILD_SUBREAPER");
    no_terminal_on_stdin();
    int hup[2];
    if (pipe(hup)) fail("pipe");
    hangup_report = hup[1];
    pid_t leader = fork();
    if (leader < 0) fail("fork");
    if (leader == 0) {
        close(hup[0]);
        if (setsid() < 0) fail("setsid");
        leader_group = getpgrp();
        if (pipe(report)) fail("pipe");
        acquire_terminal();
        background_tcsetpgrp();
        background_read();
        background_write();
        background_tcsetattr();
        requests_and_errors();
        special_characters();
        orphaned_background();
        master_closed();
        leader_exits();
        exit(0);
    }
    close(hup[1]);
    int status;
    waitpid(leader, &status, 0);
    show("the session leader", status);
    relay_line(hup[0]);
    relay_line(hup[0]);
    reap_orphans();
    return 0;
}
