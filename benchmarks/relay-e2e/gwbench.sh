#!/usr/bin/env bash
# gwbench.sh JAVA JAR LABEL [env...] -- run.sh args...   : start a gateway, run the harness against it, stop it
set -u
JAVA=$1; JAR=$2; LABEL=$3; shift 3
ENVS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do ENVS+=("$1"); shift; done
shift
read -r API SYS UDP SRT < <(python3 -c 'import socket
ps=[]
for i in range(4):
    s=socket.socket(); s.bind(("127.0.0.1",0)); ps.append(s.getsockname()[1]); ps.append(s)
print(*[p for p in ps if isinstance(p,int)])')
LOG=/tmp/perf/gw-$LABEL-$$.log; mkdir -p /tmp/perf
env PROXY_HTTP_API=127.0.0.1:$API PROXY_SYSTEM_API=127.0.0.1:$SYS PROXY_WEBRTC_SERVER=127.0.0.1:$UDP PROXY_SRT_SERVER=127.0.0.1:$SRT \
    PROXY_WEBRTC_CANDIDATE=127.0.0.1 PROXY_LOG_LEVEL=info "${ENVS[@]}" ${GW_PIN:+taskset -c $GW_PIN} "$JAVA" -jar "$JAR" >"$LOG" 2>&1 &
GW=$!
for _ in $(seq 1 200); do grep -q "webrtc-router listening" "$LOG" 2>/dev/null && curl -s -o /dev/null "http://127.0.0.1:$SYS/api/v1/versions" && break; sleep 0.05; done
grep -h "listening on udp" "$LOG" | head -2 | sed "s/^/# $LABEL: /" >&2
${PERF_DIR:-../shared/perf}/run.sh -L "$LABEL" "$@" ports "$API" "$SYS" "$UDP" "$GW"
kill -TERM $GW; for _ in $(seq 1 50); do kill -0 $GW 2>/dev/null || break; sleep 0.1; done; kill -KILL $GW 2>/dev/null; wait $GW 2>/dev/null
