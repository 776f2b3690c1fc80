/*
 * exec-chain.c - runs another program through execve(2), for the debugging tools' exec events
 * (--stop-on=exec, catch exec, gdb's exec stops) and their names after an execve.
 *
 *   exec-chain-glibc PROGRAM [ARGS...]          becomes PROGRAM: execve(PROGRAM, {PROGRAM, ARGS...})
 *   exec-chain-glibc --fork PROGRAM [ARGS...]   a child becomes PROGRAM; the parent waits for it,
 *                                         says how it ended and exits with its status
 *                                         (128 + the signal if a signal killed it)
 *
 * A failed execve says why and exits with 127, as a shell does. launch() and report_child() are
 * names the other programs do not have, so a debugger can tell which program it is in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

__attribute__((noinline)) void launch(char **argv)
{
    execve(argv[0], argv, environ);
    fprintf(stderr, "exec-chain-glibc: %s: %s\n", argv[0], strerror(errno));
    exit(127);
}

__attribute__((noinline)) int report_child(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) < 0) {
        perror("exec-chain-glibc: waitpid");
        return 126;
    }
    if (WIFSIGNALED(status)) {
        printf("child killed by signal %d\n", WTERMSIG(status));
        return 128 + WTERMSIG(status);
    }
    printf("child exited with %d\n", WEXITSTATUS(status));
    return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
    int forking = argc > 1 && strcmp(argv[1], "--fork") == 0;
    char **program = argv + 1 + forking;
    if (*program == NULL) {
        fprintf(stderr, "usage: exec-chain-glibc [--fork] PROGRAM [ARGS...]\n");
        return 2;
    }
    if (!forking) launch(program);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("exec-chain-glibc: fork");
        return 126;
    }
    if (pid == 0) launch(program);
    return report_child(pid);
}
