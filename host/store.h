/* store.h - the host's profile store front.
 *
 * The host talks to storage only through here, and this talks to the
 * configured backend only through its mcp_storage_vtab. The front owns the
 * rules the backends trust: id syntax, metadata limits, the document size
 * cap and retention. It also keeps a small LRU cache of decoded objects
 * (parsed profiles) keyed by id.
 *
 * Single-threaded, like the rest of the host. Every function that can fail
 * returns enum mcp_rc and, on error, writes a one-line message to
 * err[0..errsz) (err may be NULL when errsz is 0).
 *
 * Documents and cursors that come back from the backend were allocated with
 * the host's api->alloc, which is malloc: callers free them with free(). */
#ifndef SMCP_STORE_H
#define SMCP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scalene_mcp.h"

#define STORE_ID_MAX 64                         /* ids are 1..64 chars of [A-Za-z0-9_-] */
#define STORE_NEW_ID_LEN 29                     /* strlen of a store_new_id() id */
#define STORE_DEFAULT_MAX_DOC_BYTES (64u << 20) /* 64 MiB */
#define STORE_DEFAULT_CACHE_ENTRIES 16
#define STORE_LIST_MAX_LIMIT 1000
#define STORE_TARGET_MAX 4096           /* bytes of mcp_record_meta.target */
#define STORE_LABEL_MAX 256             /* bytes of mcp_record_meta.label */
#define STORE_META_JSON_MAX (64u << 10) /* bytes of mcp_record_meta.meta_json */

typedef struct store store;

/* Zero in any field means its default. */
typedef struct store_limits {
    uint64_t max_doc_bytes; /* default STORE_DEFAULT_MAX_DOC_BYTES */
    uint64_t max_profiles;  /* keep the newest N; default 0 = no limit */
    uint32_t max_age_days;  /* drop older records; default 0 = no limit */
    size_t cache_entries;   /* decoded objects kept; default STORE_DEFAULT_CACHE_ENTRIES */
    size_t cache_max_cost;  /* sum of their costs; default 0 = no limit */
} store_limits;

/* Returns the message the plugin set with api->set_error since the last
 * call of this function, and forgets it; NULL when there is none. The text
 * is borrowed until the plugin's next set_error. The front calls it before
 * each backend call (to drop stale text) and after a failed one. The plugin
 * loader provides it. */
typedef const char *(*store_take_error_fn)(mcp_plugin *owner);

/* Opens the backend `vt` (borrowed until store_close; registered by `owner`)
 * and applies retention once. `take_error` may be NULL (then messages are
 * generic). `lim` is copied; NULL means all defaults. Returns NULL with a
 * message in err on failure. */
store *store_open(const mcp_storage_vtab *vt, mcp_plugin *owner, store_take_error_fn take_error,
                  const store_limits *lim, char *err, size_t errsz);
/* Closes the backend and frees the cache. Cached objects still pinned
 * (store_cache_get without release) are freed too: release them first. */
void store_close(store *s);

/* ---- ids ---- */

/* Writes a new id: 'p', 12 hex digits of Unix milliseconds (so ids sort by
 * creation time), 16 random hex digits, NUL. MCP_OK, or MCP_IO when no
 * randomness is available. */
int store_new_id(char out[STORE_NEW_ID_LEN + 1]);
/* 1..STORE_ID_MAX characters of [A-Za-z0-9_-]; NULL is invalid. Reads at
 * most STORE_ID_MAX + 1 bytes of `id`. */
bool store_id_valid(const char *id);
/* The same for an id of explicit length (from a decoder that allows NUL). */
bool store_id_valid_len(const char *id, size_t len);

/* ---- records ---- */

/* Stores `doc` (borrowed) under meta->id. meta is borrowed; its doc_bytes
 * is ignored (the front records len). NULL target/label mean "", NULL
 * meta_json means "{}". MCP_INVALID for a bad id or field, MCP_TOOBIG over
 * max_doc_bytes, MCP_EXISTS for a taken id. Retention runs after a
 * successful put; its failure does not undo the put. */
int store_put(store *s, const mcp_record_meta *meta, const char *doc, size_t len, char *err,
              size_t errsz);
/* *doc: malloc'd, NUL-terminated, caller frees; *len excludes the NUL.
 * MCP_NOTFOUND for an unknown id. */
int store_get(store *s, const char *id, char **doc, size_t *len, char *err, size_t errsz);
/* Newest first; see mcp_list_query (limit 1..1000). `cb` gets each record,
 * borrowed for the call, and must not call back into this store (such calls
 * fail with MCP_MISUSE). *next_cursor: malloc'd, caller frees; NULL on the
 * last page. When cb stops early the cursor resumes after the record it
 * stopped on. */
int store_list(store *s, const mcp_list_query *q, mcp_record_cb cb, void *ctx, char **next_cursor,
               char *err, size_t errsz);
/* Also drops the id's cached object. MCP_NOTFOUND for an unknown id. */
int store_delete(store *s, const char *id, char *err, size_t errsz);
int store_count(store *s, uint64_t *n, char *err, size_t errsz);
/* Applies max_profiles and max_age_days now (store_put and store_open do it
 * too; the host may also call it from a timer). *removed may be NULL. */
int store_apply_retention(store *s, uint64_t *removed, char *err, size_t errsz);

/* ---- cache of decoded objects ---- */

typedef void (*store_free_fn)(void *value);

/* The cached object for `id`, pinned until store_cache_release; NULL on a
 * miss. A pinned object stays valid even if it is evicted or its record is
 * deleted meanwhile (it is freed at the last release). */
void *store_cache_get(store *s, const char *id);
/* Caches `value` under `id` and pins it, as store_cache_get would. Takes
 * value: on failure (MCP_NOMEM, MCP_INVALID id) it is freed with free_fn
 * at once. `cost` (e.g. bytes) counts against cache_max_cost. An object
 * already cached under `id` is replaced. free_fn may be NULL. */
int store_cache_put(store *s, const char *id, void *value, store_free_fn free_fn, size_t cost);
/* Unpins a value from store_cache_get/put. */
void store_cache_release(store *s, void *value);
/* Drops every unpinned object; pinned ones are dropped at release. */
void store_cache_clear(store *s);

typedef struct store_cache_stats {
    size_t entries; /* cached (pinned or not) */
    size_t pinned;  /* pins outstanding, including on detached objects */
    size_t cost;    /* sum of cached costs */
    uint64_t hits, misses;
} store_cache_stats;
void store_cache_stats_get(const store *s, store_cache_stats *out);

#endif
