#!/usr/bin/env bash
# Everyday Java in a child: for each backend, a fresh JVM with default flags runs some 30 ordinary
# tasks through Forker.call (compiled with plain javac, as users write them), plus tasks that cannot
# finish in a child (a GC, a wait, a parallel stream), each with a 20 s deadline.
#   fork-bench/tasks.sh                  default flags
#   fork-bench/tasks.sh --child-runtime  -XX:+UseSerialGC -Dfork.childRuntime=vm: a child has its VM thread
#                                        back, and the tasks that needed only a GC or a deoptimisation must finish
# Writes fork-bench/target/tasks/results.csv: backend,task,outcome,ms,runtime (ok, deadlocked, hung, failed;
# runtime vm or off) and exits non-zero when an everyday task did not finish, or a task that cannot finish was
# not reported deadlocked (a hang until the deadline is a miss).
set -euo pipefail
cd "$(dirname "$0")/.."

jvm_flags=()
case "${1:-}" in
  "") ;;
  --child-runtime) jvm_flags=(-XX:+UseSerialGC -Dfork.childRuntime=vm) ;;
  *) echo "tasks.sh: unknown option $1 (use --child-runtime, or nothing)" >&2; exit 2 ;;
esac

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
echo "backend,task,outcome,ms,runtime" > "$csv"
backends=$(java -jar "$jar" --list-backends 2>/dev/null | awk -F: '$2 ~ /available/ && $2 !~ /unavailable/ {print $1}')
status=0
for backend in $backends; do
  if ! timeout 900 java ${jvm_flags[@]+"${jvm_flags[@]}"} --enable-native-access=ALL-UNNAMED -Dfork.warnThreads=false \
      -cp "$classes:$jar" dev.jfork.bench.tasks.EverydayTasks "$backend" "$csv" > /dev/null; then
    echo "tasks: $backend missed" >&2
    status=1
  fi
done
echo
column -s, -t < "$csv"
exit $status
