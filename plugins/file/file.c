/*
 * file.c - the file storage backend ("file"): one directory, one file per
 * profile document, plain files you can inspect and back up with cp.
 *
 * Layout of the store directory (`dir` in [plugin.file], default
 * $XDG_DATA_HOME/scalene-mcp/profiles, else ~/.local/share/...):
 *
 *   lock            flock()ed: shared to read, exclusive to change anything
 *   index           the metadata journal (below): the source of truth
 *   index.new       a compacted index being written (removed if left over)
 *   docs/ID.json    one document per profile, exactly the bytes that were put
 *   docs/.tmp.*     a document being written, flock()ed by its writer
 *
 * Directories are created 0700 and files 0600. Ids are checked against
 * [A-Za-z0-9_-]{1,64} before they become part of a path, and every path is
 * opened relative to the store's directory descriptors.
 *
 * The index is a journal of lines "CRC32 JSON\n" (CRC32 in 8 hex digits of
 * the JSON text). The first line is a header {"format":..., "version":1};
 * then {"op":"put", "id", "ms" (created_ms as a decimal string, exact for
 * any int64), "target", "label", "meta" (the meta_json text), "bytes"} and
 * {"op":"del", "id"}. Every process keeps the whole index in memory (a
 * sorted array plus an id hash, as memory.c) and, under the lock, reads
 * only the lines appended since it last looked; a replaced index (another
 * process compacted it) is noticed by its inode and read again.
 *
 * put: write docs/.tmp.ID.PID.N, fsync; take the lock exclusively; rename
 *      it to docs/ID.json; fsync docs/; append the put line; fdatasync the
 *      index. The fsync'd index line is the commit point: a put that
 *      returned MCP_OK survives a crash; any earlier crash leaves at most a
 *      temp file or an unlisted document, removed by the next open.
 * del: append the del line and fdatasync (commit), then unlink the doc.
 * A torn last line (a crash during an append) fails its CRC or has no
 *      newline; readers ignore it and the next writer truncates it. A bad
 *      line followed by good ones is damage, not a crash: it is skipped with
 *      a warning, and orphan documents are then kept rather than removed.
 * Compaction: when more than `compact_after` lines are dead (and they
 *      outnumber the live ones), the index is rewritten to index.new,
 *      fsync'd and renamed over index.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "cfgnum.h"
#include "scalene_mcp.h"
#include "store_cursor.h"
#include "store_path.h"
#include "store_record.h"

#define FS_DEFAULT_LOCK_MS 5000u
#define FS_MAX_LOCK_MS 3600000u
#define FS_DEFAULT_COMPACT_AFTER 1000u
#define FS_MAX_COMPACT_AFTER 100000000u
#define FS_LIST_MAX_LIMIT 1000u
#define STORE_ID_MAX 64u
#define FS_FORMAT "scalene-mcp-file-store"
#define FS_FORMAT_VERSION 1
#define FS_TMP_PREFIX ".tmp."
#define FS_DOC_SUFFIX ".json"

/* Cursor text: "f1." + 16 hex digits of created_ms + "." + id. */
#define FS_CURSOR_PREFIX "f1."

static const mcp_host_api *api; /* saved by fs_init */
static const char *fs_cfg_dir;  /* borrowed until shutdown; NULL = default */
static unsigned fs_lock_ms = FS_DEFAULT_LOCK_MS;
static uint64_t fs_compact_after = FS_DEFAULT_COMPACT_AFTER;
static uint32_t fs_crc_table[256];

/* One record of the index. Strings live in the same allocation. */
typedef struct fs_rec {
    int64_t created_ms;
    uint64_t hash; /* of id */
    uint64_t doc_bytes;
    char *id, *target, *label, *meta_json;
    char strings[];
} fs_rec;

typedef struct fs_store {
    mcp_store base; /* first: the host sees a mcp_store */
    mcp_plugin *owner;
    char *dir;
    int dirfd, docsfd, lockfd, indexfd;
    dev_t index_dev;
    ino_t index_ino;
    off_t index_off;  /* end of the last good line read */
    uint64_t lines;   /* put and del lines after the header */
    bool have_header; /* the header line has been read */
    bool damaged;     /* the index had damaged lines: keep orphan documents */
    unsigned tmp_seq; /* temp file names */
    fs_rec **recs;    /* sorted by (created_ms, id) ascending: oldest first */
    size_t n, cap;
    fs_rec **slots; /* id index: linear probing, power-of-two size */
    size_t nslots;
} fs_store;

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

static void fs_crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        fs_crc_table[i] = c;
    }
}

static uint32_t fs_crc32(const char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++)
        c = fs_crc_table[(c ^ (unsigned char)p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* Sets "<what> <path>: <strerror>" and returns MCP_FULL or MCP_IO. */
static int fs_sys_fail(fs_store *s, const char *what, const char *name, int err)
{
    if (store_errno_full(err)) {
        api->set_error(s->owner, "%s %s/%s: disk full or file size limit reached (%s)", what,
                       s->dir, name, strerror(err));
        return MCP_FULL;
    }
    api->set_error(s->owner, "%s %s/%s: %s", what, s->dir, name, strerror(err));
    return MCP_IO;
}

/* fs_sys_fail for a file in docs/. */
static int fs_doc_fail(fs_store *s, const char *what, const char *name, int err)
{
    char shown[STORE_ID_MAX + 128];
    snprintf(shown, sizeof shown, "docs/%s", name);
    return fs_sys_fail(s, what, shown, err);
}

static int fs_write_all(int fd, const char *p, size_t n, off_t off)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        off += w;
    }
    return 0;
}

/* Reads exactly n bytes at off; -1 with errno, or 1 when the file ended. */
static int fs_read_all(int fd, char *p, size_t n, off_t off)
{
    while (n > 0) {
        ssize_t r = pread(fd, p, n, off);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            return 1;
        p += r;
        n -= (size_t)r;
        off += r;
    }
    return 0;
}

static void fs_doc_name(char *out, size_t size, const char *id)
{
    snprintf(out, size, "%s" FS_DOC_SUFFIX, id);
}

/* ------------------------------------------------------------------ */
/* In-memory index                                                      */
/* ------------------------------------------------------------------ */

static fs_rec *fs_rec_new(const char *id, int64_t ms, const char *target, const char *label,
                          const char *meta_json, uint64_t doc_bytes)
{
    size_t id_n = strlen(id) + 1, target_n = strlen(target) + 1;
    size_t label_n = strlen(label) + 1, json_n = strlen(meta_json) + 1;
    fs_rec *r = malloc(sizeof *r + id_n + target_n + label_n + json_n);
    if (!r)
        return NULL;
    r->created_ms = ms;
    r->doc_bytes = doc_bytes;
    r->id = memcpy(r->strings, id, id_n);
    r->target = memcpy(r->id + id_n, target, target_n);
    r->label = memcpy(r->target + target_n, label, label_n);
    r->meta_json = memcpy(r->label + label_n, meta_json, json_n);
    r->hash = store_id_hash(r->id);
    return r;
}

static int fs_key_cmp(const fs_rec *r, int64_t ms, const char *id)
{
    if (r->created_ms != ms)
        return r->created_ms < ms ? -1 : 1;
    return strcmp(r->id, id);
}

/* Index of the first record whose key is >= (ms, id). */
static size_t fs_lower_bound(const fs_store *s, int64_t ms, const char *id)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fs_key_cmp(s->recs[mid], ms, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Index of the first record with created_ms >= ms. */
static size_t fs_lower_bound_ms(const fs_store *s, int64_t ms)
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

static size_t fs_slot_of(const fs_store *s, const char *id, uint64_t h)
{
    size_t mask = s->nslots - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask)
        if (!s->slots[i] || (s->slots[i]->hash == h && strcmp(s->slots[i]->id, id) == 0))
            return i;
}

static fs_rec *fs_find(const fs_store *s, const char *id)
{
    if (!s->nslots)
        return NULL;
    return s->slots[fs_slot_of(s, id, store_id_hash(id))];
}

/* Room for `want` records in the array and the hash (load <= 1/2). Does
 * not change what the index holds, so a later failure leaves it as is. */
static int fs_reserve(fs_store *s, size_t want)
{
    if (want > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        while (cap < want)
            cap *= 2;
        fs_rec **recs = realloc(s->recs, cap * sizeof *recs);
        if (!recs)
            return MCP_NOMEM;
        s->recs = recs;
        s->cap = cap;
    }
    if (want * 2 > s->nslots) {
        size_t n = s->nslots ? s->nslots * 2 : 512;
        while (want * 2 > n)
            n *= 2;
        fs_rec **slots = calloc(n, sizeof *slots);
        if (!slots)
            return MCP_NOMEM;
        fs_rec **old = s->slots;
        size_t old_n = s->nslots;
        s->slots = slots;
        s->nslots = n;
        for (size_t i = 0; i < old_n; i++)
            if (old[i])
                s->slots[fs_slot_of(s, old[i]->id, old[i]->hash)] = old[i];
        free(old);
    }
    return MCP_OK;
}

/* Needs room (fs_reserve) and an id not present. */
static void fs_insert(fs_store *s, fs_rec *r)
{
    size_t at = fs_lower_bound(s, r->created_ms, r->id);
    memmove(s->recs + at + 1, s->recs + at, (s->n - at) * sizeof *s->recs);
    s->recs[at] = r;
    s->n++;
    s->slots[fs_slot_of(s, r->id, r->hash)] = r;
}

/* Backward-shift deletion from the hash: no tombstones. */
static void fs_unhash(fs_store *s, const fs_rec *r)
{
    size_t mask = s->nslots - 1;
    size_t hole = fs_slot_of(s, r->id, r->hash);
    s->slots[hole] = NULL;
    for (size_t j = (hole + 1) & mask; s->slots[j]; j = (j + 1) & mask) {
        size_t home = (size_t)s->slots[j]->hash & mask;
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            s->slots[hole] = s->slots[j];
            s->slots[j] = NULL;
            hole = j;
        }
    }
}

/* Removes and frees `r`. */
static void fs_remove(fs_store *s, fs_rec *r)
{
    size_t at = fs_lower_bound(s, r->created_ms, r->id);
    fs_unhash(s, r);
    memmove(s->recs + at, s->recs + at + 1, (s->n - at - 1) * sizeof *s->recs);
    s->n--;
    free(r);
}

static void fs_forget_all(fs_store *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->recs[i]);
    s->n = 0;
    if (s->slots)
        memset(s->slots, 0, s->nslots * sizeof *s->slots);
    s->lines = 0;
    s->index_off = 0;
    s->have_header = false;
}

/* ------------------------------------------------------------------ */
/* Index lines                                                          */
/* ------------------------------------------------------------------ */

/* Appends "CRC JSON\n" for `obj` to a malloc'd buffer; false when out of
 * memory. */
typedef struct fs_buf {
    char *p;
    size_t len, cap;
} fs_buf;

static bool fs_buf_add_line(fs_buf *b, cJSON *obj)
{
    char *json = obj ? cJSON_PrintUnformatted(obj) : NULL;
    if (!json)
        return false;
    size_t jn = strlen(json), need = b->len + 9 + jn + 1 + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 512;
        while (cap < need)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            cJSON_free(json);
            return false;
        }
        b->p = p;
        b->cap = cap;
    }
    snprintf(b->p + b->len, 10, "%08" PRIx32 " ", fs_crc32(json, jn));
    memcpy(b->p + b->len + 9, json, jn);
    b->p[b->len + 9 + jn] = '\n';
    b->len += 9 + jn + 1;
    cJSON_free(json);
    return true;
}

static cJSON *fs_header_obj(void)
{
    cJSON *o = cJSON_CreateObject();
    if (o && (!cJSON_AddStringToObject(o, "format", FS_FORMAT) ||
              !cJSON_AddNumberToObject(o, "version", FS_FORMAT_VERSION))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *fs_put_obj(const char *id, int64_t ms, const char *target, const char *label,
                         const char *meta_json, uint64_t bytes)
{
    char ms_text[24];
    snprintf(ms_text, sizeof ms_text, "%" PRId64, ms);
    cJSON *o = cJSON_CreateObject();
    if (o && (!cJSON_AddStringToObject(o, "op", "put") || !cJSON_AddStringToObject(o, "id", id) ||
              !cJSON_AddStringToObject(o, "ms", ms_text) ||
              !cJSON_AddStringToObject(o, "target", target) ||
              !cJSON_AddStringToObject(o, "label", label) ||
              !cJSON_AddStringToObject(o, "meta", meta_json) ||
              !cJSON_AddNumberToObject(o, "bytes", (double)bytes))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static bool fs_buf_add_put(fs_buf *b, const fs_rec *r)
{
    cJSON *o = fs_put_obj(r->id, r->created_ms, r->target, r->label, r->meta_json, r->doc_bytes);
    bool ok = fs_buf_add_line(b, o);
    cJSON_Delete(o);
    return ok;
}

static bool fs_buf_add_del(fs_buf *b, const char *id)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && cJSON_AddStringToObject(o, "op", "del") &&
              cJSON_AddStringToObject(o, "id", id) && fs_buf_add_line(b, o);
    cJSON_Delete(o);
    return ok;
}

static const char *fs_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool fs_parse_i64(const char *t, int64_t *out)
{
    if (!t || !t[0])
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* Parses "CRC JSON" (without the newline); NULL when it is not a good line. */
static cJSON *fs_parse_line(const char *p, size_t n)
{
    if (n < 10 || p[8] != ' ')
        return NULL;
    uint32_t crc = 0;
    for (int i = 0; i < 8; i++) {
        char c = p[i];
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0)
            return NULL;
        crc = crc << 4 | (uint32_t)d;
    }
    if (fs_crc32(p + 9, n - 9) != crc)
        return NULL;
    cJSON *o = cJSON_ParseWithLength(p + 9, n - 9);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Applies one good line. MCP_OK, MCP_NOMEM, MCP_VERSION/MCP_CORRUPT for a
 * header we cannot read, or MCP_INVALID for a line of unknown shape (the
 * caller counts it as damage). */
static int fs_apply(fs_store *s, const cJSON *o)
{
    const char *op = fs_str(o, "op");
    if (!s->have_header) {
        const char *format = fs_str(o, "format");
        const cJSON *ver = cJSON_GetObjectItemCaseSensitive(o, "version");
        if (op || !format || strcmp(format, FS_FORMAT) != 0 || !cJSON_IsNumber(ver)) {
            api->set_error(s->owner,
                           "%s/index does not start with a scalene-mcp file store header; "
                           "is %s really a profile store?",
                           s->dir, s->dir);
            return MCP_CORRUPT;
        }
        if (ver->valuedouble > FS_FORMAT_VERSION) {
            api->set_error(s->owner,
                           "%s/index has format version %.0f, newer than this file plugin reads "
                           "(%d): upgrade scalene-mcp",
                           s->dir, ver->valuedouble, FS_FORMAT_VERSION);
            return MCP_VERSION;
        }
        s->have_header = true;
        return MCP_OK;
    }
    const char *id = fs_str(o, "id");
    if (!op || !store_id_valid(id))
        return MCP_INVALID;
    if (strcmp(op, "del") == 0) {
        fs_rec *r = fs_find(s, id);
        if (r)
            fs_remove(s, r);
        s->lines++;
        return MCP_OK;
    }
    if (strcmp(op, "put") != 0)
        return MCP_INVALID;
    int64_t ms;
    const char *target = fs_str(o, "target"), *label = fs_str(o, "label");
    const char *meta = fs_str(o, "meta");
    const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(o, "bytes");
    if (!fs_parse_i64(fs_str(o, "ms"), &ms) || !target || !label || !meta ||
        !cJSON_IsNumber(bytes) || bytes->valuedouble < 0)
        return MCP_INVALID;
    fs_rec *old = fs_find(s, id);
    if (old) /* never written by this plugin; the later line wins */
        fs_remove(s, old);
    fs_rec *r = fs_rec_new(id, ms, target, label, meta, (uint64_t)bytes->valuedouble);
    if (!r || fs_reserve(s, s->n + 1)) {
        free(r);
        api->set_error(s->owner, "out of memory reading %s/index", s->dir);
        return MCP_NOMEM;
    }
    fs_insert(s, r);
    s->lines++;
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Locking and refreshing                                               */
/* ------------------------------------------------------------------ */

static int64_t fs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Takes the store lock (LOCK_SH or LOCK_EX), waiting up to lock_timeout_ms. */
static int fs_lock(fs_store *s, int how)
{
    int64_t deadline = fs_now_ms() + fs_lock_ms;
    long pause_us = 200;
    for (;;) {
        if (flock(s->lockfd, how | LOCK_NB) == 0)
            return MCP_OK;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK)
            return fs_sys_fail(s, "cannot lock", "lock", errno);
        if (fs_now_ms() >= deadline) {
            api->set_error(s->owner,
                           "the file store %s is locked by another process (waited %u ms); "
                           "try again",
                           s->dir, fs_lock_ms);
            return MCP_BUSY;
        }
        struct timespec ts = {0, pause_us * 1000};
        nanosleep(&ts, NULL);
        if (pause_us < 10000)
            pause_us *= 2;
    }
}

static void fs_unlock(fs_store *s)
{
    flock(s->lockfd, LOCK_UN);
}

/* (Re)opens the index file when it is not the one at "index" any more. */
static int fs_open_index(fs_store *s)
{
    struct stat st;
    if (fstatat(s->dirfd, "index", &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) {
            api->set_error(s->owner,
                           "%s/index has disappeared (removed by hand?); the store cannot be "
                           "read without it",
                           s->dir);
            return MCP_CORRUPT;
        }
        return fs_sys_fail(s, "cannot read", "index", errno);
    }
    if (s->indexfd >= 0 && st.st_ino == s->index_ino && st.st_dev == s->index_dev)
        return MCP_OK;
    if (!S_ISREG(st.st_mode)) {
        api->set_error(s->owner, "%s/index is not a regular file", s->dir);
        return MCP_CORRUPT;
    }
    int fd = openat(s->dirfd, "index", O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return fs_sys_fail(s, "cannot open", "index", e);
    }
    if (s->indexfd >= 0)
        close(s->indexfd);
    s->indexfd = fd;
    s->index_dev = st.st_dev;
    s->index_ino = st.st_ino;
    fs_forget_all(s); /* a new file: read it from its start */
    return MCP_OK;
}

/* True when a good line starts somewhere in p[0..n) (after a bad one). */
static bool fs_good_line_follows(const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        if (!nl)
            return false;
        cJSON *o = fs_parse_line(p, (size_t)(nl - p));
        if (o) {
            cJSON_Delete(o);
            return true;
        }
        n -= (size_t)(nl - p) + 1;
        p = nl + 1;
    }
    return false;
}

/* Applies the lines in buf[0..n), read from offset s->index_off, and
 * moves index_off past the last good one. */
static int fs_apply_lines(fs_store *s, const char *buf, size_t n)
{
    size_t pos = 0, good_end = 0;
    int rc = MCP_OK;
    while (pos < n) {
        const char *nl = memchr(buf + pos, '\n', n - pos);
        if (!nl)
            break; /* incomplete: a torn tail */
        size_t len = (size_t)(nl - (buf + pos));
        cJSON *o = fs_parse_line(buf + pos, len);
        rc = o ? fs_apply(s, o) : MCP_INVALID;
        cJSON_Delete(o);
        if (rc == MCP_INVALID) {
            rc = MCP_OK;
            if (!fs_good_line_follows(nl + 1, n - pos - len - 1))
                break; /* only bad lines to the end: a torn tail */
            if (!s->damaged)
                api->log(s->owner, MCP_LOG_WARNING,
                         "%s/index: skipping a damaged line at byte %lld (the profile it "
                         "described may be missing)",
                         s->dir, (long long)s->index_off + (long long)pos);
            s->damaged = true;
            pos += len + 1; /* consumed together with the next good line */
            continue;
        }
        if (rc)
            break;
        pos += len + 1;
        good_end = pos;
    }
    s->index_off += (off_t)good_end;
    return rc;
}

/* With the lock held: brings the in-memory index up to date. Under the
 * exclusive lock a torn tail is cut off, so appends start on a line. */
static int fs_refresh(fs_store *s, bool exclusive)
{
    int rc = fs_open_index(s);
    if (rc)
        return rc;
    struct stat st;
    if (fstat(s->indexfd, &st) != 0)
        return fs_sys_fail(s, "cannot read", "index", errno);
    if (st.st_size < s->index_off) /* cut below what we read: read it all again */
        fs_forget_all(s);
    if (st.st_size > s->index_off) {
        size_t n = (size_t)(st.st_size - s->index_off);
        char *buf = malloc(n);
        if (!buf) {
            api->set_error(s->owner, "out of memory reading %s/index", s->dir);
            return MCP_NOMEM;
        }
        int r = fs_read_all(s->indexfd, buf, n, s->index_off);
        if (r != 0) {
            free(buf);
            return fs_sys_fail(s, "cannot read", "index", r < 0 ? errno : EIO);
        }
        rc = fs_apply_lines(s, buf, n);
        free(buf);
        if (rc)
            return rc;
    }
    if (!s->have_header) {
        api->set_error(s->owner, "%s/index has no header line; is %s a scalene-mcp file store?",
                       s->dir, s->dir);
        return MCP_CORRUPT;
    }
    if (exclusive && st.st_size > s->index_off) {
        api->log(s->owner, MCP_LOG_WARNING,
                 "%s/index: discarding %lld bytes of an interrupted write at its end", s->dir,
                 (long long)(st.st_size - s->index_off));
        if (ftruncate(s->indexfd, s->index_off) != 0 || fdatasync(s->indexfd) != 0)
            return fs_sys_fail(s, "cannot repair", "index", errno);
    }
    return MCP_OK;
}

/* Under the exclusive lock: appends buf and makes it durable. On failure
 * the index is cut back to where it was. */
static int fs_append(fs_store *s, const char *buf, size_t n)
{
    if (fs_write_all(s->indexfd, buf, n, s->index_off) == 0 && fdatasync(s->indexfd) == 0) {
        s->index_off += (off_t)n;
        return MCP_OK;
    }
    int e = errno;
    if (ftruncate(s->indexfd, s->index_off) != 0 || fdatasync(s->indexfd) != 0)
        api->log(s->owner, MCP_LOG_ERROR, "%s/index: cannot undo a failed append: %s", s->dir,
                 strerror(errno));
    return fs_sys_fail(s, "cannot write", "index", e);
}

/* Writes a complete index (header + every record) to index.new and renames
 * it over index. Under the exclusive lock. */
static int fs_write_index(fs_store *s)
{
    fs_buf b = {0};
    cJSON *h = fs_header_obj();
    bool ok = fs_buf_add_line(&b, h);
    cJSON_Delete(h);
    for (size_t i = 0; ok && i < s->n; i++)
        ok = fs_buf_add_put(&b, s->recs[i]);
    if (!ok) {
        free(b.p);
        api->set_error(s->owner, "out of memory writing %s/index", s->dir);
        return MCP_NOMEM;
    }
    int fd =
        openat(s->dirfd, "index.new", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = MCP_OK;
    if (fd < 0) {
        rc = fs_sys_fail(s, "cannot create", "index.new", errno);
    } else if (fs_write_all(fd, b.p, b.len, 0) != 0 || fsync(fd) != 0) {
        rc = fs_sys_fail(s, "cannot write", "index.new", errno);
    } else if (renameat(s->dirfd, "index.new", s->dirfd, "index") != 0) {
        rc = fs_sys_fail(s, "cannot rename index.new to", "index", errno);
    } else if (fsync(s->dirfd) != 0) {
        rc = fs_sys_fail(s, "cannot sync", ".", errno);
    }
    if (fd >= 0)
        close(fd);
    if (rc)
        unlinkat(s->dirfd, "index.new", 0);
    free(b.p);
    return rc;
}

/* Under the exclusive lock, memory up to date: rewrites the index when
 * dead lines dominate. Failure only costs space. */
static void fs_maybe_compact(fs_store *s)
{
    uint64_t dead = s->lines - s->n;
    if (dead < fs_compact_after || dead < s->n)
        return;
    if (fs_write_index(s) != MCP_OK) {
        api->log(s->owner, MCP_LOG_WARNING, "compacting %s/index failed; will retry later", s->dir);
        return;
    }
    size_t n = s->n;
    if (fs_refresh(s, true) != MCP_OK || s->n != n) /* reads the new file */
        api->log(s->owner, MCP_LOG_WARNING, "%s/index: re-reading after compaction failed", s->dir);
    else
        api->log(s->owner, MCP_LOG_DEBUG,
                 "%s/index compacted: %zu records, %" PRIu64 " dead lines dropped", s->dir, n,
                 dead);
}

/* ------------------------------------------------------------------ */
/* Opening and recovery                                                 */
/* ------------------------------------------------------------------ */

/* A directory without an index must hold nothing but what open() makes,
 * so a mistyped `dir` never turns someone's files into a store. */
static int fs_check_new_dir(fs_store *s)
{
    int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return fs_sys_fail(s, "cannot list", ".", e);
    }
    const char *stranger = NULL;
    char name[256];
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, "lock") || !strcmp(n, "docs") ||
            !strcmp(n, "index.new"))
            continue;
        snprintf(name, sizeof name, "%s", n);
        stranger = name;
        break;
    }
    closedir(d);
    if (stranger) {
        api->set_error(s->owner,
                       "%s holds other files (%s) and no index: it is not a scalene-mcp file "
                       "store; set dir in [plugin.file] to a new or empty directory",
                       s->dir, stranger);
        return MCP_INVALID;
    }
    /* Documents without an index: a new index would disown them (and the
     * orphan sweep remove them), so refuse. */
    fd = openat(s->dirfd, "docs", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return MCP_OK; /* no docs/ yet (ENOENT) or not a directory: mkdirat reports it */
    }
    bool has_docs = false;
    while (!has_docs && (e = readdir(d)) != NULL)
        has_docs = strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
                   strncmp(e->d_name, FS_TMP_PREFIX, strlen(FS_TMP_PREFIX)) != 0;
    closedir(d);
    if (has_docs) {
        api->set_error(s->owner,
                       "%s/docs holds profile documents but %s/index is missing; restore the "
                       "index (or move docs/ aside) before using this directory",
                       s->dir, s->dir);
        return MCP_CORRUPT;
    }
    return MCP_OK;
}

/* Removes temp files of dead writers, a left-over index.new and documents
 * the index does not list. Under the exclusive lock, index read. */
static void fs_recover(fs_store *s)
{
    if (unlinkat(s->dirfd, "index.new", 0) == 0)
        api->log(s->owner, MCP_LOG_NOTICE, "%s: removed an unfinished index.new", s->dir);
    int fd = openat(s->docsfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        api->log(s->owner, MCP_LOG_WARNING, "%s/docs: cannot list: %s", s->dir, strerror(errno));
        return;
    }
    unsigned temps = 0, orphans = 0, kept = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        if (strncmp(n, FS_TMP_PREFIX, strlen(FS_TMP_PREFIX)) == 0) {
            int t = openat(s->docsfd, n, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
            if (t < 0)
                continue;
            /* A live writer holds its temp file locked. */
            if (flock(t, LOCK_EX | LOCK_NB) == 0 && unlinkat(s->docsfd, n, 0) == 0)
                temps++;
            close(t);
            continue;
        }
        size_t sl = strlen(FS_DOC_SUFFIX);
        if (len <= sl || strcmp(n + len - sl, FS_DOC_SUFFIX) != 0 ||
            !store_id_valid_len(n, len - sl))
            continue;
        char id[STORE_ID_MAX + 1];
        memcpy(id, n, len - sl);
        id[len - sl] = '\0';
        if (fs_find(s, id))
            continue;
        if (s->damaged)
            kept++;
        else if (unlinkat(s->docsfd, n, 0) == 0)
            orphans++;
    }
    closedir(d);
    if (temps || orphans)
        api->log(s->owner, MCP_LOG_NOTICE,
                 "%s: removed %u unfinished temp file(s) and %u unlisted document(s) left by an "
                 "interrupted put or delete",
                 s->dir, temps, orphans);
    if (kept)
        api->log(s->owner, MCP_LOG_WARNING,
                 "%s: %u document(s) are not in the damaged index; kept in docs/ for inspection",
                 s->dir, kept);
}

/* Under the exclusive lock: makes docs/ and index in a new store. */
static int fs_create_store(fs_store *s)
{
    int rc = fs_check_new_dir(s);
    if (rc)
        return rc;
    if (mkdirat(s->dirfd, "docs", 0700) != 0 && errno != EEXIST)
        return fs_sys_fail(s, "cannot create", "docs", errno);
    rc = fs_write_index(s);
    if (!rc)
        api->log(s->owner, MCP_LOG_INFO, "created a file store in %s", s->dir);
    return rc;
}

static void fs_close(mcp_store *base)
{
    fs_store *s = (fs_store *)base;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->recs[i]);
    free(s->recs);
    free(s->slots);
    if (s->indexfd >= 0)
        close(s->indexfd);
    if (s->docsfd >= 0)
        close(s->docsfd);
    if (s->lockfd >= 0)
        close(s->lockfd);
    if (s->dirfd >= 0)
        close(s->dirfd);
    free(s->dir);
    free(s);
}

/* With the store's directory open: lock file, layout, index, recovery. */
static int fs_open_locked(fs_store *s)
{
    s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (s->lockfd < 0) {
        int e = errno;
        api->set_error(s->owner, "cannot open %s/lock: %s (the store directory must be writable)",
                       s->dir, strerror(e));
        return store_errno_full(e) ? MCP_FULL : MCP_IO;
    }
    if (faccessat(s->dirfd, ".", W_OK | X_OK, AT_EACCESS) != 0) {
        api->set_error(s->owner, "the store directory %s is not writable: %s", s->dir,
                       strerror(errno));
        return MCP_IO;
    }
    int rc = fs_lock(s, LOCK_EX);
    if (rc)
        return rc;
    struct stat st;
    if (fstatat(s->dirfd, "index", &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT)
            rc = fs_sys_fail(s, "cannot read", "index", errno);
        else
            rc = fs_create_store(s);
    }
    if (!rc && mkdirat(s->dirfd, "docs", 0700) != 0 && errno != EEXIST)
        rc = fs_sys_fail(s, "cannot create", "docs", errno);
    if (!rc) {
        s->docsfd = openat(s->dirfd, "docs", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (s->docsfd < 0)
            rc = fs_sys_fail(s, "cannot open", "docs", errno);
    }
    if (!rc)
        rc = fs_refresh(s, true);
    if (!rc)
        fs_recover(s);
    fs_unlock(s);
    return rc;
}

static int fs_open(const mcp_storage_vtab *vt, mcp_plugin *owner, mcp_store **out)
{
    fs_store *s = calloc(1, sizeof *s);
    if (!s) {
        api->set_error(owner, "out of memory opening the store");
        return MCP_NOMEM;
    }
    s->base.vt = vt;
    s->owner = owner;
    s->dirfd = s->docsfd = s->lockfd = s->indexfd = -1;
    s->dir =
        store_resolve_path(api, owner, "file", "dir", fs_cfg_dir, "/profiles", "a store directory");
    if (!s->dir) {
        free(s);
        return MCP_INVALID;
    }
    int rc = store_mkdirs(api, owner, s->dir, "the store directory", "it is not a directory");
    if (!rc) {
        s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->dirfd < 0) {
            api->set_error(owner, "cannot open the store directory %s: %s", s->dir,
                           strerror(errno));
            rc = MCP_IO;
        }
    }
    if (!rc)
        rc = fs_open_locked(s);
    if (rc) {
        fs_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* put, get, del, count, retain                                         */
/* ------------------------------------------------------------------ */

static int fs_exists_error(fs_store *s, const char *id)
{
    api->set_error(s->owner, "a profile with id \"%s\" already exists", id);
    return MCP_EXISTS;
}

/* Writes the document to a new temp file, locked by us; returns its fd
 * (or -1 with the error set and *rc). Called under the shared lock so that
 * recovery (exclusive) never sees the file before it is locked. */
static int fs_tmp_create(fs_store *s, const char *id, char *name, size_t size, int *rc)
{
    snprintf(name, size, FS_TMP_PREFIX "%s.%ld.%u", id, (long)getpid(), s->tmp_seq++);
    int fd = openat(s->docsfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        *rc = fs_doc_fail(s, "cannot create", name, errno);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        *rc = fs_doc_fail(s, "cannot lock", name, errno);
        close(fd);
        unlinkat(s->docsfd, name, 0);
        return -1;
    }
    return fd;
}

/* Moves the written temp file to docs/ID.json and appends the put line.
 * Under the exclusive lock, index up to date, id not present. */
static int fs_commit_put(fs_store *s, const char *tmp, const char *docname, fs_rec *r)
{
    if (renameat(s->docsfd, tmp, s->docsfd, docname) != 0)
        return fs_doc_fail(s, "cannot rename to", docname, errno);
    int rc = MCP_OK;
    if (fsync(s->docsfd) != 0)
        rc = fs_sys_fail(s, "cannot sync", "docs", errno);
    fs_buf b = {0};
    if (!rc && !fs_buf_add_put(&b, r)) {
        api->set_error(s->owner, "out of memory storing a profile");
        rc = MCP_NOMEM;
    }
    if (!rc && fs_reserve(s, s->n + 1)) {
        api->set_error(s->owner, "out of memory storing a profile");
        rc = MCP_NOMEM;
    }
    if (!rc)
        rc = fs_append(s, b.p, b.len);
    free(b.p);
    if (rc) {
        unlinkat(s->docsfd, docname, 0);
        return rc;
    }
    fs_insert(s, r);
    s->lines++;
    return MCP_OK;
}

static int fs_put(mcp_store *base, const mcp_record_meta *meta, const char *doc, size_t len)
{
    fs_store *s = (fs_store *)base;
    if (!meta || !store_id_valid(meta->id) || (!doc && len)) {
        api->set_error(s->owner, "put needs a record with a valid id and a document");
        return MCP_INVALID;
    }
    fs_rec *r =
        fs_rec_new(meta->id, meta->created_ms, meta->target ? meta->target : "",
                   meta->label ? meta->label : "", meta->meta_json ? meta->meta_json : "{}", len);
    if (!r) {
        api->set_error(s->owner, "out of memory storing a profile");
        return MCP_NOMEM;
    }
    char tmp[160], docname[STORE_ID_MAX + 8];
    fs_doc_name(docname, sizeof docname, meta->id);

    /* 1. Shared lock: refuse a known id early, create and lock the temp. */
    int rc = fs_lock(s, LOCK_SH);
    if (!rc) {
        rc = fs_refresh(s, false);
        if (!rc && fs_find(s, meta->id))
            rc = fs_exists_error(s, meta->id);
    }
    int fd = -1;
    if (!rc)
        fd = fs_tmp_create(s, meta->id, tmp, sizeof tmp, &rc);
    fs_unlock(s);
    if (rc) {
        free(r);
        return rc;
    }
    /* 2. No lock: write and sync the document (slow for big ones). */
    if (fs_write_all(fd, len ? doc : "", len, 0) != 0 || fsync(fd) != 0)
        rc = fs_doc_fail(s, "cannot write", tmp, errno);
    /* 3. Exclusive lock: publish. */
    if (!rc)
        rc = fs_lock(s, LOCK_EX);
    if (!rc) {
        rc = fs_refresh(s, true);
        if (!rc && fs_find(s, meta->id))
            rc = fs_exists_error(s, meta->id);
        if (!rc)
            rc = fs_commit_put(s, tmp, docname, r);
        if (!rc)
            r = NULL; /* the index owns it */
        fs_unlock(s);
    }
    if (rc)
        unlinkat(s->docsfd, tmp, 0);
    close(fd);
    free(r);
    return rc;
}

static int fs_get(mcp_store *base, const char *id, char **doc, size_t *len)
{
    fs_store *s = (fs_store *)base;
    if (!store_id_valid(id)) {
        api->set_error(s->owner, "no profile with id \"%s\"", id ? "(invalid)" : "(null)");
        return MCP_NOTFOUND;
    }
    int rc = fs_lock(s, LOCK_SH);
    if (rc)
        return rc;
    rc = fs_refresh(s, false);
    const fs_rec *r = rc ? NULL : fs_find(s, id);
    uint64_t want = r ? r->doc_bytes : 0;
    char docname[STORE_ID_MAX + 8];
    fs_doc_name(docname, sizeof docname, id);
    int fd = -1, open_errno = 0;
    if (r) { /* opened under the lock: a delete cannot slip in between */
        fd = openat(s->docsfd, docname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        open_errno = errno;
    }
    fs_unlock(s);
    if (rc)
        return rc;
    if (!r) {
        api->set_error(s->owner, "no profile with id \"%s\"", id);
        return MCP_NOTFOUND;
    }
    if (fd < 0) {
        if (open_errno == ENOENT) {
            api->set_error(s->owner, "the document of profile \"%s\" (%s/docs/%s) is missing", id,
                           s->dir, docname);
            return MCP_CORRUPT;
        }
        return fs_doc_fail(s, "cannot open", docname, open_errno);
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != want || want >= SIZE_MAX) {
        close(fd);
        api->set_error(s->owner,
                       "the document of profile \"%s\" (%s/docs/%s) is %lld bytes, the "
                       "index says %" PRIu64,
                       id, s->dir, docname, (long long)st.st_size, want);
        return MCP_CORRUPT;
    }
    char *buf = api->alloc((size_t)want + 1);
    if (!buf) {
        close(fd);
        api->set_error(s->owner, "out of memory reading %" PRIu64 " bytes", want);
        return MCP_NOMEM;
    }
    int r2 = fs_read_all(fd, buf, (size_t)want, 0);
    int e = errno;
    close(fd);
    if (r2 != 0) {
        api->free(buf);
        if (r2 > 0) {
            api->set_error(s->owner, "the document of profile \"%s\" ended early", id);
            return MCP_CORRUPT;
        }
        return fs_doc_fail(s, "cannot read", docname, e);
    }
    buf[want] = '\0';
    *doc = buf;
    *len = (size_t)want;
    return MCP_OK;
}

static void fs_unlink_doc(fs_store *s, const char *id)
{
    char docname[STORE_ID_MAX + 8];
    fs_doc_name(docname, sizeof docname, id);
    if (unlinkat(s->docsfd, docname, 0) != 0 && errno != ENOENT)
        api->log(s->owner, MCP_LOG_WARNING, "cannot remove %s/docs/%s: %s", s->dir, docname,
                 strerror(errno));
}

/* Under the exclusive lock: deletes `victim`, or when it is NULL the k
 * oldest records. The del lines are the commit; documents go after. */
static int fs_delete_recs(fs_store *s, fs_rec *victim, size_t k)
{
    fs_buf b = {0};
    for (size_t i = 0; i < k; i++)
        if (!fs_buf_add_del(&b, victim ? victim->id : s->recs[i]->id)) {
            free(b.p);
            api->set_error(s->owner, "out of memory deleting profiles");
            return MCP_NOMEM;
        }
    int rc = fs_append(s, b.p, b.len);
    free(b.p);
    if (rc)
        return rc;
    if (victim) {
        fs_unlink_doc(s, victim->id);
        fs_remove(s, victim);
    } else {
        for (size_t i = 0; i < k; i++) {
            fs_unlink_doc(s, s->recs[i]->id);
            fs_unhash(s, s->recs[i]);
            free(s->recs[i]);
        }
        memmove(s->recs, s->recs + k, (s->n - k) * sizeof *s->recs);
        s->n -= k;
    }
    s->lines += k;
    fs_maybe_compact(s);
    return MCP_OK;
}

static int fs_del(mcp_store *base, const char *id)
{
    fs_store *s = (fs_store *)base;
    if (!store_id_valid(id)) {
        api->set_error(s->owner, "no profile with id \"%s\"", id ? "(invalid)" : "(null)");
        return MCP_NOTFOUND;
    }
    int rc = fs_lock(s, LOCK_EX);
    if (rc)
        return rc;
    rc = fs_refresh(s, true);
    fs_rec *r = rc ? NULL : fs_find(s, id);
    if (!rc && !r) {
        api->set_error(s->owner, "no profile with id \"%s\"", id);
        rc = MCP_NOTFOUND;
    }
    if (!rc)
        rc = fs_delete_recs(s, r, 1);
    fs_unlock(s);
    return rc;
}

static int fs_count(mcp_store *base, uint64_t *n)
{
    fs_store *s = (fs_store *)base;
    int rc = fs_lock(s, LOCK_SH);
    if (rc)
        return rc;
    rc = fs_refresh(s, false);
    fs_unlock(s);
    if (!rc)
        *n = s->n;
    return rc;
}

static int fs_retain(mcp_store *base, uint64_t max_profiles, int64_t min_created_ms,
                     uint64_t *removed)
{
    fs_store *s = (fs_store *)base;
    if (removed)
        *removed = 0;
    if (!max_profiles && !min_created_ms)
        return MCP_OK;
    int rc = fs_lock(s, LOCK_EX);
    if (rc)
        return rc;
    rc = fs_refresh(s, true);
    size_t k = 0;
    if (!rc) {
        if (max_profiles && s->n > max_profiles)
            k = s->n - (size_t)max_profiles;
        if (min_created_ms) {
            size_t too_old = fs_lower_bound_ms(s, min_created_ms);
            if (too_old > k)
                k = too_old;
        }
    }
    if (!rc && k)
        rc = fs_delete_recs(s, NULL, k);
    fs_unlock(s);
    if (!rc && removed)
        *removed = k;
    return rc;
}

/* ------------------------------------------------------------------ */
/* list                                                                 */
/* ------------------------------------------------------------------ */

/* Newest first, from a private snapshot: callbacks run without the lock. */
static int fs_list(mcp_store *base, const mcp_list_query *q, mcp_record_cb cb, void *ctx,
                   char **next_cursor)
{
    fs_store *s = (fs_store *)base;
    *next_cursor = NULL;
    int64_t cms;
    const char *cid;
    int rc = store_list_check(api, s->owner, q, FS_LIST_MAX_LIMIT, FS_CURSOR_PREFIX, &cms, &cid);
    if (rc)
        return rc;
    rc = fs_lock(s, LOCK_SH);
    if (rc)
        return rc;
    rc = fs_refresh(s, false);
    fs_unlock(s);
    if (rc)
        return rc;
    /* The in-memory index changes only in calls into this store, which
     * callbacks must not make: walking it after unlocking is safe. */
    size_t i = q->cursor ? fs_lower_bound(s, cms, cid) : s->n;
    uint32_t delivered = 0;
    const fs_rec *last = NULL;
    bool stopped = false;
    while (i > 0) {
        const fs_rec *r = s->recs[i - 1];
        if (store_query_too_old(q, r->created_ms))
            break;
        if (!store_query_matches(q, r->label, r->target)) {
            i--;
            continue;
        }
        if (delivered == q->limit || stopped) { /* another match follows the page */
            /* limit >= 1 (store_list_check), so a record was delivered: last is set */
            // NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
            *next_cursor = store_cursor_encode(api, FS_CURSOR_PREFIX, last->created_ms, last->id);
            if (!*next_cursor) {
                api->set_error(s->owner, "out of memory making a cursor");
                return MCP_NOMEM;
            }
            break;
        }
        i--;
        delivered++;
        last = r;
        mcp_record_meta m = {.id = r->id,
                             .created_ms = r->created_ms,
                             .target = r->target,
                             .label = r->label,
                             .meta_json = r->meta_json,
                             .doc_bytes = r->doc_bytes};
        if (cb(ctx, &m))
            stopped = true;
    }
    return MCP_OK;
}

static const mcp_storage_vtab fs_vtab = {
    .version = MCP_STORAGE_VTAB_VERSION,
    .name = "file",
    .open = fs_open,
    .put = fs_put,
    .get = fs_get,
    .list = fs_list,
    .del = fs_del,
    .count = fs_count,
    .retain = fs_retain,
    .close = fs_close,
};

/* ------------------------------------------------------------------ */
/* Plugin                                                               */
/* ------------------------------------------------------------------ */

static int fs_init(mcp_plugin *self, const mcp_host_api *host)
{
    api = host;
    fs_crc_init();
    fs_lock_ms = FS_DEFAULT_LOCK_MS;
    fs_compact_after = FS_DEFAULT_COMPACT_AFTER;
    fs_cfg_dir = api->config(self, "dir");
    if (fs_cfg_dir && !fs_cfg_dir[0]) {
        api->set_error(self, "dir = \"\": expected a directory (or leave dir out for "
                             "$XDG_DATA_HOME/scalene-mcp/profiles)");
        return MCP_INVALID;
    }
    uint64_t lock_ms = FS_DEFAULT_LOCK_MS;
    int rc = cfgnum_read(api, self, "lock_timeout_ms", 0, FS_MAX_LOCK_MS, "milliseconds", &lock_ms);
    if (!rc)
        rc = cfgnum_read(api, self, "compact_after", 1, FS_MAX_COMPACT_AFTER,
                         "a number of index lines", &fs_compact_after);
    if (rc)
        return rc;
    fs_lock_ms = (unsigned)lock_ms;
    return api->register_storage(self, &fs_vtab);
}

MCP_PLUGIN("file", "0.1.0", fs_init, NULL);
