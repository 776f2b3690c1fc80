# Background jobs, wait, kill and traps: SIGCHLD, wait4 statuses and signals between processes.
sleep 0.05 & p1=$!
(exit 5) & p2=$!
wait $p1; echo "sleep status $?"
wait $p2; echo "subshell status $?"
sleep 10 & p3=$!
kill -0 $p3 && echo "alive"
# The kill comes from another process while this shell waits: a shell that reaps a killed job
# before its wait reports it ("Terminated" on stderr), and whether that happens depends on which
# of the two is faster, natively as under jvisor.
( sleep 0.05; kill $p3 ) & wait $p3; echo "killed status $?"
# Jobs finish in any order under load: the output is sorted.
( for i in 3 2 1; do (sleep 0.0$i; echo "job $i") & done; wait ) | sort; echo "all jobs done"
trap 'echo caught USR1' USR1
kill -USR1 $$
echo "after USR1"
sh -c 'trap "echo child caught TERM; exit 9" TERM; kill -TERM $$; sleep 1'; echo "child status $?"
seq 1 5 | ( while read n; do echo "n=$n"; done ) | tail -2
echo "$(sleep 0.01; echo late) then"
echo done
