# Busybox applets the Linux personality must carry: files, archives, text tools, checksums.
set -e
mkdir -p w/sub/deeper && cd w
printf 'banana\napple\ncherry\napple\n' > fruits.txt
sort fruits.txt | uniq -c | sed 's/^ *//'
grep -n an fruits.txt
awk '{ n[$1]++ } END { for (k in n) print k, n[k] }' fruits.txt | sort
echo hello > sub/a.txt; echo world > sub/deeper/b.txt
find . -type f | sort
cp -r sub copy; find copy | sort
tar cf t.tar sub && tar tf t.tar | sort
gzip -c fruits.txt > f.gz && gunzip -c f.gz | md5sum
md5sum fruits.txt sub/a.txt
seq 1 10 | xargs -n 3 echo
ls -l fruits.txt | awk '{print $1, $5, $NF}'
date -d @86400 -u +%F 2>/dev/null || date -u -d '1970-01-02' +%F
echo "$(seq 3 | tr '\n' ' ')"
# Background jobs finish in any order under load: the output is sorted.
( for i in 1 2 3; do (sleep 0.0$i; echo bg$i) & done; wait ) | sort; echo all waited
trap 'echo got TERM' TERM; kill -TERM $$; echo after trap
cat <<X | wc -l
1
2
3
X
x=$(expr 6 \* 7); echo "expr $x"
f() { local v=$1; echo "f($v)"; }; f one; f two
od -A x -t x1 sub/a.txt | head -1
echo done
