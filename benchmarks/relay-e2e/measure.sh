#!/usr/bin/env bash
# One sitting: the C reference relay and the gateways side by side, medians of 3 (run.sh -k 3).
set -u
J17=java; J25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
MAIN=${MAIN_JAR:-/tmp/gw-main.jar}; PERF=${PERF_JAR:-/tmp/gw-perf.jar}
RUN=${PERF_DIR:-../shared/perf}/run.sh; GWB=$(dirname "$0")/gwbench.sh
K=${K:-3}; T=${T:-10}
sec() { echo; echo "=== $* ($(date +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"; }
summ() { grep -E "^(SUMMARY|RESULT)|^# " | sed -E 's/ logs=[^ ]*//'; }
if [ "${1:-all}" = all ] || [ "$1" = closed ]; then
sec "closed loop: -n 100 -s 200 -r 0 -w 200 -t $T"
A="-k $K -n 100 -s 200 -r 0 -w 200 -t $T"
$RUN -L c-ref $A refrelay 2>&1 | summ
$GWB $J17 $MAIN c-main-2w -- $A 2>&1 | summ
$GWB $J17 $MAIN c-main-1w PROXY_WORKERS=1 -- $A 2>&1 | summ
$GWB $J17 $PERF c-perf-nio17-1w -- $A 2>&1 | summ
$GWB $J17 $PERF c-perf-nio17-2w PROXY_WORKERS=2 -- $A 2>&1 | summ
$GWB $J25 $PERF c-perf-nio25-1w PROXY_UDP_TRANSPORT=nio -- $A 2>&1 | summ
$GWB $J25 $PERF c-perf-mmsg-1w -- $A 2>&1 | summ
$GWB $J25 $PERF c-perf-mmsg-2w PROXY_WORKERS=2 -- $A 2>&1 | summ
$RUN -L c-ref-again $A refrelay 2>&1 | summ
fi
if [ "${1:-all}" = all ] || [ "$1" = open ]; then
sec "open loop max: -n 100 -s 200 -r 0 -w 0 -t $T"
B="-k $K -n 100 -s 200 -r 0 -w 0 -t $T"
$RUN -L o-ref $B refrelay 2>&1 | summ
$GWB $J17 $MAIN o-main-2w -- $B 2>&1 | summ
$GWB $J17 $PERF o-perf-nio17-1w -- $B 2>&1 | summ
$GWB $J25 $PERF o-perf-mmsg-1w -- $B 2>&1 | summ
$GWB $J25 $PERF o-perf-mmsg-1w-buf4m PROXY_UDP_SOCKET_BUFFER=4m -- $B 2>&1 | summ
$GWB $J17 $PERF o-perf-nio17-1w-buf4m PROXY_UDP_SOCKET_BUFFER=4m -- $B 2>&1 | summ
fi
if [ "${1:-all}" = all ] || [ "$1" = rate ]; then
sec "20 k pps: -n 100 -s 200 -r 20000 -t $T"
C="-k $K -n 100 -s 200 -r 20000 -t $T"
$RUN -L r-direct $C direct 2>&1 | summ
$RUN -L r-ref $C refrelay 2>&1 | summ
$GWB $J17 $MAIN r-main-2w -- $C 2>&1 | summ
$GWB $J17 $PERF r-perf-nio17-1w -- $C 2>&1 | summ
$GWB $J25 $PERF r-perf-mmsg-1w -- $C 2>&1 | summ
sec "20 k pps pinned: relay on CPU 1, generator and origin on CPU 0"
$RUN -L r-ref-pinned -p 1:0 $C refrelay 2>&1 | summ
GW_PIN=1 $GWB $J25 $PERF r-perf-mmsg-1w-pinned -- -p 1:0 $C 2>&1 | summ
fi
if [ "${1:-all}" = all ] || [ "$1" = k1 ]; then
sec "1,000 sessions at 20 k pps: -n 1000 -s 200 -r 20000 -t $T"
D="-k $K -n 1000 -s 200 -r 20000 -t $T"
$RUN -L k-ref $D refrelay 2>&1 | summ
$GWB $J17 $PERF k-perf-nio17-1w -- $D 2>&1 | summ
$GWB $J25 $PERF k-perf-mmsg-1w -- $D 2>&1 | summ
fi
