/*
 * test_storage.c - one conformance suite for every storage backend, run
 * through its vtable and the host's store front (host/store.c).
 *
 * Each backend is a plugin .so loaded with dlopen from $SMCP_PLUGIN_DIR and
 * initialised against a fake host-services table built here. To add a
 * backend, add one line to `backends` below. `./test_storage NAME...` runs
 * only the named backends.
 */
#include <check.h>
#include <dlfcn.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "faulty_store.h"
#include "scalene_mcp.h"
#include "store.h"

#define MAX_CONFIG 8
#define ERRSZ 512
#define BASE_MS INT64_C(1700000000000)
#define DAY_MS INT64_C(86400000)

/* ------------------------------------------------------------------ */
/* Backends under test                                                  */
/* ------------------------------------------------------------------ */

typedef struct backend_case {
    const char *name; /* plugin file NAME.so and its vtable name */
    bool persistent;  /* data survives close and reopen */
    bool bounded;     /* has its own max_profiles key (evicts when full) */
    /* Settings for every test ("@tmp/" in a value = the test's temp dir);
     * a test may add its own, which win. */
    const char *config[MAX_CONFIG][2];
} backend_case;

static const backend_case backends[] = {
    {"memory", false, true, {{"max_profiles", "100000"}}},
    {"sqlite", true, false, {{"db_path", "@tmp/db/profiles.db"}}},
    {"file", true, false, {{"dir", "@tmp/store"}}},
};

static const backend_case *bk; /* the backend being tested */

/* ------------------------------------------------------------------ */
/* Fake host                                                            */
/* ------------------------------------------------------------------ */

struct mcp_plugin {
    char *config[MAX_CONFIG][2]; /* owned copies */
    size_t n_config;
    char error[1024];
    bool error_pending;
    const mcp_storage_vtab *storage; /* captured by register_storage */
    unsigned registrations;
};

static void fake_log(mcp_plugin *self, int level, const char *fmt, ...) MCP_PRINTF(3, 4);
static void fake_log(mcp_plugin *self, int level, const char *fmt, ...)
{
    (void)self;
    if (level < MCP_LOG_WARNING && !getenv("SMCP_TEST_VERBOSE"))
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void fake_set_error(mcp_plugin *self, const char *fmt, ...) MCP_PRINTF(2, 3);
static void fake_set_error(mcp_plugin *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(self->error, sizeof self->error, fmt, ap);
    va_end(ap);
    self->error_pending = true;
}

static const char *fake_config(mcp_plugin *self, const char *key)
{
    for (size_t i = self->n_config; i-- > 0;) /* the last setting wins */
        if (strcmp(self->config[i][0], key) == 0)
            return self->config[i][1];
    return NULL;
}

static int fake_register_storage(mcp_plugin *self, const mcp_storage_vtab *vt)
{
    if (!vt || vt->version < 1 || !vt->name)
        return MCP_INVALID;
    self->storage = vt;
    self->registrations++;
    return MCP_OK;
}

static const mcp_host_api fake_api = {
    .abi_major = MCP_ABI_MAJOR,
    .abi_minor = MCP_ABI_MINOR,
    .size = sizeof(mcp_host_api),
    .log = fake_log,
    .set_error = fake_set_error,
    .config = fake_config,
    .alloc = malloc, /* store.h: documents cross as malloc'd memory */
    .free = free,
    .register_storage = fake_register_storage,
};

/* The store front's view of the plugin's last error. */
static const char *fake_take_error(mcp_plugin *self)
{
    if (!self->error_pending)
        return NULL;
    self->error_pending = false;
    return self->error;
}

/* ------------------------------------------------------------------ */
/* Fixture                                                              */
/* ------------------------------------------------------------------ */

static struct {
    char tmpdir[256];
    void *dl;
    const mcp_plugin_decl *decl;
    mcp_plugin plugin;
    store *st;
    char err[ERRSZ];
} fx;

static void config_add(const char *key, const char *value)
{
    ck_assert_uint_lt(fx.plugin.n_config, MAX_CONFIG);
    char *v;
    if (strncmp(value, "@tmp/", 5) == 0)
        ck_assert_int_ge(asprintf(&v, "%s/%s", fx.tmpdir, value + 5), 0);
    else
        v = strdup(value);
    fx.plugin.config[fx.plugin.n_config][0] = strdup(key);
    fx.plugin.config[fx.plugin.n_config][1] = v;
    fx.plugin.n_config++;
}

static void config_clear(void)
{
    for (size_t i = 0; i < fx.plugin.n_config; i++) {
        free(fx.plugin.config[i][0]);
        free(fx.plugin.config[i][1]);
    }
    fx.plugin.n_config = 0;
}

static void plugin_unload(void)
{
    if (fx.decl && fx.decl->shutdown && fx.plugin.storage)
        fx.decl->shutdown(&fx.plugin);
    if (fx.dl)
        dlclose(fx.dl);
    fx.dl = NULL;
    fx.decl = NULL;
    fx.plugin.storage = NULL;
    fx.plugin.registrations = 0;
    fx.plugin.error_pending = false;
    config_clear();
}

/* Loads the backend's plugin with its config plus `extra` key/value pairs
 * (NULL-terminated); returns init's rc (the error is in fx.plugin.error). */
static int plugin_load(const char *const *extra)
{
    const char *dir = getenv("SMCP_PLUGIN_DIR");
    ck_assert_msg(dir != NULL, "SMCP_PLUGIN_DIR is not set (ctest sets it)");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.so", dir, bk->name);
    fx.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(fx.dl != NULL, "dlopen %s: %s", path, dlerror());
    fx.decl = dlsym(fx.dl, MCP_PLUGIN_SYMBOL);
    ck_assert_msg(fx.decl != NULL, "%s exports no %s", path, MCP_PLUGIN_SYMBOL);
    ck_assert_uint_eq(fx.decl->abi_major, MCP_ABI_MAJOR);
    ck_assert_uint_le(fx.decl->abi_minor, MCP_ABI_MINOR);
    ck_assert_str_eq(fx.decl->name, bk->name);
    for (size_t i = 0; i < MAX_CONFIG && bk->config[i][0]; i++)
        config_add(bk->config[i][0], bk->config[i][1]);
    for (size_t i = 0; extra && extra[i]; i += 2)
        config_add(extra[i], extra[i + 1]);
    int rc = fx.decl->init(&fx.plugin, &fake_api);
    if (rc == MCP_OK) {
        ck_assert_uint_eq(fx.plugin.registrations, 1);
        ck_assert_str_eq(fx.plugin.storage->name, bk->name);
    }
    return rc;
}

static store *open_store(const mcp_storage_vtab *vt, const store_limits *lim)
{
    store *s = store_open(vt, &fx.plugin, fake_take_error, lim, fx.err, sizeof fx.err);
    ck_assert_msg(s != NULL, "store_open: %s", fx.err);
    return s;
}

/* Replaces the fixture's store with one under different limits. */
static void reopen_with(const store_limits *lim)
{
    store_close(fx.st);
    fx.st = open_store(fx.plugin.storage, lim);
}

/* Reloads the plugin with extra config and opens a default store. */
static void reload_with(const char *const *extra)
{
    store_close(fx.st);
    fx.st = NULL;
    plugin_unload();
    ck_assert_int_eq(plugin_load(extra), MCP_OK);
    fx.st = open_store(fx.plugin.storage, NULL);
}

static void setup(void)
{
    memset(&fx, 0, sizeof fx);
    const char *tmp = getenv("TMPDIR");
    snprintf(fx.tmpdir, sizeof fx.tmpdir, "%s/smcp-storage-XXXXXX", tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(fx.tmpdir));
    int rc = plugin_load(NULL);
    ck_assert_msg(rc == MCP_OK, "%s init: %s", bk->name, fx.plugin.error);
    fx.st = open_store(fx.plugin.storage, NULL);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    store_close(fx.st);
    fx.st = NULL;
    plugin_unload();
    nftw(fx.tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static mcp_record_meta meta_of(const char *id, int64_t ms, const char *target, const char *label)
{
    mcp_record_meta m = {.id = id,
                         .created_ms = ms,
                         .target = target,
                         .label = label,
                         .meta_json = "{\"exit_status\":0}"};
    return m;
}

static void put_ok(const char *id, int64_t ms, const char *target, const char *label)
{
    mcp_record_meta m = meta_of(id, ms, target, label);
    int rc = store_put(fx.st, &m, id, strlen(id), fx.err, sizeof fx.err);
    ck_assert_msg(rc == MCP_OK, "put %s: rc %d: %s", id, rc, fx.err);
}

static uint64_t count_of(store *s)
{
    uint64_t n = 0;
    int rc = store_count(s, &n, fx.err, sizeof fx.err);
    ck_assert_msg(rc == MCP_OK, "count: %s", fx.err);
    return n;
}

static bool exists(const char *id)
{
    char *doc;
    size_t len;
    int rc = store_get(fx.st, id, &doc, &len, fx.err, sizeof fx.err);
    ck_assert_msg(rc == MCP_OK || rc == MCP_NOTFOUND, "get %s: rc %d: %s", id, rc, fx.err);
    free(doc);
    return rc == MCP_OK;
}

/* What list callbacks saw: ids (owned) and created_ms, in order. */
typedef struct seen {
    char **ids;
    int64_t *ms;
    size_t n, cap;
    size_t stop_after;     /* callback returns 1 after this many; 0 = never */
    mcp_record_meta first; /* owned copies of the first record's strings */
} seen;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int seen_cb(void *ctx, const mcp_record_meta *m)
{
    seen *sn = ctx;
    if (sn->n == sn->cap) {
        sn->cap = sn->cap ? sn->cap * 2 : 16;
        sn->ids = realloc(sn->ids, sn->cap * sizeof *sn->ids);
        sn->ms = realloc(sn->ms, sn->cap * sizeof *sn->ms);
    }
    if (sn->n == 0) {
        sn->first = *m;
        sn->first.id = dup_or_null(m->id);
        sn->first.target = dup_or_null(m->target);
        sn->first.label = dup_or_null(m->label);
        sn->first.meta_json = dup_or_null(m->meta_json);
    }
    sn->ids[sn->n] = strdup(m->id);
    sn->ms[sn->n] = m->created_ms;
    sn->n++;
    return sn->stop_after && sn->n >= sn->stop_after;
}

static void seen_free(seen *sn)
{
    for (size_t i = 0; i < sn->n; i++)
        free(sn->ids[i]);
    free(sn->ids);
    free(sn->ms);
    free((char *)sn->first.id);
    free((char *)sn->first.target);
    free((char *)sn->first.label);
    free((char *)sn->first.meta_json);
    memset(sn, 0, sizeof *sn);
}

/* Ids seen, comma-separated, into buf. */
static const char *seen_joined(const seen *sn, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sn->n && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? "," : "", sn->ids[i]);
    return buf;
}

/* One page; returns the next cursor (caller frees). */
static char *list_page(const mcp_list_query *q, seen *sn)
{
    char *next = NULL;
    int rc = store_list(fx.st, q, seen_cb, sn, &next, fx.err, sizeof fx.err);
    ck_assert_msg(rc == MCP_OK, "list: rc %d: %s", rc, fx.err);
    return next;
}

/* Every page of `q` (its cursor is ignored); returns the number of pages. */
static size_t list_all(mcp_list_query q, seen *sn)
{
    size_t pages = 0;
    char *cursor = NULL;
    do {
        q.cursor = cursor;
        char *next = list_page(&q, sn);
        free(cursor);
        cursor = next;
        pages++;
    } while (cursor);
    return pages;
}

static void assert_query(mcp_list_query q, const char *expected)
{
    seen sn = {0};
    char buf[4096];
    list_all(q, &sn);
    ck_assert_str_eq(seen_joined(&sn, buf, sizeof buf), expected);
    seen_free(&sn);
}

/* (ms, id) strictly descending from a to b. */
static bool newer(int64_t ms_a, const char *id_a, int64_t ms_b, const char *id_b)
{
    return ms_a > ms_b || (ms_a == ms_b && strcmp(id_a, id_b) > 0);
}

/* ------------------------------------------------------------------ */
/* Round trips                                                          */
/* ------------------------------------------------------------------ */

START_TEST(test_round_trip_every_field)
{
    static const char doc[] = "{\"profile\":1}\0binary\xff tail";
    mcp_record_meta m = {.id = "pRoundTrip_01-x",
                         .created_ms = BASE_MS + 123,
                         .target = "/srv/app/main.py --fast",
                         .label = "nightly",
                         .meta_json = "{\"args\":[\"--fast\"],\"exit_status\":3}",
                         .doc_bytes = 999999 /* ignored: the front records len */};
    ck_assert_int_eq(store_put(fx.st, &m, doc, sizeof doc - 1, fx.err, sizeof fx.err), MCP_OK);

    char *got;
    size_t len;
    ck_assert_int_eq(store_get(fx.st, m.id, &got, &len, fx.err, sizeof fx.err), MCP_OK);
    ck_assert_uint_eq(len, sizeof doc - 1);
    ck_assert_mem_eq(got, doc, len);
    ck_assert_int_eq(got[len], '\0');
    free(got);

    seen sn = {0};
    mcp_list_query q = {.limit = 10};
    free(list_page(&q, &sn));
    ck_assert_uint_eq(sn.n, 1);
    ck_assert_str_eq(sn.first.id, m.id);
    ck_assert_int_eq(sn.first.created_ms, m.created_ms);
    ck_assert_str_eq(sn.first.target, m.target);
    ck_assert_str_eq(sn.first.label, m.label);
    ck_assert_str_eq(sn.first.meta_json, m.meta_json);
    ck_assert_uint_eq(sn.first.doc_bytes, sizeof doc - 1);
    seen_free(&sn);
}
END_TEST

START_TEST(test_round_trip_defaults_and_empty_doc)
{
    mcp_record_meta m = {.id = "e", .created_ms = BASE_MS}; /* NULL target/label/meta_json */
    ck_assert_int_eq(store_put(fx.st, &m, NULL, 0, fx.err, sizeof fx.err), MCP_OK);
    char *got;
    size_t len;
    ck_assert_int_eq(store_get(fx.st, "e", &got, &len, fx.err, sizeof fx.err), MCP_OK);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(got, "");
    free(got);

    seen sn = {0};
    mcp_list_query q = {.limit = 1};
    free(list_page(&q, &sn));
    ck_assert_str_eq(sn.first.target, "");
    ck_assert_str_eq(sn.first.label, "");
    ck_assert_str_eq(sn.first.meta_json, "{}");
    ck_assert_uint_eq(sn.first.doc_bytes, 0);
    seen_free(&sn);
}
END_TEST

START_TEST(test_large_doc_round_trip)
{
    size_t n = 50u << 20;
    char *doc = malloc(n);
    ck_assert_ptr_nonnull(doc);
    for (size_t i = 0; i < n; i++)
        doc[i] = (char)('a' + (i * 7 + i / 4096) % 26);
    mcp_record_meta m = meta_of("big", BASE_MS, "big.py", "");
    ck_assert_int_eq(store_put(fx.st, &m, doc, n, fx.err, sizeof fx.err), MCP_OK);

    char *got;
    size_t len;
    ck_assert_int_eq(store_get(fx.st, "big", &got, &len, fx.err, sizeof fx.err), MCP_OK);
    ck_assert_uint_eq(len, n);
    ck_assert(memcmp(got, doc, n) == 0);
    ck_assert_int_eq(got[n], '\0');
    free(got);
    free(doc);
}
END_TEST

START_TEST(test_over_cap_refused_store_unchanged)
{
    store_limits lim = {.max_doc_bytes = 1u << 20};
    reopen_with(&lim);
    put_ok("keep", BASE_MS, "a.py", "");
    size_t n = (1u << 20) + 1;
    char *doc = calloc(1, n);
    mcp_record_meta m = meta_of("huge", BASE_MS + 1, "b.py", "");
    ck_assert_int_eq(store_put(fx.st, &m, doc, n, fx.err, sizeof fx.err), MCP_TOOBIG);
    ck_assert_ptr_nonnull(strstr(fx.err, "1048577"));
    ck_assert_ptr_nonnull(strstr(fx.err, "1048576"));
    free(doc);

    ck_assert_uint_eq(count_of(fx.st), 1);
    ck_assert(!exists("huge"));
    ck_assert(exists("keep"));
    /* Exactly at the cap is fine. */
    doc = calloc(1, n - 1);
    ck_assert_int_eq(store_put(fx.st, &m, doc, n - 1, fx.err, sizeof fx.err), MCP_OK);
    free(doc);
}
END_TEST

START_TEST(test_unicode_targets_and_labels)
{
    put_ok("u1", BASE_MS + 1, "/home/zoë/プロファイル/main_😀.py", "résumé-テスト");
    put_ok("u2", BASE_MS + 2, "/home/zoë/другой.py", "résumé");
    put_ok("u3", BASE_MS + 3, "/srv/plain.py", "");

    seen sn = {0};
    mcp_list_query q = {.limit = 10, .target_contains = "プロファイル"};
    free(list_page(&q, &sn));
    ck_assert_uint_eq(sn.n, 1);
    ck_assert_str_eq(sn.first.target, "/home/zoë/プロファイル/main_😀.py");
    ck_assert_str_eq(sn.first.label, "résumé-テスト");
    seen_free(&sn);

    assert_query((mcp_list_query){.limit = 10, .target_contains = "zoë"}, "u2,u1");
    assert_query((mcp_list_query){.limit = 10, .label = "résumé"}, "u2");
    assert_query((mcp_list_query){.limit = 10, .label = "resume"}, "");
    assert_query((mcp_list_query){.limit = 10, .target_contains = "😀"}, "u1");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Listing                                                              */
/* ------------------------------------------------------------------ */

#define N_PAGED 2000

/* Originals: id "r%05d", created_ms BASE + i/3 (ties ordered by id). */
static void put_originals(void)
{
    char id[16];
    for (int i = 0; i < N_PAGED; i++) {
        snprintf(id, sizeof id, "r%05d", i);
        put_ok(id, BASE_MS + i / 3, "/srv/app.py", "");
    }
}

START_TEST(test_pagination_exact_order)
{
    put_originals();
    seen sn = {0};
    size_t pages = list_all((mcp_list_query){.limit = 7}, &sn);
    ck_assert_uint_eq(sn.n, N_PAGED);
    ck_assert_uint_eq(pages, (N_PAGED + 6) / 7);
    for (int i = 0; i < N_PAGED; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%05d", N_PAGED - 1 - i);
        ck_assert_str_eq(sn.ids[i], id);
    }
    seen_free(&sn);
}
END_TEST

/* Deletes and inserts around the cursor between pages: every record that
 * lived throughout is seen once, in order; records deleted before their
 * turn are not; records inserted newer than the cursor are not; records
 * inserted older than it are, once. */
START_TEST(test_pagination_survives_changes)
{
    put_originals();
    static bool deleted_unseen[N_PAGED];
    memset(deleted_unseen, 0, sizeof deleted_unseen);
    int olds = 0, page = 0;
    seen sn = {0};
    char *cursor = NULL;
    do {
        mcp_list_query q = {.limit = 7, .cursor = cursor};
        size_t before = sn.n;
        char *next = list_page(&q, &sn);
        free(cursor);
        cursor = next;
        ck_assert_uint_gt(sn.n, before);
        char id[16];
        const char *last = sn.ids[sn.n - 1];
        if (last[0] == 'r') {
            int i = atoi(last + 1);
            int ahead = i - 5; /* five places later in newest-first order */
            snprintf(id, sizeof id, "r%05d", ahead);
            if (ahead >= 0 && !deleted_unseen[ahead] &&
                store_delete(fx.st, id, fx.err, sizeof fx.err) == MCP_OK)
                deleted_unseen[ahead] = true;
            ck_assert_int_eq(store_delete(fx.st, last, fx.err, sizeof fx.err), MCP_OK);
        }
        snprintf(id, sizeof id, "n%05d", page);
        put_ok(id, BASE_MS + 1000000 + page, "/srv/new.py", "");
        snprintf(id, sizeof id, "o%05d", page);
        put_ok(id, BASE_MS - 1000 - page, "/srv/old.py", "");
        olds++;
        page++;
    } while (cursor);

    static unsigned times[N_PAGED];
    memset(times, 0, sizeof times);
    int old_seen = 0;
    for (size_t k = 0; k < sn.n; k++) {
        if (k)
            ck_assert_msg(newer(sn.ms[k - 1], sn.ids[k - 1], sn.ms[k], sn.ids[k]),
                          "out of order at %zu: %s then %s", k, sn.ids[k - 1], sn.ids[k]);
        ck_assert_msg(sn.ids[k][0] != 'n', "inserted-newer record %s was listed", sn.ids[k]);
        if (sn.ids[k][0] == 'o')
            old_seen++;
        else
            times[atoi(sn.ids[k] + 1)]++;
    }
    for (int i = 0; i < N_PAGED; i++)
        ck_assert_msg(times[i] == (deleted_unseen[i] ? 0u : 1u), "r%05d seen %u times", i,
                      times[i]);
    /* Each old insert lands below the cursor, so all are seen but the one
     * made after the last page; the order check rules out duplicates. */
    ck_assert_int_eq(old_seen, olds - 1);
    seen_free(&sn);
}
END_TEST

static void put_filter_set(void)
{
    put_ok("a", BASE_MS + 1, "/srv/app/main.py", "nightly");
    put_ok("b", BASE_MS + 2, "/srv/app/worker.py", "nightly");
    put_ok("c", BASE_MS + 3, "/home/me/main.py", "");
    put_ok("d", BASE_MS + 4, "-m mypkg.main", "ci");
    put_ok("e", BASE_MS + 5, "/srv/app/main.py", "ci");
}

START_TEST(test_filters_each_and_combined)
{
    put_filter_set();
    assert_query((mcp_list_query){.limit = 10}, "e,d,c,b,a");
    assert_query((mcp_list_query){.limit = 10, .target_contains = "main"}, "e,d,c,a");
    assert_query((mcp_list_query){.limit = 10, .target_contains = ""}, "e,d,c,b,a");
    assert_query((mcp_list_query){.limit = 10, .label = "nightly"}, "b,a");
    assert_query((mcp_list_query){.limit = 10, .label = ""}, "c");
    assert_query((mcp_list_query){.limit = 10, .since_ms = BASE_MS + 3}, "e,d,c");
    assert_query((mcp_list_query){.limit = 10, .since_ms = BASE_MS + 6}, "");
    assert_query(
        (mcp_list_query){
            .limit = 10, .target_contains = "/srv/app", .label = "ci", .since_ms = BASE_MS + 2},
        "e");
    assert_query(
        (mcp_list_query){.limit = 10, .target_contains = "main.py", .since_ms = BASE_MS + 2},
        "e,c");
    assert_query((mcp_list_query){.limit = 10, .target_contains = "nope"}, "");
}
END_TEST

START_TEST(test_filters_with_cursor)
{
    put_filter_set();
    seen sn = {0};
    ck_assert_uint_eq(list_all((mcp_list_query){.limit = 1, .target_contains = "main"}, &sn), 4);
    seen_free(&sn);
    /* A page that ends exactly at the last match says so: no cursor. */
    ck_assert_uint_eq(list_all((mcp_list_query){.limit = 2, .label = "nightly"}, &sn), 1);
    seen_free(&sn);
    ck_assert_uint_eq(list_all((mcp_list_query){.limit = 2, .since_ms = BASE_MS + 2}, &sn), 2);
    ck_assert_uint_eq(sn.n, 4);
    seen_free(&sn);
}
END_TEST

START_TEST(test_callback_stops_early)
{
    put_filter_set();
    seen sn = {.stop_after = 2};
    mcp_list_query q = {.limit = 10};
    char *cursor = list_page(&q, &sn);
    ck_assert_uint_eq(sn.n, 2);
    ck_assert_ptr_nonnull(cursor);
    seen_free(&sn);
    q.cursor = cursor;
    char *next = list_page(&q, &sn);
    char buf[64];
    ck_assert_str_eq(seen_joined(&sn, buf, sizeof buf), "c,b,a");
    ck_assert_ptr_null(next);
    free(cursor);
    seen_free(&sn);
}
END_TEST

static int reenter_cb(void *ctx, const mcp_record_meta *m)
{
    (void)m;
    uint64_t n;
    *(int *)ctx = store_count(fx.st, &n, NULL, 0);
    return 1;
}

START_TEST(test_list_callback_cannot_reenter)
{
    put_filter_set();
    int inner_rc = -1;
    char *next = NULL;
    mcp_list_query q = {.limit = 10};
    ck_assert_int_eq(store_list(fx.st, &q, reenter_cb, &inner_rc, &next, fx.err, sizeof fx.err),
                     MCP_OK);
    ck_assert_int_eq(inner_rc, MCP_MISUSE);
    free(next);
    ck_assert_uint_eq(count_of(fx.st), 5);
}
END_TEST

START_TEST(test_limit_out_of_range)
{
    put_filter_set();
    char *next = (char *)"unchanged";
    seen sn = {0};
    static const uint32_t bad[] = {0, 1001, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mcp_list_query q = {.limit = bad[i]};
        fx.err[0] = '\0';
        ck_assert_int_eq(store_list(fx.st, &q, seen_cb, &sn, &next, fx.err, sizeof fx.err),
                         MCP_INVALID);
        ck_assert_ptr_nonnull(strstr(fx.err, "limit"));
        ck_assert_ptr_null(next);
    }
    /* The backend enforces it too, without the front. */
    mcp_store *raw;
    const mcp_storage_vtab *vt = fx.plugin.storage;
    ck_assert_int_eq(vt->open(vt, &fx.plugin, &raw), MCP_OK);
    fx.plugin.error_pending = false;
    mcp_list_query q = {.limit = 0};
    ck_assert_int_eq(vt->list(raw, &q, seen_cb, &sn, &next), MCP_INVALID);
    ck_assert(fx.plugin.error_pending);
    ck_assert_ptr_nonnull(strstr(fx.plugin.error, "limit"));
    vt->close(raw);
    ck_assert_uint_eq(sn.n, 0);
    assert_query((mcp_list_query){.limit = 1000}, "e,d,c,b,a");
}
END_TEST

START_TEST(test_malformed_cursor)
{
    put_filter_set();
    seen first = {0};
    char *good = list_page(&(mcp_list_query){.limit = 1}, &first);
    seen_free(&first);
    ck_assert_ptr_nonnull(good);
    char longc[12000];
    memset(longc, 'x', sizeof longc - 1);
    longc[sizeof longc - 1] = '\0';
    char truncated[64];
    snprintf(truncated, sizeof truncated, "%.*s", (int)strlen(good) / 2, good);
    char bad_id[128];
    snprintf(bad_id, sizeof bad_id, "%s/../x", good);
    const char *bad[] = {
        "", "garbage", truncated, bad_id, longc, "m1.zzzzzzzzzzzzzzzz.a", "m1.0000018bcfe56800"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        seen sn = {0};
        char *next = NULL;
        fx.err[0] = '\0';
        mcp_list_query q = {.limit = 5, .cursor = bad[i]};
        int rc = store_list(fx.st, &q, seen_cb, &sn, &next, fx.err, sizeof fx.err);
        ck_assert_msg(rc == MCP_INVALID, "cursor #%zu: rc %d", i, rc);
        ck_assert_msg(strstr(fx.err, "cursor") != NULL, "cursor #%zu: message \"%s\"", i, fx.err);
        ck_assert_uint_eq(sn.n, 0);
        ck_assert_ptr_null(next);
    }
    free(good);
}
END_TEST

#define N_MODEL 300

/* Random puts, deletes and gets against a model of what should be there.
 * Random ids make hash collisions (and so index deletions inside probe
 * chains) likely; timestamps collide often so ties on created_ms are
 * exercised. */
START_TEST(test_random_ops_match_model)
{
    static bool present[N_MODEL];
    static char ids[N_MODEL][16];
    static const unsigned seeds[] = {1, 2, 12345};
    memset(present, 0, sizeof present);
    unsigned seed = seeds[_i];
    for (int i = 0; i < N_MODEL; i++)
        snprintf(ids[i], sizeof ids[i], "m%03d_%08x", i, (unsigned)rand_r(&seed));
    for (int op = 0; op < 6000; op++) {
        int i = rand_r(&seed) % N_MODEL;
        const char *id = ids[i];
        int rc;
        switch (rand_r(&seed) % 3) {
        case 0: {
            mcp_record_meta m = meta_of(id, BASE_MS + i % 17, "t.py", "");
            rc = store_put(fx.st, &m, id, strlen(id), fx.err, sizeof fx.err);
            ck_assert_int_eq(rc, present[i] ? MCP_EXISTS : MCP_OK);
            present[i] = true;
            break;
        }
        case 1:
            rc = store_delete(fx.st, id, fx.err, sizeof fx.err);
            ck_assert_int_eq(rc, present[i] ? MCP_OK : MCP_NOTFOUND);
            present[i] = false;
            break;
        default:
            ck_assert_int_eq(exists(id), present[i]);
        }
    }
    seen sn = {0};
    list_all((mcp_list_query){.limit = 13}, &sn);
    size_t expected = 0;
    for (int i = 0; i < N_MODEL; i++)
        expected += present[i];
    ck_assert_uint_eq(sn.n, expected);
    ck_assert_uint_eq(count_of(fx.st), expected);
    for (size_t k = 1; k < sn.n; k++)
        ck_assert(newer(sn.ms[k - 1], sn.ids[k - 1], sn.ms[k], sn.ids[k]));
    for (size_t k = 0; k < sn.n; k++)
        ck_assert(present[atoi(sn.ids[k] + 1)]);
    seen_free(&sn);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Delete, count, retention, ids                                        */
/* ------------------------------------------------------------------ */

START_TEST(test_delete_then_get_notfound)
{
    put_filter_set();
    ck_assert_int_eq(store_delete(fx.st, "c", fx.err, sizeof fx.err), MCP_OK);
    char *doc;
    size_t len;
    fx.err[0] = '\0';
    ck_assert_int_eq(store_get(fx.st, "c", &doc, &len, fx.err, sizeof fx.err), MCP_NOTFOUND);
    ck_assert_ptr_null(doc);
    ck_assert_ptr_nonnull(strstr(fx.err, "\"c\""));
    ck_assert_int_eq(store_delete(fx.st, "c", fx.err, sizeof fx.err), MCP_NOTFOUND);
    assert_query((mcp_list_query){.limit = 10}, "e,d,b,a");
    ck_assert_uint_eq(count_of(fx.st), 4);
}
END_TEST

START_TEST(test_count)
{
    ck_assert_uint_eq(count_of(fx.st), 0);
    put_filter_set();
    ck_assert_uint_eq(count_of(fx.st), 5);
    ck_assert_int_eq(store_delete(fx.st, "a", fx.err, sizeof fx.err), MCP_OK);
    ck_assert_uint_eq(count_of(fx.st), 4);
}
END_TEST

START_TEST(test_unknown_id)
{
    char *doc = (char *)"x";
    size_t len = 7;
    fx.err[0] = '\0';
    ck_assert_int_eq(store_get(fx.st, "pNoSuchProfile", &doc, &len, fx.err, sizeof fx.err),
                     MCP_NOTFOUND);
    ck_assert_ptr_null(doc);
    ck_assert_uint_eq(len, 0);
    ck_assert_ptr_nonnull(strstr(fx.err, "pNoSuchProfile"));
    fx.err[0] = '\0';
    ck_assert_int_eq(store_delete(fx.st, "pNoSuchProfile", fx.err, sizeof fx.err), MCP_NOTFOUND);
    ck_assert_ptr_nonnull(strstr(fx.err, "pNoSuchProfile"));
}
END_TEST

START_TEST(test_retention_by_count)
{
    store_limits lim = {.max_profiles = 5};
    reopen_with(&lim);
    char id[16];
    for (int i = 0; i < 12; i++) {
        snprintf(id, sizeof id, "k%02d", i);
        put_ok(id, BASE_MS + i, "t.py", "");
        ck_assert_uint_le(count_of(fx.st), 5);
    }
    assert_query((mcp_list_query){.limit = 10}, "k11,k10,k09,k08,k07");
}
END_TEST

START_TEST(test_retention_by_age)
{
    int64_t now = (int64_t)time(NULL) * 1000;
    put_ok("old1", now - 40 * DAY_MS, "t.py", "");
    put_ok("old2", now - 31 * DAY_MS, "t.py", "");
    put_ok("young", now - 29 * DAY_MS, "t.py", "");
    store_limits lim = {.max_age_days = 30};
    store_close(fx.st);
    fx.st = open_store(fx.plugin.storage, &lim); /* retention at open */
    if (bk->persistent)
        assert_query((mcp_list_query){.limit = 10}, "young");
    put_ok("now", now, "t.py", "");
    put_ok("old3", now - 45 * DAY_MS, "t.py", ""); /* removed by the put's retention */
    ck_assert(!exists("old3"));
    ck_assert(exists("now"));
    uint64_t removed = 99;
    ck_assert_int_eq(store_apply_retention(fx.st, &removed, fx.err, sizeof fx.err), MCP_OK);
    ck_assert_uint_eq(removed, 0);
}
END_TEST

START_TEST(test_reopen_keeps_data)
{
    if (!bk->persistent)
        return;
    put_filter_set();
    reopen_with(NULL);
    assert_query((mcp_list_query){.limit = 10}, "e,d,c,b,a");
}
END_TEST

START_TEST(test_dup_id_exists)
{
    put_ok("dup", BASE_MS, "first.py", "one");
    mcp_record_meta m = meta_of("dup", BASE_MS + 1, "second.py", "two");
    fx.err[0] = '\0';
    ck_assert_int_eq(store_put(fx.st, &m, "other", 5, fx.err, sizeof fx.err), MCP_EXISTS);
    ck_assert_ptr_nonnull(strstr(fx.err, "dup"));
    char *doc;
    size_t len;
    ck_assert_int_eq(store_get(fx.st, "dup", &doc, &len, fx.err, sizeof fx.err), MCP_OK);
    ck_assert_str_eq(doc, "dup");
    free(doc);
    assert_query((mcp_list_query){.limit = 10, .label = "one"}, "dup");
    ck_assert_uint_eq(count_of(fx.st), 1);
}
END_TEST

START_TEST(test_hostile_ids_refused_before_backend)
{
    faulty *f = faulty_new(fx.plugin.storage, &fake_api);
    store *s = open_store(faulty_vtab(f), NULL);
    unsigned calls = faulty_calls(f, FAULTY_ANY);
    static char huge[10 * 1024 + 1];
    memset(huge, 'a', sizeof huge - 1);
    const char *bad[] = {"../x", "", huge, "a/b", "a b", "zoë", "a\nb", "id;rm", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mcp_record_meta m = meta_of(bad[i], BASE_MS, "t.py", "");
        char *doc;
        size_t len;
        fx.err[0] = '\0';
        ck_assert_int_eq(store_put(s, &m, "x", 1, fx.err, sizeof fx.err), MCP_INVALID);
        ck_assert_ptr_nonnull(strstr(fx.err, "invalid profile id"));
        ck_assert_uint_lt(strlen(fx.err), 200); /* a 10 KB id is not echoed whole */
        ck_assert_int_eq(store_get(s, bad[i], &doc, &len, fx.err, sizeof fx.err), MCP_INVALID);
        ck_assert_int_eq(store_delete(s, bad[i], fx.err, sizeof fx.err), MCP_INVALID);
    }
    ck_assert_uint_eq(faulty_calls(f, FAULTY_ANY), calls);
    ck_assert(!store_id_valid_len("ab\0cd", 5));
    ck_assert(store_id_valid_len("ab\0cd", 2));
    ck_assert(!store_id_valid_len(huge, sizeof huge - 1));
    ck_assert(store_id_valid_len(huge, STORE_ID_MAX));
    ck_assert(!store_id_valid_len(huge, STORE_ID_MAX + 1));
    ck_assert(store_id_valid("Az09_-"));
    store_close(s);
    faulty_free(f);
}
END_TEST

START_TEST(test_bad_meta_fields)
{
    static char long_label[STORE_LABEL_MAX + 2];
    memset(long_label, 'l', sizeof long_label - 1);
    mcp_record_meta m = meta_of("m1", BASE_MS, "t.py", long_label);
    ck_assert_int_eq(store_put(fx.st, &m, "x", 1, fx.err, sizeof fx.err), MCP_INVALID);
    ck_assert_ptr_nonnull(strstr(fx.err, "label"));
    m = meta_of("m1", BASE_MS, "t.py", "");
    m.meta_json = "[1,2]";
    ck_assert_int_eq(store_put(fx.st, &m, "x", 1, fx.err, sizeof fx.err), MCP_INVALID);
    ck_assert_ptr_nonnull(strstr(fx.err, "meta_json"));
    ck_assert_int_eq(store_put(fx.st, NULL, "x", 1, fx.err, sizeof fx.err), MCP_INVALID);
    ck_assert_uint_eq(count_of(fx.st), 0);
}
END_TEST

START_TEST(test_new_ids)
{
    enum { N = 1000 };
    static char ids[N][STORE_NEW_ID_LEN + 1];
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(store_new_id(ids[i]), MCP_OK);
        ck_assert_uint_eq(strlen(ids[i]), STORE_NEW_ID_LEN);
        ck_assert_int_eq(ids[i][0], 'p');
        ck_assert(store_id_valid(ids[i]));
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(ids[i], ids[j]);
    }
    usleep(3000);
    char later[STORE_NEW_ID_LEN + 1];
    ck_assert_int_eq(store_new_id(later), MCP_OK);
    for (int i = 0; i < N; i++)
        ck_assert_int_lt(strcmp(ids[i], later), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Bounded backends                                                     */
/* ------------------------------------------------------------------ */

START_TEST(test_backend_evicts_at_max_profiles)
{
    if (!bk->bounded)
        return;
    static const char *const cfg[] = {"max_profiles", "3", NULL};
    reload_with(cfg);
    char id[16];
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "v%d", i);
        put_ok(id, BASE_MS + i, "t.py", "");
    }
    ck_assert_uint_eq(count_of(fx.st), 3);
    ck_assert(!exists("v0"));
    ck_assert(!exists("v1"));
    assert_query((mcp_list_query){.limit = 10}, "v4,v3,v2");
}
END_TEST

START_TEST(test_backend_rejects_bad_config)
{
    if (!bk->bounded)
        return;
    store_close(fx.st);
    fx.st = NULL;
    plugin_unload();
    static const char *const bad[] = {
        "0", "-1", "abc", "", " 5", "+5", "5x", "10000001", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *cfg[] = {"max_profiles", bad[i], NULL};
        fx.plugin.error[0] = '\0';
        ck_assert_msg(plugin_load(cfg) == MCP_INVALID, "max_profiles=\"%s\" accepted", bad[i]);
        ck_assert_ptr_nonnull(strstr(fx.plugin.error, "max_profiles"));
        ck_assert_ptr_nonnull(strstr(fx.plugin.error, "expected"));
        plugin_unload();
    }
    static const char *const good[] = {"max_profiles", "1", NULL};
    ck_assert_int_eq(plugin_load(good), MCP_OK);
    fx.st = open_store(fx.plugin.storage, NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Persistent backends                                                  */
/* ------------------------------------------------------------------ */

/* Two handles on one store, as two server processes would have: each sees
 * the other's puts and deletes, also across the file store's compaction
 * (a small compact_after makes it happen; sqlite ignores the key). */
START_TEST(test_two_handles_share_store)
{
    if (!bk->persistent)
        return;
    static const char *const cfg[] = {"compact_after", "5", NULL};
    reload_with(cfg);
    store *other = open_store(fx.plugin.storage, NULL);
    char id[16];
    for (int i = 0; i < 20; i++) {
        snprintf(id, sizeof id, "h%02d", i);
        put_ok(id, BASE_MS + i, "/srv/shared.py", i % 2 ? "odd" : "even");
    }
    ck_assert_uint_eq(count_of(other), 20);
    char *doc;
    size_t len;
    ck_assert_int_eq(store_get(other, "h07", &doc, &len, fx.err, sizeof fx.err), MCP_OK);
    ck_assert_str_eq(doc, "h07");
    free(doc);
    for (int i = 0; i < 15; i++) { /* the file store compacts on the way */
        snprintf(id, sizeof id, "h%02d", i);
        ck_assert_int_eq(store_delete(other, id, fx.err, sizeof fx.err), MCP_OK);
    }
    assert_query((mcp_list_query){.limit = 2}, "h19,h18,h17,h16,h15");
    assert_query((mcp_list_query){.limit = 10, .label = "odd"}, "h19,h17,h15");
    ck_assert_int_eq(store_delete(fx.st, "h03", fx.err, sizeof fx.err), MCP_NOTFOUND);
    mcp_record_meta m = meta_of("h15", BASE_MS, "t.py", "");
    ck_assert_int_eq(store_put(other, &m, "x", 1, fx.err, sizeof fx.err), MCP_EXISTS);
    put_ok("h20", BASE_MS + 20, "t.py", "");
    ck_assert_uint_eq(count_of(other), 6);
    store_close(other);
    reopen_with(NULL);
    assert_query((mcp_list_query){.limit = 10}, "h20,h19,h18,h17,h16,h15");
}
END_TEST

/* The persistent backends' own keys are checked at init, naming the key. */
START_TEST(test_persistent_rejects_bad_config)
{
    if (!bk->persistent)
        return;
    store_close(fx.st);
    fx.st = NULL;
    plugin_unload();
    static const char *const sqlite_bad[][2] = {{"busy_timeout_ms", "-1"},
                                                {"busy_timeout_ms", "5s"},
                                                {"busy_timeout_ms", "3600001"},
                                                {"busy_timeout_ms", ""},
                                                {"db_path", ""}};
    static const char *const file_bad[][2] = {{"lock_timeout_ms", "soon"},
                                              {"lock_timeout_ms", "99999999999"},
                                              {"compact_after", "0"},
                                              {"compact_after", "+5"},
                                              {"dir", ""}};
    bool is_sqlite = strcmp(bk->name, "sqlite") == 0;
    const char *const(*bad)[2] = is_sqlite ? sqlite_bad : file_bad;
    for (size_t i = 0; i < 5; i++) {
        const char *cfg[] = {bad[i][0], bad[i][1], NULL};
        fx.plugin.error[0] = '\0';
        ck_assert_msg(plugin_load(cfg) == MCP_INVALID, "%s=\"%s\" accepted", bad[i][0], bad[i][1]);
        ck_assert_msg(strstr(fx.plugin.error, bad[i][0]) && strstr(fx.plugin.error, "expected"),
                      "message: %s", fx.plugin.error);
        plugin_unload();
    }
    const char *good[] = {is_sqlite ? "busy_timeout_ms" : "lock_timeout_ms", "0", NULL};
    ck_assert_int_eq(plugin_load(good), MCP_OK);
    fx.st = open_store(fx.plugin.storage, NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Faults                                                               */
/* ------------------------------------------------------------------ */

static struct {
    faulty *f;
    store *s;
} ff;

static void faulty_setup(void)
{
    setup();
    ff.f = faulty_new(fx.plugin.storage, &fake_api);
    ff.s = open_store(faulty_vtab(ff.f), NULL);
}

static void faulty_teardown(void)
{
    store_close(ff.s);
    faulty_free(ff.f);
    teardown();
}

static void faulty_put_ok(const char *id, int64_t ms)
{
    mcp_record_meta m = meta_of(id, ms, "t.py", "");
    ck_assert_int_eq(store_put(ff.s, &m, id, strlen(id), fx.err, sizeof fx.err), MCP_OK);
}

START_TEST(test_failed_put_leaves_store)
{
    faulty_put_ok("a", BASE_MS + 1);
    faulty_put_ok("b", BASE_MS + 2);
    faulty_arm(ff.f, FAULTY_PUT, 1, MCP_IO, "disk on fire");
    mcp_record_meta m = meta_of("c", BASE_MS + 3, "t.py", "");
    ck_assert_int_eq(store_put(ff.s, &m, "c", 1, fx.err, sizeof fx.err), MCP_IO);
    ck_assert_ptr_nonnull(strstr(fx.err, "disk on fire"));
    ck_assert_ptr_nonnull(strstr(fx.err, "faulty"));
    ck_assert_uint_eq(count_of(ff.s), 2);
    char *doc;
    size_t len;
    ck_assert_int_eq(store_get(ff.s, "c", &doc, &len, fx.err, sizeof fx.err), MCP_NOTFOUND);
    /* The same put succeeds once the fault is gone. */
    ck_assert_int_eq(store_put(ff.s, &m, "c", 1, fx.err, sizeof fx.err), MCP_OK);
    ck_assert_uint_eq(count_of(ff.s), 3);
}
END_TEST

START_TEST(test_failed_put_without_message)
{
    faulty_arm(ff.f, FAULTY_PUT, 1, MCP_FULL, NULL);
    mcp_record_meta m = meta_of("c", BASE_MS, "t.py", "");
    fx.err[0] = '\0';
    ck_assert_int_eq(store_put(ff.s, &m, "c", 1, fx.err, sizeof fx.err), MCP_FULL);
    ck_assert_ptr_nonnull(strstr(fx.err, "put"));
    ck_assert_ptr_nonnull(strstr(fx.err, "full"));
    ck_assert_uint_eq(count_of(ff.s), 0);
}
END_TEST

START_TEST(test_failures_carry_messages)
{
    faulty_put_ok("a", BASE_MS);
    static const struct {
        faulty_method m;
        int rc;
    } cases[] = {{FAULTY_GET, MCP_IO},
                 {FAULTY_LIST, MCP_CORRUPT},
                 {FAULTY_DEL, MCP_BUSY},
                 {FAULTY_COUNT, MCP_IO},
                 {FAULTY_RETAIN, MCP_ERROR}};
    store_limits lim = {.max_profiles = 10};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[64], *doc = NULL, *next = NULL;
        size_t len;
        uint64_t n;
        int rc = -1;
        snprintf(msg, sizeof msg, "injected fault %zu", i);
        faulty_arm(ff.f, cases[i].m, 1, cases[i].rc, msg);
        fx.err[0] = '\0';
        switch (cases[i].m) {
        case FAULTY_GET:
            rc = store_get(ff.s, "a", &doc, &len, fx.err, sizeof fx.err);
            break;
        case FAULTY_LIST:
            rc = store_list(ff.s, &(mcp_list_query){.limit = 5}, seen_cb, &(seen){0}, &next, fx.err,
                            sizeof fx.err);
            break;
        case FAULTY_DEL:
            rc = store_delete(ff.s, "a", fx.err, sizeof fx.err);
            break;
        case FAULTY_COUNT:
            rc = store_count(ff.s, &n, fx.err, sizeof fx.err);
            break;
        default: {
            store *s = store_open(faulty_vtab(ff.f), &fx.plugin, fake_take_error, &lim, fx.err,
                                  sizeof fx.err);
            ck_assert_ptr_null(s);
            rc = cases[i].rc;
        }
        }
        ck_assert_int_eq(rc, cases[i].rc);
        ck_assert_msg(strstr(fx.err, msg) != NULL, "case %zu: \"%s\"", i, fx.err);
        ck_assert_ptr_null(doc);
        ck_assert_ptr_null(next);
    }
    ck_assert_uint_eq(count_of(ff.s), 1);
}
END_TEST

START_TEST(test_failed_open)
{
    faulty_arm(ff.f, FAULTY_OPEN, 1, MCP_IO, "cannot open /nowhere");
    store *s =
        store_open(faulty_vtab(ff.f), &fx.plugin, fake_take_error, NULL, fx.err, sizeof fx.err);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(fx.err, "cannot open /nowhere"));
    ck_assert_ptr_null(store_open(NULL, &fx.plugin, NULL, NULL, fx.err, sizeof fx.err));
    ck_assert_ptr_nonnull(strstr(fx.err, "backend"));
}
END_TEST

START_TEST(test_stale_error_not_reused)
{
    fake_set_error(&fx.plugin, "an old unrelated error");
    faulty_arm(ff.f, FAULTY_COUNT, 1, MCP_IO, NULL);
    uint64_t n;
    ck_assert_int_eq(store_count(ff.s, &n, fx.err, sizeof fx.err), MCP_IO);
    ck_assert_ptr_null(strstr(fx.err, "old unrelated"));
    ck_assert_ptr_nonnull(strstr(fx.err, "count"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Cache                                                                */
/* ------------------------------------------------------------------ */

static int freed_count;

static void count_free(void *p)
{
    freed_count++;
    free(p);
}

static void *obj(const char *text)
{
    return strdup(text);
}

START_TEST(test_cache_lru_by_count)
{
    store_limits lim = {.cache_entries = 3};
    reopen_with(&lim);
    freed_count = 0;
    const char *ids[] = {"c1", "c2", "c3"};
    for (int i = 0; i < 3; i++) {
        void *v = obj(ids[i]);
        ck_assert_int_eq(store_cache_put(fx.st, ids[i], v, count_free, 1), MCP_OK);
        store_cache_release(fx.st, v);
    }
    /* c1 used again: c2 is now the least recently used. */
    void *c1 = store_cache_get(fx.st, "c1");
    ck_assert_str_eq(c1, "c1");
    store_cache_release(fx.st, c1);
    void *c4 = obj("c4");
    ck_assert_int_eq(store_cache_put(fx.st, "c4", c4, count_free, 1), MCP_OK); /* pinned */
    ck_assert_int_eq(freed_count, 1);
    ck_assert_ptr_null(store_cache_get(fx.st, "c2"));
    void *c3 = store_cache_get(fx.st, "c3");
    ck_assert_str_eq(c3, "c3");
    store_cache_release(fx.st, c3);

    store_cache_stats st;
    store_cache_stats_get(fx.st, &st);
    ck_assert_uint_eq(st.entries, 3);
    ck_assert_uint_eq(st.pinned, 1);
    ck_assert_uint_eq(st.cost, 3);
    ck_assert_uint_eq(st.hits, 2);
    ck_assert_uint_eq(st.misses, 1);
    store_cache_release(fx.st, c4);
    store_cache_release(fx.st, (void *)"not cached"); /* harmless */
    store_cache_stats_get(fx.st, &st);
    ck_assert_uint_eq(st.pinned, 0);
    ck_assert_int_eq(freed_count, 1);
}
END_TEST

START_TEST(test_cache_pinned_survives_delete_and_eviction)
{
    store_limits lim = {.cache_entries = 1};
    reopen_with(&lim);
    freed_count = 0;
    put_ok("p1", BASE_MS, "t.py", "");
    void *v = obj("decoded p1");
    ck_assert_int_eq(store_cache_put(fx.st, "p1", v, count_free, 10), MCP_OK);
    ck_assert_int_eq(store_delete(fx.st, "p1", fx.err, sizeof fx.err), MCP_OK);
    ck_assert_ptr_null(store_cache_get(fx.st, "p1")); /* invalidated */
    ck_assert_str_eq(v, "decoded p1");                /* still valid while pinned */
    ck_assert_int_eq(freed_count, 0);
    store_cache_release(fx.st, v);
    ck_assert_int_eq(freed_count, 1);

    /* Over capacity while pinned: evicted only after release. */
    void *a = obj("a"), *b = obj("b");
    ck_assert_int_eq(store_cache_put(fx.st, "a", a, count_free, 1), MCP_OK);
    ck_assert_int_eq(store_cache_put(fx.st, "b", b, count_free, 1), MCP_OK);
    ck_assert_int_eq(freed_count, 1);
    store_cache_release(fx.st, a);
    ck_assert_int_eq(freed_count, 2);
    ck_assert_ptr_eq(store_cache_get(fx.st, "b"), b);
    store_cache_release(fx.st, b);
    store_cache_release(fx.st, b);
    /* Replacing an id frees the old, unpinned object. */
    void *b2 = obj("b2");
    ck_assert_int_eq(store_cache_put(fx.st, "b", b2, count_free, 1), MCP_OK);
    ck_assert_int_eq(freed_count, 3);
    ck_assert_int_eq(store_cache_put(fx.st, "../x", obj("bad"), count_free, 1), MCP_INVALID);
    ck_assert_int_eq(freed_count, 4);
    store_cache_release(fx.st, b2); /* stays cached; store_close frees it */
}
END_TEST

START_TEST(test_cache_cost_limit)
{
    store_limits lim = {.cache_entries = 100, .cache_max_cost = 100};
    reopen_with(&lim);
    freed_count = 0;
    char id[8];
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "w%d", i);
        void *v = obj(id);
        ck_assert_int_eq(store_cache_put(fx.st, id, v, count_free, 40), MCP_OK);
        store_cache_release(fx.st, v);
    }
    store_cache_stats st;
    store_cache_stats_get(fx.st, &st);
    ck_assert_uint_eq(st.entries, 2);
    ck_assert_uint_eq(st.cost, 80);
    ck_assert_int_eq(freed_count, 3);
}
END_TEST

START_TEST(test_cache_cleared_when_records_go)
{
    store_limits lim = {.max_profiles = 2};
    reopen_with(&lim);
    freed_count = 0;
    put_ok("r1", BASE_MS + 1, "t.py", "");
    put_ok("r2", BASE_MS + 2, "t.py", "");
    void *v = obj("r1");
    ck_assert_int_eq(store_cache_put(fx.st, "r1", v, count_free, 1), MCP_OK);
    store_cache_release(fx.st, v);
    put_ok("r3", BASE_MS + 3, "t.py", ""); /* retention drops r1 */
    ck_assert_ptr_null(store_cache_get(fx.st, "r1"));
    ck_assert_int_eq(freed_count, 1);

    if (!bk->bounded)
        return;
    static const char *const cfg[] = {"max_profiles", "2", NULL};
    reload_with(cfg); /* now the backend evicts by itself */
    put_ok("s1", BASE_MS + 1, "t.py", "");
    put_ok("s2", BASE_MS + 2, "t.py", "");
    v = obj("s1");
    ck_assert_int_eq(store_cache_put(fx.st, "s1", v, count_free, 1), MCP_OK);
    store_cache_release(fx.st, v);
    put_ok("s3", BASE_MS + 3, "t.py", "");
    ck_assert(!exists("s1"));
    ck_assert_ptr_null(store_cache_get(fx.st, "s1"));
    ck_assert_int_eq(freed_count, 2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Runner                                                               */
/* ------------------------------------------------------------------ */

/* `name` is borrowed by Check until the runner is freed. */
static Suite *storage_suite(const char *name)
{
    Suite *s = suite_create(name);

    TCase *tc = tcase_create("conformance");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_round_trip_every_field);
    tcase_add_test(tc, test_round_trip_defaults_and_empty_doc);
    tcase_add_test(tc, test_large_doc_round_trip);
    tcase_add_test(tc, test_over_cap_refused_store_unchanged);
    tcase_add_test(tc, test_unicode_targets_and_labels);
    tcase_add_test(tc, test_pagination_exact_order);
    tcase_add_test(tc, test_pagination_survives_changes);
    tcase_add_test(tc, test_filters_each_and_combined);
    tcase_add_test(tc, test_filters_with_cursor);
    tcase_add_test(tc, test_callback_stops_early);
    tcase_add_test(tc, test_list_callback_cannot_reenter);
    tcase_add_test(tc, test_limit_out_of_range);
    tcase_add_test(tc, test_malformed_cursor);
    tcase_add_loop_test(tc, test_random_ops_match_model, 0, 3);
    tcase_add_test(tc, test_delete_then_get_notfound);
    tcase_add_test(tc, test_count);
    tcase_add_test(tc, test_unknown_id);
    tcase_add_test(tc, test_retention_by_count);
    tcase_add_test(tc, test_retention_by_age);
    tcase_add_test(tc, test_reopen_keeps_data);
    tcase_add_test(tc, test_dup_id_exists);
    tcase_add_test(tc, test_hostile_ids_refused_before_backend);
    tcase_add_test(tc, test_bad_meta_fields);
    tcase_add_test(tc, test_new_ids);
    tcase_add_test(tc, test_backend_evicts_at_max_profiles);
    tcase_add_test(tc, test_backend_rejects_bad_config);
    tcase_add_test(tc, test_two_handles_share_store);
    tcase_add_test(tc, test_persistent_rejects_bad_config);
    suite_add_tcase(s, tc);

    tc = tcase_create("faults");
    tcase_add_checked_fixture(tc, faulty_setup, faulty_teardown);
    tcase_add_test(tc, test_failed_put_leaves_store);
    tcase_add_test(tc, test_failed_put_without_message);
    tcase_add_test(tc, test_failures_carry_messages);
    tcase_add_test(tc, test_failed_open);
    tcase_add_test(tc, test_stale_error_not_reused);
    suite_add_tcase(s, tc);

    tc = tcase_create("cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_cache_lru_by_count);
    tcase_add_test(tc, test_cache_pinned_survives_delete_and_eviction);
    tcase_add_test(tc, test_cache_cost_limit);
    tcase_add_test(tc, test_cache_cleared_when_records_go);
    suite_add_tcase(s, tc);
    return s;
}

static bool wanted(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return true;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return true;
    return false;
}

int main(int argc, char **argv)
{
    int failed = 0, ran = 0;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        if (!wanted(backends[i].name, argc, argv))
            continue;
        bk = &backends[i];
        char name[64];
        snprintf(name, sizeof name, "storage:%s", bk->name);
        SRunner *sr = srunner_create(storage_suite(name));
        srunner_run_all(sr, CK_NORMAL);
        failed += srunner_ntests_failed(sr);
        srunner_free(sr);
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "test_storage: no backend matched the arguments\n");
        return EXIT_FAILURE;
    }
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
