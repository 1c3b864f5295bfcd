#!/usr/bin/env bash
# Hang-rate stress: for each backend and scenario, a fresh (cold) JVM forks children on jfork's safe
# paths (println, call, exec) and one deliberately unsafe path, and counts how each ended.
#   fork-bench/stress.sh           10,000 forks per backend
#   fork-bench/stress.sh --quick    1,000 forks per backend (under 10 minutes on 2 cores)
# Writes fork-bench/target/stress/results.csv:
#   backend,scenario,path,forks,exited,hung,killed,deadlocked,twice
# (deadlocked: ended at once by the deadlock detector; twice: tasks that ran more than once, counted
# on the println and call paths)
set -euo pipefail
cd "$(dirname "$0")/.."

per_backend=10000
unsafe=8
if [ "${1:-}" = "--quick" ]; then per_backend=1000; unsafe=4; fi
scenarios=(quiet printing allocating locking)
backends=(jnr jna jni)
# the forks of one backend are split over the scenarios and the three safe paths
per_path=$(( per_backend / (${#scenarios[@]} * 3) ))

# the stress runs against what the tree builds now (STRESS_NO_BUILD=1 reuses the last build)
if [ "${STRESS_NO_BUILD:-0}" != 1 ] || [ ! -f fork-demo/target/fork-demo.jar ]; then
  mvn -B -q -DskipTests install
fi
jar=fork-demo/target/fork-demo.jar
out=fork-bench/target/stress
classes=$out/classes
rm -rf "$out"
mkdir -p "$classes"
javac -d "$classes" -cp "$jar" fork-bench/src/main/java/dev/jfork/bench/stress/StressMain.java
csv=$out/results.csv
echo "backend,scenario,path,forks,exited,hung,killed,deadlocked,twice" > "$csv"

status=0
for backend in "${backends[@]}"; do
  for scenario in "${scenarios[@]}"; do
    # stdout carries the children's lines; it goes nowhere
    if ! timeout 900 java --enable-native-access=ALL-UNNAMED -Dfork.warnThreads=false -Xmx512m \
        -cp "$classes:$jar" dev.jfork.bench.stress.StressMain \
        "$backend" "$scenario" "$per_path" "$unsafe" "$csv" > /dev/null; then
      echo "stress: $backend/$scenario failed" >&2
      status=1
    fi
  done
done

echo
column -s, -t < "$csv"
# target: 0 hung or deadlocked on every safe path, no task run twice; every unsafe child reported
# hung or deadlocked
awk -F, 'NR > 1 && $3 != "unsafe" && $6 + $8 > 0 { bad = 1; print "MISS: " $1 "/" $2 "/" $3 " had " $6 " hung, " $8 " deadlocked" }
         NR > 1 && $9 > 0 { bad = 1; print "MISS: " $1 "/" $2 "/" $3 ": " $9 " tasks ran twice" }
         NR > 1 && $3 == "unsafe" && $6 + $8 != $4 { bad = 1; print "MISS: " $1 "/" $2 " unsafe: " $6 + $8 " of " $4 " reported" }
         END { if (!bad) print "PASS: 0 hung on every safe path, no task ran twice; every unsafe child reported hung or deadlocked"; exit bad }' "$csv" || status=1
exit $status
