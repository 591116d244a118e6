/*
 * storage_disk_bench.c - the storage backends side by side with realistic
 * profile documents: put, get and list latency once N profiles are stored,
 * and the size on disk per profile.
 *
 *   storage_disk_bench [-p PLUGIN_DIR] [-o WORK_DIR] [-n RECORDS] [-k DOC_KB]...
 *                      [-b BACKEND]... [-r]
 *
 * Defaults: plugins from $SMCP_PLUGIN_DIR, work dir $TMPDIR (else /tmp),
 * N = 10000, documents of 50 KB and 1024 KB, backends memory, sqlite and
 * file (memory only for documents up to 64 KB: N x 1 MB would be RAM).
 * Each (backend, size) pair gets a new store under WORK_DIR, removed after
 * it is measured unless -r (keep). Everything goes through the host's
 * store front, as the server's own calls do; the store is opened with the
 * backend's defaults (sqlite: WAL + synchronous=FULL; file: fsync of the
 * document, its directory and the index on every put).
 *
 * Documents are JSON shaped like a stored profile (per-line records with
 * source text and metrics), each with its own id inside, so no two are
 * equal. Rows:
 *   put p50/p99/mean   the last 1000 puts, when the store holds N-1000..N
 *   get p50/p99/mean   1000 random ids of the N
 *   list first page    list_profiles' default page (limit 20), newest first
 *   list filtered page label = "ci" and target containing "script_42" (1 in 100
 *                      records match), limit 20
 *   list deep page     limit 20 at a cursor half way down the store
 *   walk all pages     every record, pages of 100
 *   count              the number of records
 *   delete p50         100 deletes of random ids
 *   disk per profile   allocated blocks of the store / N, and that over the
 *                      document size (1.00 = no overhead)
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scalene_mcp.h"
#include "store.h"

#define BASE_MS INT64_C(1760000000000)
#define MAX_BACKENDS 8
#define MAX_SIZES 8
#define TAIL 1000 /* puts measured at the end of the fill */

/* ------------------------------------------------------------------ */
/* Fake host                                                            */
/* ------------------------------------------------------------------ */

struct mcp_plugin {
    char error[2048];
    bool pending;
    const mcp_storage_vtab *vt;
    const char *name;
    char location[2048]; /* db_path or dir for this run */
};

static void b_log(mcp_plugin *self, int level, const char *fmt, ...) MCP_PRINTF(3, 4);
static void b_log(mcp_plugin *self, int level, const char *fmt, ...)
{
    (void)self;
    if (level < MCP_LOG_WARNING)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void b_set_error(mcp_plugin *self, const char *fmt, ...) MCP_PRINTF(2, 3);
static void b_set_error(mcp_plugin *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(self->error, sizeof self->error, fmt, ap);
    va_end(ap);
    self->pending = true;
}

static const char *b_config(mcp_plugin *self, const char *key)
{
    if (!strcmp(key, "max_profiles"))
        return "10000000"; /* memory: never evict during the run */
    if (!strcmp(key, "db_path") || !strcmp(key, "dir"))
        return self->location;
    return NULL;
}

static int b_register_storage(mcp_plugin *self, const mcp_storage_vtab *vt)
{
    self->vt = vt;
    return MCP_OK;
}

static const char *b_take_error(mcp_plugin *self)
{
    if (!self->pending)
        return NULL;
    self->pending = false;
    return self->error;
}

static const mcp_host_api bench_api = {
    .abi_major = MCP_ABI_MAJOR,
    .abi_minor = MCP_ABI_MINOR,
    .size = sizeof(mcp_host_api),
    .log = b_log,
    .set_error = b_set_error,
    .config = b_config,
    .alloc = malloc,
    .free = free,
    .register_storage = b_register_storage,
};

static void die(const char *fmt, ...) MCP_PRINTF(1, 2);
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "storage_disk_bench: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(EXIT_FAILURE);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* ------------------------------------------------------------------ */
/* Documents                                                            */
/* ------------------------------------------------------------------ */

/* A stored-profile-like JSON document of about `bytes`; the id is written
 * at a fixed place (doc_set_id) so each put stores distinct bytes. */
typedef struct doc_tmpl {
    char *text;
    size_t len;
    size_t id_at; /* offset of the 29-character id field */
} doc_tmpl;

static void doc_make(doc_tmpl *d, size_t bytes)
{
    static const char *const sources[] = {
        "    total += compute_weight(item, factor) * scale",
        "    for row in matrix: result.append(sum(a * b for a, b in zip(row, col)))",
        "    cache[key] = json.loads(payload).get(\"value\", default)",
        "def parse_record(line, schema):",
        "    return {k: convert(v) for k, v in zip(header, fields)}",
    };
    size_t cap = bytes + 4096;
    char *t = malloc(cap);
    if (!t)
        die("out of memory");
    size_t n = (size_t)snprintf(t, cap,
                                "{\"format\":\"scalene-mcp-profile\",\"format_version\":1,"
                                "\"meta\":{\"id\":\"%029d\",\"target\":\"/srv/app/main.py\","
                                "\"scalene_version\":\"2.4.0\",\"elapsed_sec\":12.5},"
                                "\"files\":[{\"path\":\"/srv/app/main.py\",\"lines\":[",
                                0);
    d->id_at = (size_t)(strstr(t, "\"id\":\"") - t) + 6;
    unsigned seed = 42;
    for (unsigned line = 1; n + 400 < bytes; line++) {
        n += (size_t)snprintf(
            t + n, cap - n,
            "%s{\"lineno\":%u,\"source\":\"%s\",\"cpu_python\":%.3f,\"cpu_native\":%.3f,"
            "\"cpu_system\":%.3f,\"peak_mb\":%.2f,\"avg_mb\":%.2f,\"mallocs\":%d,"
            "\"usage_fraction\":%.4f,\"copy_mb_s\":%.2f}",
            line > 1 ? "," : "", line, sources[line % 5], rand_r(&seed) % 10000 / 100.0,
            rand_r(&seed) % 1000 / 100.0, rand_r(&seed) % 500 / 100.0,
            rand_r(&seed) % 100000 / 100.0, rand_r(&seed) % 50000 / 100.0, rand_r(&seed) % 5000,
            rand_r(&seed) % 10000 / 10000.0, rand_r(&seed) % 1000 / 100.0);
    }
    n += (size_t)snprintf(t + n, cap - n, "]}],\"pad\":\"");
    while (n + 4 < bytes)
        t[n++] = 'p';
    memcpy(t + n, "\"}", 3);
    d->text = t;
    d->len = n + 2;
}

static void doc_set_id(doc_tmpl *d, const char *id)
{
    memcpy(d->text + d->id_at, id, STORE_NEW_ID_LEN);
}

/* ------------------------------------------------------------------ */
/* Disk usage                                                           */
/* ------------------------------------------------------------------ */

static void du(const char *path, uint64_t *blocks_bytes, uint64_t *apparent)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    *blocks_bytes += (uint64_t)st.st_blocks * 512;
    *apparent += (uint64_t)st.st_size;
    if (!S_ISDIR(st.st_mode))
        return;
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    char sub[4096];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        du(sub, blocks_bytes, apparent);
    }
    closedir(d);
}

static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        char sub[4096];
        while (d && (e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            rm_rf(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* ------------------------------------------------------------------ */
/* One run                                                              */
/* ------------------------------------------------------------------ */

typedef struct result {
    const char *backend;
    size_t doc_bytes, n;
    double put_p50, put_p99, put_mean, fill_s;
    double get_p50, get_p99, get_mean;
    double list_first, list_filtered, list_deep, walk_ms, count_us, del_p50;
    double disk_per, apparent_per;
    bool have_disk;
} result;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

static double mean(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s / (double)n;
}

/* 'p' + 12 + 16 hex digits, like store_new_id(). */
static void id_of(char out[STORE_NEW_ID_LEN + 1], size_t i)
{
    char buf[64];
    snprintf(buf, sizeof buf, "p%012" PRIx64 "%016" PRIx64, (uint64_t)i & 0xffffffffffffu,
             (uint64_t)i * 2654435761u);
    memcpy(out, buf, STORE_NEW_ID_LEN);
    out[STORE_NEW_ID_LEN] = '\0';
}

static int count_cb(void *ctx, const mcp_record_meta *m)
{
    (void)m;
    (*(size_t *)ctx)++;
    return 0;
}

static double time_list(store *s, const mcp_list_query *q, int reps)
{
    char err[512];
    size_t seen = 0;
    double t0 = now_us();
    for (int r = 0; r < reps; r++) {
        char *next;
        if (store_list(s, q, count_cb, &seen, &next, err, sizeof err))
            die("list: %s", err);
        free(next);
    }
    return (now_us() - t0) / reps;
}

static void run_one(const char *plugin_dir, const char *work, const char *backend, size_t doc_bytes,
                    size_t n, bool keep, result *res)
{
    mcp_plugin plugin = {.name = backend};
    char store_path[1024];
    snprintf(store_path, sizeof store_path, "%s/bench-%s-%zuk-%ld", work, backend, doc_bytes >> 10,
             (long)getpid());
    rm_rf(store_path);
    if (!strcmp(backend, "sqlite")) {
        mkdir(store_path, 0700);
        snprintf(plugin.location, sizeof plugin.location, "%s/profiles.db", store_path);
    } else {
        snprintf(plugin.location, sizeof plugin.location, "%s", store_path);
    }
    char so[1024];
    snprintf(so, sizeof so, "%s/%s.so", plugin_dir, backend);
    void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        die("%s", dlerror());
    const mcp_plugin_decl *decl = dlsym(dl, MCP_PLUGIN_SYMBOL);
    if (!decl || decl->abi_major != MCP_ABI_MAJOR || decl->init(&plugin, &bench_api) || !plugin.vt)
        die("%s: cannot initialise: %s", so, plugin.error);
    char err[2048];
    store *s = store_open(plugin.vt, &plugin, b_take_error, NULL, err, sizeof err);
    if (!s)
        die("%s: open: %s", backend, err);

    doc_tmpl doc;
    doc_make(&doc, doc_bytes);
    memset(res, 0, sizeof *res);
    res->backend = backend;
    res->doc_bytes = doc.len;
    res->n = n;
    size_t tail = n < TAIL ? n : TAIL;
    double *lat = malloc(sizeof(double) * (tail > 1000 ? tail : 1000));
    double t_fill = now_us();
    for (size_t i = 0; i < n; i++) {
        char id[STORE_NEW_ID_LEN + 1], target[64];
        id_of(id, i);
        doc_set_id(&doc, id);
        snprintf(target, sizeof target, "/srv/app/script_%zu.py", i % 100);
        mcp_record_meta m = {.id = id,
                             .created_ms = BASE_MS + (int64_t)i * 1000,
                             .target = target,
                             .label = i % 2 ? "nightly" : "ci",
                             .meta_json = "{\"outcome\":\"ok\",\"elapsed_sec\":12.5,"
                                          "\"max_footprint_mb\":240.5,\"exit_status\":0}"};
        double t0 = now_us();
        if (store_put(s, &m, doc.text, doc.len, err, sizeof err))
            die("%s: put %zu: %s", backend, i, err);
        if (i >= n - tail)
            lat[i - (n - tail)] = now_us() - t0;
        if (i && i % 1000 == 0)
            fprintf(stderr, "  %s %zu KB: %zu stored (%.0f s)\n", backend, doc_bytes >> 10, i,
                    (now_us() - t_fill) / 1e6);
    }
    res->fill_s = (now_us() - t_fill) / 1e6;
    res->put_mean = mean(lat, tail);
    res->put_p50 = pct(lat, tail, 0.5);
    res->put_p99 = pct(lat, tail, 0.99);

    unsigned seed = 7;
    for (int g = 0; g < 1000; g++) {
        char id[STORE_NEW_ID_LEN + 1], *out;
        size_t len;
        id_of(id, (size_t)rand_r(&seed) % n);
        double t0 = now_us();
        if (store_get(s, id, &out, &len, err, sizeof err))
            die("%s: get: %s", backend, err);
        lat[g] = now_us() - t0;
        free(out);
    }
    res->get_mean = mean(lat, 1000);
    res->get_p50 = pct(lat, 1000, 0.5);
    res->get_p99 = pct(lat, 1000, 0.99);

    res->list_first = time_list(s, &(mcp_list_query){.limit = 20}, 200);
    res->list_filtered = time_list(
        s, &(mcp_list_query){.limit = 20, .label = "ci", .target_contains = "script_42"}, 50);
    /* A cursor half way down, in the backend's own format: walk there. */
    char cursor[256] = "";
    {
        size_t seen = 0;
        char *cur = NULL;
        while (seen < n / 2) {
            size_t left = n / 2 - seen;
            mcp_list_query q = {.limit = (uint32_t)(left < 1000 ? left : 1000), .cursor = cur};
            char *next;
            if (store_list(s, &q, count_cb, &seen, &next, err, sizeof err))
                die("list: %s", err);
            free(cur);
            cur = next;
            if (!cur)
                break;
        }
        snprintf(cursor, sizeof cursor, "%s", cur ? cur : "");
        free(cur);
    }
    res->list_deep =
        cursor[0] ? time_list(s, &(mcp_list_query){.limit = 20, .cursor = cursor}, 200) : 0;
    {
        size_t seen = 0;
        char *cur = NULL;
        double t0 = now_us();
        do {
            mcp_list_query q = {.limit = 100, .cursor = cur};
            char *next;
            if (store_list(s, &q, count_cb, &seen, &next, err, sizeof err))
                die("list: %s", err);
            free(cur);
            cur = next;
        } while (cur);
        res->walk_ms = (now_us() - t0) / 1e3;
        if (seen != n)
            die("%s: walked %zu of %zu records", backend, seen, n);
    }
    uint64_t count = 0;
    double t0 = now_us();
    for (int r = 0; r < 200; r++)
        store_count(s, &count, err, sizeof err);
    res->count_us = (now_us() - t0) / 200;

    /* Size on disk before the deletes. */
    if (strcmp(backend, "memory") != 0) {
        uint64_t blocks = 0, apparent = 0;
        du(store_path, &blocks, &apparent);
        res->disk_per = (double)blocks / (double)n;
        res->apparent_per = (double)apparent / (double)n;
        res->have_disk = true;
    }
    for (int d = 0; d < 100; d++) {
        char id[STORE_NEW_ID_LEN + 1];
        id_of(id, (size_t)d * (n / 100));
        t0 = now_us();
        if (store_delete(s, id, err, sizeof err))
            die("%s: delete: %s", backend, err);
        lat[d] = now_us() - t0;
    }
    res->del_p50 = pct(lat, 100, 0.5);
    free(lat);
    free(doc.text);
    store_close(s);
    if (decl->shutdown)
        decl->shutdown(&plugin);
    dlclose(dl);
    if (!keep)
        rm_rf(store_path);
}

static void print_results(const result *r, size_t k)
{
    printf("%-30s", "backend");
    for (size_t i = 0; i < k; i++)
        printf("%16s", r[i].backend);
    printf("\n%-30s", "document (bytes)");
    for (size_t i = 0; i < k; i++)
        printf("%16zu", r[i].doc_bytes);
    printf("\n%-30s", "records");
    for (size_t i = 0; i < k; i++)
        printf("%16zu", r[i].n);
    printf("\n");
#define ROW(label, expr, fmt)                                                                      \
    do {                                                                                           \
        printf("%-30s", label);                                                                    \
        for (size_t i = 0; i < k; i++)                                                             \
            printf(fmt, (expr));                                                                   \
        printf("\n");                                                                              \
    } while (0)
    ROW("fill, total (s)", r[i].fill_s, "%16.1f");
    ROW("put p50 at N (us)", r[i].put_p50, "%16.0f");
    ROW("put p99 at N (us)", r[i].put_p99, "%16.0f");
    ROW("put mean at N (us)", r[i].put_mean, "%16.0f");
    ROW("get p50 (us)", r[i].get_p50, "%16.0f");
    ROW("get p99 (us)", r[i].get_p99, "%16.0f");
    ROW("get mean (us)", r[i].get_mean, "%16.0f");
    ROW("list first page, 20 (us)", r[i].list_first, "%16.1f");
    ROW("list filtered page, 20 (us)", r[i].list_filtered, "%16.1f");
    ROW("list page at N/2, 20 (us)", r[i].list_deep, "%16.1f");
    ROW("walk all, pages of 100 (ms)", r[i].walk_ms, "%16.1f");
    ROW("count (us)", r[i].count_us, "%16.1f");
    ROW("delete p50 (us)", r[i].del_p50, "%16.0f");
    ROW("disk per profile (bytes)", r[i].have_disk ? r[i].disk_per : 0.0, "%16.0f");
    ROW("disk / document size", r[i].have_disk ? r[i].disk_per / (double)r[i].doc_bytes : 0.0,
        "%16.3f");
    ROW("apparent size / document",
        r[i].have_disk ? r[i].apparent_per / (double)r[i].doc_bytes : 0.0, "%16.3f");
#undef ROW
}

int main(int argc, char **argv)
{
    const char *dir = getenv("SMCP_PLUGIN_DIR"), *work = getenv("TMPDIR");
    const char *backends[MAX_BACKENDS];
    size_t sizes_kb[MAX_SIZES], nb = 0, ns = 0, n = 10000;
    bool keep = false;
    int opt;
    while ((opt = getopt(argc, argv, "p:o:n:k:b:r")) != -1) {
        switch (opt) {
        case 'p':
            dir = optarg;
            break;
        case 'o':
            work = optarg;
            break;
        case 'n':
            n = strtoull(optarg, NULL, 10);
            break;
        case 'k':
            if (ns < MAX_SIZES)
                sizes_kb[ns++] = strtoull(optarg, NULL, 10);
            break;
        case 'b':
            if (nb < MAX_BACKENDS)
                backends[nb++] = optarg;
            break;
        case 'r':
            keep = true;
            break;
        default:
            die("usage: storage_disk_bench [-p PLUGIN_DIR] [-o WORK_DIR] [-n RECORDS] "
                "[-k DOC_KB]... [-b BACKEND]... [-r]");
        }
    }
    if (!dir)
        die("pass -p PLUGIN_DIR or set SMCP_PLUGIN_DIR");
    if (!work)
        work = "/tmp";
    if (n < 200)
        die("-n: at least 200 records");
    if (!nb) {
        backends[nb++] = "memory";
        backends[nb++] = "sqlite";
        backends[nb++] = "file";
    }
    if (!ns) {
        sizes_kb[ns++] = 50;
        sizes_kb[ns++] = 1024;
    }
    result res[MAX_BACKENDS * MAX_SIZES];
    size_t k = 0;
    for (size_t si = 0; si < ns; si++) {
        for (size_t bi = 0; bi < nb; bi++) {
            if (!strcmp(backends[bi], "memory") && sizes_kb[si] > 64) {
                fprintf(stderr, "  memory %zu KB: skipped (N documents would sit in RAM)\n",
                        sizes_kb[si]);
                continue;
            }
            fprintf(stderr, "  %s %zu KB: filling to %zu\n", backends[bi], sizes_kb[si], n);
            run_one(dir, work, backends[bi], sizes_kb[si] << 10, n, keep, &res[k++]);
        }
    }
    print_results(res, k);
    return 0;
}
