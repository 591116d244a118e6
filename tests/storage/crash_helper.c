/*
 * crash_helper.c - drives one storage backend plugin the way the host does
 * (dlopen, a minimal host-services table, the host's store front), for the
 * crash and concurrency tests in this directory.
 *
 *   storage_crash_helper [-c KEY=VALUE]... PLUGIN.so put SEED [PREFIX]
 *       Opens the store and loops forever: puts a new profile (id
 *       PREFIX-SEED-N, a document derived from the id) or deletes one it
 *       knows of. Before each operation it writes "p ID" / "d ID" to stdout,
 *       after the store acknowledged it "P ID" / "D ID" (one write(2) per
 *       line, no buffering), so a test that kills it with SIGKILL knows
 *       what was acknowledged and what was in flight. "ready" comes after
 *       the store opened. With PREFIX given it only puts, N from 0 to
 *       $SMCP_HELPER_PUTS (default unbounded), then exits 0.
 *
 *   storage_crash_helper [-c KEY=VALUE]... PLUGIN.so verify MODEL
 *       Opens the store and checks it against MODEL, lines "+ ID" (must be
 *       stored), "- ID" (must not be), "? ID" (either): every record
 *       listed is in the model as + or ?, the listing is in strict
 *       (created_ms, id) order and agrees with count, and every stored
 *       document is readable and byte-for-byte what was put. Prints
 *       "verified N records"; exit status 1 with the reasons otherwise.
 *
 * Documents: a JSON text whose length (100 B to 64 KB, one in ten 256 KB
 * to 2 MB) and filler bytes follow from a hash of the id.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scalene_mcp.h"
#include "store.h"

#define MAX_CONFIG 16
#define MAX_KEEP 120 /* the put loop keeps the store around this size */

/* ------------------------------------------------------------------ */
/* Fake host                                                            */
/* ------------------------------------------------------------------ */

struct mcp_plugin {
    const char *config[MAX_CONFIG][2];
    size_t n_config;
    char error[2048];
    bool pending;
    const mcp_storage_vtab *vt;
};

static void h_log(mcp_plugin *self, int level, const char *fmt, ...) MCP_PRINTF(3, 4);
static void h_log(mcp_plugin *self, int level, const char *fmt, ...)
{
    (void)self;
    if (level < MCP_LOG_NOTICE && !getenv("SMCP_HELPER_VERBOSE"))
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "helper[%ld]: ", (long)getpid());
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void h_set_error(mcp_plugin *self, const char *fmt, ...) MCP_PRINTF(2, 3);
static void h_set_error(mcp_plugin *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(self->error, sizeof self->error, fmt, ap);
    va_end(ap);
    self->pending = true;
}

static const char *h_config(mcp_plugin *self, const char *key)
{
    for (size_t i = self->n_config; i-- > 0;)
        if (strcmp(self->config[i][0], key) == 0)
            return self->config[i][1];
    return NULL;
}

static int h_register_storage(mcp_plugin *self, const mcp_storage_vtab *vt)
{
    self->vt = vt;
    return MCP_OK;
}

static const char *h_take_error(mcp_plugin *self)
{
    if (!self->pending)
        return NULL;
    self->pending = false;
    return self->error;
}

static const mcp_host_api host_api = {
    .abi_major = MCP_ABI_MAJOR,
    .abi_minor = MCP_ABI_MINOR,
    .size = sizeof(mcp_host_api),
    .log = h_log,
    .set_error = h_set_error,
    .config = h_config,
    .alloc = malloc,
    .free = free,
    .register_storage = h_register_storage,
};

static void die(const char *fmt, ...) MCP_PRINTF(1, 2);
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "storage_crash_helper: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static store *open_backend(const char *so, mcp_plugin *plugin)
{
    void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        die("dlopen %s: %s", so, dlerror());
    const mcp_plugin_decl *decl = dlsym(dl, MCP_PLUGIN_SYMBOL);
    if (!decl || decl->abi_major != MCP_ABI_MAJOR)
        die("%s: no compatible plugin descriptor", so);
    if (decl->init(plugin, &host_api) != MCP_OK || !plugin->vt)
        die("%s: init failed: %s", so, plugin->error);
    char err[2048];
    store *s = store_open(plugin->vt, plugin, h_take_error, NULL, err, sizeof err);
    if (!s)
        die("open: %s", err);
    return s; /* the plugin stays loaded until exit */
}

/* ------------------------------------------------------------------ */
/* Documents                                                            */
/* ------------------------------------------------------------------ */

static uint64_t hash_id(const char *id)
{
    uint64_t h = 1469598103934665603u;
    for (; *id; id++) {
        h ^= (unsigned char)*id;
        h *= 1099511628211u;
    }
    return h;
}

static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* The document for `id`; malloc'd, *len set. */
static char *doc_for(const char *id, size_t *len)
{
    uint64_t h = hash_id(id) | 1;
    uint64_t x = h;
    size_t n = xorshift(&x) % 10 == 0 ? (256u << 10) + xorshift(&x) % (1792u << 10)
                                      : 100 + xorshift(&x) % (64u << 10);
    char *d = malloc(n + 1);
    if (!d)
        die("out of memory");
    int head = snprintf(d, n + 1, "{\"id\":\"%s\",\"fill\":\"", id);
    size_t i = (size_t)head;
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789 ";
    for (; i + 2 < n; i++)
        d[i] = alphabet[xorshift(&x) % (sizeof alphabet - 1)];
    memcpy(d + n - 2, "\"}", 2);
    d[n] = '\0';
    *len = n;
    return d;
}

/* ------------------------------------------------------------------ */
/* put                                                                  */
/* ------------------------------------------------------------------ */

static void say(const char *what, const char *id)
{
    char line[128];
    int n = snprintf(line, sizeof line, "%s %s\n", what, id);
    if (write(STDOUT_FILENO, line, (size_t)n) != n)
        exit(3); /* the test stopped listening */
}

typedef struct idset {
    char **ids;
    size_t n, cap;
} idset;

static void idset_add(idset *s, const char *id)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->ids = realloc(s->ids, s->cap * sizeof *s->ids);
        if (!s->ids)
            die("out of memory");
    }
    s->ids[s->n++] = strdup(id);
}

static int collect_cb(void *ctx, const mcp_record_meta *m)
{
    idset_add(ctx, m->id);
    return 0;
}

static void list_ids(store *s, idset *out)
{
    char err[2048], *cursor = NULL;
    do {
        mcp_list_query q = {.limit = 100, .cursor = cursor};
        char *next;
        if (store_list(s, &q, collect_cb, out, &next, err, sizeof err))
            die("list: %s", err);
        free(cursor);
        cursor = next;
    } while (cursor);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_put(store *s, unsigned seed, const char *prefix)
{
    idset known = {0};
    if (!prefix)
        list_ids(s, &known);
    say("ready", "-");
    const char *limit_env = getenv("SMCP_HELPER_PUTS");
    unsigned long limit = prefix && limit_env ? strtoul(limit_env, NULL, 10) : 0;
    char err[2048];
    for (unsigned long n = 0; !limit || n < limit; n++) {
        unsigned r = (unsigned)rand_r(&seed) % 100;
        bool del = !prefix && known.n && (r < 25 || (known.n > MAX_KEEP && r < 60));
        if (del) {
            size_t at = (size_t)rand_r(&seed) % known.n;
            char *id = known.ids[at];
            say("d", id);
            int rc = store_delete(s, id, err, sizeof err);
            if (rc != MCP_OK)
                die("delete %s: %s", id, err);
            say("D", id);
            known.ids[at] = known.ids[--known.n];
            free(id);
            continue;
        }
        char id[64], target[96];
        snprintf(id, sizeof id, "%s-%x-%lu", prefix ? prefix : "c", seed, n);
        snprintf(target, sizeof target, "/crash/%s", id);
        size_t len;
        char *doc = doc_for(id, &len);
        mcp_record_meta m = {.id = id,
                             .created_ms = now_ms(),
                             .target = target,
                             .label = "crash",
                             .meta_json = "{\"outcome\":\"ok\"}"};
        say("p", id);
        int rc = store_put(s, &m, doc, len, err, sizeof err);
        free(doc);
        if (rc != MCP_OK)
            die("put %s: %s", id, err);
        say("P", id);
        if (!prefix)
            idset_add(&known, id);
    }
    store_close(s);
    return 0;
}

/* ------------------------------------------------------------------ */
/* verify                                                               */
/* ------------------------------------------------------------------ */

typedef struct model_entry {
    char kind; /* + - ? */
    char id[STORE_ID_MAX + 1];
    bool seen;
} model_entry;

typedef struct model {
    model_entry *e;
    size_t n, cap;
} model;

static model_entry *model_find(model *m, const char *id)
{
    for (size_t i = m->n; i-- > 0;) /* the last line about an id wins */
        if (strcmp(m->e[i].id, id) == 0)
            return &m->e[i];
    return NULL;
}

static void model_load(model *m, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("%s: %s", path, strerror(errno));
    char line[256];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0])
            continue;
        if (strlen(line) < 3 || !strchr("+-?", line[0]) || line[1] != ' ' ||
            !store_id_valid(line + 2))
            die("%s: bad line \"%s\"", path, line);
        if (m->n == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 256;
            m->e = realloc(m->e, m->cap * sizeof *m->e);
            if (!m->e)
                die("out of memory");
        }
        model_entry *e = &m->e[m->n++];
        e->kind = line[0];
        memcpy(e->id, line + 2, strlen(line + 2) + 1); /* valid: at most STORE_ID_MAX */
        e->seen = false;
    }
    fclose(f);
}

typedef struct listed {
    char **ids;
    int64_t *ms;
    char **targets;
    uint64_t *bytes;
    size_t n, cap;
} listed;

static int listed_cb(void *ctx, const mcp_record_meta *m)
{
    listed *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->ids = realloc(l->ids, l->cap * sizeof *l->ids);
        l->ms = realloc(l->ms, l->cap * sizeof *l->ms);
        l->targets = realloc(l->targets, l->cap * sizeof *l->targets);
        l->bytes = realloc(l->bytes, l->cap * sizeof *l->bytes);
        if (!l->ids || !l->ms || !l->targets || !l->bytes)
            die("out of memory");
    }
    l->ids[l->n] = strdup(m->id);
    l->ms[l->n] = m->created_ms;
    l->targets[l->n] = strdup(m->target);
    l->bytes[l->n] = m->doc_bytes;
    l->n++;
    return 0;
}

static int bad;

static void problem(const char *fmt, ...) MCP_PRINTF(1, 2);
static void problem(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "verify: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    bad++;
}

static int run_verify(store *s, const char *model_path)
{
    model m = {0};
    model_load(&m, model_path);
    listed l = {0};
    char err[2048], *cursor = NULL;
    do {
        mcp_list_query q = {.limit = 37, .cursor = cursor};
        char *next;
        if (store_list(s, &q, listed_cb, &l, &next, err, sizeof err))
            die("list: %s", err);
        free(cursor);
        cursor = next;
    } while (cursor);
    uint64_t count = 0;
    if (store_count(s, &count, err, sizeof err))
        die("count: %s", err);
    if (count != l.n)
        problem("count says %" PRIu64 ", the listing has %zu", count, l.n);
    for (size_t i = 0; i < l.n; i++) {
        if (i && !(l.ms[i - 1] > l.ms[i] ||
                   (l.ms[i - 1] == l.ms[i] && strcmp(l.ids[i - 1], l.ids[i]) > 0)))
            problem("listing out of order at %zu: %s then %s", i, l.ids[i - 1], l.ids[i]);
        model_entry *e = model_find(&m, l.ids[i]);
        if (!e)
            problem("%s is stored but was never put", l.ids[i]);
        else if (e->kind == '-')
            problem("%s is stored but its delete was acknowledged", l.ids[i]);
        if (e)
            e->seen = true;
        char want_target[96];
        snprintf(want_target, sizeof want_target, "/crash/%s", l.ids[i]);
        if (strcmp(l.targets[i], want_target) != 0)
            problem("%s: target \"%s\"", l.ids[i], l.targets[i]);
        char *doc;
        size_t len, want_len;
        int rc = store_get(s, l.ids[i], &doc, &len, err, sizeof err);
        if (rc != MCP_OK) {
            problem("%s is listed but get fails: %s", l.ids[i], err);
            continue;
        }
        char *want = doc_for(l.ids[i], &want_len);
        if (len != want_len || memcmp(doc, want, len) != 0)
            problem("%s: document damaged (%zu bytes, expected %zu)", l.ids[i], len, want_len);
        if (l.bytes[i] != len)
            problem("%s: doc_bytes %" PRIu64 " but %zu bytes read", l.ids[i], l.bytes[i], len);
        free(want);
        free(doc);
    }
    size_t expected = 0;
    for (size_t i = 0; i < m.n; i++) {
        if (model_find(&m, m.e[i].id) != &m.e[i])
            continue; /* an earlier line about the same id */
        if (m.e[i].kind == '+') {
            expected++;
            if (!m.e[i].seen)
                problem("%s was acknowledged but is not stored", m.e[i].id);
        }
    }
    for (size_t i = 0; i < l.n; i++) {
        free(l.ids[i]);
        free(l.targets[i]);
    }
    free(l.ids);
    free(l.ms);
    free(l.targets);
    free(l.bytes);
    free(m.e);
    store_close(s);
    if (bad) {
        fprintf(stderr, "verify: %d problem(s)\n", bad);
        return 1;
    }
    printf("verified %zu records (%zu acknowledged)\n", l.n, expected);
    return 0;
}

int main(int argc, char **argv)
{
    mcp_plugin plugin = {0};
    int opt;
    while ((opt = getopt(argc, argv, "c:")) != -1) {
        char *eq = opt == 'c' ? strchr(optarg, '=') : NULL;
        if (!eq || plugin.n_config == MAX_CONFIG)
            die("usage: storage_crash_helper [-c KEY=VALUE]... PLUGIN.so put SEED [PREFIX] | "
                "verify MODEL");
        *eq = '\0';
        plugin.config[plugin.n_config][0] = optarg;
        plugin.config[plugin.n_config][1] = eq + 1;
        plugin.n_config++;
    }
    if (argc - optind < 3)
        die("usage: storage_crash_helper [-c KEY=VALUE]... PLUGIN.so put SEED [PREFIX] | "
            "verify MODEL");
    const char *so = argv[optind], *mode = argv[optind + 1];
    store *s = open_backend(so, &plugin);
    if (strcmp(mode, "put") == 0)
        return run_put(s, (unsigned)strtoul(argv[optind + 2], NULL, 0),
                       argc - optind > 3 ? argv[optind + 3] : NULL);
    if (strcmp(mode, "verify") == 0)
        return run_verify(s, argv[optind + 2]);
    die("unknown mode %s", mode);
}
