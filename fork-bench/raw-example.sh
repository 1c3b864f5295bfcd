#!/usr/bin/env bash
# The README's raw example, exactly as printed, in many fresh JVMs per backend: each must print
# "hi, exited with code 0" within 30 s (a hung fork would not). Issue: 0 hangs in 200 fresh JVMs.
#   fork-bench/raw-example.sh [RUNS]        (default 200 per backend)
#   RAW_BACKENDS="jni jna" limits the backends (default: every available one); RAW_OUT sets the
#   output directory, so that runs for different backends can go side by side.
# Writes fork-bench/target/raw-example/results.csv: backend,runs,ok,hung,failed,median_ms
# and exits non-zero when any run hung or failed.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-200}"

if [ "${RAW_NO_BUILD:-0}" != 1 ] || [ ! -f fork-demo/target/fork-demo.jar ]; then
  mvn -B -q -DskipTests install
fi
jar=fork-demo/target/fork-demo.jar
out="${RAW_OUT:-fork-bench/target/raw-example}"
rm -rf "$out"
mkdir -p "$out/src" "$out/classes"
# the README's block that declares RawExample, from its first line to the closing fence
awk '/^```java$/ {block = ""; inside = 1; next}
     /^```$/ && inside {inside = 0; if (block ~ /class RawExample/) printf "%s", block; next}
     inside {block = block $0 "\n"}' README.md > "$out/src/RawExample.java"
grep -q 'class RawExample' "$out/src/RawExample.java" || { echo "raw-example: no RawExample in README.md" >&2; exit 1; }
javac -d "$out/classes" -cp "$jar" "$out/src/RawExample.java"
csv=$out/results.csv
echo "backend,runs,ok,hung,failed,median_ms" > "$csv"
backends="${RAW_BACKENDS:-$(java -jar "$jar" --list-backends 2>/dev/null | awk -F: '$2 ~ /available/ && $2 !~ /unavailable/ {print $1}')}"
status=0
for backend in $backends; do
  ok=0; hung=0; failed=0; : > "$out/ms-$backend.txt"
  for i in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    set +e
    got=$(timeout -s KILL 30 java --enable-native-access=ALL-UNNAMED -Dfork.backend="$backend" \
      -Dfork.warnThreads=false -cp "$out/classes:$jar" RawExample 2>>"$out/stderr-$backend.txt")
    rc=$?
    set -e
    echo $(( ($(date +%s%N) - start) / 1000000 )) >> "$out/ms-$backend.txt"
    if [ "$rc" = 137 ]; then
      hung=$((hung + 1))
    elif [ "$rc" = 0 ] && [ "$got" = "hi, exited with code 0" ]; then
      ok=$((ok + 1))
    else
      failed=$((failed + 1)); echo "run $i: rc=$rc output=$got" >> "$out/failures-$backend.txt"
    fi
  done
  median=$(sort -n "$out/ms-$backend.txt" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  echo "$backend,$runs,$ok,$hung,$failed,$median" >> "$csv"
  echo "raw-example: $backend: $ok of $runs ok, $hung hung, $failed failed (median $median ms a JVM)"
  [ "$hung" = 0 ] && [ "$failed" = 0 ] || status=1
done
exit $status
