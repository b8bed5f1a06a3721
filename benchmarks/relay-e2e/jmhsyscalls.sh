#!/usr/bin/env bash
# jmhsyscalls.sh OUT_DIR JAVA -jar benchmarks.jar RelayBenchmark.window -p path=relay ... :
# runs the JMH command and, in every fork, counts over one WINDOW-second slice of the measurement
# iterations (DELAY seconds after the fork's relay thread appears) the system calls (perf stat
# tracepoints, per thread) and the CPU time (/proc/<pid>/task/<tid>/stat) of
#   relay   = the relay's one event-loop thread (UdpRelay "bench-relay-0" or Netty "netty-relay-*")
#   process = every thread of the fork (JMH client thread, relay, echo origin, JIT, GC)
# per echo = per datagram the echo origin sent back in the slice (its thread's sendto count: the echo
# origin does one recvfrom + one sendto per datagram), i.e. per op of RelayBenchmark.window
# (one datagram relayed to the origin and its echo relayed back: 2 relay forwards).
# Needs perf with tracepoints (no hardware counters needed). Run it under flock /tmp/measure.lock.
set -u
OUT=$1; shift
mkdir -p "$OUT"
DELAY=${DELAY:-5}; WINDOW=${WINDOW:-5}
EVENTS='raw_syscalls:sys_enter,syscalls:sys_enter_recvmmsg,syscalls:sys_enter_sendmmsg,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_pwait2,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_timerfd_settime,syscalls:sys_enter_futex,syscalls:sys_enter_write,syscalls:sys_enter_read'
"$@" >"$OUT/jmh.log" 2>&1 & JMH=$!
declare -A seen
n=0
while kill -0 $JMH 2>/dev/null; do
  for pid in $(pgrep -P $JMH); do
    [ -n "${seen[$pid]:-}" ] && continue
    relay=""; echo_tid=""
    for _ in $(seq 1 200); do
      for t in /proc/$pid/task/*; do
        c=$(cat "$t/comm" 2>/dev/null) || continue
        case "$c" in bench-relay*|netty-relay*) relay=${t##*/};; echo-origin) echo_tid=${t##*/};; esac
      done
      [ -n "$relay" ] && [ -n "$echo_tid" ] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    seen[$pid]=1
    [ -z "$relay" ] || [ -z "$echo_tid" ] && continue
    n=$((n + 1))
    label=$(grep '^# Parameters:' "$OUT/jmh.log" | tail -1 | sed 's/# Parameters: //')
    sleep "$DELAY"
    tids=$(ls /proc/$pid/task | paste -sd,)
    cpu() { awk '{print $14 + $15}' "$1"; }
    p0=$(cpu /proc/$pid/stat); r0=$(cpu /proc/$pid/task/$relay/stat)
    perf stat -x, --per-thread -e "$EVENTS" -t "$tids" -o "$OUT/perf-$n.csv" -- sleep "$WINDOW" 2>/dev/null
    p1=$(cpu /proc/$pid/stat); r1=$(cpu /proc/$pid/task/$relay/stat)
    echo "$n|$label|$pid|$relay|$echo_tid|$((p1 - p0))|$((r1 - r0))" >>"$OUT/forks.txt"
  done
  sleep 0.2
done
wait $JMH
HZ=$(getconf CLK_TCK) python3 - "$OUT" >"$OUT/summary.txt" <<'EOF'
import csv, os, sys
out = sys.argv[1]; hz = int(os.environ["HZ"])
for line in open(os.path.join(out, "forks.txt")):
    n, label, pid, relay, echo, pcpu, rcpu = line.strip().split("|")
    per = {}  # comm-tid -> event -> count
    for row in csv.reader(open(os.path.join(out, f"perf-{n}.csv"))):
        if len(row) < 4 or row[0].startswith("#"):
            continue
        thread, value, event = row[0], row[1], row[3]
        if not value.strip().isdigit():
            continue
        per.setdefault(thread.strip(), {})[event.split(":")[-1]] = int(value)
    def of(tid):
        for k, v in per.items():
            if k.endswith("-" + tid):
                return v
        return {}
    echoes = of(echo).get("sys_enter_sendto", 0)
    r = of(relay)
    total = {}
    for v in per.values():
        for e, c in v.items():
            total[e] = total.get(e, 0) + c
    def pe(x):
        return round(x / max(1, echoes), 3)
    names = ["recvmmsg", "sendmmsg", "sendto", "recvfrom", "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "timerfd_settime", "futex", "write", "read"]
    detail = " ".join(f"{e}={pe(r.get('sys_enter_' + e, 0))}" for e in names if r.get("sys_enter_" + e, 0))
    print(f"FORK {label}: echoes in window={echoes}"
          f" relay syscalls/echo={pe(r.get('sys_enter', 0))} ({detail})"
          f" process syscalls/echo={pe(total.get('sys_enter', 0))}"
          f" relay CPU us/echo={round(int(rcpu) / hz * 1e6 / max(1, echoes), 2)}"
          f" process CPU us/echo={round(int(pcpu) / hz * 1e6 / max(1, echoes), 2)}")
EOF
cat "$OUT/summary.txt"
grep -E '^(Benchmark|RelayBenchmark)' "$OUT/jmh.log"
