/*
 * analyzer_bench.c - latency of the analysis tools on big profiles: the real
 * host in process (memory store and every analyzer plugin),
 * each Scalene JSON parsed and stored once, then every tool called through
 * the JSON-RPC dispatcher as a client would (answers written to /dev/null).
 *
 *   analyzer_bench [-p PLUGIN_DIR] [-n RUNS] PROFILE.json...
 *
 * Per profile and tool it prints the median, min and max of RUNS warm calls
 * (the decoded profile in the host's cache, as after any first call) and one
 * cold call (cache cleared first: decode from the store included).
 * PLUGIN_DIR defaults to $SMCP_PLUGIN_DIR, else build/plugins. Make the
 * profiles with bench/gen_big_profile.py. CMake builds it into
 * BUILD/bench/; bench/bench.py (section "analyzers") runs it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "profile.h"
#include "profile_access.h"
#include "server.h"
#include "store.h"

#define MAX_RUNS 101

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
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static void call(server *s, const char *tool_name, const char *args)
{
    char *line = NULL;
    int n = asprintf(&line,
                     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"%s\",\"arguments\":%s}}",
                     tool_name, args);
    if (n > 0)
        server_handle_line(s, line, (size_t)n);
    free(line);
}

int main(int argc, char **argv)
{
    const char *plugins = getenv("SMCP_PLUGIN_DIR");
    int runs = 11, opt;
    while ((opt = getopt(argc, argv, "p:n:")) != -1) {
        if (opt == 'p')
            plugins = optarg;
        else if (opt == 'n')
            runs = atoi(optarg);
        else
            return 2;
    }
    if (runs < 1 || runs > MAX_RUNS || optind >= argc) {
        fprintf(stderr, "usage: analyzer_bench [-p PLUGIN_DIR] [-n RUNS<=%d] PROFILE.json...\n",
                MAX_RUNS);
        return 2;
    }
    char ini[] = "/tmp/analyzer-bench-XXXXXX.ini";
    int fd = mkstemps(ini, 4);
    if (fd < 0)
        return 1;
    dprintf(fd,
            "[server]\nlog_level = error\nplugin_dir = %s\nmax_message_bytes = 268435456\n"
            "[storage]\nbackend = memory\n[plugin.memory]\n[plugin.hotspots]\n"
            "[plugin.functions]\n[plugin.gpu]\n[plugin.bottlenecks]\n[plugin.leaks]\n"
            "[plugin.comparator]\n",
            plugins ? plugins : "build/plugins");
    close(fd);
    config cfg;
    char err[4096];
    if (config_load(&cfg, ini, err, sizeof err) < 0) {
        fprintf(stderr, "config: %s\n", err);
        return 1;
    }
    unlink(ini);
    server srv;
    int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (server_init(&srv, &cfg, out, err, sizeof err) < 0) {
        fprintf(stderr, "server_init: %s\n", err);
        return 1;
    }
    char init[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                  "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{}}}";
    server_handle_line(&srv, init, strlen(init));

    static const char *const tools[][3] = {
        {"get_cpu_hotspots", "{\"profile_id\":\"%s\"}", ""},
        {"get_cpu_hotspots", "{\"profile_id\":\"%s\",\"context_lines\":3,\"top_n\":20}",
         "context_lines=3 top_n=20"},
        {"get_memory_hotspots", "{\"profile_id\":\"%s\"}", ""},
        {"get_call_paths", "{\"profile_id\":\"%s\"}", ""},
        {"get_call_paths", "{\"profile_id\":\"%s\",\"format\":\"folded\"}", "format=folded"},
        {"get_function_summary", "{\"profile_id\":\"%s\"}", ""},
        {"get_gpu_hotspots", "{\"profile_id\":\"%s\"}", ""},
        {"get_bottlenecks", "{\"profile_id\":\"%s\"}", ""},
        {"get_memory_leaks", "{\"profile_id\":\"%s\"}", ""},
        {"compare_profiles", "{\"before_id\":\"%s\",\"after_id\":\"%s\"}", "(itself)"},
        {"analyze_profile", "{\"profile_id\":\"%s\"}", ""},
    };
    printf("| profile | tool (arguments) | median ms | min | max | cold ms |\n");
    printf("|---|---|---:|---:|---:|---:|\n");
    for (int a = optind; a < argc; a++) {
        size_t len = 0;
        char *buf = slurp(argv[a], &len);
        if (!buf) {
            fprintf(stderr, "cannot read %s\n", argv[a]);
            return 1;
        }
        mcp_profile *p = NULL;
        double t0 = now_ms();
        int rc = profile_parse_scalene(buf, len, "/home/dev/bigprog", &p, NULL, err, sizeof err);
        double parse_ms = now_ms() - t0;
        free(buf);
        if (rc != MCP_OK) {
            fprintf(stderr, "parse %s: %s\n", argv[a], err);
            return 1;
        }
        char id[32];
        snprintf(id, sizeof id, "big%d", a);
        profile_meta m;
        profile_get_meta(p, &m);
        m.id = id;
        m.created_ms = 1700000000000 + a;
        m.scalene_version = "2.3.0";
        profile_set_meta(p, &m);
        if (profiles_save(&srv, p, err, sizeof err) != MCP_OK) {
            fprintf(stderr, "save: %s\n", err);
            return 1;
        }
        const char *name = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];
        fprintf(stderr, "%s: %.1f MB, parsed in %.0f ms\n", name, (double)len / 1048576.0,
                parse_ms);
        for (size_t t = 0; t < sizeof tools / sizeof tools[0]; t++) {
            char args[256];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
            /* the table's formats take the id once, or twice (compare) */
            snprintf(args, sizeof args, tools[t][1], id, id);
#pragma GCC diagnostic pop
            store_cache_clear(srv.store);
            double c0 = now_ms();
            call(&srv, tools[t][0], args);
            double cold = now_ms() - c0;
            double ms[MAX_RUNS];
            for (int r = 0; r < runs; r++) {
                double s0 = now_ms();
                call(&srv, tools[t][0], args);
                ms[r] = now_ms() - s0;
            }
            qsort(ms, (size_t)runs, sizeof ms[0], cmp_double);
            printf("| %s (%.1f MB) | %s %s | %.1f | %.1f | %.1f | %.0f |\n", name,
                   (double)len / 1048576.0, tools[t][0], tools[t][2], ms[runs / 2], ms[0],
                   ms[runs - 1], cold);
            fflush(stdout);
        }
    }
    server_free(&srv);
    close(out);
    return 0;
}
