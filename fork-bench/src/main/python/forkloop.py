#!/usr/bin/env python3
"""Python baseline of fork-bench: holds a given resident size, then times os.fork -> child
os._exit(0) -> os.waitpid in a loop.

    forkloop.py RSS_MB ITERATIONS HUGEPAGE [MAX_SECONDS [WARMUP [HUGE_MB]]]

RSS_MB is the resident size the whole process should have when it forks (the JVM's VmRSS, read by
bench.sh): the script reads its own VmRSS and holds a bytearray of the difference, every page
written. With HUGEPAGE 1 the buffer is an anonymous mmap advised MADV_HUGEPAGE instead (a bytearray
cannot be advised), the Python counterpart of -XX:+UseTransparentHugePages; HUGE_MB, if given,
limits that mmap to HUGE_MB and the rest stays a bytearray (bench.sh passes the JVM's
AnonHugePages). Prints one line like the
C baseline: median_us=... p99_us=... samples=... rss_kb=... anon_huge_kb=... touched_mb=...
Standard library only.
"""
import mmap
import os
import sys
import time

PAGE = os.sysconf("SC_PAGESIZE")


def vm_rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def anon_huge_kb():
    try:
        with open("/proc/self/smaps_rollup") as f:
            for line in f:
                if line.startswith("AnonHugePages:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def touch(buffer):
    view = memoryview(buffer)
    view[::PAGE] = b"\x01" * len(range(0, len(view), PAGE))
    view.release()


def percentile(sorted_samples, p):
    n = len(sorted_samples)
    rank = max(1, min(n, -(-int(p * n * 1000000) // 1000000)))  # nearest rank: ceil(p * n)
    return sorted_samples[rank - 1]


def one_fork():
    t0 = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return (time.perf_counter_ns() - t0) / 1000.0


def main(argv):
    if len(argv) < 4:
        print("usage: forkloop.py RSS_MB ITERATIONS HUGEPAGE(0|1) [MAX_SECONDS [WARMUP]]", file=sys.stderr)
        return 64
    target_mb = int(argv[1])
    iterations = max(1, int(argv[2]))
    hugepage = argv[3] == "1"
    max_seconds = float(argv[4]) if len(argv) > 4 else 1e9
    warmup = int(argv[5]) if len(argv) > 5 else 5
    huge_limit_mb = int(argv[6]) if len(argv) > 6 else -1

    touch_mb = max(0, target_mb - vm_rss_kb() // 1024)
    size = touch_mb << 20
    huge = 0
    if hugepage:
        huge = size if huge_limit_mb < 0 else min(size, (huge_limit_mb << 20) & ~((2 << 20) - 1))
    held = []
    if huge > 0:
        advised = mmap.mmap(-1, huge, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        advised.madvise(mmap.MADV_HUGEPAGE)
        held.append(advised)
    if size - huge > 0:
        held.append(bytearray(size - huge))  # calloc'd: zero pages are not resident until written
    for buffer in held:
        touch(buffer)
    rss_kb = vm_rss_kb()
    huge_kb = anon_huge_kb()

    for _ in range(warmup):
        one_fork()
    samples = []
    start = time.perf_counter()
    while len(samples) < iterations:
        samples.append(one_fork())
        if len(samples) >= 20 and time.perf_counter() - start > max_seconds:
            break
    samples.sort()
    print("median_us=%.1f p99_us=%.1f samples=%d rss_kb=%d anon_huge_kb=%d touched_mb=%d"
          % (percentile(samples, 0.50), percentile(samples, 0.99), len(samples), rss_kb, huge_kb, touch_mb))
    del held
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
