#!/usr/bin/env python3
"""Turns the raw outputs of bench.sh into results.csv, a readable table, the targets' PASS/MISS lines
and an SVG chart. Standard library only.

    report.py OUT_DIR [--docs DOCS_DIR]

Reads OUT_DIR/jmh-HEAP-THP.json (JMH, -rf json), c-HEAP-THP.txt, python-HEAP-THP.txt and
machine.txt. Writes OUT_DIR/results.csv, table.txt, targets.txt, bench-chart.svg; with --docs also
DOCS_DIR/bench-chart.svg and DOCS_DIR/bench-results.md.
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
        os.makedirs(docs, exist_ok=True)
        with open(os.path.join(docs, "bench-chart.svg"), "w") as f:
            f.write(svg)
        with open(os.path.join(docs, "bench-results.md"), "w") as f:
            f.write("# fork-bench results\n\n")
            f.write("![round trip against heap size](bench-chart.svg)\n\n")
            f.write("Run: `fork-bench/bench.sh%s`, %s, took %s s.\n\n" % (
                " --quick" if machine.get("mode") == "quick" else "", machine.get("date", "?"), machine.get("elapsed_s", "?")))
            f.write("Machine: %s, %s; %s, %s; %s; THP enabled: %s, defrag: %s.\n\n" % (
                machine.get("cpu", "?"), machine.get("memory", "?"), machine.get("os", "?"), machine.get("kernel", "?"),
                machine.get("java", "?"), machine.get("thp_enabled", "?"), machine.get("thp_defrag", "?")))
            f.write("Times in microseconds, medians and 99th percentiles of one round trip; `ratio_to_c` is the "
                    "row's median over the C baseline's at the same resident size (`jvm_rss_mb`, the JVM's VmRSS "
                    "when it forked). See fork-bench/README.md.\n\n")
            f.write("```\n" + text + "\n```\n\n## Targets\n\n```\n" + goals + "\n```\n")
            f.write("\n## Children that hung or failed\n\n```\n" + incidents + "\n```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
