/*
 * storage_bench.c - latency of the store front over a storage backend
 * plugin, at several store sizes side by side (default: the memory backend
 * at 1,000, 10,000 and 100,000 records).
 *
 *   storage_bench [-p PLUGIN_DIR] [-b BACKEND] [-d DOC_BYTES] [N...]
 *
 * PLUGIN_DIR defaults to $SMCP_PLUGIN_DIR. CMake builds it as BUILD/bench/storage_bench.
 * sqlite and file keep their data where their defaults say ($XDG_DATA_HOME/
 * scalene-mcp/...): point XDG_DATA_HOME at a scratch directory. Each size
 * starts from an empty store (the previous one is cleared, untimed).
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scalene_mcp.h"
#include "store.h"

#define BASE_MS INT64_C(1700000000000)
#define MAX_SIZES 8

struct mcp_plugin {
    char error[1024];
    bool pending;
    const mcp_storage_vtab *vt;
};

static void b_log(mcp_plugin *self, int level, const char *fmt, ...) MCP_PRINTF(3, 4);
static void b_log(mcp_plugin *self, int level, const char *fmt, ...)
{
    (void)self;
    (void)level;
    (void)fmt;
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

/* Large enough that a bounded backend never evicts during the run. */
static const char *b_config(mcp_plugin *self, const char *key)
{
    (void)self;
    return strcmp(key, "max_profiles") == 0 ? "10000000" : NULL;
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

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "storage_bench: %s: %s\n", what, why);
    exit(EXIT_FAILURE);
}

static void *load_backend(const char *dir, const char *name, mcp_plugin *plugin)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.so", dir, name);
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        die(path, dlerror());
    const mcp_plugin_decl *decl = dlsym(dl, MCP_PLUGIN_SYMBOL);
    if (!decl || decl->abi_major != MCP_ABI_MAJOR)
        die(path, "no compatible plugin descriptor");
    if (decl->init(plugin, &bench_api) || !plugin->vt)
        die(path, plugin->error);
    return dl;
}

/* ---- one size ---- */

typedef struct bench_row {
    size_t n;
    double put_fill_us, put_at_n_us, get_us, first_page_us, filtered_page_us;
    double walk7_ms, walk100_ms, delete_us, count_us;
} bench_row;

static void id_of(char *out, size_t size, size_t i)
{
    snprintf(out, size, "p%012zx%08zx", i, i * 2654435761u % 0xffffffffu);
}

static void put_one(store *s, size_t i, const char *doc, size_t len)
{
    char id[40], target[64], err[256];
    snprintf(target, sizeof target, "/srv/app/script_%zu.py", i % 100);
    id_of(id, sizeof id, i);
    mcp_record_meta m = {.id = id,
                         .created_ms = BASE_MS + (int64_t)i,
                         .target = target,
                         .label = i % 2 ? "nightly" : "ci",
                         .meta_json = "{\"exit_status\":0,\"python\":\"/usr/bin/python3\"}"};
    if (store_put(s, &m, doc, len, err, sizeof err))
        die("put", err);
}

static int count_cb(void *ctx, const mcp_record_meta *m)
{
    (void)m;
    (*(size_t *)ctx)++;
    return 0;
}

/* Walks every page; returns the milliseconds it took. */
static double walk_all(store *s, uint32_t limit, size_t expect)
{
    char err[256], *cursor = NULL;
    size_t seen = 0;
    double t0 = now_us();
    do {
        mcp_list_query q = {.limit = limit, .cursor = cursor};
        char *next;
        if (store_list(s, &q, count_cb, &seen, &next, err, sizeof err))
            die("list", err);
        free(cursor);
        cursor = next;
    } while (cursor);
    double ms = (now_us() - t0) / 1e3;
    if (seen != expect)
        die("walk", "wrong number of records");
    return ms;
}

static double time_first_page(store *s, const mcp_list_query *q, int reps)
{
    char err[256];
    size_t seen = 0;
    double t0 = now_us();
    for (int r = 0; r < reps; r++) {
        char *next;
        if (store_list(s, q, count_cb, &seen, &next, err, sizeof err))
            die("list", err);
        free(next);
    }
    return (now_us() - t0) / reps;
}

typedef struct id_list {
    char (*ids)[STORE_ID_MAX + 1];
    size_t n;
} id_list;

static int collect_cb(void *ctx, const mcp_record_meta *m)
{
    id_list *l = ctx;
    snprintf(l->ids[l->n++], STORE_ID_MAX + 1, "%s", m->id);
    return 0;
}

/* Deletes every record, a page at a time (not timed). */
static void clear_store(store *s)
{
    char err[256], ids[1000][STORE_ID_MAX + 1];
    id_list l = {ids, 0};
    do {
        l.n = 0;
        char *next;
        if (store_list(s, &(mcp_list_query){.limit = 1000}, collect_cb, &l, &next, err,
                       sizeof err))
            die("list", err);
        free(next);
        for (size_t i = 0; i < l.n; i++)
            if (store_delete(s, l.ids[i], err, sizeof err))
                die("delete", err);
    } while (l.n);
}

static void bench_size(mcp_plugin *plugin, size_t n, size_t doc_bytes, bench_row *row)
{
    char err[256];
    store *s = store_open(plugin->vt, plugin, b_take_error, NULL, err, sizeof err);
    if (!s)
        die("open", err);
    char *doc = malloc(doc_bytes);
    memset(doc, 'x', doc_bytes);
    size_t last = n < 1000 ? n : 1000;

    row->n = n;
    double t0 = now_us();
    for (size_t i = 0; i < n - last; i++)
        put_one(s, i, doc, doc_bytes);
    double t1 = now_us();
    for (size_t i = n - last; i < n; i++)
        put_one(s, i, doc, doc_bytes);
    double t2 = now_us();
    row->put_fill_us = (t2 - t0) / (double)n;
    row->put_at_n_us = (t2 - t1) / (double)last;

    unsigned seed = 7;
    int gets = 10000;
    t0 = now_us();
    for (int g = 0; g < gets; g++) {
        char id[40], *out;
        size_t len;
        id_of(id, sizeof id, (size_t)rand_r(&seed) % n);
        if (store_get(s, id, &out, &len, err, sizeof err))
            die("get", err);
        free(out);
    }
    row->get_us = (now_us() - t0) / gets;

    row->first_page_us = time_first_page(s, &(mcp_list_query){.limit = 50}, 1000);
    row->filtered_page_us = time_first_page(
        s, &(mcp_list_query){.limit = 50, .target_contains = "script_42.py", .label = "ci"}, 100);
    row->walk7_ms = walk_all(s, 7, n);
    row->walk100_ms = walk_all(s, 100, n);

    uint64_t count = 0;
    t0 = now_us();
    for (int r = 0; r < 1000; r++)
        store_count(s, &count, err, sizeof err);
    row->count_us = (now_us() - t0) / 1000;

    t0 = now_us();
    for (size_t i = 0; i < last; i++) {
        char id[40];
        id_of(id, sizeof id, i * (n / last));
        if (store_delete(s, id, err, sizeof err))
            die("delete", err);
    }
    row->delete_us = (now_us() - t0) / (double)last;
    free(doc);
    clear_store(s); /* persistent backends: the next size starts empty */
    store_close(s);
}

static void print_rows(const char *backend, size_t doc_bytes, const bench_row *rows, size_t k)
{
    printf("storage_bench: backend %s, %zu-byte documents, through the store front\n", backend,
           doc_bytes);
    printf("%-34s", "records");
    for (size_t i = 0; i < k; i++)
        printf("%14zu", rows[i].n);
    printf("\n");
#define ROW(label, field, fmt)                                                                     \
    do {                                                                                           \
        printf("%-34s", label);                                                                    \
        for (size_t i = 0; i < k; i++)                                                             \
            printf(fmt, rows[i].field);                                                            \
        printf("\n");                                                                              \
    } while (0)
    ROW("put, mean over the fill (us)", put_fill_us, "%14.2f");
    ROW("put, last 1000 at size N (us)", put_at_n_us, "%14.2f");
    ROW("get, random id (us)", get_us, "%14.2f");
    ROW("list first page, limit 50 (us)", first_page_us, "%14.2f");
    ROW("list filtered page, limit 50 (us)", filtered_page_us, "%14.2f");
    ROW("walk all pages, limit 7 (ms)", walk7_ms, "%14.2f");
    ROW("walk all pages, limit 100 (ms)", walk100_ms, "%14.2f");
    ROW("count (us)", count_us, "%14.3f");
    ROW("delete, 1000 spread ids (us)", delete_us, "%14.2f");
#undef ROW
}

int main(int argc, char **argv)
{
    const char *dir = getenv("SMCP_PLUGIN_DIR"), *backend = "memory";
    size_t doc_bytes = 1024, sizes[MAX_SIZES], k = 0;
    int opt;
    while ((opt = getopt(argc, argv, "p:b:d:")) != -1) {
        if (opt == 'p')
            dir = optarg;
        else if (opt == 'b')
            backend = optarg;
        else if (opt == 'd')
            doc_bytes = strtoull(optarg, NULL, 10);
        else
            die("usage", "storage_bench [-p PLUGIN_DIR] [-b BACKEND] [-d DOC_BYTES] [N...]");
    }
    for (int i = optind; i < argc && k < MAX_SIZES; i++)
        sizes[k++] = strtoull(argv[i], NULL, 10);
    if (!k) {
        sizes[k++] = 1000;
        sizes[k++] = 10000;
        sizes[k++] = 100000;
    }
    if (!dir)
        die("plugin dir", "pass -p DIR or set SMCP_PLUGIN_DIR");
    if (!doc_bytes)
        die("-d", "expected a positive number of bytes");
    mcp_plugin plugin = {0};
    void *dl = load_backend(dir, backend, &plugin);
    bench_row rows[MAX_SIZES];
    for (size_t i = 0; i < k; i++) {
        if (sizes[i] < 1)
            die("size", "expected a positive number of records");
        bench_size(&plugin, sizes[i], doc_bytes, &rows[i]);
    }
    print_rows(backend, doc_bytes, rows, k);
    dlclose(dl);
    return 0;
}
