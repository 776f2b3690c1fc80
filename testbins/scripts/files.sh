# Redirections, a read loop and files in a fresh temporary directory.
d=$(busybox mktemp -d /tmp/check-script-XXXXXX) || exit 1
echo hello > "$d/a"
echo world >> "$d/a"
busybox cat "$d/a"
while read -r line; do echo "read: $line"; done < "$d/a"
busybox wc -l < "$d/a"
busybox rm -r "$d"
echo end
