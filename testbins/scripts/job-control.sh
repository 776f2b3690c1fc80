# Stopping and continuing jobs: kill -STOP/-CONT/-TERM/-KILL on background jobs and what wait
# reports; under bash, `set -m` (job control without a terminal): stopped jobs, jobs, bg and fg.
# The shells' "Terminated" notices depend on when they notice a job ended: in subshells whose
# stderr is dropped.
( sleep 10 & p=$!; kill -STOP $p; kill -CONT $p; kill $p; wait $p; echo "stopped, continued, terminated: status $?" ) 2>/dev/null
( sleep 10 & p=$!; kill -STOP $p; kill $p; kill -CONT $p; wait $p; echo "terminated while stopped, then continued: status $?" ) 2>/dev/null
( sleep 10 & p=$!; kill -STOP $p; kill -KILL $p; wait $p; echo "killed while stopped: status $?" ) 2>/dev/null
if [ -n "$BASH_VERSION" ]; then
    set -m
    sleep 10 & p=$!
    kill -STOP $p
    wait $p 2>/dev/null; echo "wait for a job that stops: status $?"
    jobs
    kill $p
    fg %% >/dev/null 2>&1; echo "fg of a stopped job with SIGTERM pending: status $?"
    sleep 0.2 &
    kill -TSTP $!
    wait $! 2>/dev/null; echo "SIGTSTP: status $?"
    bg %% >/dev/null
    wait %%; echo "after bg: status $?"
    sh -c 'kill -TSTP $$; echo "foreground job continued"; exit 3'
    echo "a foreground job stopped itself: status $?"
    jobs
    fg %% >/dev/null
    echo "after fg: status $?"
    sh -c 'kill -STOP $$' &
    wait $! 2>/dev/null; echo "a background job stopped itself: status $?"
    bg %% >/dev/null
    wait %%; echo "continued with bg: status $?"
fi
echo done
