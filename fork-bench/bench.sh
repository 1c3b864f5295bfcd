#!/usr/bin/env bash
# fork-bench: runs every benchmark of jfork and its baselines, and writes
#   fork-bench/target/bench/results.csv   (system,backend,heap_mb,thp,median_us,p99_us,ratio_to_c)
#   fork-bench/target/bench/table.txt     the readable table, also printed
#   fork-bench/target/bench/targets.txt   the issue's targets, measured ratio and PASS/MISS, also printed
#   fork-bench/target/bench/concurrency.csv calls and pool submissions from 1 and 4 threads, with discards
#   fork-bench/target/bench/first-call.csv the first call in a fresh JVM, with and without Forker.warmUp()
#   fork-bench/target/bench/poller.csv     the deadlock poller's CPU time with 1, 16 and 64 children
#   fork-bench/target/bench/bench-chart.svg, copied to docs/bench-chart-jdkN.svg; and the JDK N section
#     (N = 17 or 25) of docs/bench-results.md replaced by this run (the other JDK's section is kept)
#
# Usage: fork-bench/bench.sh [--quick] [--only HEAP:THP[,HEAP:THP...]] [--no-build] [--no-docs]
#   --quick      fewer and shorter iterations (same rows); under 10 minutes on 2 cores
#   --only       run only these configurations, e.g. --only 64:off,2048:on (for trying things out);
#                thp is off, on (-XX:+UseTransparentHugePages) or runtime (Forker.hugePagesForHeap at run time)
#   --no-build   use the jar and the C program already in target/
#   --no-docs    do not write the chart and this run's section into docs/
# The JVM is $JAVA_HOME/bin/java when JAVA_HOME is set, else java on the PATH; the build uses the same
# JDK. Backends: jnr, jna, jni, and ffm when that JVM is 22 or newer and the jar holds fork-ffm (built
# on JDK 22+); otherwise bench.sh says why ffm is skipped.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="$here/target/bench"
jar="$here/target/benchmarks.jar"

# the command as given, for the results page
command="${JAVA_HOME:+JAVA_HOME=$JAVA_HOME }fork-bench/bench.sh${*:+ $*}"
quick=0
only=""
build=1
docs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --only) only="$2"; shift ;;
    --only=*) only="${1#--only=}" ;;
    --no-build) build=0 ;;
    --no-docs) docs=0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 64 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  # JMH, all benchmarks of one heap/THP configuration in one JVM (-f 0): 14 benchmarks (19 with ffm) each
  # 1 x 1 s warm-up + 2 x 1 s measured.
  jmh_opts=(-wi 1 -w 1s -i 2 -r 1s)
  base_iterations=300   # C and Python: forks per configuration, at most ...
  base_seconds=3        # ... or this many seconds (at least 20 forks)
else
  jmh_opts=(-wi 3 -w 2s -i 5 -r 2s)
  base_iterations=2000
  base_seconds=20
fi

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
java_feature=$("$java" -XshowSettings:properties -version 2>&1 \
  | awk -F' = ' '$1 ~ /java\.specification\.version$/ {print $2}')
java_feature="${java_feature#1.}"

started=$(date +%s)
mkdir -p "$out"

if [ "$build" = 1 ]; then
  echo "bench.sh: building (mvn -pl fork-bench -am package -Dmaven.test.skip=true)"
  (cd "$root" && mvn -B -q -pl fork-bench -am package -Dmaven.test.skip=true)
  cc -O2 -Wall -o "$out/forkloop" "$here/src/main/c/forkloop.c"
fi
[ -f "$jar" ] || { echo "bench.sh: $jar is missing; run without --no-build" >&2; exit 1; }

backends="jnr,jna,jni"
if [ "${java_feature:-0}" -lt 22 ]; then
  echo "bench.sh: ffm skipped: it needs JDK 22+ and $java is JDK ${java_feature:-?} (set JAVA_HOME to a JDK 22+)"
elif ! unzip -l "$jar" 'dev/jfork/ffm/internal/*' > /dev/null 2>&1; then
  echo "bench.sh: ffm skipped: $jar has no fork-ffm (it was built on a JDK before 22; build without --no-build)"
else
  backends="$backends,ffm"
fi
echo "bench.sh: JVM $java (JDK $java_feature); backends $backends"
[ -x "$out/forkloop" ] || cc -O2 -Wall -o "$out/forkloop" "$here/src/main/c/forkloop.c"

rm -f "$out"/jmh-*.json "$out"/jmh-*.log "$out"/rss-*.txt "$out"/events-*.txt "$out"/c-*.txt "$out"/python-*.txt

# The machine, for the chart and the results page.
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(nproc)"
  echo "memory=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "os=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null || echo unknown)"
  echo "java=$("$java" -version 2>&1 | sed -n 2p)"
  echo "java_feature=$java_feature"
  echo "command=$command"
  echo "commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "backends=$backends"
  echo "thp_enabled=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo n/a)"
  echo "thp_defrag=$(cat /sys/kernel/mm/transparent_hugepage/defrag 2>/dev/null || echo n/a)"
  echo "mode=$([ "$quick" = 1 ] && echo quick || echo full)"
} > "$out/machine.txt"

configs=()
for heap in 64 512 2048; do
  for thp in off on; do
    configs+=("$heap:$thp")
  done
done
# thp=runtime: started without huge pages, the heap put on them at run time (-Dfork.hugePages=runtime,
# done at the first fork of the safe layer, before anything is timed)
configs+=("512:runtime" "2048:runtime")
if [ -n "$only" ]; then
  IFS=, read -r -a configs <<< "$only"
fi

for config in "${configs[@]}"; do
  heap="${config%%:*}"
  thp="${config##*:}"
  tag="$heap-$thp"
  jvm=(-Xms"${heap}m" -Xmx"${heap}m" -XX:+UseG1GC)
  # 64 MB as a JVM starts; 512 MB and 2 GB resident from the start
  [ "$heap" -gt 64 ] && jvm+=(-XX:+AlwaysPreTouch)
  case "$thp" in
    on) jvm+=(-XX:+UseTransparentHugePages); hp=1 ;;
    runtime) jvm+=(-XX:-UseTransparentHugePages -Dfork.hugePages=runtime); hp=1 ;;
    *) jvm+=(-XX:-UseTransparentHugePages); hp=0 ;;
  esac
  echo "bench.sh: heap ${heap} MB, THP ${thp}: JMH ($(( $(date +%s) - started )) s so far)"
  # -f 0: every benchmark of this configuration in this one JVM, so its resident size is the one
  # recorded in rss-$tag.txt at each iteration.
  if ! "$java" "${jvm[@]}" --enable-native-access=ALL-UNNAMED -Dfork.warnThreads=false \
      -Dbench.rss.file="$out/rss-$tag.txt" -Dbench.events.file="$out/events-$tag.txt" \
      -jar "$jar" 'dev\.jfork\.bench\.' -p backend="$backends" -f 0 -bm sample -tu us "${jmh_opts[@]}" \
      -rf json -rff "$out/jmh-$tag.json" > "$out/jmh-$tag.log" 2>&1; then
    echo "bench.sh: JMH failed for $tag; see $out/jmh-$tag.log" >&2
  fi
  grep -E '<failure>|^fork-bench:' "$out/jmh-$tag.log" | sort | uniq -c | head -5 || true
  # The JVM's resident size when it forked: the largest VmRSS recorded around the raw iterations
  # (any benchmark's if raw recorded none), with the AnonHugePages recorded at the same moment.
  read -r rss_kb huge_kb < <(awk '$1 ~ /ForkBench\.raw$/ && $3 > max {max = $3; huge = $4}
      END {print max + 0, (huge > 0 ? huge : 0)}' "$out/rss-$tag.txt" 2>/dev/null || echo "0 0")
  if [ "${rss_kb:-0}" -le 0 ]; then
    read -r rss_kb huge_kb < <(awk '$3 > max {max = $3; huge = $4} END {print max + 0, (huge > 0 ? huge : 0)}' \
      "$out/rss-$tag.txt" 2>/dev/null || echo "0 0")
  fi
  rss_mb=$(( (rss_kb + 1023) / 1024 ))
  huge_mb=$(( huge_kb / 1024 ))
  echo "bench.sh: heap ${heap} MB, THP ${thp}: JVM VmRSS ${rss_mb} MB (${huge_mb} MB of it in huge pages); C and Python at that size"
  "$out/forkloop" "$rss_mb" "$base_iterations" "$hp" "$base_seconds" 5 "$huge_mb" > "$out/c-$tag.txt"
  python3 "$here/src/main/python/forkloop.py" "$rss_mb" "$base_iterations" "$hp" "$base_seconds" 5 "$huge_mb" \
    > "$out/python-$tag.txt"
  echo "jvm_rss_kb=$rss_kb jvm_anon_huge_kb=$huge_kb" >> "$out/c-$tag.txt"
done

# Calls and pool submissions from 1 and 4 threads at once: a plain program with default flags, a fresh
# JVM per backend (ConcurrentCalls), with the discards (children forked again) of each run.
conc_tasks=$([ "$quick" = 1 ] && echo 200 || echo 400)
echo "bench.sh: $conc_tasks calls and pool submissions from 1 and 4 threads ($(( $(date +%s) - started )) s so far)"
echo "backend,mode,threads,tasks,total_ms,ms_per_task,tasks_per_s,discards,ratio_to_1_thread" > "$out/concurrency.csv"
for backend in ${backends//,/ }; do
  "$java" --enable-native-access=ALL-UNNAMED -Dfork.warnThreads=false -cp "$jar" dev.jfork.bench.ConcurrentCalls "$backend" "$conc_tasks" 4 \
    >> "$out/concurrency.csv" 2> "$out/concurrency-$backend.log" \
    || echo "bench.sh: ConcurrentCalls failed on $backend; see $out/concurrency-$backend.log" >&2
done
column -s, -t < "$out/concurrency.csv"

# The first call's price in a fresh JVM per backend (FirstCall): paid by the first call itself, or by
# Forker.warmUp() at start-up, then the calls that follow.
echo "bench.sh: the first call in a fresh JVM, with and without warmUp() ($(( $(date +%s) - started )) s so far)"
echo "backend,mode,warm_up_ms,first_call_ms,next_calls_median_ms" > "$out/first-call.csv"
for backend in ${backends//,/ }; do
  for mode in cold warm; do
    "$java" --enable-native-access=ALL-UNNAMED -Dfork.warnThreads=false -cp "$jar" dev.jfork.bench.FirstCall "$backend" "$mode" \
      >> "$out/first-call.csv" 2>> "$out/first-call-$backend.log" \
      || echo "bench.sh: FirstCall $mode failed on $backend; see $out/first-call-$backend.log" >&2
  done
done
column -s, -t < "$out/first-call.csv"

# What the deadlock poller costs the parent: N children in a timed sleep (its most expensive case), on
# the first backend (the poller is the same for all).
echo "bench.sh: the deadlock poller's cost with 1, 16 and 64 children ($(( $(date +%s) - started )) s so far)"
"$java" --enable-native-access=ALL-UNNAMED -Dfork.warnThreads=false -cp "$jar" dev.jfork.bench.PollerCost \
  "${backends%%,*}" "$([ "$quick" = 1 ] && echo 3 || echo 10)" > "$out/poller.csv" 2> "$out/poller.log" \
  || echo "bench.sh: PollerCost failed; see $out/poller.log" >&2
column -s, -t < "$out/poller.csv"

# What a child's fresh random generators (ChildRandomness) add to a fork, measured in the child itself.
echo "bench.sh: the reseeding of a child's random generators ($(( $(date +%s) - started )) s so far)"
echo "backend,jdk,unsafe_mode,calls,median_us,p90_us,max_us" > "$out/reseed.csv"
for backend in ${backends//,/ }; do
  "$java" --enable-native-access=ALL-UNNAMED -Dfork.warnThreads=false -cp "$jar" dev.jfork.bench.ReseedCost "$backend" \
    "$([ "$quick" = 1 ] && echo 100 || echo 300)" 2> "$out/reseed-$backend.log" | tail -n +2 >> "$out/reseed.csv" \
    || echo "bench.sh: ReseedCost failed on $backend; see $out/reseed-$backend.log" >&2
done
column -s, -t < "$out/reseed.csv"

# Where Forker.warmUp()'s time goes, step by step, in a fresh JVM at 64 MB (WarmUpBreakdown), per backend.
echo "bench.sh: warmUp()'s steps ($(( $(date +%s) - started )) s so far)"
echo "backend,step,ms" > "$out/warm-up.csv"
for backend in ${backends//,/ }; do
  "$java" -Xms64m -Xmx64m --enable-native-access=ALL-UNNAMED -Dfork.warnThreads=false -cp "$jar" \
    dev.jfork.bench.WarmUpBreakdown "$backend" 2> "$out/warm-up-$backend.log" | sed "s/^/$backend,/" >> "$out/warm-up.csv" \
    || echo "bench.sh: WarmUpBreakdown failed on $backend; see $out/warm-up-$backend.log" >&2
done
column -s, -t < "$out/warm-up.csv"

# Sustained load through a pool at 64 MB: back-to-back submissions from 1 and 4 threads, one task per child
# and 100, beside the C fork rate at the same resident size (SustainedLoad), per backend.
echo "bench.sh: sustained load through a pool ($(( $(date +%s) - started )) s so far)"
echo "backend,threads,tasks_per_child,size,tasks,seconds,tasks_per_s,p50_ms,p99_ms,forked_on_demand,discarded" \
  > "$out/sustained.csv"
for backend in ${backends//,/ }; do
  "$java" -Xms64m -Xmx64m --enable-native-access=ALL-UNNAMED -Dfork.warnThreads=false -cp "$jar" \
    dev.jfork.bench.SustainedLoad "$backend" "$([ "$quick" = 1 ] && echo 3 || echo 8)" "$here/src/main/c/forkloop.c" \
    2> "$out/sustained-$backend.log" | tail -n +2 >> "$out/sustained.csv" \
    || echo "bench.sh: SustainedLoad failed on $backend; see $out/sustained-$backend.log" >&2
done
column -s, -t < "$out/sustained.csv"

# What the child runtime (-Dfork.childRuntime=vm: the VM thread started again in each child) adds to a
# call and to a pool task, under SerialGC at 64 MB, off and on in alternate rounds of one JVM.
echo "bench.sh: the child runtime's cost ($(( $(date +%s) - started )) s so far)"
echo "backend,jdk,case,runtime,n,median_us,p90_us" > "$out/revival.csv"
for backend in ${backends//,/ }; do
  "$java" -XX:+UseSerialGC -Xms64m -Xmx64m --enable-native-access=ALL-UNNAMED -Dfork.warnThreads=false -cp "$jar" \
    dev.jfork.bench.RevivalCost "$backend" "$([ "$quick" = 1 ] && echo 5 || echo 15)" 20 2> "$out/revival-$backend.log" \
    | tail -n +2 >> "$out/revival.csv" \
    || echo "bench.sh: RevivalCost failed on $backend; see $out/revival-$backend.log" >&2
done
column -s, -t < "$out/revival.csv"

elapsed=$(( $(date +%s) - started ))
echo "elapsed_s=$elapsed" >> "$out/machine.txt"
report_args=("$out")
[ "$docs" = 1 ] && report_args+=(--docs "$root/docs")
python3 "$here/src/main/python/report.py" "${report_args[@]}"
echo "bench.sh: done in ${elapsed} s; results in $out/results.csv"
