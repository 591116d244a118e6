/*
 * parse_bench.c - time of the host's Scalene parser (profile_parse_scalene),
 * and of our stored format both ways (profile_encode, profile_decode: what a
 * put and a cache miss cost), on real Scalene profiles.
 *
 *   parse_bench [-n RUNS] PROFILE.json...
 *
 * For each file it prints one JSON object per line:
 *   {"file":..., "bytes":N, "files":F, "lines":L, "runs":R,
 *    "parse_ms":{"median":..,"min":..,"max":..},
 *    "encode_ms":{...}, "decode_ms":{...}, "stored_bytes":S}
 * The file is read into memory once; only the calls are timed. bench/bench.py
 * builds and runs it (section "parse"). Build by hand, from the source root
 * with a configured build directory `build`:
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Isdk -Ihost bench/parse_bench.c \
 *      build/host/libsmcp_core.a -o parse_bench -ldl -lm \
 *      $(pkg-config --cflags --libs libcjson inih)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "profile.h"

#define MAX_RUNS 1001

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 65536 > cap) {
            cap = cap ? cap * 2 : 1 << 20;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

static void print_stats(const char *name, double *xs, int n)
{
    qsort(xs, (size_t)n, sizeof *xs, cmp_double);
    double med = n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
    printf(",\"%s\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f,\"n\":%d}", name, med, xs[0],
           xs[n - 1], n);
}

static int bench_file(const char *path, int runs)
{
    size_t len = 0;
    char *buf = slurp(path, &len);
    if (!buf) {
        fprintf(stderr, "parse_bench: cannot read %s\n", path);
        return 1;
    }
    static double parse[MAX_RUNS], enc[MAX_RUNS], dec[MAX_RUNS];
    size_t stored = 0, n_files = 0, n_lines = 0;
    char err[512];
    for (int r = 0; r < runs; r++) {
        mcp_profile *p = NULL;
        double t0 = now_ms();
        int rc = profile_parse_scalene(buf, len, "/tmp", &p, NULL, err, sizeof err);
        double t1 = now_ms();
        if (rc != MCP_OK) {
            fprintf(stderr, "parse_bench: %s: parse failed (%d): %s\n", path, rc, err);
            free(buf);
            return 1;
        }
        parse[r] = t1 - t0;
        n_files = p->summary.n_files;
        n_lines = 0;
        for (size_t i = 0; i < n_files; i++)
            n_lines += p->files[i].info.n_lines;

        size_t elen = 0;
        t0 = now_ms();
        char *doc = profile_encode(p, &elen);
        t1 = now_ms();
        profile_free(p);
        if (!doc) {
            fprintf(stderr, "parse_bench: %s: encode failed\n", path);
            free(buf);
            return 1;
        }
        enc[r] = t1 - t0;
        stored = elen;

        mcp_profile *q = NULL;
        t0 = now_ms();
        rc = profile_decode(doc, elen, &q, err, sizeof err);
        t1 = now_ms();
        free(doc);
        if (rc != MCP_OK) {
            fprintf(stderr, "parse_bench: %s: decode failed (%d): %s\n", path, rc, err);
            free(buf);
            return 1;
        }
        dec[r] = t1 - t0;
        profile_free(q);
    }
    printf("{\"file\":\"%s\",\"bytes\":%zu,\"files\":%zu,\"lines\":%zu,\"runs\":%d", path, len,
           n_files, n_lines, runs);
    print_stats("parse_ms", parse, runs);
    print_stats("encode_ms", enc, runs);
    print_stats("decode_ms", dec, runs);
    printf(",\"stored_bytes\":%zu}\n", stored);
    fflush(stdout);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 10, opt;
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        if (opt == 'n')
            runs = atoi(optarg);
        else {
            fprintf(stderr, "usage: parse_bench [-n RUNS] PROFILE.json...\n");
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS || optind >= argc) {
        fprintf(stderr, "usage: parse_bench [-n RUNS (1..%d)] PROFILE.json...\n", MAX_RUNS);
        return 2;
    }
    int bad = 0;
    for (int i = optind; i < argc; i++)
        bad |= bench_file(argv[i], runs);
    return bad;
}
