#!/usr/bin/env python3
"""Turns the raw outputs of bench.sh into results.csv, a readable table, the targets' PASS/MISS lines
and an SVG chart. Standard library only.

    report.py OUT_DIR [--docs DOCS_DIR]

Reads OUT_DIR/jmh-HEAP-THP.json (JMH, -rf json), c-HEAP-THP.txt, python-HEAP-THP.txt, machine.txt and,
when present, concurrency.csv, first-call.csv, poller.csv, reseed.csv, warm-up.csv, sustained.csv and
revival.csv. Writes OUT_DIR/results.csv,
table.txt, targets.txt, events.txt, bench-chart.svg. With --docs it also writes
DOCS_DIR/bench-chart-jdkN.svg and replaces the JDK N section of DOCS_DIR/bench-results.md (N is 17 or 25,
the run's JDK; the other section is kept as it is), so the page always holds the latest run on each JDK
and stays one screenful of tables (under 250 lines). A run on another JDK updates OUT_DIR only.
"""
import json
import math
import os
import re
import sys

HEADER = "system,backend,heap_mb,thp,median_us,p99_us,ratio_to_c"
HEAPS = [64, 512, 2048]
THPS = ["off", "on", "runtime"]
# the chart's two panels; the runtime rows are in the tables and targets
CHART_THPS = ["off", "on"]
RUNTIME_HEAPS = [512, 2048]
# bench.sh's backends= line in machine.txt replaces this (ffm is there when the JVM was 22+)
BACKENDS = ["jnr", "jna", "jni"]
FORK_SYSTEMS = ["raw", "run", "call", "exec", "pool"]
OTHER_SYSTEMS = ["c", "python", "processbuilder-true", "processbuilder-jvm"]
JMH_NAMES = {
    "dev.jfork.bench.ForkBench.raw": "raw",
    "dev.jfork.bench.ForkBench.run": "run",
    "dev.jfork.bench.ForkBench.call": "call",
    "dev.jfork.bench.ForkBench.exec": "exec",
    "dev.jfork.bench.PoolBench.pool": "pool",
    "dev.jfork.bench.BaselineBench.processbuilderTrue": "processbuilder-true",
    "dev.jfork.bench.BaselineBench.processbuilderJvm": "processbuilder-jvm",
}


def read_kv(path):
    values = {}
    if not os.path.exists(path):
        return values
    with open(path) as f:
        for line in f:
            for m in re.finditer(r"(\w+)=(\S+)", line):
                values[m.group(1)] = m.group(2)
    return values


def read_machine(path):
    values = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    values[k] = v
    return values


def load(out):
    """{(system, backend, heap, thp): (median_us, p99_us)} and {(heap, thp): jvm_rss_kb}."""
    results = {}
    rss = {}
    for heap in HEAPS:
        for thp in THPS:
            tag = "%d-%s" % (heap, thp)
            path = os.path.join(out, "jmh-%s.json" % tag)
            if os.path.exists(path):
                try:
                    with open(path) as f:
                        runs = json.load(f)
                except ValueError:
                    runs = []
                for run in runs:
                    system = JMH_NAMES.get(run.get("benchmark"))
                    if system is None:
                        continue
                    backend = run.get("params", {}).get("backend", "-")
                    pct = run["primaryMetric"].get("scorePercentiles", {})
                    if "50.0" in pct and "99.0" in pct:
                        results[(system, backend, heap, thp)] = (float(pct["50.0"]), float(pct["99.0"]))
            for system in ("c", "python"):
                kv = read_kv(os.path.join(out, "%s-%s.txt" % (system, tag)))
                if "median_us" in kv:
                    results[(system, "-", heap, thp)] = (float(kv["median_us"]), float(kv["p99_us"]))
                if system == "c" and "jvm_rss_kb" in kv:
                    rss[(heap, thp)] = int(kv["jvm_rss_kb"])
    return results, rss


def load_events(out):
    """Lines of events-HEAP-THP.txt: children that hung (killed by a watchdog) or failed."""
    events = []
    for heap in HEAPS:
        for thp in THPS:
            path = os.path.join(out, "events-%d-%s.txt" % (heap, thp))
            if os.path.exists(path):
                with open(path) as f:
                    for line in f:
                        parts = line.strip().split(" ", 2)
                        if len(parts) == 3:
                            events.append("heap %4d MB thp %-3s %s [%s]: %s" % (
                                heap, thp, parts[0].rsplit(".", 1)[-1], parts[1], parts[2]))
    return events


def configs():
    """The (heap, thp) pairs bench.sh runs: runtime only where there is a heap to collapse."""
    for heap in HEAPS:
        for thp in THPS:
            if thp != "runtime" or heap in RUNTIME_HEAPS:
                yield heap, thp


def row_keys():
    for heap, thp in configs():
        for system in FORK_SYSTEMS:
            for backend in BACKENDS:
                yield (system, backend, heap, thp)
        for system in OTHER_SYSTEMS:
            yield (system, "-", heap, thp)


def ratio_to_c(results, key):
    _, _, heap, thp = key
    row = results.get(key)
    c = results.get(("c", "-", heap, thp))
    if row is None or c is None or c[0] <= 0:
        return None
    return row[0] / c[0]


def fmt(value, digits=1):
    return "-" if value is None else ("%.*f" % (digits, value))


def write_csv(out, results):
    lines = [HEADER]
    for key in row_keys():
        system, backend, heap, thp = key
        row = results.get(key)
        ratio = ratio_to_c(results, key)
        lines.append(",".join([system, backend, str(heap), thp,
                               fmt(row and row[0]), fmt(row and row[1]), fmt(ratio, 2)]))
    with open(os.path.join(out, "results.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")


def table(results, rss):
    head = ["system", "backend", "heap_mb", "thp", "jvm_rss_mb", "median_us", "p99_us", "ratio_to_c"]
    body = []
    for key in row_keys():
        system, backend, heap, thp = key
        row = results.get(key)
        kb = rss.get((heap, thp))
        body.append([system, backend, str(heap), thp, "-" if kb is None else str((kb + 1023) // 1024),
                     fmt(row and row[0]), fmt(row and row[1]), fmt(ratio_to_c(results, key), 2)])
    widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
    right = {2, 4, 5, 6, 7}

    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    text = [line(head), line(["-" * w for w in widths])]
    previous = None
    for cells in body:
        if previous is not None and cells[2:4] != previous:
            text.append("")
        previous = cells[2:4]
        text.append(line(cells))
    return "\n".join(text)


def targets(results):
    """The issue's targets: (description, measured ratio or None, passed or None)."""
    lines = []

    def median(system, backend, heap, thp):
        row = results.get((system, backend, heap, thp))
        return row[0] if row else None

    def add(text, ratio, limit, at_most=True):
        if ratio is None:
            lines.append("%-60s ratio    -     MISS (not measured)" % text)
            return
        ok = ratio <= limit if at_most else ratio >= limit
        lines.append("%-60s ratio %6.2f  %s" % (text, ratio, "PASS" if ok else "MISS"))

    for heap in HEAPS:
        for thp in CHART_THPS:
            c = median("c", "-", heap, thp)
            for backend in BACKENDS:
                raw = median("raw", backend, heap, thp)
                add("raw/C <= 1.10      %-3s heap %4d MB thp %-3s" % (backend, heap, thp),
                    raw / c if raw and c else None, 1.10)
    for heap in HEAPS:
        for thp in CHART_THPS:
            for backend in BACKENDS:
                raw = median("raw", backend, heap, thp)
                run = median("run", backend, heap, thp)
                add("run/raw <= 1.10    %-3s heap %4d MB thp %-3s" % (backend, heap, thp),
                    run / raw if run and raw else None, 1.10)
    for thp in CHART_THPS:
        jvm = median("processbuilder-jvm", "-", 64, thp)
        for backend in BACKENDS:
            call = median("call", backend, 64, thp)
            add("pb-jvm/call >= 20  %-3s heap   64 MB thp %-3s" % (backend, thp),
                jvm / call if jvm and call else None, 20.0, at_most=False)
    for heap in (64, 2048):
        for backend in BACKENDS:
            pool = median("pool", backend, heap, "off")
            add("pool/1 ms <= 1    %-3s heap %4d MB thp off" % (backend, heap),
                pool / 1000.0 if pool else None, 1.0)
    for thp in CHART_THPS:
        jvm = median("processbuilder-jvm", "-", 64, thp)
        for backend in BACKENDS:
            pool = median("pool", backend, 64, thp)
            add("pb-jvm/pool >= 20  %-3s heap   64 MB thp %-3s" % (backend, thp),
                jvm / pool if jvm and pool else None, 20.0, at_most=False)
    for thp in CHART_THPS:
        for backend in BACKENDS:
            small = median("exec", backend, 64, thp)
            big = median("exec", backend, 2048, thp)
            add("exec 2G/64M <= 1.5 %-3s thp %-3s" % (backend, thp),
                big / small if big and small else None, 1.5)
    for backend in BACKENDS:
        off = median("raw", backend, 2048, "off")
        runtime = median("raw", backend, 2048, "runtime")
        add("raw thp=runtime/off <= 0.35 %-3s heap 2048 MB" % backend,
            runtime / off if runtime and off else None, 0.35)
    return "\n".join(lines)


# ---------------------------------------------------------------- chart

COLORS = {
    "raw": "#1f77b4", "run": "#ff7f0e", "call": "#2ca02c", "exec": "#d62728", "pool": "#17becf",
    "c": "#000000", "python": "#9467bd", "processbuilder-true": "#8c564b", "processbuilder-jvm": "#e377c2",
}
DASHES = {"jni": "", "jnr": "7,4", "jna": "2,3", "ffm": "1,2,6,2", "-": ""}


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_chart(results, machine):
    series = [(s, b) for s in FORK_SYSTEMS for b in BACKENDS] + [(s, "-") for s in OTHER_SYSTEMS]
    values = [v[0] for v in results.values() if v and v[0] > 0]
    if not values:
        values = [100.0, 100000.0]
    y_lo = 10 ** math.floor(math.log10(min(values)))
    y_hi = 10 ** math.ceil(math.log10(max(values)))
    if y_hi <= y_lo:
        y_hi = y_lo * 10
    width, height = 1220, 640
    panel_w, panel_h = 400, 430
    top = 110
    lefts = [90, 90 + panel_w + 80]
    x_lo, x_hi = math.log2(48), math.log2(2800)

    def px(heap, left):
        return left + (math.log2(heap) - x_lo) / (x_hi - x_lo) * panel_w

    def py(us):
        return top + panel_h - (math.log10(us) - math.log10(y_lo)) / (math.log10(y_hi) - math.log10(y_lo)) * panel_h

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="DejaVu Sans, Arial, sans-serif" font-size="12">' % (width, height, width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="20" y="30" font-size="18" font-weight="bold">jfork: fork round trip (median) against heap size</text>',
           '<text x="20" y="52">%s</text>' % esc("Measured %s, %s run of fork-bench/bench.sh. Log scales; "
                                                 "64 MB heap as started, 512 MB and 2 GB pre-touched; C and Python "
                                                 "hold the JVM's VmRSS." % (machine.get("date", "?"), machine.get("mode", "?"))),
           '<text x="20" y="72">%s</text>' % esc("Machine: %s, %s, %s, %s; %s; THP enabled: %s" % (
               machine.get("cpu", "?"), machine.get("memory", "?"), machine.get("os", "?"), machine.get("kernel", "?"),
               machine.get("java", "?"), machine.get("thp_enabled", "?")))]
    for panel, thp in enumerate(CHART_THPS):
        left = lefts[panel]
        title = ("THP off (-XX:-UseTransparentHugePages; C and Python 4 KB pages)" if thp == "off"
                 else "THP on (-XX:+UseTransparentHugePages; C and Python MADV_HUGEPAGE)")
        out.append('<text x="%d" y="%d" font-weight="bold">%s</text>' % (left, top - 12, esc(title)))
        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>' % (left, top, panel_w, panel_h))
        decade = y_lo
        while decade <= y_hi * 1.0001:
            y = py(decade)
            out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (left, y, left + panel_w, y))
            label = ("%g µs" % decade) if decade < 1000 else ("%g ms" % (decade / 1000))
            out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (left - 6, y + 4, label))
            for k in (2, 5):
                if decade * k < y_hi:
                    yk = py(decade * k)
                    out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#f2f2f2"/>' % (left, yk, left + panel_w, yk))
            decade *= 10
        for heap in HEAPS:
            x = px(heap, left)
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, top, x, top + panel_h))
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (
                x, top + panel_h + 18, "64 MB" if heap == 64 else ("512 MB" if heap == 512 else "2 GB")))
        out.append('<text x="%d" y="%d" text-anchor="middle">heap (-Xms = -Xmx)</text>' % (left + panel_w // 2, top + panel_h + 40))
        out.append('<text x="%d" y="%d" text-anchor="middle" transform="rotate(-90 %d %d)">median round trip</text>' % (
            left - 62, top + panel_h // 2, left - 62, top + panel_h // 2))
        for system, backend in series:
            points = [(px(h, left), py(results[(system, backend, h, thp)][0])) for h in HEAPS
                      if (system, backend, h, thp) in results and results[(system, backend, h, thp)][0] > 0]
            if not points:
                continue
            color = COLORS[system]
            dash = DASHES[backend]
            if len(points) > 1:
                out.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>' % (
                    color, (' stroke-dasharray="%s"' % dash) if dash else "",
                    " ".join("%.1f,%.1f" % p for p in points)))
            for x, y in points:
                out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (x, y, color))
    # legend
    lx, ly = lefts[1] + panel_w + 30, top + 4
    out.append('<text x="%d" y="%d" font-weight="bold">system</text>' % (lx, ly))
    for i, system in enumerate(FORK_SYSTEMS + OTHER_SYSTEMS):
        y = ly + 20 + i * 20
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>' % (lx, y - 4, lx + 30, y - 4, COLORS[system]))
        out.append('<text x="%d" y="%d">%s</text>' % (lx + 38, y, esc(system)))
    y = ly + 20 + len(FORK_SYSTEMS + OTHER_SYSTEMS) * 20 + 16
    out.append('<text x="%d" y="%d" font-weight="bold">backend</text>' % (lx, y))
    shown = [b for b in ["jni", "jnr", "jna", "ffm"] if b in BACKENDS]
    for i, backend in enumerate(shown):
        yy = y + 20 + i * 20
        dash = DASHES[backend]
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333" stroke-width="2"%s/>' % (
            lx, yy - 4, lx + 30, yy - 4, (' stroke-dasharray="%s"' % dash) if dash else ""))
        out.append('<text x="%d" y="%d">%s</text>' % (lx + 38, yy, backend))
    out.append('<text x="%d" y="%d" fill="#555">c, python and processbuilder-*</text>' % (lx, y + 26 + 20 * len(shown)))
    out.append('<text x="%d" y="%d" fill="#555">have no backend (solid).</text>' % (lx, y + 42 + 20 * len(shown)))
    out.append('<text x="20" y="%d" fill="#555">%s</text>' % (height - 16, esc(
        "raw: SPI fork + child _exit + waitpid. run: Forker.fork(empty task).waitFor(). call: Forker.call(small task). pool: ForkPool.submit of a small function, pool warm. "
        "exec: Forker.exec(/bin/true).waitFor(). Data: fork-bench/target/bench/results.csv.")))
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- the results page

PAGE = "bench-results.md"
PAGE_JDKS = [17, 25]
PAGE_LIMIT = 250
CONFIG_LABELS = {"off": "off", "on": "on", "runtime": "rt"}


def begin_marker(jdk):
    return "<!-- jdk%d: written by fork-bench/src/main/python/report.py; replaced by the next run on JDK %d -->" % (jdk, jdk)


def end_marker(jdk):
    return "<!-- /jdk%d -->" % jdk


def java_feature(machine):
    """The run's JDK feature version: bench.sh's java_feature= line, else the java -version line."""
    value = machine.get("java_feature", "")
    if value.isdigit():
        return int(value)
    m = re.search(r"build (\d+)", machine.get("java", ""))
    return int(m.group(1)) if m else None


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = [line.strip() for line in f if line.strip()]
    if len(lines) < 2:
        return []
    head = lines[0].split(",")
    return [dict(zip(head, line.split(","))) for line in lines[1:]]


def grid(head, rows, right_from=1):
    """A plain-text table, columns from right_from on right-aligned."""
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]

    def line(cells):
        return "  ".join(c.rjust(w) if i >= right_from else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(head)] + [line(r) for r in rows])


def pivot(results, rss, which):
    """One row per system and backend, one column per heap and THP configuration: the median (which=0)
    or the 99th percentile (which=1) in microseconds; the medians' first row is the JVM's resident size."""
    cols = list(configs())
    head = ["us" if which == 0 else "us, p99"] + ["%d/%s" % (h, CONFIG_LABELS[t]) for h, t in cols]
    rows = [["jvm_rss_mb"] + ["-" if rss.get(c) is None else str((rss[c] + 1023) // 1024) for c in cols]] if which == 0 else []
    series = [(s, b) for s in FORK_SYSTEMS for b in BACKENDS] + [(s, "-") for s in OTHER_SYSTEMS]
    for system, backend in series:
        cells = [fmt(results[(system, backend, h, t)][which]) if (system, backend, h, t) in results else "-"
                 for h, t in cols]
        if all(c == "-" for c in cells):
            continue
        rows.append([system if backend == "-" else "%s %s" % (system, backend)] + cells)
    return grid(head, rows)


def short_where(where):
    """'jni heap 2048 MB thp on' -> 'jni 2048/on', 'jnr thp off' -> 'jnr off', 'jna heap 2048 MB' -> 'jna 2048'."""
    where = re.sub(r"heap\s+(\d+) MB thp (\w+)", r"\1/\2", where)
    where = re.sub(r"heap\s+(\d+) MB", r"\1", where)
    return re.sub(r"thp (\w+)", r"\1", where)


def targets_summary(goals):
    """targets() lines grouped by target: how many passed, the range of ratios, and the misses."""
    groups = []
    by_name = {}
    for line in goals.splitlines():
        m = re.match(r"(.*?(?:<=|>=) ?[\d.]+(?: ms <= 1)?)\s+(.*?)\s+ratio\s+(\S+)\s+(PASS|MISS)", line)
        if not m:
            continue
        name, where, ratio, verdict = m.group(1).strip(), " ".join(m.group(2).split()), m.group(3), m.group(4)
        if name not in by_name:
            by_name[name] = []
            groups.append(name)
        by_name[name].append((where, ratio, verdict))
    out = []
    for name in groups:
        items = by_name[name]
        ratios = [float(r) for _, r, _ in items if r != "-"]
        passed = sum(1 for _, _, v in items if v == "PASS")
        misses = ["%s %s" % (short_where(w), r) for w, r, v in items if v == "MISS"]
        span = "-" if not ratios else ("%.2f" % min(ratios) if min(ratios) == max(ratios)
                                       else "%.2f-%.2f" % (min(ratios), max(ratios)))
        out.append("- `%s`: %d of %d pass, ratios %s%s" % (
            name, passed, len(items), span, ("; missed: " + ", ".join(misses)) if misses else ""))
    return "\n".join(out)


def concurrency_table(rows):
    """concurrency.csv, one line per backend: ms per task, discards and ratio for each mode and thread count."""
    keys = []
    for r in rows:
        key = (r.get("mode", "?"), r.get("threads", "?"))
        if key not in keys:
            keys.append(key)
    head = ["backend"] + ["%s x%s" % k for k in keys]
    body = []
    for backend in [b for b in BACKENDS if any(r.get("backend") == b for r in rows)]:
        cells = [backend]
        for mode, threads in keys:
            hit = [r for r in rows if r.get("backend") == backend and (r.get("mode"), r.get("threads")) == (mode, threads)]
            cells.append("%s ms %s d %sx" % (hit[0].get("ms_per_task", "?"), hit[0].get("discards", "?"),
                                            hit[0].get("ratio_to_1_thread", "?")) if hit else "-")
        body.append(cells)
    tasks = rows[0].get("tasks", "?") if rows else "?"
    return tasks, grid(head, body)


def simple_table(rows, columns):
    return grid(columns, [[r.get(c, "-") for c in columns] for r in rows])


def section(jdk, out, machine, results, rss, goals, events):
    """The page's JDK section of this run, between its markers."""
    command = machine.get("command") or ("fork-bench/bench.sh" + (" --quick" if machine.get("mode") == "quick" else ""))
    commit = machine.get("commit")
    text = [begin_marker(jdk), "## JDK %d" % jdk, ""]
    text.append("- Run: `%s`%s, %s, took %s s." % (command, (" on %s" % commit) if commit else "",
                                                   machine.get("date", "?"), machine.get("elapsed_s", "?")))
    text.append("- Machine: %s, %s; %s, %s; %s; THP enabled: %s, defrag: %s." % (
        machine.get("cpu", "?"), machine.get("memory", "?"), machine.get("os", "?"), machine.get("kernel", "?"),
        machine.get("java", "?"), machine.get("thp_enabled", "?"), machine.get("thp_defrag", "?")))
    text += ["", "![round trip against heap size, JDK %d](bench-chart-jdk%d.svg)" % (jdk, jdk), ""]
    text += ["Median round trip (us):", "", "```", pivot(results, rss, 0), "```", ""]
    text += ["99th percentile (us):", "", "```", pivot(results, rss, 1), "```", ""]
    text += ["Targets (median ratios; every line in `targets.txt`):", "", targets_summary(goals), ""]
    conc = read_csv(os.path.join(out, "concurrency.csv"))
    if conc:
        tasks, body = concurrency_table(conc)
        text += ["%s small tasks from 1 and 4 threads, default flags (`concurrency.csv`: ms per task, `d` children "
                 "forked again, `x` time over one thread's):" % tasks, "", "```", body, "```", ""]
    first = read_csv(os.path.join(out, "first-call.csv"))
    if first:
        text += ["The first `call` in a fresh JVM with default flags, ms (`first-call.csv`):", "", "```",
                 simple_table(first, ["backend", "mode", "warm_up_ms", "first_call_ms", "next_calls_median_ms"]), "```", ""]
    poller = read_csv(os.path.join(out, "poller.csv"))
    if poller:
        text += ["The deadlock poller (`poller.csv`), %s children in a timed sleep: %s%% of a CPU; %s us per child per look."
                 % (", ".join(r.get("children", "?") for r in poller), "%, ".join(r.get("poller_cpu_percent", "?") for r in poller),
                    ", ".join(r.get("us_per_child_per_look", "?") for r in poller)), ""]
    reseed = read_csv(os.path.join(out, "reseed.csv"))
    if reseed:
        text += ["A child's reseeding of its random generators (`reseed.csv`), us median / p90 / max: %s." % ", ".join(
            "%s %s / %s / %s" % (r.get("backend", "?"), r.get("median_us", "?"), r.get("p90_us", "?"), r.get("max_us", "?"))
            for r in reseed), ""]
    warm = read_csv(os.path.join(out, "warm-up.csv"))
    if warm:
        text += ["`Forker.warmUp()` step by step in a fresh JVM at 64 MB, ms (`warm-up.csv`, `WarmUpBreakdown`):", "", "```",
                 simple_table(warm, ["backend", "step", "ms"]), "```", ""]
    sustained = read_csv(os.path.join(out, "sustained.csv"))
    if sustained:
        pool_rows = [r for r in sustained if r.get("threads", "").isdigit()]
        c_rows = [",".join(v for v in r.values() if v) for r in sustained if not r.get("threads", "").isdigit()]
        text += ["Sustained load through a pool at 64 MB, back to back (`sustained.csv`, `SustainedLoad`):", "", "```",
                 simple_table(pool_rows, ["backend", "threads", "tasks_per_child", "tasks_per_s", "p50_ms", "p99_ms",
                                          "forked_on_demand"]), "```", ""]
        if c_rows:
            text += ["The C fork rate at the same resident size: " + "; ".join("`%s`" % c for c in c_rows) + ".", ""]
    revival = [r for r in read_csv(os.path.join(out, "revival.csv")) if r.get("runtime") in ("off", "vm")]
    if revival:
        text += ["The child runtime (`revival.csv`: SerialGC, 64 MB, `-Dfork.childRuntime` off and `vm` in alternate"
                 " rounds), us median / p90; `in-child-start` is the revival's own time in the child:", "", "```",
                 simple_table(revival, ["backend", "case", "runtime", "n", "median_us", "p90_us"]), "```", ""]
    text.append("Children that hung or failed: %s." % ("none" if not events else "%d, in `events.txt`" % len(events)))
    if events:
        text += ["```"] + events[:3] + (["..."] if len(events) > 3 else []) + ["```"]
    text.append(end_marker(jdk))
    return "\n".join(text)


PAGE_HEAD = """# fork-bench results

The latest run of `fork-bench/bench.sh` on JDK 17 and on JDK 25, each written by the script itself
(`report.py` replaces its JDK's section). How to run it and what every file holds:
[fork-bench/README.md](../fork-bench/README.md). Earlier runs: `git log -p docs/bench-results.md`.

## How to read this

- Each row is one thing timed, one round trip in microseconds: `raw` the SPI's fork, the child's `_exit`
  and the parent's `waitpid`; `run` `Forker.fork(task).waitFor()`; `call` `Forker.call` of a small task,
  its result read back; `exec` `Forker.exec("/bin/true")`; `pool` a submission to a warm `ForkPool`,
  submission to result. The baselines use no backend: `c` and `python` a fork/`_exit`/`waitpid` loop
  holding as much memory as the JVM had resident, `processbuilder-true` `/bin/true`, `processbuilder-jvm`
  a fresh JVM running the same small task.
- Each column is one JVM: `-Xms` = `-Xmx` = 64, 512 or 2048 MB with G1 (512 MB and 2 GB pre-touched), and
  `off` `-XX:-UseTransparentHugePages`, `on` `-XX:+UseTransparentHugePages`, `rt` started without huge
  pages and the heap put on them at run time (`-Dfork.hugePages=runtime`). `jvm_rss_mb` is that JVM's
  resident size when it forked; a fork's cost follows it, since a fork copies the page tables.
- The ratio to C of a row is its median over the `c` row's in the same column (`results.csv` holds it).
- `call` in these JVMs is not `call` with default flags: the small-task runs below (`concurrency.csv`,
  `first-call.csv`) start a JVM with default flags (the default heap), and a call there costs more.
- In `concurrency.csv` a pool is bounded by its refill forks, made one at a time on the pool's thread,
  so 4 submitting threads are not faster than 1. The first `call` of a JVM pays jfork's warm-up (its
  own child path run and compiled in the parent, see [safety.md](safety.md)); `Forker.warmUp()` moves it to start-up.
- A quick run (`--quick`) has fewer and shorter iterations, the same rows. The machine has 2 cores:
  a single ratio of one run can be noise; compare the backends of one run, not runs of different days.
"""


def replace_section(page, jdk, body):
    """The page with the JDK's section replaced by body. The head (all before the first section) is kept
    as it is, so it can be edited by hand; the other JDK's section is kept; nothing else is."""
    sections = {}
    first = None
    for j in PAGE_JDKS:
        i = page.find(begin_marker(j).split(":")[0] + ":")
        k = page.find(end_marker(j))
        if i >= 0 and k > i:
            sections[j] = page[i:k + len(end_marker(j))]
            first = i if first is None else min(first, i)
    head = page[:first] if first is not None else PAGE_HEAD
    sections[jdk] = body
    parts = [head.rstrip("\n") + "\n"]
    for j in PAGE_JDKS:
        parts.append(sections.get(j, "%s\n## JDK %d\n\nNot run yet: `JAVA_HOME=<a JDK %d> fork-bench/bench.sh --quick`.\n%s"
                                  % (begin_marker(j), j, j, end_marker(j))))
    return "\n".join(parts) + "\n"


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    out = argv[1]
    docs = argv[argv.index("--docs") + 1] if "--docs" in argv else None
    global BACKENDS
    results, rss = load(out)
    machine = read_machine(os.path.join(out, "machine.txt"))
    if machine.get("backends"):
        BACKENDS = [b for b in machine["backends"].split(",") if b]
    write_csv(out, results)
    text = table(results, rss)
    goals = targets(results)
    events = load_events(out)
    incidents = "\n".join(events) if events else "none"
    svg = svg_chart(results, machine)
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(out, "targets.txt"), "w") as f:
        f.write(goals + "\n")
    with open(os.path.join(out, "events.txt"), "w") as f:
        f.write(incidents + "\n")
    with open(os.path.join(out, "bench-chart.svg"), "w") as f:
        f.write(svg)
    print(text)
    print()
    print("Targets (median ratios):")
    print(goals)
    print()
    print("Children that hung or failed during the run (their time is in the samples):")
    print(incidents)
    if docs:
        jdk = java_feature(machine)
        if jdk not in PAGE_JDKS:
            print("report.py: %s/%s not updated: it holds the runs on JDK %s, this run is on JDK %s" % (
                docs, PAGE, " and ".join(map(str, PAGE_JDKS)), jdk), file=sys.stderr)
            return 0
        os.makedirs(docs, exist_ok=True)
        with open(os.path.join(docs, "bench-chart-jdk%d.svg" % jdk), "w") as f:
            f.write(svg)
        path = os.path.join(docs, PAGE)
        page = ""
        if os.path.exists(path):
            with open(path) as f:
                page = f.read()
        page = replace_section(page, jdk, section(jdk, out, machine, results, rss, goals, events))
        with open(path, "w") as f:
            f.write(page)
        lines = page.count("\n")
        print("report.py: wrote the JDK %d section of %s (%d lines)" % (jdk, path, lines))
        if lines > PAGE_LIMIT:
            print("report.py: %s has %d lines, more than %d: shorten the page's head" % (path, lines, PAGE_LIMIT),
                  file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
