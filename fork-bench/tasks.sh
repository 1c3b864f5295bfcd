#!/usr/bin/env bash
# Everyday Java in a child: for each backend, a fresh JVM with default flags runs some 30 ordinary
# tasks through Forker.call (compiled with plain javac, as users write them), plus tasks that cannot
# finish in a child (a GC, a wait, a parallel stream), each with a 20 s deadline.
#   fork-bench/tasks.sh
# Writes fork-bench/target/tasks/results.csv: backend,task,outcome,ms (ok, deadlocked, hung, failed)
# and exits non-zero when an everyday task did not finish, or a task that cannot finish was not
# reported deadlocked (a hang until the deadline is a miss).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${TASKS_NO_BUILD:-0}" != 1 ] || [ ! -f fork-demo/target/fork-demo.jar ]; then
  mvn -B -q -DskipTests install
fi
jar=fork-demo/target/fork-demo.jar
out=fork-bench/target/tasks
classes=$out/classes
rm -rf "$out"
mkdir -p "$classes"
# plain javac: string concatenation and lambdas as in any user's code
javac -d "$classes" -cp "$jar" fork-bench/src/main/java/dev/jfork/bench/tasks/EverydayTasks.java
csv=$out/results.csv
echo "backend,task,outcome,ms" > "$csv"
backends=$(java -jar "$jar" --list-backends 2>/dev/null | awk -F: '$2 ~ /available/ && $2 !~ /unavailable/ {print $1}')
status=0
for backend in $backends; do
  if ! timeout 900 java --enable-native-access=ALL-UNNAMED -Dfork.warnThreads=false \
      -cp "$classes:$jar" dev.jfork.bench.tasks.EverydayTasks "$backend" "$csv" > /dev/null; then
    echo "tasks: $backend missed" >&2
    status=1
  fi
done
echo
column -s, -t < "$csv"
exit $status
