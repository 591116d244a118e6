/*
 * memory.c - the in-memory storage backend ("memory").
 *
 * Volatile: everything is lost when the host exits, so put() does not
 * promise crash survival. Bounded: at most `max_profiles` records (config
 * key, default 1000); a put into a full store evicts the oldest record.
 *
 * Layout: records sit in one array sorted oldest first by (created_ms, id),
 * so list() walks it backwards and a cursor is found by binary search; an
 * open-addressing hash index maps id -> record for get/del/duplicate checks.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cfgnum.h"
#include "scalene_mcp.h"
#include "store_cursor.h"
#include "store_record.h"

#define MEM_DEFAULT_MAX_PROFILES 1000u
#define MEM_MAX_MAX_PROFILES 10000000u
#define MEM_LIST_MAX_LIMIT 1000u

/* Cursor text: "m1." + 16 hex digits of created_ms + "." + id. */
#define MEM_CURSOR_PREFIX "m1."

static const mcp_host_api *api;                              /* saved by mem_init */
static uint64_t mem_max_profiles = MEM_DEFAULT_MAX_PROFILES; /* from config */

/* One stored record. The strings live in the same allocation, after the
 * struct; the document is separate because it can be large. */
typedef struct mem_rec {
    int64_t created_ms;
    uint64_t hash; /* of id, for the index */
    char *id, *target, *label, *meta_json;
    char *doc;
    size_t len;
    char strings[];
} mem_rec;

typedef struct mem_store {
    mcp_store base; /* first: the host sees a mcp_store */
    mcp_plugin *owner;
    uint64_t max_profiles;
    mem_rec **recs; /* sorted by (created_ms, id) ascending: oldest first */
    size_t n, cap;
    mem_rec **slots; /* id index: linear probing, power-of-two size */
    size_t nslots;
} mem_store;

/* A position in list order: what a cursor decodes to. */
typedef struct mem_key {
    int64_t created_ms;
    const char *id;
} mem_key;

/* ------------------------------------------------------------------ */
/* Records                                                              */
/* ------------------------------------------------------------------ */

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* Copies every field of `meta` and the document; NULL when out of memory. */
static mem_rec *mem_rec_new(const mcp_record_meta *meta, const char *doc, size_t len)
{
    const char *target = or_empty(meta->target), *label = or_empty(meta->label);
    const char *meta_json = meta->meta_json ? meta->meta_json : "{}";
    size_t id_n = strlen(meta->id) + 1, target_n = strlen(target) + 1;
    size_t label_n = strlen(label) + 1, json_n = strlen(meta_json) + 1;
    mem_rec *r = malloc(sizeof *r + id_n + target_n + label_n + json_n);
    if (!r)
        return NULL;
    r->doc = malloc(len ? len : 1);
    if (!r->doc) {
        free(r);
        return NULL;
    }
    if (len)
        memcpy(r->doc, doc, len);
    r->len = len;
    r->created_ms = meta->created_ms;
    r->id = memcpy(r->strings, meta->id, id_n);
    r->target = memcpy(r->id + id_n, target, target_n);
    r->label = memcpy(r->target + target_n, label, label_n);
    r->meta_json = memcpy(r->label + label_n, meta_json, json_n);
    r->hash = store_id_hash(r->id);
    return r;
}

static void mem_rec_free(mem_rec *r)
{
    if (r) {
        free(r->doc);
        free(r);
    }
}

/* The record as list() reports it; borrowed from `r`. */
static mcp_record_meta mem_rec_meta(const mem_rec *r)
{
    mcp_record_meta m = {.id = r->id,
                         .created_ms = r->created_ms,
                         .target = r->target,
                         .label = r->label,
                         .meta_json = r->meta_json,
                         .doc_bytes = r->len};
    return m;
}

static int mem_key_cmp(const mem_rec *r, const mem_key *k)
{
    if (r->created_ms != k->created_ms)
        return r->created_ms < k->created_ms ? -1 : 1;
    return strcmp(r->id, k->id);
}

/* ------------------------------------------------------------------ */
/* Sorted array                                                         */
/* ------------------------------------------------------------------ */

/* Index of the first record whose key is >= k. */
static size_t mem_lower_bound(const mem_store *s, const mem_key *k)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mem_key_cmp(s->recs[mid], k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Index of the first record with created_ms >= ms. */
static size_t mem_lower_bound_ms(const mem_store *s, int64_t ms)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->recs[mid]->created_ms < ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int mem_reserve_recs(mem_store *s, size_t want)
{
    if (want <= s->cap)
        return MCP_OK;
    size_t cap = s->cap ? s->cap * 2 : 64;
    while (cap < want)
        cap *= 2;
    mem_rec **recs = realloc(s->recs, cap * sizeof *recs);
    if (!recs)
        return MCP_NOMEM;
    s->recs = recs;
    s->cap = cap;
    return MCP_OK;
}

/* Needs capacity for one more record (mem_reserve_recs). */
static void mem_array_insert(mem_store *s, mem_rec *r)
{
    mem_key k = {r->created_ms, r->id};
    size_t at = mem_lower_bound(s, &k);
    memmove(s->recs + at + 1, s->recs + at, (s->n - at) * sizeof *s->recs);
    s->recs[at] = r;
    s->n++;
}

static void mem_array_remove(mem_store *s, const mem_rec *r)
{
    mem_key k = {r->created_ms, r->id};
    size_t at = mem_lower_bound(s, &k);
    memmove(s->recs + at, s->recs + at + 1, (s->n - at - 1) * sizeof *s->recs);
    s->n--;
}

/* ------------------------------------------------------------------ */
/* Id index                                                             */
/* ------------------------------------------------------------------ */

static size_t mem_slot_of(const mem_store *s, const char *id, uint64_t h)
{
    size_t mask = s->nslots - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask)
        if (!s->slots[i] || (s->slots[i]->hash == h && strcmp(s->slots[i]->id, id) == 0))
            return i;
}

static mem_rec *mem_find(const mem_store *s, const char *id)
{
    if (!s->nslots)
        return NULL;
    return s->slots[mem_slot_of(s, id, store_id_hash(id))];
}

static void mem_index_put(mem_store *s, mem_rec *r)
{
    s->slots[mem_slot_of(s, r->id, r->hash)] = r;
}

/* Keeps the load factor <= 1/2 for `want` records. Rehashing does not
 * change what the store holds, so a put that fails later leaves it as is. */
static int mem_reserve_index(mem_store *s, size_t want)
{
    if (want * 2 <= s->nslots)
        return MCP_OK;
    size_t n = s->nslots ? s->nslots * 2 : 128;
    while (want * 2 > n)
        n *= 2;
    mem_rec **old = s->slots;
    size_t old_n = s->nslots;
    s->slots = calloc(n, sizeof *s->slots);
    if (!s->slots) {
        s->slots = old;
        return MCP_NOMEM;
    }
    s->nslots = n;
    for (size_t i = 0; i < old_n; i++)
        if (old[i])
            mem_index_put(s, old[i]);
    free(old);
    return MCP_OK;
}

/* Backward-shift deletion: no tombstones, probes stay short. */
static void mem_index_remove(mem_store *s, const mem_rec *r)
{
    size_t mask = s->nslots - 1;
    size_t hole = mem_slot_of(s, r->id, r->hash);
    s->slots[hole] = NULL;
    for (size_t j = (hole + 1) & mask; s->slots[j]; j = (j + 1) & mask) {
        size_t home = (size_t)s->slots[j]->hash & mask;
        /* Move j into the hole unless its home lies cyclically in (hole, j]. */
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            s->slots[hole] = s->slots[j];
            s->slots[j] = NULL;
            hole = j;
        }
    }
}

/* Drops the `k` oldest records. */
static void mem_remove_oldest(mem_store *s, size_t k)
{
    if (k == 0) /* recs may still be NULL, and memmove(NULL, ...) is undefined */
        return;
    for (size_t i = 0; i < k; i++) {
        mem_index_remove(s, s->recs[i]);
        mem_rec_free(s->recs[i]);
    }
    memmove(s->recs, s->recs + k, (s->n - k) * sizeof *s->recs);
    s->n -= k;
}

/* ------------------------------------------------------------------ */
/* vtable methods                                                       */
/* ------------------------------------------------------------------ */

static int mem_open(const mcp_storage_vtab *vt, mcp_plugin *owner, mcp_store **out)
{
    mem_store *s = calloc(1, sizeof *s);
    if (!s) {
        api->set_error(owner, "out of memory opening the store");
        return MCP_NOMEM;
    }
    s->base.vt = vt;
    s->owner = owner;
    s->max_profiles = mem_max_profiles;
    *out = &s->base;
    return MCP_OK;
}

static int mem_put(mcp_store *base, const mcp_record_meta *meta, const char *doc, size_t len)
{
    mem_store *s = (mem_store *)base;
    if (!meta || !meta->id || !meta->id[0] || (!doc && len)) {
        api->set_error(s->owner, "put needs a record with an id and a document");
        return MCP_INVALID;
    }
    if (mem_find(s, meta->id)) {
        api->set_error(s->owner, "a profile with id \"%s\" already exists", meta->id);
        return MCP_EXISTS;
    }
    /* Allocate everything first: after this point nothing can fail. */
    mem_rec *r = mem_rec_new(meta, doc, len);
    if (!r || mem_reserve_recs(s, s->n + 1) || mem_reserve_index(s, s->n + 1)) {
        mem_rec_free(r);
        api->set_error(s->owner, "out of memory storing %zu bytes", len);
        return MCP_NOMEM;
    }
    if (s->n >= s->max_profiles) {
        api->log(s->owner, MCP_LOG_DEBUG, "full (max_profiles = %" PRIu64 "), evicting %s",
                 s->max_profiles, s->recs[0]->id);
        mem_remove_oldest(s, 1);
    }
    mem_array_insert(s, r);
    mem_index_put(s, r);
    return MCP_OK;
}

static int mem_get(mcp_store *base, const char *id, char **doc, size_t *len)
{
    mem_store *s = (mem_store *)base;
    const mem_rec *r = id ? mem_find(s, id) : NULL;
    if (!r) {
        api->set_error(s->owner, "no profile with id \"%s\"", id ? id : "(null)");
        return MCP_NOTFOUND;
    }
    char *copy = api->alloc(r->len + 1);
    if (!copy) {
        api->set_error(s->owner, "out of memory reading %zu bytes", r->len);
        return MCP_NOMEM;
    }
    memcpy(copy, r->doc, r->len);
    copy[r->len] = '\0';
    *doc = copy;
    *len = r->len;
    return MCP_OK;
}

static bool mem_any_match_below(const mem_store *s, size_t end, const mcp_list_query *q)
{
    while (end > 0) {
        const mem_rec *r = s->recs[--end];
        if (store_query_too_old(q, r->created_ms))
            return false;
        if (store_query_matches(q, r->label, r->target))
            return true;
    }
    return false;
}

static int mem_check_query(const mem_store *s, const mcp_list_query *q, size_t *start)
{
    mem_key k;
    int rc = store_list_check(api, s->owner, q, MEM_LIST_MAX_LIMIT, MEM_CURSOR_PREFIX,
                              &k.created_ms, &k.id);
    if (rc)
        return rc;
    /* the cursor's own record was already listed */
    *start = q->cursor ? mem_lower_bound(s, &k) : s->n;
    return MCP_OK;
}

static int mem_list(mcp_store *base, const mcp_list_query *q, mcp_record_cb cb, void *ctx,
                    char **next_cursor)
{
    mem_store *s = (mem_store *)base;
    size_t i;
    *next_cursor = NULL;
    int rc = mem_check_query(s, q, &i);
    if (rc)
        return rc;
    uint32_t delivered = 0;
    const mem_rec *last = NULL;
    while (i > 0 && delivered < q->limit) {
        const mem_rec *r = s->recs[--i];
        if (store_query_too_old(q, r->created_ms)) {
            i = 0;
            break;
        }
        if (!store_query_matches(q, r->label, r->target))
            continue;
        delivered++;
        last = r;
        mcp_record_meta m = mem_rec_meta(r);
        if (cb(ctx, &m))
            break;
    }
    if (last && mem_any_match_below(s, i, q)) {
        *next_cursor = store_cursor_encode(api, MEM_CURSOR_PREFIX, last->created_ms, last->id);
        if (!*next_cursor) {
            api->set_error(s->owner, "out of memory making a cursor");
            return MCP_NOMEM;
        }
    }
    return MCP_OK;
}

static int mem_del(mcp_store *base, const char *id)
{
    mem_store *s = (mem_store *)base;
    mem_rec *r = id ? mem_find(s, id) : NULL;
    if (!r) {
        api->set_error(s->owner, "no profile with id \"%s\"", id ? id : "(null)");
        return MCP_NOTFOUND;
    }
    mem_index_remove(s, r);
    mem_array_remove(s, r);
    mem_rec_free(r);
    return MCP_OK;
}

static int mem_count(mcp_store *base, uint64_t *n)
{
    *n = ((mem_store *)base)->n;
    return MCP_OK;
}

static int mem_retain(mcp_store *base, uint64_t max_profiles, int64_t min_created_ms,
                      uint64_t *removed)
{
    mem_store *s = (mem_store *)base;
    size_t k = 0;
    if (max_profiles && s->n > max_profiles)
        k = s->n - (size_t)max_profiles;
    if (min_created_ms) {
        size_t too_old = mem_lower_bound_ms(s, min_created_ms);
        if (too_old > k)
            k = too_old;
    }
    mem_remove_oldest(s, k);
    if (removed)
        *removed = k;
    return MCP_OK;
}

static void mem_close(mcp_store *base)
{
    mem_store *s = (mem_store *)base;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        mem_rec_free(s->recs[i]);
    free(s->recs);
    free(s->slots);
    free(s);
}

static const mcp_storage_vtab mem_vtab = {
    .version = MCP_STORAGE_VTAB_VERSION,
    .name = "memory",
    .open = mem_open,
    .put = mem_put,
    .get = mem_get,
    .list = mem_list,
    .del = mem_del,
    .count = mem_count,
    .retain = mem_retain,
    .close = mem_close,
};

/* ------------------------------------------------------------------ */
/* Plugin                                                               */
/* ------------------------------------------------------------------ */

static int mem_init(mcp_plugin *self, const mcp_host_api *host)
{
    api = host;
    mem_max_profiles = MEM_DEFAULT_MAX_PROFILES;
    int rc = cfgnum_read(api, self, "max_profiles", 1, MEM_MAX_MAX_PROFILES, "an integer",
                         &mem_max_profiles);
    if (rc)
        return rc;
    return api->register_storage(self, &mem_vtab);
}

MCP_PLUGIN("memory", "0.1.0", mem_init, NULL);
