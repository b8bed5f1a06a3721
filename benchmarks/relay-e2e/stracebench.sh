#!/usr/bin/env bash
# stracebench.sh LABEL ref|JAVA JAR [env...] : closed loop -n 100 -w 200 -t 5 with strace -c on every relay thread
set -u
LABEL=$1; shift
RUN=${PERF_DIR:-../shared/perf}/run.sh; mkdir -p /tmp/perf-results; OUT=/tmp/perf-results/strace-$LABEL.txt
if [ "$1" = ref ]; then
  D=/tmp/perf/st-$LABEL; mkdir -p $D; rm -f $D/ports
  ${PERF_BIN:-/tmp/perf-bin}/refrelay -t 60 -P $D/ports 2>$D/relay.log & PID=$!
  for _ in $(seq 1 100); do [ -s $D/ports ] && break; sleep 0.05; done
  read -r API SYS UDP < $D/ports
else
  JAVA=$1; JAR=$2; shift 2
  read -r API SYS UDP SRT < <(python3 -c 'import socket
ps=[]
for i in range(4):
    s=socket.socket(); s.bind(("127.0.0.1",0)); ps.append(s.getsockname()[1]); ps.append(s)
print(*[p for p in ps if isinstance(p,int)])')
  env PROXY_HTTP_API=127.0.0.1:$API PROXY_SYSTEM_API=127.0.0.1:$SYS PROXY_WEBRTC_SERVER=127.0.0.1:$UDP PROXY_SRT_SERVER=127.0.0.1:$SRT \
      PROXY_WEBRTC_CANDIDATE=127.0.0.1 "$@" "$JAVA" -jar "$JAR" >/tmp/perf/st-$LABEL.log 2>&1 & PID=$!
  for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$SYS/api/v1/versions" && break; sleep 0.05; done
  sleep 1
fi
ARGS=(); for t in /proc/$PID/task/*; do ARGS+=(-p "${t##*/}"); done
strace -c -f -o "$OUT" "${ARGS[@]}" 2>/dev/null & ST=$!
sleep 1
R=$($RUN -L st-$LABEL -n 100 -s 200 -r 0 -w 200 -t 5 ports $API $SYS $UDP $PID 2>/dev/null | grep ^RESULT)
kill -INT $ST; wait $ST 2>/dev/null
kill -TERM $PID; sleep 1; kill -KILL $PID 2>/dev/null
recv=$(grep -o ' recv=[0-9]*' <<<"$R" | cut -d= -f2)
total=$(awk '$NF=="total"{print $3}' "$OUT")
echo "STRACE label=$LABEL recv=$recv syscalls=$total per_echo=$(python3 -c "print(round($total/max(1,$recv),2))") $(grep -o 'echo_pps=[0-9]*' <<<"$R")"
awk 'NR>2 && $NF!="total" && $4+0>0 {printf "  %s=%s", $NF, $4} NR>2 && $NF!="total" && $4 !~ /^[0-9]+$/ {printf "  %s=%s", $NF, $4}' "$OUT" | head -c 600; echo
