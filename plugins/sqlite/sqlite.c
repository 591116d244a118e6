/*
 * sqlite.c - the SQLite storage backend ("sqlite"), the default.
 *
 * One database file: `db_path` in [plugin.sqlite] (`path` is the host's key for
 * the plugin's own .so), else
 * $XDG_DATA_HOME/scalene-mcp/profiles.db (~/.local/share/... when
 * XDG_DATA_HOME is unset). Directories it creates are 0700, the file 0600.
 *
 * - WAL journal, synchronous = FULL: a put that returned MCP_OK is in the
 *   WAL and fsync'd, so it survives a crash of the process (and of the OS).
 *   Several server processes may share the file; readers never block
 *   writers, writers wait up to busy_timeout_ms for each other.
 * - Every write is one BEGIN IMMEDIATE transaction; a failed one is rolled
 *   back, leaving the store as it was.
 * - Schema: a schema_version table and an ordered list of migrations
 *   (sqlst_migrations). Opening applies the missing ones in one
 *   transaction; a database newer than this plugin is refused.
 * - Metadata (profiles) and documents (docs, BLOB) are separate tables, so
 *   listing never reads document pages; a trigger deletes a profile's
 *   document with it. Indexes: (created_ms, id) for the list order, cursors
 *   and since; (label, created_ms, id) for the label filter. target is a
 *   substring filter (instr) applied while walking the order index.
 * - Documents are read with incremental blob I/O straight into the
 *   caller's buffer (no second copy of a 50 MB profile).
 * - Cursors: "s1." + 16 hex digits of created_ms + "." + id, a position in
 *   (created_ms, id) order, as memory.c does.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cfgnum.h"
#include "scalene_mcp.h"
#include "store_cursor.h"
#include "store_path.h"
#include "store_record.h"

#define SQLST_DEFAULT_BUSY_MS 5000u
#define SQLST_MAX_BUSY_MS 3600000u
#define SQLST_LIST_MAX_LIMIT 1000u
#define STORE_ID_MAX 64u
#define SQLST_APP_ID 0x534d4350          /* "SMCP" in the database header */
#define SQLST_WAL_LIMIT_BYTES (32 << 20) /* WAL truncated to this after checkpoints */
#define SQLST_VACUUM_FREE_PAGES 4096     /* reclaim free pages beyond this many */

/* Cursor text: "s1." + 16 hex digits of created_ms + "." + id. */
#define SQLST_CURSOR_PREFIX "s1."

static const mcp_host_api *api;    /* saved by sqlst_init */
static const char *sqlst_cfg_path; /* borrowed until shutdown; NULL = default */
static unsigned sqlst_busy_ms = SQLST_DEFAULT_BUSY_MS;

/* ------------------------------------------------------------------ */
/* Schema and migrations                                                */
/* ------------------------------------------------------------------ */

/* Migration N takes the schema from version N-1 to N. Append new ones;
 * never edit one that has shipped. */
static const char *const sqlst_migrations[] = {
    /* 1: profiles metadata, documents, list indexes */
    "CREATE TABLE profiles("
    "  rid INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  created_ms INTEGER NOT NULL,"
    "  target TEXT NOT NULL,"
    "  label TEXT NOT NULL,"
    "  meta_json TEXT NOT NULL,"
    "  doc_bytes INTEGER NOT NULL);"
    "CREATE INDEX profiles_by_time ON profiles(created_ms, id);"
    "CREATE INDEX profiles_by_label ON profiles(label, created_ms, id);"
    "CREATE TABLE docs(rid INTEGER PRIMARY KEY, doc BLOB NOT NULL);"
    "CREATE TRIGGER profiles_drop_doc AFTER DELETE ON profiles BEGIN"
    "  DELETE FROM docs WHERE rid = old.rid;"
    "END;",
};
#define SQLST_SCHEMA_VERSION ((int)(sizeof sqlst_migrations / sizeof sqlst_migrations[0]))

/* Fixed statements, prepared once per connection. */
enum {
    ST_BEGIN_READ,
    ST_BEGIN_WRITE,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_INSERT_META,
    ST_INSERT_DOC,
    ST_FIND,
    ST_DELETE,
    ST_COUNT,
    ST_RETAIN_AGE,
    ST_RETAIN_COUNT,
    ST_FREE_PAGES,
    ST_N
};

static const char *const sqlst_sql[ST_N] = {
    [ST_BEGIN_READ] = "BEGIN",
    [ST_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    /* one statement split over two literals, not a missing comma */
    // NOLINTNEXTLINE(bugprone-suspicious-missing-comma)
    [ST_INSERT_META] = "INSERT INTO profiles(id, created_ms, target, label, meta_json, doc_bytes)"
                       " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_INSERT_DOC] = "INSERT INTO docs(rid, doc) VALUES(?1, ?2)",
    [ST_FIND] = "SELECT rid, doc_bytes FROM profiles WHERE id = ?1",
    [ST_DELETE] = "DELETE FROM profiles WHERE id = ?1",
    [ST_COUNT] = "SELECT count(*) FROM profiles",
    [ST_RETAIN_AGE] = "DELETE FROM profiles WHERE created_ms < ?1",
    [ST_RETAIN_COUNT] = "DELETE FROM profiles WHERE rid IN (SELECT rid FROM profiles"
                        " ORDER BY created_ms DESC, id DESC LIMIT -1 OFFSET ?1)",
    [ST_FREE_PAGES] = "PRAGMA freelist_count",
};

/* list() variants: one prepared statement per combination of filters. */
#define LQ_CURSOR 0x1u
#define LQ_SINCE 0x2u
#define LQ_LABEL 0x4u
#define LQ_TARGET 0x8u
#define LQ_N 16u

typedef struct sqlst_store {
    mcp_store base; /* first: the host sees a mcp_store */
    mcp_plugin *owner;
    sqlite3 *db;
    char *path;
    int64_t busy_since_ms; /* when the current wait for a lock began */
    sqlite3_stmt *st[ST_N];
    sqlite3_stmt *list_st[LQ_N]; /* prepared on first use */
} sqlst_store;

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

#define SQLST_FULL_MARGIN (64u << 20) /* "full" when less room than this is left */

static uint64_t sqlst_file_size(const char *path, const char *suffix)
{
    char name[PATH_MAX];
    struct stat st;
    snprintf(name, sizeof name, "%s%s", path, suffix);
    return stat(name, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* SQLite reports a failed write as SQLITE_IOERR_WRITE, and its errno is
 * not reliable by the time we see it. A write that fails near the file
 * size limit (RLIMIT_FSIZE) or on a nearly full file system is taken to be
 * "full", with the reason in why[]. */
static bool sqlst_looks_full(const char *path, char *why, size_t n)
{
    uint64_t biggest = sqlst_file_size(path, "");
    uint64_t wal = sqlst_file_size(path, "-wal");
    if (wal > biggest)
        biggest = wal;
    struct rlimit rl;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        biggest + SQLST_FULL_MARGIN > (uint64_t)rl.rlim_cur) {
        snprintf(why, n, "the file size limit (RLIMIT_FSIZE) is %llu bytes",
                 (unsigned long long)rl.rlim_cur);
        return true;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    struct statvfs vfs;
    if (statvfs(dir, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < SQLST_FULL_MARGIN) {
        snprintf(why, n, "only %llu bytes are free on its file system",
                 (unsigned long long)vfs.f_bavail * vfs.f_frsize);
        return true;
    }
    return false;
}

/* The mcp_rc for a SQLite result code. */
static int sqlst_map(sqlite3 *db, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return MCP_OK;
    case SQLITE_FULL:
        return MCP_FULL;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return MCP_BUSY;
    case SQLITE_NOMEM:
        return MCP_NOMEM;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return MCP_CORRUPT;
    case SQLITE_TOOBIG:
        return MCP_TOOBIG;
    case SQLITE_CONSTRAINT:
        return MCP_EXISTS;
    case SQLITE_IOERR:
        return db && store_errno_full(sqlite3_system_errno(db)) ? MCP_FULL : MCP_IO;
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return MCP_IO;
    default:
        return MCP_ERROR;
    }
}

/* Sets "<what>: <why> (<path>)" from the connection's last error and
 * returns the mapped code. Call before anything else touches db. */
static int sqlst_fail(sqlst_store *s, int rc, const char *what)
{
    int mrc = sqlst_map(s->db, rc);
    int sys = s->db ? sqlite3_system_errno(s->db) : 0;
    const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    char why[128];
    if (mrc == MCP_IO &&
        (rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_TRUNCATE || rc == SQLITE_IOERR_SHMSIZE) &&
        sqlst_looks_full(s->path, why, sizeof why)) {
        api->set_error(s->owner, "%s: disk full or file size limit reached writing %s (%s)", what,
                       s->path, why);
        return MCP_FULL;
    }
    if (mrc == MCP_BUSY)
        api->set_error(s->owner,
                       "%s: the database %s is locked by another process (waited %u ms); "
                       "try again",
                       what, s->path, sqlst_busy_ms);
    else if (mrc == MCP_FULL)
        api->set_error(s->owner, "%s: disk full or file size limit reached writing %s (%s)", what,
                       s->path, sys ? strerror(sys) : msg);
    else if (mrc == MCP_CORRUPT)
        api->set_error(s->owner,
                       "%s: the database %s is damaged (%s); move it aside to start a new one",
                       what, s->path, msg);
    else if ((rc & 0xff) == SQLITE_IOERR && sys)
        api->set_error(s->owner, "%s: %s on %s (%s)", what, msg, s->path, strerror(sys));
    else
        api->set_error(s->owner, "%s: %s (%s)", what, msg, s->path);
    return mrc ? mrc : MCP_ERROR;
}

/* Ends a transaction that failed; the error has been recorded already. */
static void sqlst_rollback(sqlst_store *s)
{
    if (!sqlite3_get_autocommit(s->db)) {
        sqlite3_reset(s->st[ST_ROLLBACK]);
        sqlite3_step(s->st[ST_ROLLBACK]);
        sqlite3_reset(s->st[ST_ROLLBACK]);
    }
}

/* Runs a statement without results (BEGIN, COMMIT, ...). */
static int sqlst_exec(sqlst_store *s, int which)
{
    sqlite3_stmt *st = s->st[which];
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int sqlst_commit(sqlst_store *s, const char *what)
{
    int rc = sqlst_exec(s, ST_COMMIT);
    if (rc != SQLITE_OK) {
        int mrc = sqlst_fail(s, rc, what);
        sqlst_rollback(s);
        return mrc;
    }
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Paths                                                                */
/* ------------------------------------------------------------------ */

/* Makes sure `path` can be a database file: its directory exists (created
 * 0700), and it is a regular file (created empty, 0600) that we can write. */
static int sqlst_prepare_file(mcp_plugin *owner, const char *path)
{
    char *dir = store_strdup(path);
    if (!dir) {
        api->set_error(owner, "out of memory");
        return MCP_NOMEM;
    }
    char *slash = strrchr(dir, '/');
    int rc = MCP_OK;
    if (slash) {
        slash[slash == dir ? 1 : 0] = '\0';
        if (slash != dir)
            rc = store_mkdirs(api, owner, dir, "a directory", "it is not one");
    } else {
        strcpy(dir, ".");
    }
    /* SQLite creates PATH-wal and PATH-shm beside the file. */
    if (!rc && access(dir, W_OK | X_OK) != 0) {
        api->set_error(owner,
                       "the directory %s of the profile database is not writable (%s); SQLite "
                       "keeps its WAL file beside the database",
                       dir, strerror(errno));
        rc = MCP_IO;
    }
    free(dir);
    if (rc)
        return rc;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        api->set_error(owner,
                       "cannot open the profile database %s: it is a directory (set db_path "
                       "in [plugin.sqlite] to a file name)",
                       path);
        return MCP_IO;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        api->set_error(owner, "cannot open the profile database %s for writing: %s", path,
                       strerror(errno));
        return store_errno_full(errno) ? MCP_FULL : MCP_IO;
    }
    if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        close(fd);
        api->set_error(owner, "cannot use %s as the profile database: not a regular file", path);
        return MCP_IO;
    }
    close(fd);
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Opening                                                              */
/* ------------------------------------------------------------------ */

/* Runs one PRAGMA that returns a single value; *out gets its integer value
 * (may be NULL). */
static int sqlst_pragma(sqlst_store *s, const char *sql, const char *expect_text, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (out)
            *out = sqlite3_column_int64(st, 0);
        if (expect_text) {
            const char *t = (const char *)sqlite3_column_text(st, 0);
            if (!t || strcmp(t, expect_text) != 0) {
                sqlite3_finalize(st);
                return SQLITE_CANTOPEN;
            }
        }
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int64_t sqlst_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Before anything writes to the file: a database with tables but without
 * our application id and schema_version is someone else's, and is left
 * untouched. A file that is not a database fails here too. */
static int sqlst_check_owner(sqlst_store *s)
{
    int64_t have = 0, others = 0, app = 0;
    int rc = sqlst_pragma(s,
                          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
                          "'schema_version'",
                          NULL, &have);
    if (rc == SQLITE_OK)
        rc = sqlst_pragma(s,
                          "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' "
                          "ESCAPE '\\'",
                          NULL, &others);
    if (rc == SQLITE_OK)
        rc = sqlst_pragma(s, "PRAGMA application_id", NULL, &app);
    if (rc != SQLITE_OK) {
        if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
            api->set_error(s->owner,
                           "%s is not a SQLite database or is damaged (%s); move it aside to "
                           "start a new one",
                           s->path, sqlite3_errmsg(s->db));
            return MCP_CORRUPT;
        }
        return sqlst_fail(s, rc, "reading the schema");
    }
    if ((others && !have) || (have && app != SQLST_APP_ID)) {
        api->set_error(s->owner,
                       "%s is a SQLite database of another program, not a scalene-mcp profile "
                       "store; set db_path in [plugin.sqlite] to another file",
                       s->path);
        return MCP_INVALID;
    }
    return MCP_OK;
}

/* Inside the open transaction: the schema version, 0 for a new database. */
static int sqlst_schema_version(sqlst_store *s, int *version)
{
    int64_t have = 0, v = 0;
    int rc = sqlst_pragma(s,
                          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
                          "'schema_version'",
                          NULL, &have);
    if (rc == SQLITE_OK && have)
        rc = sqlst_pragma(s, "SELECT coalesce(max(version), 0) FROM schema_version", NULL, &v);
    if (rc != SQLITE_OK)
        return sqlst_fail(s, rc, "reading the schema version");
    *version = (int)v;
    return MCP_OK;
}

static int sqlst_apply_migration(sqlst_store *s, int to)
{
    int rc = sqlite3_exec(s->db, sqlst_migrations[to - 1], NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return rc;
    char sql[160];
    snprintf(sql, sizeof sql,
             "INSERT INTO schema_version(version, applied_ms) VALUES(%d, %" PRId64
             "); PRAGMA user_version = %d",
             to, sqlst_now_ms(), to);
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

/* Brings the schema to SQLST_SCHEMA_VERSION in one transaction. Two
 * processes opening a new file at once: the second waits, then finds it
 * current. */
static int sqlst_migrate(sqlst_store *s)
{
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sqlst_fail(s, rc, "opening the database");
    int version = 0;
    int mrc = sqlst_schema_version(s, &version);
    if (mrc) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return mrc;
    }
    if (version > SQLST_SCHEMA_VERSION) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        api->set_error(s->owner,
                       "%s has schema version %d, newer than this sqlite plugin reads (%d): "
                       "upgrade scalene-mcp, or point db_path in [plugin.sqlite] elsewhere",
                       s->path, version, SQLST_SCHEMA_VERSION);
        return MCP_VERSION;
    }
    if (version == 0) {
        char sql[128];
        snprintf(sql, sizeof sql,
                 "PRAGMA application_id = %d; CREATE TABLE schema_version("
                 "version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)",
                 SQLST_APP_ID);
        rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    }
    for (int to = version + 1; rc == SQLITE_OK && to <= SQLST_SCHEMA_VERSION; to++) {
        rc = sqlst_apply_migration(s, to);
        if (rc == SQLITE_OK && version > 0)
            api->log(s->owner, MCP_LOG_NOTICE, "%s: schema migrated to version %d", s->path, to);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        mrc = sqlst_fail(s, rc, "creating the schema");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return mrc;
    }
    return MCP_OK;
}

static int64_t sqlst_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for another connection's lock in 0.25 ms steps, up to busy_timeout_ms.
 * SQLite's own handler backs off to 100 ms sleeps, and a process that
 * writes back to back then holds the lock for all its puts while the other
 * sleeps: short steps let two writers take turns. */
static int sqlst_busy(void *ud, int count)
{
    sqlst_store *s = ud;
    int64_t now = sqlst_mono_ms();
    if (count == 0)
        s->busy_since_ms = now;
    if (now - s->busy_since_ms >= (int64_t)sqlst_busy_ms)
        return 0;
    struct timespec ts = {0, 250000};
    nanosleep(&ts, NULL);
    return 1;
}

/* Connection settings; the first one that touches the file also tells a
 * damaged or foreign file apart. */
static int sqlst_configure(sqlst_store *s)
{
    sqlite3_busy_handler(s->db, sqlst_busy, s);
    sqlite3_extended_result_codes(s->db, 1);
    int mrc = sqlst_check_owner(s);
    if (mrc)
        return mrc;
    int rc = sqlst_pragma(s, "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlst_pragma(s, "PRAGMA journal_mode = WAL", "wal", NULL);
        if (rc == SQLITE_CANTOPEN) { /* another mode came back */
            api->set_error(s->owner,
                           "cannot switch %s to WAL mode (is it on a network file system?)",
                           s->path);
            return MCP_IO;
        }
    }
    if (rc == SQLITE_OK)
        rc = sqlst_pragma(s, "PRAGMA synchronous = FULL", NULL, NULL);
    if (rc == SQLITE_OK) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA journal_size_limit = %d", SQLST_WAL_LIMIT_BYTES);
        rc = sqlst_pragma(s, sql, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
            api->set_error(s->owner,
                           "%s is not a SQLite database or is damaged (%s); move it aside to "
                           "start a new one",
                           s->path, sqlite3_errmsg(s->db));
            return MCP_CORRUPT;
        }
        return sqlst_fail(s, rc, "opening the database");
    }
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        api->set_error(s->owner, "the profile database %s is read-only", s->path);
        return MCP_IO;
    }
    return MCP_OK;
}

static int sqlst_prepare_all(sqlst_store *s)
{
    for (int i = 0; i < ST_N; i++) {
        int rc =
            sqlite3_prepare_v3(s->db, sqlst_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
        if (rc != SQLITE_OK)
            return sqlst_fail(s, rc, "preparing statements");
    }
    return MCP_OK;
}

static void sqlst_close(mcp_store *base)
{
    sqlst_store *s = (sqlst_store *)base;
    if (!s)
        return;
    for (int i = 0; i < ST_N; i++)
        sqlite3_finalize(s->st[i]);
    for (unsigned i = 0; i < LQ_N; i++)
        sqlite3_finalize(s->list_st[i]);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

static int sqlst_open(const mcp_storage_vtab *vt, mcp_plugin *owner, mcp_store **out)
{
    sqlst_store *s = calloc(1, sizeof *s);
    if (!s) {
        api->set_error(owner, "out of memory opening the store");
        return MCP_NOMEM;
    }
    s->base.vt = vt;
    s->owner = owner;
    s->path = store_resolve_path(api, owner, "sqlite", "db_path", sqlst_cfg_path, "/profiles.db",
                                 "a database file");
    if (!s->path) {
        free(s);
        return MCP_INVALID;
    }
    int mrc = sqlst_prepare_file(owner, s->path);
    if (mrc) {
        sqlst_close(&s->base);
        return mrc;
    }
    int rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        mrc = sqlst_fail(s, rc, "opening the profile database");
        sqlst_close(&s->base);
        return mrc;
    }
    mrc = sqlst_configure(s);
    if (!mrc)
        mrc = sqlst_migrate(s);
    if (!mrc)
        mrc = sqlst_prepare_all(s);
    if (mrc) {
        sqlst_close(&s->base);
        return mrc;
    }
    *out = &s->base;
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* put, get, del, count                                                 */
/* ------------------------------------------------------------------ */

static int sqlst_put(mcp_store *base, const mcp_record_meta *meta, const char *doc, size_t len)
{
    sqlst_store *s = (sqlst_store *)base;
    if (!meta || !meta->id || !meta->id[0] || (!doc && len)) {
        api->set_error(s->owner, "put needs a record with an id and a document");
        return MCP_INVALID;
    }
    int rc = sqlst_exec(s, ST_BEGIN_WRITE);
    if (rc != SQLITE_OK)
        return sqlst_fail(s, rc, "storing a profile");

    sqlite3_stmt *st = s->st[ST_INSERT_META];
    sqlite3_bind_text(st, 1, meta->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, meta->created_ms);
    sqlite3_bind_text(st, 3, meta->target ? meta->target : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, meta->label ? meta->label : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, meta->meta_json ? meta->meta_json : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)len);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        int mrc;
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
            api->set_error(s->owner, "a profile with id \"%s\" already exists", meta->id);
            mrc = MCP_EXISTS;
        } else {
            mrc = sqlst_fail(s, rc, "storing a profile");
        }
        sqlst_rollback(s);
        return mrc;
    }
    st = s->st[ST_INSERT_DOC];
    sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(s->db));
    sqlite3_bind_blob64(st, 2, len ? doc : "", len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        int mrc = sqlst_fail(s, rc, "storing a profile");
        sqlst_rollback(s);
        return mrc;
    }
    return sqlst_commit(s, "storing a profile");
}

/* Inside a transaction: the record's rowid and document size. */
static int sqlst_find(sqlst_store *s, const char *id, sqlite3_int64 *rid, sqlite3_int64 *bytes)
{
    sqlite3_stmt *st = s->st[ST_FIND];
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *rid = sqlite3_column_int64(st, 0);
        *bytes = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int sqlst_read_doc(sqlst_store *s, const char *id, sqlite3_int64 rid, sqlite3_int64 bytes,
                          char **doc, size_t *len)
{
    if (bytes < 0 || (uint64_t)bytes >= SIZE_MAX || bytes > INT_MAX) {
        api->set_error(s->owner, "profile \"%s\" in %s has an impossible size (%" PRId64 ")", id,
                       s->path, (int64_t)bytes);
        return MCP_CORRUPT;
    }
    sqlite3_blob *blob;
    int rc = sqlite3_blob_open(s->db, "main", "docs", "doc", rid, 0, &blob);
    if (rc != SQLITE_OK) {
        if (rc == SQLITE_ERROR) { /* no such row: the document is missing */
            api->set_error(s->owner, "the document of profile \"%s\" is missing from %s", id,
                           s->path);
            return MCP_CORRUPT;
        }
        return sqlst_fail(s, rc, "reading a profile");
    }
    if (sqlite3_blob_bytes(blob) != bytes) {
        sqlite3_blob_close(blob);
        api->set_error(s->owner,
                       "the document of profile \"%s\" in %s is %d bytes, the record says %" PRId64,
                       id, s->path, sqlite3_blob_bytes(blob), (int64_t)bytes);
        return MCP_CORRUPT;
    }
    char *buf = api->alloc((size_t)bytes + 1);
    if (!buf) {
        sqlite3_blob_close(blob);
        api->set_error(s->owner, "out of memory reading %" PRId64 " bytes", (int64_t)bytes);
        return MCP_NOMEM;
    }
    rc = bytes ? sqlite3_blob_read(blob, buf, (int)bytes, 0) : SQLITE_OK;
    if (rc != SQLITE_OK) {
        int mrc = sqlst_fail(s, rc, "reading a profile");
        sqlite3_blob_close(blob);
        api->free(buf);
        return mrc;
    }
    sqlite3_blob_close(blob);
    buf[bytes] = '\0';
    *doc = buf;
    *len = (size_t)bytes;
    return MCP_OK;
}

static int sqlst_get(mcp_store *base, const char *id, char **doc, size_t *len)
{
    sqlst_store *s = (sqlst_store *)base;
    if (!id) {
        api->set_error(s->owner, "no profile with id \"(null)\"");
        return MCP_NOTFOUND;
    }
    /* One read transaction: the lookup and the blob see the same snapshot. */
    int rc = sqlst_exec(s, ST_BEGIN_READ);
    if (rc != SQLITE_OK)
        return sqlst_fail(s, rc, "reading a profile");
    sqlite3_int64 rid = 0, bytes = 0;
    rc = sqlst_find(s, id, &rid, &bytes);
    int mrc;
    if (rc == SQLITE_ROW) {
        mrc = sqlst_read_doc(s, id, rid, bytes, doc, len);
    } else if (rc == SQLITE_DONE) {
        api->set_error(s->owner, "no profile with id \"%s\"", id);
        mrc = MCP_NOTFOUND;
    } else {
        mrc = sqlst_fail(s, rc, "reading a profile");
    }
    if (mrc == MCP_OK) {
        mrc = sqlst_commit(s, "reading a profile");
        if (mrc) {
            api->free(*doc);
            *doc = NULL;
            *len = 0;
        }
    } else {
        sqlst_rollback(s);
    }
    return mrc;
}

/* After deletes: give free pages back to the file system once there are
 * many of them (auto_vacuum = INCREMENTAL). Failure only costs space. */
static void sqlst_maybe_vacuum(sqlst_store *s)
{
    sqlite3_stmt *st = s->st[ST_FREE_PAGES];
    int64_t free_pages = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        free_pages = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (free_pages > SQLST_VACUUM_FREE_PAGES &&
        sqlite3_exec(s->db, "PRAGMA incremental_vacuum", NULL, NULL, NULL) != SQLITE_OK)
        api->log(s->owner, MCP_LOG_DEBUG, "incremental_vacuum on %s: %s", s->path,
                 sqlite3_errmsg(s->db));
}

static int sqlst_del(mcp_store *base, const char *id)
{
    sqlst_store *s = (sqlst_store *)base;
    if (!id) {
        api->set_error(s->owner, "no profile with id \"(null)\"");
        return MCP_NOTFOUND;
    }
    int rc = sqlst_exec(s, ST_BEGIN_WRITE);
    if (rc != SQLITE_OK)
        return sqlst_fail(s, rc, "deleting a profile");
    sqlite3_stmt *st = s->st[ST_DELETE];
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        int mrc = sqlst_fail(s, rc, "deleting a profile");
        sqlst_rollback(s);
        return mrc;
    }
    if (sqlite3_changes(s->db) == 0) {
        sqlst_rollback(s);
        api->set_error(s->owner, "no profile with id \"%s\"", id);
        return MCP_NOTFOUND;
    }
    int mrc = sqlst_commit(s, "deleting a profile");
    if (!mrc)
        sqlst_maybe_vacuum(s);
    return mrc;
}

static int sqlst_count(mcp_store *base, uint64_t *n)
{
    sqlst_store *s = (sqlst_store *)base;
    sqlite3_stmt *st = s->st[ST_COUNT];
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = (uint64_t)sqlite3_column_int64(st, 0);
    int mrc = rc == SQLITE_ROW ? MCP_OK : sqlst_fail(s, rc, "counting profiles");
    sqlite3_reset(st);
    return mrc;
}

static int sqlst_retain(mcp_store *base, uint64_t max_profiles, int64_t min_created_ms,
                        uint64_t *removed)
{
    sqlst_store *s = (sqlst_store *)base;
    uint64_t gone = 0;
    if (removed)
        *removed = 0;
    if (!max_profiles && !min_created_ms)
        return MCP_OK;
    int rc = sqlst_exec(s, ST_BEGIN_WRITE);
    if (rc != SQLITE_OK)
        return sqlst_fail(s, rc, "applying retention");
    rc = SQLITE_DONE;
    if (min_created_ms) {
        sqlite3_stmt *st = s->st[ST_RETAIN_AGE];
        sqlite3_bind_int64(st, 1, min_created_ms);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
            gone += (uint64_t)sqlite3_changes(s->db);
    }
    if (max_profiles && rc == SQLITE_DONE) {
        sqlite3_stmt *st = s->st[ST_RETAIN_COUNT];
        sqlite3_bind_int64(st, 1, max_profiles > INT64_MAX ? INT64_MAX : (int64_t)max_profiles);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
            gone += (uint64_t)sqlite3_changes(s->db);
    }
    if (rc != SQLITE_DONE) {
        int mrc = sqlst_fail(s, rc, "applying retention");
        sqlst_rollback(s);
        return mrc;
    }
    int mrc = sqlst_commit(s, "applying retention");
    if (mrc)
        return mrc;
    if (gone)
        sqlst_maybe_vacuum(s);
    if (removed)
        *removed = gone;
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* list                                                                 */
/* ------------------------------------------------------------------ */

static sqlite3_stmt *sqlst_list_stmt(sqlst_store *s, unsigned mask, int *rc)
{
    if (s->list_st[mask]) {
        *rc = SQLITE_OK;
        return s->list_st[mask];
    }
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT id, created_ms, target, label, meta_json, doc_bytes FROM profiles WHERE 1%s%s"
             "%s%s ORDER BY created_ms DESC, id DESC LIMIT :lim",
             mask & LQ_CURSOR ? " AND (created_ms, id) < (:cms, :cid)" : "",
             mask & LQ_SINCE ? " AND created_ms >= :since" : "",
             mask & LQ_LABEL ? " AND label = :label" : "",
             mask & LQ_TARGET ? " AND instr(target, :target) > 0" : "");
    *rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->list_st[mask], NULL);
    return *rc == SQLITE_OK ? s->list_st[mask] : NULL;
}

static void sqlst_bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_int64(st, i, v);
}

static void sqlst_bind_str(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static const char *sqlst_col_text(sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t ? t : "";
}

static int sqlst_list(mcp_store *base, const mcp_list_query *q, mcp_record_cb cb, void *ctx,
                      char **next_cursor)
{
    sqlst_store *s = (sqlst_store *)base;
    *next_cursor = NULL;
    int64_t cms;
    const char *cid;
    int rc =
        store_list_check(api, s->owner, q, SQLST_LIST_MAX_LIMIT, SQLST_CURSOR_PREFIX, &cms, &cid);
    if (rc)
        return rc;
    unsigned mask = (q->cursor ? LQ_CURSOR : 0) | (q->since_ms ? LQ_SINCE : 0) |
                    (q->label ? LQ_LABEL : 0) | (q->target_contains ? LQ_TARGET : 0);
    sqlite3_stmt *st = sqlst_list_stmt(s, mask, &rc);
    if (!st)
        return sqlst_fail(s, rc, "listing profiles");
    sqlst_bind_int(st, ":cms", cms);
    sqlst_bind_str(st, ":cid", cid);
    sqlst_bind_int(st, ":since", q->since_ms);
    sqlst_bind_str(st, ":label", q->label);
    sqlst_bind_str(st, ":target", q->target_contains);
    sqlst_bind_int(st, ":lim", (int64_t)q->limit + 1); /* one more tells whether a page follows */

    uint32_t delivered = 0;
    bool stopped = false;
    char last_id[STORE_ID_MAX + 1] = "";
    int64_t last_ms = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (delivered == q->limit || stopped) { /* a match exists after the page */
            *next_cursor = store_cursor_encode(api, SQLST_CURSOR_PREFIX, last_ms, last_id);
            if (!*next_cursor) {
                sqlite3_reset(st);
                sqlite3_clear_bindings(st);
                api->set_error(s->owner, "out of memory making a cursor");
                return MCP_NOMEM;
            }
            rc = SQLITE_DONE;
            break;
        }
        mcp_record_meta m = {.id = sqlst_col_text(st, 0),
                             .created_ms = sqlite3_column_int64(st, 1),
                             .target = sqlst_col_text(st, 2),
                             .label = sqlst_col_text(st, 3),
                             .meta_json = sqlst_col_text(st, 4),
                             .doc_bytes = (uint64_t)sqlite3_column_int64(st, 5)};
        snprintf(last_id, sizeof last_id, "%s", m.id);
        last_ms = m.created_ms;
        delivered++;
        if (cb(ctx, &m))
            stopped = true;
    }
    int mrc = rc == SQLITE_DONE ? MCP_OK : sqlst_fail(s, rc, "listing profiles");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (mrc) {
        api->free(*next_cursor);
        *next_cursor = NULL;
    }
    return mrc;
}

static const mcp_storage_vtab sqlst_vtab = {
    .version = MCP_STORAGE_VTAB_VERSION,
    .name = "sqlite",
    .open = sqlst_open,
    .put = sqlst_put,
    .get = sqlst_get,
    .list = sqlst_list,
    .del = sqlst_del,
    .count = sqlst_count,
    .retain = sqlst_retain,
    .close = sqlst_close,
};

/* ------------------------------------------------------------------ */
/* Plugin                                                               */
/* ------------------------------------------------------------------ */

static int sqlst_init(mcp_plugin *self, const mcp_host_api *host)
{
    api = host;
    sqlst_busy_ms = SQLST_DEFAULT_BUSY_MS;
    sqlst_cfg_path = api->config(self, "db_path");
    if (sqlst_cfg_path && !sqlst_cfg_path[0]) {
        api->set_error(self, "db_path = \"\": expected the database file name (or leave it out "
                             "for $XDG_DATA_HOME/scalene-mcp/profiles.db)");
        return MCP_INVALID;
    }
    uint64_t busy_ms = SQLST_DEFAULT_BUSY_MS;
    int rc =
        cfgnum_read(api, self, "busy_timeout_ms", 0, SQLST_MAX_BUSY_MS, "milliseconds", &busy_ms);
    if (rc)
        return rc;
    sqlst_busy_ms = (unsigned)busy_ms;
    if (sqlite3_threadsafe() == 0)
        api->log(self, MCP_LOG_DEBUG,
                 "libsqlite3 %s built without thread safety (fine: one "
                 "thread uses it)",
                 sqlite3_libversion());
    return api->register_storage(self, &sqlst_vtab);
}

MCP_PLUGIN("sqlite", "0.1.0", sqlst_init, NULL);
