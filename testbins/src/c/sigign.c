/*
 * sigign: prints which signals the process started with ignored (SIG_IGN), one line.
 * Ignored signals survive execve (signal(7)): a program started under nohup, or as a
 * background job of a non-interactive shell, starts with SIGHUP, or SIGINT and SIGQUIT,
 * ignored. Run natively and under jvisor from the same parent, both lines must match.
 */
#include <signal.h>
#include <stdio.h>

int main(void) {
    printf("ignored:");
    for (int sig = 1; sig < 65; sig++) {
        struct sigaction old;
        if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN) printf(" %d", sig);
    }
    printf("\n");
    return 0;
}
