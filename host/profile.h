/* profile.h - the normalized profile model, its Scalene parser and our stored format.
 *
 * One model for every Scalene version (1.5.x sparse profiles, 2.x full ones).
 * Plugins see it read-only through the SDK accessors (mcp_host_api.profile_*),
 * which the profile_get_* functions below implement.
 *
 * Ownership: a profile owns every string and array it points to (one arena,
 * freed by profile_free). Pointers returned by accessors are borrowed and
 * valid until profile_free. Nothing here is thread-safe; a finished profile
 * may be read from several threads if nobody writes to it.
 *
 * Invariants the model keeps whatever the input was:
 *  - every number is finite; percentages are 0..100, fractions 0..1, MB >= 0
 *    (growth_rate may be negative); core_utilization is -1 when absent;
 *  - every string is valid UTF-8 (invalid bytes became U+FFFD) and non-NULL,
 *    except summary.label and summary.max_footprint_file, which may be NULL;
 *  - a file's lines are sorted by lineno with no duplicates (lineno >= 1),
 *    leaks are sorted by lineno; functions and files keep Scalene's order.
 */
#ifndef SMCP_PROFILE_H
#define SMCP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "scalene_mcp.h"

/* ------------------------------------------------------------------ */
/* The model                                                            */
/* ------------------------------------------------------------------ */

/* One profiled file: the SDK view plus its arrays (counts in info.n_*). */
typedef struct profile_file {
    mcp_prof_file info;
    mcp_prof_line *lines;         /* info.n_lines, sorted by lineno */
    mcp_prof_function *functions; /* info.n_functions */
    mcp_prof_leak *leaks;         /* info.n_leaks, sorted by lineno */
    const char **imports;         /* info.n_imports */
} profile_file;

/* What Scalene itself reported beyond the SDK summary. */
typedef struct profile_scalene_info {
    /* Schema generation guessed from key presence (reference/scalene.md §7):
     * "2.3+", "2.2+", "1.5.54+", "1.5.32+", "1.5.19+" or "<=1.5.18". It is a
     * guess about the JSON layout, not the installed version (that is
     * summary.scalene_version, set by the runner). */
    const char *schema_hint;
    const char *program;                  /* Scalene's "program", "" when absent */
    double start_time_abs;                /* Unix epoch seconds, 0 when absent */
    double max_footprint_python_fraction; /* 0..1, -1 when absent */
    double native_allocations_mb;         /* 0 when absent */
    bool async_profile;
} profile_scalene_info;

struct profile_arena;

struct mcp_profile {
    struct profile_arena *arena; /* owns everything below */
    mcp_prof_summary summary;    /* n_files, n_stacks, n_samples count the arrays */
    profile_scalene_info scalene;
    /* The profiling call's arguments as a JSON object text (script_args,
     * options; env values left out), "{}" when unknown. */
    const char *request_json;
    profile_file *files;
    mcp_prof_stack *stacks;
};

/* Metadata the runner and the store attach to a profile. */
typedef struct profile_meta {
    const char *id;              /* NULL means "" */
    const char *label;           /* may be NULL */
    const char *target;          /* NULL means "" */
    const char *cwd;             /* NULL means ""; display paths follow it */
    const char *python;          /* NULL means "" */
    const char *scalene_version; /* NULL means "unknown" */
    int64_t created_ms;
    int exit_status;
    int term_signal;
    bool partial, timed_out, cancelled;
    const char *request_json; /* NULL means "{}" */
} profile_meta;

/* ------------------------------------------------------------------ */
/* Parsing, storing, freeing                                            */
/* ------------------------------------------------------------------ */

/* Parses one Scalene JSON document (1.5.x or 2.x) of `len` bytes (`buf` need
 * not be NUL-terminated). `cwd` (borrowed, may be NULL) is the run's working
 * directory: it becomes summary.cwd and file display paths are made relative
 * to it.
 *
 * Returns MCP_OK and sets *out (caller frees with profile_free);
 * MCP_NOTFOUND when the document is `{}` (Scalene's "program too short, no
 * samples"); MCP_INVALID when it is empty, not JSON, truncated, followed by
 * garbage, not an object, nested deeper than cJSON's limit, or has no
 * object `files`; MCP_NOMEM. On any error *out is NULL and `err` (size
 * errsz, may be 0) says what is wrong.
 *
 * `warnings` (borrowed, may be NULL) must be a cJSON array; it receives one
 * string per tolerated problem (value clamped, wrong type treated as absent,
 * malformed entry skipped, invalid UTF-8 replaced), naming the field, the
 * file:line and the value; after PROFILE_MAX_WARNINGS a last string says how
 * many more there were. The runner-owned metadata starts empty: id "",
 * target = Scalene's program, scalene_version "unknown", exit_status 0. */
int profile_parse_scalene(const char *buf, size_t len, const char *cwd, mcp_profile **out,
                          cJSON *warnings, char *err, size_t errsz);

#define PROFILE_MAX_WARNINGS 100

#define PROFILE_FORMAT_NAME "scalene-mcp-profile"
#define PROFILE_FORMAT_VERSION 1

/* Encodes the whole model as our own compact JSON:
 * {"format":"scalene-mcp-profile","format_version":1,"meta":{...},
 *  "run":{...},"samples":[[t,mb],...],"files":[...],"stacks":[...]}.
 * Every line keeps its lineno, source text and ranges; metrics are written
 * only when not 0 (core_utilization's "absent" -1 is written). Numbers are written with the fewest
 * digits that read back to the same double, so decode(encode(p)) equals p bit for bit. Returns a
 * NUL-terminated string the caller frees with free() (*len, may be NULL, gets its length), or NULL
 * on allocation failure. */
char *profile_encode(const mcp_profile *p, size_t *len);

/* Decodes what profile_encode wrote. MCP_OK and *out (caller frees with
 * profile_free); MCP_CORRUPT when `buf` is not JSON, not our format, or
 * breaks the model's invariants (err names the field); MCP_VERSION when
 * format_version is newer than PROFILE_FORMAT_VERSION; MCP_NOMEM. Unknown
 * keys are ignored so later minor additions stay readable. */
int profile_decode(const char *buf, size_t len, mcp_profile **out, char *err, size_t errsz);

/* Frees the profile and everything it owns. NULL is a no-op. */
void profile_free(mcp_profile *p);

/* Copies every field of `m` into the profile (strings copied). Changing cwd
 * recomputes every file's display_path. MCP_OK or MCP_NOMEM (then the
 * profile may hold some new fields, all valid). */
int profile_set_meta(mcp_profile *p, const profile_meta *m);

/* Fills `m` with the current metadata; its strings are borrowed from `p`
 * and stay valid until profile_free (set_meta never frees old strings), so
 * get, change one field, set is safe. */
void profile_get_meta(const mcp_profile *p, profile_meta *m);

/* Borrowed from `p`; never NULL. */
const profile_scalene_info *profile_get_scalene_info(const mcp_profile *p);

/* ------------------------------------------------------------------ */
/* SDK accessors (the profile_* members of mcp_host_api)               */
/* ------------------------------------------------------------------ */

/* All return borrowed pointers valid until profile_free, or NULL when an
 * index is out of range (or p is NULL). */
const mcp_prof_summary *profile_get_summary(const mcp_profile *p);
const mcp_prof_file *profile_get_file(const mcp_profile *p, size_t i);
const mcp_prof_line *profile_get_line(const mcp_profile *p, size_t file, size_t i);
const mcp_prof_function *profile_get_function(const mcp_profile *p, size_t file, size_t i);
const mcp_prof_leak *profile_get_leak(const mcp_profile *p, size_t file, size_t i);
const char *profile_get_import(const mcp_profile *p, size_t file, size_t i);
const mcp_prof_stack *profile_get_stack(const mcp_profile *p, size_t i);
/* Binary search; NULL when the file has no record of that line. */
const mcp_prof_line *profile_find_line(const mcp_profile *p, size_t file, uint32_t lineno);

#define PROFILE_NO_FILE SIZE_MAX

/* Finds the file `query` names (a leading "./" is ignored), by precedence:
 * exact path (for a relative path also cwd + "/" + path), exact display
 * path, then path suffix starting right after a '/'. Returns the file index
 * when exactly one file matches at the first level that matches anything,
 * else PROFILE_NO_FILE. *n_matches (may be NULL) gets the number of files
 * matching at that level (0: none, >1: ambiguous) and the first
 * max_candidates of their indexes go to `candidates` (may be NULL when
 * max_candidates is 0), in file order, so the caller can list them. */
size_t profile_find_file(const mcp_profile *p, const char *query, size_t *candidates,
                         size_t max_candidates, size_t *n_matches);

/* ------------------------------------------------------------------ */
/* Builder API, for scalene_parse.c and profile_codec.c only            */
/* ------------------------------------------------------------------ */

/* An empty profile with default metadata, or NULL on allocation failure. */
mcp_profile *profile_new(void);

/* Zeroed memory owned by `p`, aligned for any type; NULL on allocation
 * failure or when count * size overflows. */
void *profile_alloc(mcp_profile *p, size_t count, size_t size);

/* A copy of `n` bytes of `s` owned by `p`, NUL-terminated, with invalid
 * UTF-8 sequences (and NUL bytes) replaced by U+FFFD. *replaced (may be
 * NULL) tells whether anything was replaced. NULL on allocation failure. */
const char *profile_strndup(mcp_profile *p, const char *s, size_t n, bool *replaced);
/* profile_strndup of a C string; NULL for a NULL `s` too. */
const char *profile_strdup(mcp_profile *p, const char *s);

/* Replaces, in place, every byte of `s` that is not part of valid UTF-8 by
 * '?' (for messages built from raw input, possibly cut mid-character). */
void profile_utf8_scrub(char *s);

/* The display path of `path` for the profile's summary.cwd: a pointer into
 * `path` after "cwd/" when path is inside cwd, else `path` itself. */
const char *profile_display_path(const mcp_profile *p, const char *path);

/* Recomputes every file's display_path from summary.cwd (it points into
 * the path itself, so this cannot fail). */
void profile_update_display_paths(mcp_profile *p);

/* Recomputes the derived summary fields (cpu_python/native/system sums over
 * all lines, stacks flag). Call once the files and stacks are in place. */
void profile_finish(mcp_profile *p);

/* A metric of mcp_metrics: its SDK member name (also its key in our stored
 * format), Scalene's key, its kind and where it lives. */
typedef enum profile_metric_kind {
    PROFILE_PERCENT,  /* 0..100 */
    PROFILE_FRACTION, /* 0..1 */
    PROFILE_MB,       /* >= 0 (also MB/s) */
    PROFILE_COUNT     /* int64 >= 0 */
} profile_metric_kind;

typedef struct profile_metric_desc {
    const char *name;        /* SDK member name and stored key */
    const char *scalene_key; /* NULL when not a plain Scalene key */
    profile_metric_kind kind;
    size_t offset; /* into mcp_metrics; a double, or int64_t for COUNT */
    double absent; /* value when Scalene did not report it */
} profile_metric_desc;

#define PROFILE_N_METRICS 15

extern const profile_metric_desc profile_metrics[PROFILE_N_METRICS];
extern const size_t profile_n_metrics; /* PROFILE_N_METRICS */

/* Metrics with every value absent (0, core_utilization -1). */
void profile_metrics_init(mcp_metrics *m);
double profile_metric_get(const mcp_metrics *m, const profile_metric_desc *d);
void profile_metric_set(mcp_metrics *m, const profile_metric_desc *d, double v);
/* True when v is within the range of the kind (exactly, no tolerance). */
bool profile_metric_in_range(profile_metric_kind kind, double v);

/* Converts a finite double to int64, saturating at the int64 limits and
 * truncating fractions. */
int64_t profile_double_to_int64(double d);

/* Looks up the members of `obj` in `keys` (sorted by strcmp, n_keys of them)
 * and stores each found member at slots[index of its key]; slots of keys
 * not present are NULL; unknown members are ignored; of duplicate members
 * the first wins. One pass over the members, a binary search each. */
void profile_index_object(const cJSON *obj, const char *const *keys, size_t n_keys,
                          const cJSON **slots);

#endif /* SMCP_PROFILE_H */
