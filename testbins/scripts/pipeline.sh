# Pipes, subshells, command substitution and exit statuses: fork, execve, wait4, pipe2, dup2.
# Commands run through the static busybox so that both shells (busybox sh, bash-static) and
# jvisor (static binaries only) can run them.
echo start
printf 'b\na\nc\n' | busybox sort | busybox tr a-z A-Z
n=$(echo one two three | busybox wc -w)
echo "words: $n"
( exit 3 ) || echo "subshell exited with $?"
for i in 1 2 3; do echo "line $i"; done | busybox cat
true && false || echo "false failed as it should"
echo done
