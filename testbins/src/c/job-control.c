/* Job control without a terminal: stop signals (SIGSTOP, SIGTSTP) and SIGCONT, what wait4/waitpid
 * (WUNTRACED, WCONTINUED), waitid (WSTOPPED, WCONTINUED, WNOWAIT) and SIGCHLD (with and without
 * SA_NOCLDSTOP) say about them, killing a stopped child, stopping a multi-threaded child, restarted
 * blocking calls, and orphaned process groups. Prints what the kernel answered, so the output can be
 * compared with the host's.
 *
 * Every step is ordered by pipes and waits, never by timing. The tests run in a session of their
 * own (the first child calls setsid), so whether a process group is orphaned does not depend on
 * how the program was started; the first process makes itself a child subreaper so that the
 * processes orphaned on purpose come back to it. */
#define _GNU_SOURCE
#include "job-control.h"

/* ---------------------------------------------------------------------------------------------- */

/* SIGSTOP while the child is blocked in read(2): the read is restarted after SIGCONT, invisibly. */
static void stop_and_continue(void) {
    printf("\n== SIGSTOP, SIGCONT and a restarted read ==\n");
    int in[2], out[2];
    if (pipe(in) || pipe(out)) fail("pipe");
    pid_t c = fork_in_own_group();
    if (c == 0) {
        char buf[16];
        write_all(out[1], "r", 1);
        ssize_t n = read(in[0], buf, sizeof buf);
        send_line(out[1], "child: read returned %zd (%s)\n", n, n < 0 ? strerrorname_np(errno) : "data");
        _exit(7);
    }
    await_byte(out[0]);
    /* The child may not be inside read yet; either way the data arrives after it continues. */
    kill(c, SIGSTOP);
    wait_show("waitpid WUNTRACED", c, WUNTRACED);
    wait_show("waitpid WUNTRACED again (reported once per stop)", c, WUNTRACED | WNOHANG);
    wait_show("waitpid WCONTINUED while stopped", c, WCONTINUED | WNOHANG);
    kill(c, SIGSTOP);
    wait_show("a second SIGSTOP while stopped", c, WUNTRACED | WNOHANG);
    kill(c, SIGCONT);
    wait_show("waitpid WCONTINUED", c, WCONTINUED);
    wait_show("waitpid WCONTINUED again", c, WCONTINUED | WNOHANG);
    wait_show("waitpid WUNTRACED after SIGCONT (the pending SIGSTOP was discarded)", c, WUNTRACED | WNOHANG);
    write_all(in[1], "hello", 5);
    relay_line(out[0]);
    wait_show("waitpid", c, 0);
    close(in[0]); close(in[1]); close(out[0]); close(out[1]);
}

/* SIGTSTP raised by the child itself; waitid with WSTOPPED, WCONTINUED and WNOWAIT. */
static void tstp_and_waitid(void) {
    printf("\n== SIGTSTP and waitid ==\n");
    int in[2], out[2];
    if (pipe(in) || pipe(out)) fail("pipe");
    pid_t c = fork_in_own_group();
    if (c == 0) {
        raise(SIGTSTP);
        send_line(out[1], "child: running again after SIGTSTP\n");
        /* An ended child is no longer continued for waitid: it waits until the parent has looked. */
        await_byte(in[0]);
        _exit(3);
    }
    waitid_show("waitid WSTOPPED|WNOWAIT", c, WSTOPPED | WNOWAIT);
    waitid_show("waitid WSTOPPED|WNOWAIT again", c, WSTOPPED | WNOWAIT);
    waitid_show("waitid WSTOPPED", c, WSTOPPED);
    waitid_show("waitid WSTOPPED|WNOHANG after it was reported", c, WSTOPPED | WNOHANG);
    waitid_show("waitid WEXITED|WNOHANG of a stopped child", c, WEXITED | WNOHANG);
    kill(c, SIGCONT);
    waitid_show("waitid WCONTINUED|WNOWAIT", c, WCONTINUED | WNOWAIT);
    waitid_show("waitid WCONTINUED", c, WCONTINUED);
    waitid_show("waitid WCONTINUED|WNOHANG after it was reported", c, WCONTINUED | WNOHANG);
    relay_line(out[0]);
    write_all(in[1], "x", 1);
    waitid_show("waitid WEXITED", c, WEXITED);
    siginfo_t si;
    printf("waitid with no WEXITED, WSTOPPED or WCONTINUED: %s\n",
           waitid(P_ALL, 0, &si, WNOHANG) == 0 ? "ok" : strerrorname_np(errno));
    close(in[0]); close(in[1]); close(out[0]); close(out[1]);
}

static void on_sigchld(int sig) { (void) sig; }

/* SIGCHLD's si_code for a stop, a continue and the end; SA_NOCLDSTOP leaves only the end. */
static void sigchld_codes(int nocldstop) {
    printf("\n== SIGCHLD %s SA_NOCLDSTOP ==\n", nocldstop ? "with" : "without");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sa.sa_flags = nocldstop ? SA_NOCLDSTOP : 0;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, &old);

    int in[2];
    if (pipe(in)) fail("pipe");
    pid_t c = fork_in_own_group();
    if (c == 0) {
        char b;
        while (read(in[0], &b, 1) < 0 && errno == EINTR) { }
        _exit(5);
    }
    kill(c, SIGSTOP);
    wait_show("waitpid WUNTRACED", c, WUNTRACED);
    if (!nocldstop) next_sigchld("SIGCHLD after the stop", c);
    kill(c, SIGCONT);
    wait_show("waitpid WCONTINUED", c, WCONTINUED);
    if (!nocldstop) next_sigchld("SIGCHLD after SIGCONT", c);
    write_all(in[1], "x", 1);
    wait_show("waitpid", c, 0);
    next_sigchld("SIGCHLD after the exit", c);
    sigset_t pending;
    sigpending(&pending);
    printf("SIGCHLD still pending: %d\n", sigismember(&pending, SIGCHLD));

    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGCHLD, SIG_DFL);
    close(in[0]); close(in[1]);
}

/* A stopped child ends at once on SIGKILL; another signal that would kill it waits for SIGCONT. */
static void kill_stopped(int sig) {
    printf("\n== SIG%s to a stopped child ==\n", sig_name(sig));
    pid_t c = fork_in_own_group();
    if (c == 0) {
        for (;;) pause();
    }
    kill(c, SIGSTOP);
    wait_show("waitpid WUNTRACED", c, WUNTRACED);
    kill(c, sig);
    if (sig != SIGKILL) {
        wait_show("waitpid WNOHANG (still stopped)", c, WNOHANG);
        kill(c, SIGCONT);
    }
    wait_show("waitpid", c, 0);
}

/* A stopped child with a handler for SIGUSR1: the signal waits until SIGCONT. */
static void handler_waits_for_continue(void) {
    printf("\n== a caught signal stays pending while stopped ==\n");
    int out[2];
    if (pipe(out)) fail("pipe");
    pid_t c = fork_in_own_group();
    if (c == 0) {
        sigset_t none;
        sigemptyset(&none);
        write_all(out[1], "r", 1);
        /* SIGUSR1's handler interrupts sigsuspend once the child runs again. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigchld;
        sigaction(SIGUSR1, &sa, NULL);
        sigset_t usr1;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        sigprocmask(SIG_BLOCK, &usr1, NULL);
        write_all(out[1], "s", 1);
        int r = sigsuspend(&none);
        send_line(out[1], "child: sigsuspend returned %d (%s)\n", r, strerrorname_np(errno));
        _exit(0);
    }
    await_byte(out[0]);
    await_byte(out[0]);
    kill(c, SIGSTOP);
    wait_show("waitpid WUNTRACED", c, WUNTRACED);
    kill(c, SIGUSR1);
    wait_show("waitpid WNOHANG after SIGUSR1 (still stopped)", c, WNOHANG | WUNTRACED | WCONTINUED);
    kill(c, SIGCONT);
    relay_line(out[0]);
    wait_show("waitpid", c, 0);
    close(out[0]); close(out[1]);
}

/* ---------------------------------------------------------------------------------------------- */

/*
 * Orphaned process groups (POSIX; credentials(7)). This process leads its session, and its own
 * group is orphaned: its parent is in another session. A member of a group whose last tie to the
 * session goes away while some member is stopped gets SIGHUP and then SIGCONT.
 */
static void orphaned_groups(void) {
    printf("\n== orphaned process groups ==\n");
    /* Our own group is orphaned: SIGTSTP does nothing. */
    raise(SIGTSTP);
    printf("SIGTSTP ignored in an orphaned group\n");

    int rep[2];
    if (pipe(rep)) fail("pipe");

    /* The tie goes away when a parent in another group exits (reparenting). */
    pid_t p = fork();
    if (p == 0) {
        pid_t b = fork_in_own_group();
        if (b == 0) {
            report_signal_on(SIGHUP, rep[1], "got SIGHUP\n");
            raise(SIGTSTP); /* our group is tied to the session through our parent: we stop */
            send_line(rep[1], "grandchild: continued\n");
            raise(SIGTSTP); /* now orphaned: nothing happens */
            send_line(rep[1], "grandchild: SIGTSTP ignored after the group became orphaned\n");
            _exit(4);
        }
        int status;
        waitpid(b, &status, WUNTRACED);
        send_line(rep[1], "parent of the grandchild: it %s; exiting\n",
                  WIFSTOPPED(status) ? "stopped" : "did not stop");
        _exit(0);
    }
    relay_line(rep[0]);
    wait_show("the grandchild's parent", p, 0);
    relay_line(rep[0]);
    relay_line(rep[0]);
    relay_line(rep[0]);

    /* The tie goes away when the exiting process is it (its own group loses it). */
    p = fork_in_own_group();
    if (p == 0) {
        pid_t m = fork();
        if (m == 0) {
            report_signal_on(SIGHUP, rep[1], "got SIGHUP\n");
            raise(SIGSTOP);
            send_line(rep[1], "group member: continued\n");
            _exit(6);
        }
        int status;
        waitpid(m, &status, WUNTRACED);
        send_line(rep[1], "group leader: the member %s; exiting\n", WIFSTOPPED(status) ? "stopped" : "did not stop");
        _exit(0);
    }
    relay_line(rep[0]);
    wait_show("the group leader", p, 0);
    relay_line(rep[0]);
    relay_line(rep[0]);
    close(rep[0]); close(rep[1]);
}

/* ---------------------------------------------------------------------------------------------- */

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    /* The processes orphaned on purpose come back to us, whatever the host's init is. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) fail("PR_SET_CHILD_SUBREAPER");
    pid_t leader = fork();
    if (leader < 0) fail("fork");
    if (leader == 0) {
        if (setsid() < 0) fail("setsid");
        printf("in a new session: leader of its group %d\n", getpgrp() == getpid());
        stop_and_continue();
        tstp_and_waitid();
        sigchld_codes(0);
        sigchld_codes(1);
        kill_stopped(SIGKILL);
        kill_stopped(SIGTERM);
        handler_waits_for_continue();
        orphaned_groups();
        exit(0);
    }
    int status;
    waitpid(leader, &status, 0);
    show("the session leader", status);
    reap_orphans();
    return 0;
}
