#!/usr/bin/env bash
# srtbench.sh MODE [JAVA JAR [env...]] : publish /tmp/src20m.ts (20 Mbit/s, 20 s) with ffmpeg -re over SRT
# The source: ffmpeg -f lavfi -i testsrc2=size=640x360:rate=25 -t 20 -c:v libx264 -preset ultrafast -b:v 2M -g 50 -f mpegts -muxrate 20000000 /tmp/src20m.ts
# (the push re-muxes with -muxrate 20M, so the wire carries 20 Mbit/s: ffmpeg drops null packets when it reads a TS)
#   MODE=direct: ffmpeg -> srt-live-transmit listener;  MODE=proxy: ffmpeg -> gateway -> srt-live-transmit
# prints bytes received by srt-live-transmit and the gateway's CPU % (of one core) during the push
set -u
MODE=$1; shift
SRC=${SRT_SOURCE:-/tmp/src20m.ts}; D=/tmp/perf/srt.$$; mkdir -p "$D"
port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
O=$(port)
srt-live-transmit -a:no "srt://127.0.0.1:$O?mode=listener" file://con > "$D/out.ts" 2>"$D/slt.log" &
SLT=$!
GW=""; TARGET="srt://127.0.0.1:$O"
if [ "$MODE" = proxy ]; then
  JAVA=$1; JAR=$2; shift 2
  API=$(tport); SYS=$(tport); UDP=$(port); SRT=$(port)
  env PROXY_HTTP_API=127.0.0.1:$API PROXY_SYSTEM_API=127.0.0.1:$SYS PROXY_WEBRTC_SERVER=127.0.0.1:$UDP PROXY_SRT_SERVER=127.0.0.1:$SRT \
      PROXY_WEBRTC_CANDIDATE=127.0.0.1 "$@" "$JAVA" -jar "$JAR" >"$D/gw.log" 2>&1 &
  GW=$!
  for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$SYS/api/v1/versions" && break; sleep 0.05; done
  curl -s -o /dev/null -w "register %{http_code}\n" -X POST "http://127.0.0.1:$SYS/api/v1/srs/register" -H 'Content-Type: application/json' \
    -d "{\"device_id\":\"srt1\",\"ip\":\"127.0.0.1\",\"server\":\"vid-srt\",\"service\":\"svc\",\"pid\":\"1\",\"rtmp\":[\"19350\"],\"http\":[\"8080\"],\"api\":[\"1985\"],\"srt\":[\"udp://0.0.0.0:$O\"],\"rtc\":[\"udp://0.0.0.0:8000\"]}" >&2
  grep -h "srt-router listening" "$D/gw.log" | sed 's/^/# /' >&2
  TARGET="srt://127.0.0.1:$SRT?streamid=#!::r=live/bench,m=publish"
fi
sleep 0.5
ticks() { [ -n "$GW" ] && awk '{print $14+$15}' /proc/$GW/stat || echo 0; }
t0=$(ticks); s0=$(date +%s.%N)
SEP="?"; [[ "$TARGET" == *\?* ]] && SEP="&"
ffmpeg -hide_banner -nostdin -loglevel error -re -i "$SRC" -c copy -f mpegts -muxrate 20000000 "$TARGET${SEP}linger=1" 2>"$D/ffmpeg.log"
rc=$?
t1=$(ticks); s1=$(date +%s.%N)
sleep 1.5
kill $SLT 2>/dev/null; wait $SLT 2>/dev/null
[ -n "$GW" ] && { kill -TERM $GW; sleep 1; kill -KILL $GW 2>/dev/null; wait $GW 2>/dev/null; }
bytes=$(stat -c %s "$D/out.ts"); src=$(stat -c %s "$SRC")
hz=$(getconf CLK_TCK)
cpu=$(python3 -c "print(round(100*($t1-$t0)/$hz/($s1-$s0),1))")
echo "SRT mode=$MODE ffmpeg_rc=$rc bytes=$bytes src_bytes=$src ratio=$(python3 -c "print(round($bytes/$src,4))") proxy_cpu_pct=$cpu wall_s=$(python3 -c "print(round($s1-$s0,1))") logs=$D"
