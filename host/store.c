/* store.c - the profile store front: validation, retention, errors and the
 * decoded-object cache in front of one storage backend vtable. */
#include "store.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define STORE_CURSOR_MAX 512 /* bytes; far above any backend's cursor */
#define STORE_MS_PER_DAY INT64_C(86400000)
#define STORE_QUOTE_MAX 32 /* characters of a bad id shown in a message */

/* One cached object. Entries live on the LRU list (findable by id) until
 * evicted, replaced or invalidated; a pinned entry then moves to the
 * detached list and is freed at its last release. */
typedef struct cache_entry {
    struct cache_entry *prev, *next;
    char id[STORE_ID_MAX + 1];
    void *value;
    store_free_fn free_fn;
    size_t cost;
    unsigned pins;
} cache_entry;

typedef struct cache_list {
    cache_entry *head, *tail; /* head = most recently used */
    size_t n;
} cache_list;

struct store {
    const mcp_storage_vtab *vt;
    mcp_plugin *owner;
    store_take_error_fn take_error;
    mcp_store *h;
    store_limits lim;
    bool in_list; /* inside a list callback: refuse re-entry */
    cache_list lru, detached;
    size_t cache_cost;
    uint64_t hits, misses;
};

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

static int fail(char *err, size_t errsz, int rc, const char *fmt, ...) MCP_PRINTF(4, 5);

static int fail(char *err, size_t errsz, int rc, const char *fmt, ...)
{
    if (err && errsz) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errsz, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static const char *rc_name(int rc)
{
    static const char *const names[] = {
        "ok",   "error",  "out of memory",    "invalid", "not found", "exists", "I/O error",
        "busy", "misuse", "version mismatch", "too big", "full",      "corrupt"};
    if (rc >= 0 && (size_t)rc < sizeof names / sizeof names[0])
        return names[rc];
    return "unknown error";
}

/* Errors about the caller's request read best as the backend wrote them;
 * anything else gets the backend's name in front. */
static bool rc_is_about_request(int rc)
{
    return rc == MCP_INVALID || rc == MCP_NOTFOUND || rc == MCP_EXISTS || rc == MCP_TOOBIG;
}

static void drop_stale_error(store *s)
{
    if (s->take_error)
        (void)s->take_error(s->owner);
}

static int backend_fail(store *s, int rc, const char *op, char *err, size_t errsz)
{
    const char *msg = s->take_error ? s->take_error(s->owner) : NULL;
    if (rc == MCP_OK) /* a backend must not "fail" with OK; keep the caller's logic simple */
        rc = MCP_ERROR;
    if (msg && msg[0] && rc_is_about_request(rc))
        return fail(err, errsz, rc, "%s", msg);
    if (msg && msg[0])
        return fail(err, errsz, rc, "storage backend \"%s\": %s", s->vt->name, msg);
    return fail(err, errsz, rc, "storage backend \"%s\": %s failed (%s)", s->vt->name, op,
                rc_name(rc));
}

/* Copies at most STORE_QUOTE_MAX characters of an untrusted id into buf
 * (size >= STORE_QUOTE_MAX + 4), printable ASCII only. */
static const char *quote_id(char *buf, const char *id)
{
    size_t i = 0;
    if (!id)
        return "(null)";
    for (; i < STORE_QUOTE_MAX && id[i]; i++)
        buf[i] = (id[i] >= 0x20 && id[i] < 0x7f) ? id[i] : '?';
    strcpy(buf + i, id[i] ? "..." : "");
    return buf;
}

static int bad_id(const char *id, char *err, size_t errsz)
{
    char q[STORE_QUOTE_MAX + 4];
    return fail(err, errsz, MCP_INVALID,
                "invalid profile id \"%s\": expected 1-%d characters of A-Z a-z 0-9 _ -",
                quote_id(q, id), STORE_ID_MAX);
}

static int misuse_in_list(char *err, size_t errsz)
{
    return fail(err, errsz, MCP_MISUSE, "the store was called from inside a list callback");
}

/* ------------------------------------------------------------------ */
/* Ids                                                                  */
/* ------------------------------------------------------------------ */

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

bool store_id_valid_len(const char *id, size_t len)
{
    if (!id || len == 0 || len > STORE_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!id_char(id[i]))
            return false;
    return true;
}

bool store_id_valid(const char *id)
{
    return id && store_id_valid_len(id, strnlen(id, STORE_ID_MAX + 1));
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int store_new_id(char out[STORE_NEW_ID_LEN + 1])
{
    uint64_t rnd;
    if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return MCP_IO;
    uint64_t ms = (uint64_t)now_ms() & UINT64_C(0xffffffffffff); /* 48 bits: until year 10889 */
    snprintf(out, STORE_NEW_ID_LEN + 1, "p%012" PRIx64 "%016" PRIx64, ms, rnd);
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Cache                                                                */
/* ------------------------------------------------------------------ */

static void list_unlink(cache_list *l, cache_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        l->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        l->tail = e->prev;
    e->prev = e->next = NULL;
    l->n--;
}

static void list_push_front(cache_list *l, cache_entry *e)
{
    e->prev = NULL;
    e->next = l->head;
    if (l->head)
        l->head->prev = e;
    else
        l->tail = e;
    l->head = e;
    l->n++;
}

static void entry_free(cache_entry *e)
{
    if (e->free_fn)
        e->free_fn(e->value);
    free(e);
}

/* Takes `e` off the LRU list: freed now, or at its last release. */
static void cache_drop(store *s, cache_entry *e)
{
    list_unlink(&s->lru, e);
    s->cache_cost -= e->cost;
    if (e->pins)
        list_push_front(&s->detached, e);
    else
        entry_free(e);
}

static cache_entry *cache_find(const store *s, const char *id)
{
    for (cache_entry *e = s->lru.head; e; e = e->next)
        if (strcmp(e->id, id) == 0)
            return e;
    return NULL;
}

static bool cache_over_limits(const store *s)
{
    return s->lru.n > s->lim.cache_entries ||
           (s->lim.cache_max_cost && s->cache_cost > s->lim.cache_max_cost);
}

/* Evicts least recently used unpinned entries; pinned ones are in use and
 * stay, so the cache may sit over its limits until they are released. */
static void cache_enforce_limits(store *s)
{
    cache_entry *e = s->lru.tail;
    while (e && cache_over_limits(s)) {
        cache_entry *prev = e->prev;
        if (!e->pins)
            cache_drop(s, e);
        e = prev;
    }
}

void *store_cache_get(store *s, const char *id)
{
    cache_entry *e = id ? cache_find(s, id) : NULL;
    if (!e) {
        s->misses++;
        return NULL;
    }
    s->hits++;
    e->pins++;
    list_unlink(&s->lru, e);
    list_push_front(&s->lru, e);
    return e->value;
}

int store_cache_put(store *s, const char *id, void *value, store_free_fn free_fn, size_t cost)
{
    cache_entry *e = store_id_valid(id) ? calloc(1, sizeof *e) : NULL;
    if (!e) {
        if (free_fn)
            free_fn(value);
        return store_id_valid(id) ? MCP_NOMEM : MCP_INVALID;
    }
    cache_entry *old = cache_find(s, id);
    if (old)
        cache_drop(s, old);
    strcpy(e->id, id);
    e->value = value;
    e->free_fn = free_fn;
    e->cost = cost;
    e->pins = 1;
    list_push_front(&s->lru, e);
    s->cache_cost += cost;
    cache_enforce_limits(s);
    return MCP_OK;
}

static cache_entry *find_pinned(const cache_list *l, const void *value)
{
    for (cache_entry *e = l->head; e; e = e->next)
        if (e->value == value && e->pins)
            return e;
    return NULL;
}

void store_cache_release(store *s, void *value)
{
    cache_entry *e = find_pinned(&s->lru, value);
    if (e) {
        e->pins--;
        cache_enforce_limits(s);
        return;
    }
    e = find_pinned(&s->detached, value);
    if (e && --e->pins == 0) {
        list_unlink(&s->detached, e);
        entry_free(e);
    }
}

void store_cache_clear(store *s)
{
    while (s->lru.head)
        /* cache_drop unlinks the head before freeing it */
        // NOLINTNEXTLINE(clang-analyzer-unix.Malloc)
        cache_drop(s, s->lru.head);
}

static void cache_invalidate(store *s, const char *id)
{
    cache_entry *e = cache_find(s, id);
    if (e)
        cache_drop(s, e);
}

static size_t pins_on(const cache_list *l)
{
    size_t n = 0;
    for (const cache_entry *e = l->head; e; e = e->next)
        n += e->pins;
    return n;
}

void store_cache_stats_get(const store *s, store_cache_stats *out)
{
    out->entries = s->lru.n;
    out->pinned = pins_on(&s->lru) + pins_on(&s->detached);
    out->cost = s->cache_cost;
    out->hits = s->hits;
    out->misses = s->misses;
}

static void cache_free_all(store *s)
{
    store_cache_clear(s);
    while (s->detached.head) {
        cache_entry *e = s->detached.head;
        /* e is the current head, unlinked before it is freed */
        // NOLINTNEXTLINE(clang-analyzer-unix.Malloc)
        list_unlink(&s->detached, e);
        entry_free(e);
    }
}

/* ------------------------------------------------------------------ */
/* Open, close, retention                                               */
/* ------------------------------------------------------------------ */

static bool vtab_complete(const mcp_storage_vtab *vt)
{
    return vt->open && vt->put && vt->get && vt->list && vt->del && vt->count && vt->retain &&
           vt->close;
}

static int check_vtab(const mcp_storage_vtab *vt, char *err, size_t errsz)
{
    if (!vt)
        return fail(err, errsz, MCP_MISUSE, "no storage backend given");
    if (vt->version < 1 || !vt->name)
        return fail(err, errsz, MCP_VERSION, "storage backend vtable version %d is not supported",
                    vt->version);
    if (!vtab_complete(vt))
        return fail(err, errsz, MCP_VERSION, "storage backend \"%s\" is missing methods", vt->name);
    return MCP_OK;
}

static store_limits limits_with_defaults(const store_limits *lim)
{
    store_limits l = lim ? *lim : (store_limits){0};
    if (!l.max_doc_bytes)
        l.max_doc_bytes = STORE_DEFAULT_MAX_DOC_BYTES;
    if (!l.cache_entries)
        l.cache_entries = STORE_DEFAULT_CACHE_ENTRIES;
    return l;
}

static int64_t retention_min_created_ms(const store *s)
{
    if (!s->lim.max_age_days)
        return 0;
    return now_ms() - (int64_t)s->lim.max_age_days * STORE_MS_PER_DAY;
}

int store_apply_retention(store *s, uint64_t *removed, char *err, size_t errsz)
{
    uint64_t n = 0;
    if (removed)
        *removed = 0;
    if (s->in_list)
        return misuse_in_list(err, errsz);
    if (!s->lim.max_profiles && !s->lim.max_age_days)
        return MCP_OK;
    drop_stale_error(s);
    int rc = s->vt->retain(s->h, s->lim.max_profiles, retention_min_created_ms(s), &n);
    if (rc)
        return backend_fail(s, rc, "retain", err, errsz);
    if (n) /* we do not learn which ids went */
        store_cache_clear(s);
    if (removed)
        *removed = n;
    return MCP_OK;
}

store *store_open(const mcp_storage_vtab *vt, mcp_plugin *owner, store_take_error_fn take_error,
                  const store_limits *lim, char *err, size_t errsz)
{
    if (check_vtab(vt, err, errsz))
        return NULL;
    store *s = calloc(1, sizeof *s);
    if (!s) {
        fail(err, errsz, MCP_NOMEM, "out of memory opening the store");
        return NULL;
    }
    s->vt = vt;
    s->owner = owner;
    s->take_error = take_error;
    s->lim = limits_with_defaults(lim);
    drop_stale_error(s);
    int rc = vt->open(vt, owner, &s->h);
    if (rc || !s->h) {
        backend_fail(s, rc, "open", err, errsz);
        free(s);
        return NULL;
    }
    if (store_apply_retention(s, NULL, err, errsz)) {
        store_close(s);
        return NULL;
    }
    return s;
}

void store_close(store *s)
{
    if (!s)
        return;
    cache_free_all(s);
    s->vt->close(s->h);
    free(s);
}

/* ------------------------------------------------------------------ */
/* Records                                                              */
/* ------------------------------------------------------------------ */

static int check_field(const char *name, const char *value, size_t max, char *err, size_t errsz)
{
    if (value && strnlen(value, max + 1) > max)
        return fail(err, errsz, MCP_INVALID, "%s is longer than %zu bytes", name, max);
    return MCP_OK;
}

static int check_meta_json(const char *json, char *err, size_t errsz)
{
    if (!json)
        return MCP_OK;
    int rc = check_field("meta_json", json, STORE_META_JSON_MAX, err, errsz);
    if (rc)
        return rc;
    cJSON *v = cJSON_Parse(json);
    bool ok = cJSON_IsObject(v);
    cJSON_Delete(v);
    if (!ok)
        return fail(err, errsz, MCP_INVALID, "meta_json must be a JSON object");
    return MCP_OK;
}

static int check_meta(const mcp_record_meta *meta, char *err, size_t errsz)
{
    if (!meta)
        return fail(err, errsz, MCP_INVALID, "no record metadata given");
    if (!store_id_valid(meta->id))
        return bad_id(meta->id, err, errsz);
    int rc = check_field("target", meta->target, STORE_TARGET_MAX, err, errsz);
    if (!rc)
        rc = check_field("label", meta->label, STORE_LABEL_MAX, err, errsz);
    if (!rc)
        rc = check_meta_json(meta->meta_json, err, errsz);
    return rc;
}

/* Number of records, or UINT64_MAX when the backend cannot say. */
static uint64_t count_or_unknown(store *s)
{
    uint64_t n;
    drop_stale_error(s);
    if (s->vt->count(s->h, &n))
        return UINT64_MAX;
    drop_stale_error(s);
    return n;
}

int store_put(store *s, const mcp_record_meta *meta, const char *doc, size_t len, char *err,
              size_t errsz)
{
    if (s->in_list)
        return misuse_in_list(err, errsz);
    int rc = check_meta(meta, err, errsz);
    if (rc)
        return rc;
    if (!doc && len)
        return fail(err, errsz, MCP_INVALID, "no document given");
    if (len > s->lim.max_doc_bytes)
        return fail(err, errsz, MCP_TOOBIG,
                    "profile is %zu bytes, over the limit of %" PRIu64 " bytes (max_doc_bytes)",
                    len, s->lim.max_doc_bytes);
    mcp_record_meta rec = *meta;
    rec.target = meta->target ? meta->target : "";
    rec.label = meta->label ? meta->label : "";
    rec.meta_json = meta->meta_json ? meta->meta_json : "{}";
    rec.doc_bytes = len;
    /* A bounded backend may evict on its own; the counts tell us, so the
     * cache never serves an object whose record is gone. */
    uint64_t before = s->lru.n ? count_or_unknown(s) : 0;
    drop_stale_error(s);
    rc = s->vt->put(s->h, &rec, doc ? doc : "", len);
    if (rc)
        return backend_fail(s, rc, "put", err, errsz);
    /* The record is stored: a retention failure is retried at the next put. */
    (void)store_apply_retention(s, NULL, NULL, 0);
    if (s->lru.n && (before == UINT64_MAX || count_or_unknown(s) != before + 1))
        store_cache_clear(s);
    return MCP_OK;
}

int store_get(store *s, const char *id, char **doc, size_t *len, char *err, size_t errsz)
{
    *doc = NULL;
    *len = 0;
    if (s->in_list)
        return misuse_in_list(err, errsz);
    if (!store_id_valid(id))
        return bad_id(id, err, errsz);
    drop_stale_error(s);
    int rc = s->vt->get(s->h, id, doc, len);
    if (rc) {
        *doc = NULL;
        *len = 0;
        return backend_fail(s, rc, "get", err, errsz);
    }
    return MCP_OK;
}

static int check_query(const mcp_list_query *q, char *err, size_t errsz)
{
    if (!q)
        return fail(err, errsz, MCP_INVALID, "no list query given");
    if (q->limit < 1 || q->limit > STORE_LIST_MAX_LIMIT)
        return fail(err, errsz, MCP_INVALID, "limit must be 1..%d, got %" PRIu32,
                    STORE_LIST_MAX_LIMIT, q->limit);
    int rc = check_field("target_contains", q->target_contains, STORE_TARGET_MAX, err, errsz);
    if (!rc)
        rc = check_field("label", q->label, STORE_LABEL_MAX, err, errsz);
    if (!rc && q->cursor && strnlen(q->cursor, STORE_CURSOR_MAX + 1) > STORE_CURSOR_MAX)
        rc = fail(err, errsz, MCP_INVALID,
                  "malformed cursor: expected a next_cursor from a previous list");
    return rc;
}

int store_list(store *s, const mcp_list_query *q, mcp_record_cb cb, void *ctx, char **next_cursor,
               char *err, size_t errsz)
{
    *next_cursor = NULL;
    if (s->in_list)
        return misuse_in_list(err, errsz);
    int rc = check_query(q, err, errsz);
    if (rc)
        return rc;
    drop_stale_error(s);
    s->in_list = true;
    rc = s->vt->list(s->h, q, cb, ctx, next_cursor);
    s->in_list = false;
    if (rc) {
        free(*next_cursor);
        *next_cursor = NULL;
        return backend_fail(s, rc, "list", err, errsz);
    }
    return MCP_OK;
}

int store_delete(store *s, const char *id, char *err, size_t errsz)
{
    if (s->in_list)
        return misuse_in_list(err, errsz);
    if (!store_id_valid(id))
        return bad_id(id, err, errsz);
    drop_stale_error(s);
    int rc = s->vt->del(s->h, id);
    if (rc == MCP_OK || rc == MCP_NOTFOUND) /* either way the record is gone */
        cache_invalidate(s, id);
    if (rc)
        return backend_fail(s, rc, "delete", err, errsz);
    return MCP_OK;
}

int store_count(store *s, uint64_t *n, char *err, size_t errsz)
{
    *n = 0;
    if (s->in_list)
        return misuse_in_list(err, errsz);
    drop_stale_error(s);
    int rc = s->vt->count(s->h, n);
    if (rc)
        return backend_fail(s, rc, "count", err, errsz);
    return MCP_OK;
}
