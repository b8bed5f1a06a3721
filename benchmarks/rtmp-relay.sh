#!/usr/bin/env bash
# RTMP relay figure (issue 10 §6): one 20 Mbit/s publish and N players (default 100) on loopback,
# straight to nginx-rtmp ("direct") and through the RTMP router ("proxy"), side by side.
# Prints the players' RESULT line (received media bit rate per player, CPU % and peak RSS of the
# watched processes over the measured window) for each mode.
#
#   mvn -B -q -pl benchmarks -am package -DskipTests
#   benchmarks/rtmp-relay.sh [direct|proxy|both] [players] [seconds]
#
# Needs nginx + libnginx-mod-rtmp, ffmpeg, python3 (free ports). Everything listens on
# 127.0.0.1 and is stopped by PID on exit; logs stay in $WORK (printed).
set -euo pipefail
MODE=${1:-both}
PLAYERS=${2:-100}
SECONDS_MEASURED=${3:-20}
WARMUP=5
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/benchmarks/target/benchmarks.jar
WORK=$(mktemp -d /tmp/rtmp-relay.XXXXXX)
SOURCE=${RTMP_RELAY_SOURCE:-/tmp/rtmp-relay-20mbit.flv}
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }

echo "# $(date -u +%FT%TZ) $(java -version 2>&1 | head -1), nproc=$(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg), work dir $WORK"
if [ ! -s "$SOURCE" ]; then
  # 10 s of 720p30 H.264 at a constant 20 Mbit/s (nal-hrd=cbr pads to the rate) + AAC 128 kbit/s.
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30 \
    -f lavfi -i sine=frequency=440:sample_rate=48000 -t 10 -c:v libx264 -preset ultrafast -g 60 \
    -b:v 20M -minrate 20M -maxrate 20M -bufsize 4M -x264-params nal-hrd=cbr -c:a aac -b:a 128k -f flv "$SOURCE"
fi

NGINX_PORT=$(free_port)
cat > "$WORK/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
error_log $WORK/nginx-error.log info;
pid $WORK/nginx.pid;
events { worker_connections 4096; }
rtmp { server { listen 127.0.0.1:$NGINX_PORT; chunk_size 4096; application live { live on; } } }
CONF
nginx -p "$WORK" -c "$WORK/nginx.conf" > "$WORK/nginx.out" 2>&1 &
NGINX_PID=$!; PIDS+=($NGINX_PID)
wait_port "$NGINX_PORT"

run_players() { # url, watch args...
  local url=$1; shift
  java -cp "$JAR" dev.originproxy.bench.rtmp.RtmpPlayers --url "$url" --players "$PLAYERS" \
    --warmup "$WARMUP" --seconds "$SECONDS_MEASURED" "$@" | tee -a "$WORK/players.log" | grep -E '^(RESULT|player error)'
}

publish() { # url
  ffmpeg -hide_banner -loglevel error -re -stream_loop -1 -i "$SOURCE" -c copy -f flv "$1" > "$WORK/publisher.log" 2>&1 &
  PUBLISHER=$!; PIDS+=($PUBLISHER)
  sleep 2
}

if [ "$MODE" = direct ] || [ "$MODE" = both ]; then
  publish "rtmp://127.0.0.1:$NGINX_PORT/live/bench"
  echo "direct: $PLAYERS players -> nginx-rtmp 127.0.0.1:$NGINX_PORT"
  run_players "rtmp://127.0.0.1:$NGINX_PORT/live/bench" --watch nginx=$NGINX_PID
  kill "$PUBLISHER"; sleep 1
fi

if [ "$MODE" = proxy ] || [ "$MODE" = both ]; then
  # The router as a host embeds it (RtmpRelayProxy: RtmpRouter, 2 workers, memory balancer with
  # nginx registered), in its own JVM so its CPU and RSS are its own.
  java -Xmx512m -cp "$JAR" dev.originproxy.bench.rtmp.RtmpRelayProxy "$NGINX_PORT" > "$WORK/proxy.port" 2> "$WORK/proxy.log" &
  PROXY_PID=$!; PIDS+=($PROXY_PID)
  for _ in $(seq 1 200); do [ -s "$WORK/proxy.port" ] && break; sleep 0.05; done
  RTMP=$(head -1 "$WORK/proxy.port")
  wait_port "$RTMP"
  publish "rtmp://127.0.0.1:$RTMP/live/bench"
  echo "proxy: $PLAYERS players -> RtmpRouter 127.0.0.1:$RTMP -> nginx-rtmp 127.0.0.1:$NGINX_PORT"
  run_players "rtmp://127.0.0.1:$RTMP/live/bench" --watch proxy=$PROXY_PID --watch nginx=$NGINX_PID
fi
echo "# logs: $WORK"
