#!/usr/bin/env bash
# One sitting: the C reference relay and the gateway side by side (issue 14; benchmarks/RESULTS.md §2b).
#   benchmarks/relay-e2e/measure.sh [all|closed|open|rate|warm|sched|pinned|k1|srt|jmh]
# JAR: the gateway jar (default proxy-examples/target/originproxy-gateway.jar); BENCH: benchmarks.jar.
# Every harness row is run.sh -k 3 (3 runs; in `ports` mode the 3 runs share one gateway, so run 1
# is a fresh JVM and runs 2-3 a warm one); `warm` separates the two explicitly.
set -u
cd "$(dirname "$0")/../.."
J17=java; J25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
JAR=${JAR:-proxy-examples/target/originproxy-gateway.jar}; BENCH=${BENCH:-benchmarks/target/benchmarks.jar}
export PERF_DIR=${PERF_DIR:-../shared/perf}
RUN=$PERF_DIR/run.sh; GWB=benchmarks/relay-e2e/gwbench.sh; K=${K:-3}; T=${T:-10}
sec() { echo; echo "=== $* ($(date +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"; }
summ() { grep -E "^(SUMMARY)|^# " | sed -E 's/ logs=[^ ]*//'; }
one() { grep -E "^RESULT" | grep -oE ' (label|echo_pps|loss_pct|p50_us|p99_us|p999_us|relay_cpu_pct|kern_rcvbuf_err|relay_peak_rss_mb)=[^ ]*' | tr -d '\n'; echo; }
want() { [ "$WHAT" = all ] || [ "$WHAT" = "$1" ]; }
WHAT=${1:-all}
if want closed; then
  sec "closed loop: -n 100 -s 200 -r 0 -w 200 -t $T"
  A="-k $K -n 100 -s 200 -r 0 -w 200 -t $T"
  $RUN -L c-ref $A refrelay 2>&1 | summ
  $GWB $J25 $JAR c-mmsg-1w PROXY_WORKERS=1 -- $A 2>&1 | summ
  $GWB $J25 $JAR c-mmsg-2w PROXY_WORKERS=2 -- $A 2>&1 | summ
  $GWB $J17 $JAR c-nio17-1w PROXY_WORKERS=1 -- $A 2>&1 | summ
  $GWB $J17 $JAR c-nio17-2w PROXY_WORKERS=2 -- $A 2>&1 | summ
  $RUN -L c-ref-again $A refrelay 2>&1 | summ
fi
if want open; then
  sec "open loop max: -n 100 -s 200 -r 0 -w 0 -t $T"
  B="-k $K -n 100 -s 200 -r 0 -w 0 -t $T"
  $RUN -L o-ref $B refrelay 2>&1 | summ
  $GWB $J25 $JAR o-mmsg-1w -- $B 2>&1 | summ
  $GWB $J25 $JAR o-mmsg-1w-sysbuf PROXY_UDP_SOCKET_BUFFER=0 -- $B 2>&1 | summ
  $GWB $J17 $JAR o-nio17-1w -- $B 2>&1 | summ
fi
if want rate; then
  sec "20 k pps: -n 100 -s 200 -r 20000 -t $T"
  C="-k $K -n 100 -s 200 -r 20000 -t $T"
  $RUN -L r-direct $C direct 2>&1 | summ
  $RUN -L r-ref $C refrelay 2>&1 | summ
  $GWB $J25 $JAR r-mmsg-1w -- $C 2>&1 | summ
  $GWB $J25 $JAR r-mmsg-1w-sysbuf PROXY_UDP_SOCKET_BUFFER=0 -- $C 2>&1 | summ
  $GWB $J17 $JAR r-nio17-1w -- $C 2>&1 | summ
fi
if want warm; then
  sec "20 k pps, fresh JVM vs warm JVM: 3 gateway starts, each: run 1 (fresh) then runs 2-3 (same gateway)"
  for s in 1 2 3; do
    $RUN -L w-ref -n 100 -s 200 -r 20000 -t $T refrelay 2>&1 | one
    $GWB $J25 $JAR w-mmsg-start$s -- -k 3 -n 100 -s 200 -r 20000 -t $T 2>&1 | one
  done
fi
if want sched; then
  sec "20 k pps: run-queue wait of each process (schedstat), 4 s in the middle of the flow"
  for tgt in direct refrelay; do benchmarks/relay-e2e/schedwatch.sh $tgt -- $RUN -n 100 -s 200 -r 20000 -t 12 $tgt; done
  benchmarks/relay-e2e/schedwatch.sh mmsg -- $GWB $J25 $JAR s-mmsg -- -n 100 -s 200 -r 20000 -t 12
fi
if want pinned; then
  sec "20 k pps pinned: relay on CPU 1, generator and origin on CPU 0"
  C="-k $K -n 100 -s 200 -r 20000 -t $T"
  $RUN -L p-ref -p 1:0 $C refrelay 2>&1 | summ
  GW_PIN=1 $GWB $J25 $JAR p-mmsg-1w -- -p 1:0 $C 2>&1 | summ
fi
if want k1; then
  sec "1,000 sessions at 20 k pps: -n 1000 -s 200 -r 20000 -t $T"
  D="-k $K -n 1000 -s 200 -r 20000 -t $T"
  $RUN -L k-ref $D refrelay 2>&1 | summ
  $GWB $J25 $JAR k-mmsg-1w -- $D 2>&1 | summ
  $GWB $J17 $JAR k-nio17-1w -- $D 2>&1 | summ
fi
if want srt; then
  sec "SRT 20 Mbit/s publish (ffmpeg -re, libsrt) straight and through the gateway"
  benchmarks/relay-e2e/srtbench.sh direct
  benchmarks/relay-e2e/srtbench.sh proxy $J25 $JAR
  benchmarks/relay-e2e/srtbench.sh proxy $J17 $JAR
  benchmarks/relay-e2e/srtbench.sh direct
fi
if want jmh; then
  sec "JMH RelayBenchmark.window: the relay thread's own allocation per datagram"
  $J25 -jar $BENCH RelayBenchmark.window -p path=relay -p transport=mmsg,nio -p clients=1,8 -jvm $J25 \
    -jvmArgs --enable-native-access=ALL-UNNAMED -f 1 -wi 3 -w 1 -i 5 -r 1 -prof gc 2>&1 \
    | grep -E "^# Parameters|^Iteration .*relay thread|^RelayBenchmark.window "
fi
