# Shell features that need fork, execve, pipes, wait and signals.
f() { echo "in f: $1"; return 3; }
f arg; echo "status $?"
for i in 1 2 3; do echo "loop $i"; done | while read l; do echo "got $l"; done
( echo subshell; exit 4 ); echo "sub status $?"
cat <<END
here doc $((6*7)) $(echo cmd)
END
cat <<'END'
quoted $HOME stays
END
echo $(echo nested $(echo deeper))
case abc in a*) echo matched;; *) echo no;; esac
x=0; while [ $x -lt 5 ]; do x=$((x+1)); done; echo "x=$x"
false || echo "or branch"; true && echo "and branch"
! false && echo negated
sh -c 'exit 7'; echo "child sh exit $?"
# bash reports a killed job with its pid on stderr: the command substitution keeps that out.
echo "killed child status $(sh -c 'kill -9 $$'; echo $?)"
echo one two three | { read a b c; echo "$c $b $a"; }
v=$(printf '%s-' a b c); echo "$v"
set -- p q r; echo "$# args: $*"; shift; echo "after shift: $@"
echo "${undefined:-default} ${#v}"
y=abcdef; echo "${y#ab} ${y%ef} ${y%%c*}"
trap 'echo exit trap ran' EXIT
echo end
