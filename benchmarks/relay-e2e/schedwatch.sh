#!/usr/bin/env bash
# schedwatch.sh LABEL -- COMMAND... : runs a harness command and, 4 s into the flow, samples for 4 s
# each process's CPU time, run-queue wait and time slices from /proc/<pid>/task/*/schedstat
# (the generator, the origin, the C reference relay or the gateway JVM).
set -u
LABEL=$1; shift; [ "$1" = "--" ] && shift
OUT=$(mktemp)
"$@" > "$OUT" 2>&1 & CMD=$!
for _ in $(seq 1 600); do pgrep -x perfgen >/dev/null && break; sleep 0.05; done
sleep 4
# the processes of this run only: descendants of the command (the box may run other harnesses)
tree() { local p=$1; echo "$p"; for c in $(pgrep -P "$p"); do tree "$c"; done; }
snap() {
  for p in $(tree $CMD); do
    n=$(cat /proc/$p/comm 2>/dev/null) || continue
    case "$n" in perfgen|perforigin|refrelay|java) ;; *) continue ;; esac
    s=0; d=0; c=0
    for t in /proc/$p/task/*; do read -r a b k < "$t/schedstat" 2>/dev/null && s=$((s+a)) && d=$((d+b)) && c=$((c+k)); done
    echo "$p $n $s $d $c"
  done; }
snap > "$OUT.a"; sleep 4; snap > "$OUT.b"
wait $CMD
echo "$LABEL:$(grep -E '^RESULT' "$OUT" | grep -oE ' (echo_pps|loss_pct|p50_us|p99_us)=[^ ]*' | tr -d '\n')"
awk 'NR == FNR { s[$1] = $3; d[$1] = $4; c[$1] = $5; next }
     ($1 in s) { printf "  %-10s cpu %5.1f %%  run-queue wait %5.1f ms/s  %6d slices/s  mean wait per slice %6.1f us\n", $2, ($3-s[$1])/4e7, ($4-d[$1])/4e6, ($5-c[$1])/4, (($5-c[$1]) > 0 ? ($4-d[$1])/($5-c[$1])/1e3 : 0) }' "$OUT.a" "$OUT.b"
rm -f "$OUT.a" "$OUT.b"
rm -f "$OUT"
