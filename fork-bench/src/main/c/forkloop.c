/*
 * C baseline of fork-bench: holds a given resident size, then times fork -> child _exit(0) ->
 * waitpid in a loop.
 *
 *   forkloop RSS_MB ITERATIONS HUGEPAGE [MAX_SECONDS [WARMUP [HUGE_MB]]]
 *
 * RSS_MB is the resident size the whole process should have when it forks (the JVM's VmRSS, read by
 * bench.sh): the program reads its own VmRSS and touches the difference. HUGEPAGE 1 asks for
 * transparent huge pages on that memory with MADV_HUGEPAGE (as -XX:+UseTransparentHugePages does for
 * the JVM's heap under THP mode "madvise"); HUGE_MB, if given, limits the advice to that many MB
 * of it (bench.sh passes the JVM's own AnonHugePages, so that C has the JVM's split of huge and
 * small pages, not only its total), and the rest gets MADV_NOHUGEPAGE. The loop stops after ITERATIONS forks or MAX_SECONDS,
 * whichever comes first (at least 20 forks). Prints one line:
 *
 *   median_us=... p99_us=... samples=... rss_kb=... anon_huge_kb=... touched_mb=...
 *
 * Percentiles are nearest-rank over the sorted samples.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HUGE_PAGE (2UL << 20)

static long vm_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

/* AnonHugePages of /proc/self/smaps_rollup: how much of the resident memory is in huge pages. */
static long anon_huge_pages_kb(void) {
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    long kb = -1;
    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "AnonHugePages:", 14) == 0) {
            kb = strtol(line + 14, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, long n, double p) {
    long rank = (long) (p * n + 0.999999999); /* nearest rank: ceil(p * n) */
    if (rank < 1) {
        rank = 1;
    }
    if (rank > n) {
        rank = n;
    }
    return sorted[rank - 1];
}

static double one_fork(void) {
    double t0 = now_us();
    pid_t pid = fork();
    if (pid == 0) {
        _exit(0);
    }
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("waitpid");
            exit(2);
        }
    }
    return now_us() - t0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s RSS_MB ITERATIONS HUGEPAGE(0|1) [MAX_SECONDS [WARMUP [HUGE_MB]]]\n", argv[0]);
        return 64;
    }
    long target_mb = atol(argv[1]);
    long iterations = atol(argv[2]);
    int hugepage = atoi(argv[3]);
    double max_seconds = argc > 4 ? atof(argv[4]) : 1e9;
    long warmup = argc > 5 ? atol(argv[5]) : 5;
    long huge_limit_mb = argc > 6 ? atol(argv[6]) : -1;
    if (iterations < 1) {
        iterations = 1;
    }

    long base_kb = vm_rss_kb();
    long touch_mb = target_mb - (base_kb > 0 ? base_kb / 1024 : 0);
    if (touch_mb < 0) {
        touch_mb = 0;
    }
    size_t size = (size_t) touch_mb << 20;
    if (size > 0) {
        /* Over-allocate by one huge page and align, so every 2 MB extent can be a huge page. */
        char *raw = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED) {
            perror("mmap");
            return 2;
        }
        char *mem = (char *) (((unsigned long) raw + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
        size_t huge = hugepage ? size : 0;
        if (hugepage && huge_limit_mb >= 0 && (size_t) huge_limit_mb << 20 < size) {
            huge = ((size_t) huge_limit_mb << 20) & ~(HUGE_PAGE - 1);
        }
        if (huge > 0 && madvise(mem, huge, MADV_HUGEPAGE) != 0) {
            perror("madvise(MADV_HUGEPAGE)");
            return 2;
        }
        if (huge < size) {
            madvise(mem + huge, size - huge, MADV_NOHUGEPAGE);
        }
        long page = sysconf(_SC_PAGESIZE);
        for (size_t off = 0; off < size; off += (size_t) page) {
            mem[off] = (char) off;
        }
    }
    long rss_kb = vm_rss_kb();
    long anon_huge_kb = anon_huge_pages_kb();

    for (long i = 0; i < warmup; i++) {
        one_fork();
    }
    double *samples = malloc(sizeof(double) * (size_t) iterations);
    if (samples == NULL) {
        perror("malloc");
        return 2;
    }
    double start = now_us();
    long n = 0;
    while (n < iterations) {
        samples[n++] = one_fork();
        if (n >= 20 && now_us() - start > max_seconds * 1e6) {
            break;
        }
    }
    qsort(samples, (size_t) n, sizeof(double), cmp_double);
    printf("median_us=%.1f p99_us=%.1f samples=%ld rss_kb=%ld anon_huge_kb=%ld touched_mb=%ld\n",
           percentile(samples, n, 0.50), percentile(samples, n, 0.99), n, rss_kb, anon_huge_kb, touch_mb);
    free(samples);
    return 0;
}
