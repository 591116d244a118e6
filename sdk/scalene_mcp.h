/*
 * scalene_mcp.h - the one header a scalene-mcp plugin includes.
 *
 * A plugin is a shared object that exports exactly one symbol, the const
 * descriptor made by MCP_PLUGIN(). The host checks the descriptor (ABI major
 * equal, host minor >= plugin minor, name equal to the INI section) before it
 * runs any plugin code, then calls init() with the host-services table.
 *
 * Rules that hold for every call below:
 *  - Threads: the host is single-threaded. Every callback runs on the main
 *    thread and every api-> function must be called from it, except api->log.
 *  - Ownership: "borrowed" values stay owned by the giver and are valid only
 *    for the stated time; "takes" means the receiver now frees it; strings
 *    passed in are copied by the host unless stated otherwise.
 *  - Errors: functions return enum mcp_rc (MCP_OK == 0). Before returning an
 *    error from a callback, call api->set_error() so the user sees why.
 *  - stdout belongs to the protocol. Never write to it; use api->log.
 *  - Memory that crosses the boundary in raw buffers uses api->alloc/free.
 *    cJSON trees use the shared libcjson (never a static copy, never
 *    cJSON_InitHooks).
 *
 * The ABI is 0.x while the profiling, storage and analyzer work lands; it is
 * frozen at 1.0. Within one major the host-services table and every versioned
 * struct only grow at their end.
 */
#ifndef SCALENE_MCP_H
#define SCALENE_MCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MCP_ABI_MAJOR 0
#define MCP_ABI_MINOR 4

#if defined(__GNUC__)
#define MCP_EXPORT __attribute__((visibility("default")))
#define MCP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MCP_EXPORT
#define MCP_PRINTF(fmt, args)
#endif

/* Stable return codes. Values never change meaning. */
enum mcp_rc {
    MCP_OK = 0,
    MCP_ERROR = 1,    /* generic failure; message via set_error */
    MCP_NOMEM = 2,    /* out of memory */
    MCP_INVALID = 3,  /* bad argument or value */
    MCP_NOTFOUND = 4, /* no such id/key: an ordinary answer */
    MCP_EXISTS = 5,   /* name or id already taken */
    MCP_IO = 6,       /* I/O error (disk, pipe) */
    MCP_BUSY = 7,     /* locked or over a concurrency limit; retry later */
    MCP_MISUSE = 8,   /* called at the wrong time or with a wrong handle */
    MCP_VERSION = 9,  /* version or ABI mismatch */
    MCP_TOOBIG = 10,  /* over a configured size limit */
    MCP_FULL = 11,    /* disk or quota full */
    MCP_CORRUPT = 12, /* stored data unreadable */
    MCP_ASYNC = 100   /* tool handler only: it will finish later (call_done) */
};

/* Log levels, as in MCP logging (RFC 5424 order). */
enum mcp_log_level {
    MCP_LOG_DEBUG = 0,
    MCP_LOG_INFO,
    MCP_LOG_NOTICE,
    MCP_LOG_WARNING,
    MCP_LOG_ERROR,
    MCP_LOG_CRITICAL,
    MCP_LOG_ALERT,
    MCP_LOG_EMERGENCY
};

typedef struct mcp_plugin mcp_plugin;         /* one per loaded plugin; opaque */
typedef struct mcp_call mcp_call;             /* one per tools/call; opaque */
typedef struct mcp_profile mcp_profile;       /* a parsed, stored profile; opaque */
typedef struct mcp_host_api mcp_host_api;     /* the services table */
typedef struct mcp_store mcp_store;           /* a storage backend handle */
typedef struct mcp_section mcp_section;       /* one analyzer's part of analyze_profile */
typedef struct mcp_read mcp_read;             /* one resources/read being answered */
typedef struct mcp_prompt mcp_prompt;         /* one prompts/get being answered */
typedef struct mcp_completion mcp_completion; /* one completion/complete being answered */

/* ------------------------------------------------------------------ */
/* Plugin descriptor                                                    */
/* ------------------------------------------------------------------ */

typedef struct mcp_plugin_decl {
    uint32_t abi_major, abi_minor; /* what the plugin was compiled against */
    uint32_t decl_size;            /* sizeof(mcp_plugin_decl) */
    const char *name;              /* must equal NAME in [plugin.NAME] */
    const char *version;           /* the plugin's own version, for logs */
    /* Register tools/storage here. `api` stays valid until shutdown returns.
     * Return MCP_OK, or an error after api->set_error(). On error the host
     * undoes every registration the plugin made and unloads it. */
    int (*init)(mcp_plugin *self, const mcp_host_api *api);
    /* Called once, in reverse load order; may be NULL. */
    void (*shutdown)(mcp_plugin *self);
} mcp_plugin_decl;

#define MCP_PLUGIN_SYMBOL "mcp_plugin_entry"

/* clang-format 14 would align this initializer into columns */
// clang-format off
#define MCP_PLUGIN(name, version, init, shutdown)                                                  \
    MCP_EXPORT const mcp_plugin_decl mcp_plugin_entry = {                                          \
        MCP_ABI_MAJOR, MCP_ABI_MINOR, (uint32_t)sizeof(mcp_plugin_decl), name, version, init,      \
        shutdown}
// clang-format on

/* ------------------------------------------------------------------ */
/* Tools                                                                */
/* ------------------------------------------------------------------ */

/* Tool annotation flags (MCP hints). Every hint is sent explicitly. */
#define MCP_TOOL_READ_ONLY 0x1u
#define MCP_TOOL_DESTRUCTIVE 0x2u
#define MCP_TOOL_IDEMPOTENT 0x4u
#define MCP_TOOL_OPEN_WORLD 0x8u

/*
 * A tool handler. `args` is borrowed for the duration of the call and has
 * already been validated against input_schema (closed schemas: unknown
 * arguments are refused before the handler runs).
 *
 * Build the answer with api->result_text / result_structured / result_content
 * and return MCP_OK; or call api->set_error and return an error code (the
 * client receives a tool result with isError:true and the message); or
 * return MCP_ASYNC and later call api->call_done exactly once. `call` stays
 * valid until call_done (or until the handler returns, when not async).
 */
typedef int (*mcp_tool_fn)(mcp_call *call, const cJSON *args, void *user_data);

#define MCP_TOOL_DEF_VERSION 1

typedef struct mcp_tool_def {
    int version;               /* MCP_TOOL_DEF_VERSION; members only appended */
    const char *name;          /* 1-64 chars of [a-z0-9_]; unique across plugins */
    const char *title;         /* human display name; may be NULL */
    const char *description;   /* required: what it does and when to use it */
    const char *input_schema;  /* JSON Schema text, root "type":"object" */
    const char *output_schema; /* JSON Schema text for structuredContent, or NULL */
    unsigned annotations;      /* MCP_TOOL_* flags */
    mcp_tool_fn handler;
    void *user_data; /* handed to handler */
    /* Called when the tool is unregistered (unload), or at once if
     * registration fails. May be NULL. */
    void (*free_user_data)(void *user_data);
} mcp_tool_def;

/* ------------------------------------------------------------------ */
/* Profiles: read-only access for analyzers                             */
/* ------------------------------------------------------------------ */

/* All pointers returned by profile accessors are borrowed from the host and
 * valid until the profile is released (api->profile_release). Structs are
 * allocated by the host and only grow at their end, so never copy them by
 * value or index them as arrays: always go through the accessors. */

typedef struct mcp_sample {
    double t_sec; /* seconds since profiling started */
    double mb;    /* footprint in MB */
} mcp_sample;

/* Metrics shared by lines and functions. Percentages are 0..100 of all CPU
 * samples of the run; fractions 0..1; memory in MB. A value Scalene did not
 * report is 0, except core_utilization which is -1 when absent (1.5.16). */
typedef struct mcp_metrics {
    double cpu_python, cpu_native, cpu_system;
    double core_utilization;
    double gpu_percent, gpu_avg_mb, gpu_peak_mb;
    double malloc_mb, peak_mb, avg_mb;
    double usage_fraction, python_fraction, copy_mb_s;
    int64_t mallocs;
    int64_t cpu_samples; /* entries of cpu_samples_list, 0 when absent */
} mcp_metrics;

typedef struct mcp_prof_line {
    uint32_t lineno;
    const char *source; /* UTF-8 source text, escapes undone, no trailing '\n' */
    mcp_metrics m;
    /* Enclosing ranges, 0 when the Scalene version does not report them. */
    uint32_t region_start, region_end; /* narrowest loop or function */
    uint32_t loop_start, loop_end;     /* outermost loop */
    uint32_t func_start, func_end;     /* enclosing function (0,0 = module level) */
    size_t n_memory_samples;
    const mcp_sample *memory_samples; /* n_memory_samples entries */
} mcp_prof_line;

typedef struct mcp_prof_function {
    const char *name;               /* possibly class-qualified ("Thread.worker") */
    uint32_t first_line, last_line; /* last_line 0 when unknown */
    mcp_metrics m;                  /* as Scalene recorded them (can undercount) */
} mcp_prof_function;

typedef struct mcp_prof_leak {
    uint32_t lineno;
    double likelihood;    /* 0..1 */
    double velocity_mb_s; /* MB/s */
} mcp_prof_leak;

typedef struct mcp_prof_file {
    const char *path;         /* as Scalene recorded it */
    const char *display_path; /* relative to the run's cwd when inside it */
    double cpu_percent;       /* share of all CPU samples in this file */
    size_t n_lines, n_functions, n_leaks, n_imports;
} mcp_prof_file;

typedef struct mcp_prof_stack {
    size_t n_frames;
    const char *const *frames; /* "path function:line", outermost first */
    int64_t count;             /* samples */
    double cpu_fraction;       /* share of all CPU samples (0..1) */
    double python_fraction, native_fraction;
} mcp_prof_stack;

typedef struct mcp_prof_summary {
    const char *id;
    const char *label;           /* may be NULL */
    const char *target;          /* script path, "-m module", or "<code>" */
    const char *cwd;             /* working directory of the run */
    const char *python;          /* interpreter used */
    const char *scalene_version; /* e.g. "2.4.0"; "unknown" for old stored data */
    int64_t created_ms;          /* Unix epoch milliseconds */
    double elapsed_sec;
    double max_footprint_mb;
    const char *max_footprint_file;            /* may be NULL */
    uint32_t max_footprint_line;               /* 0 when unknown */
    double growth_rate;                        /* percent, may be negative */
    double cpu_python, cpu_native, cpu_system; /* sums over all lines, % */
    int64_t alloc_samples;
    bool memory, gpu, stacks;
    const char *gpu_device; /* "" when none */
    int exit_status;        /* program exit status, -1 if killed by signal */
    int term_signal;        /* signal that ended it, 0 if none */
    bool partial;           /* stopped early (timeout or cancel): data up to then */
    bool timed_out, cancelled;
    size_t n_files, n_samples, n_stacks;
    const mcp_sample *samples; /* global footprint timeline */
} mcp_prof_summary;

/* ------------------------------------------------------------------ */
/* Storage backends (a versioned vtable, in the style of sqlite3_vfs)   */
/* ------------------------------------------------------------------ */

/* What the host stores next to each document, and what list() returns.
 * The host owns ids (validated: [A-Za-z0-9_-], 1-64 chars) and every rule
 * about metadata; backends store these fields as given. */
typedef struct mcp_record_meta {
    const char *id;
    int64_t created_ms;
    const char *target;    /* may be "" */
    const char *label;     /* may be "" */
    const char *meta_json; /* small JSON object the host shows in listings */
    uint64_t doc_bytes;    /* size of the stored document */
} mcp_record_meta;

typedef struct mcp_list_query {
    const char *target_contains; /* substring of target, or NULL */
    const char *label;           /* exact label, or NULL */
    int64_t since_ms;            /* created_ms >= since_ms; 0 = any */
    const char *cursor;          /* from a previous list's next_cursor, or NULL */
    uint32_t limit;              /* 1..1000 */
} mcp_list_query;

/* Called once per record, newest first. `meta` is borrowed for the call.
 * Return nonzero to stop early. */
typedef int (*mcp_record_cb)(void *ctx, const mcp_record_meta *meta);

/* The base of every backend handle: the backend's own struct puts it first. */
struct mcp_store {
    const struct mcp_storage_vtab *vt;
};

#define MCP_STORAGE_VTAB_VERSION 1

typedef struct mcp_storage_vtab {
    int version;      /* MCP_STORAGE_VTAB_VERSION; methods only appended */
    const char *name; /* "sqlite", "file", "memory": the [storage] backend name */
    /* Open the store described by the plugin's config. *out is owned by the
     * host until close(). */
    int (*open)(const struct mcp_storage_vtab *vt, mcp_plugin *owner, mcp_store **out);
    /* Store a document and its metadata atomically: after MCP_OK it survives
     * a crash (volatile backends such as memory excepted); on error the store
     * is as before. `doc` is borrowed. An existing id is MCP_EXISTS.
     * meta->doc_bytes is ignored (the backend records len); target, label and
     * meta_json are never NULL (the host passes "", "", "{}"). A backend with
     * a capacity limit may evict its oldest records here, logging each. */
    int (*put)(mcp_store *s, const mcp_record_meta *meta, const char *doc, size_t len);
    /* *doc is allocated with api->alloc and freed by the caller with
     * api->free; it is NUL-terminated (len excludes the NUL). */
    int (*get)(mcp_store *s, const char *id, char **doc, size_t *len);
    /* Newest first (created_ms, then id, descending). *next_cursor is NULL on
     * the last page, else allocated with api->alloc (caller frees). Cursors
     * are opaque and name a position (created_ms, id), not a record: they stay
     * valid when records are inserted or deleted, and records newer than the
     * cursor are not returned. When cb stops early, next_cursor resumes after
     * the record it stopped on. A malformed cursor or a limit outside
     * 1..1000 is MCP_INVALID. `cb` must not call into the same store. */
    int (*list)(mcp_store *s, const mcp_list_query *q, mcp_record_cb cb, void *ctx,
                char **next_cursor);
    int (*del)(mcp_store *s, const char *id); /* MCP_NOTFOUND if absent */
    int (*count)(mcp_store *s, uint64_t *n);
    /* Delete records beyond the newest max_profiles (0 = no limit; newest by
     * (created_ms, id)) and those older than min_created_ms (0 = no limit);
     * *removed (may be NULL) gets the number. */
    int (*retain)(mcp_store *s, uint64_t max_profiles, int64_t min_created_ms, uint64_t *removed);
    void (*close)(mcp_store *s); /* frees the handle; cannot fail */
} mcp_storage_vtab;

/* ------------------------------------------------------------------ */
/* analyze_profile sections                                             */
/* ------------------------------------------------------------------ */

/* analyze_profile's `focus`: which sections a caller wants. */
#define MCP_FOCUS_CPU 0x1u
#define MCP_FOCUS_MEMORY 0x2u
#define MCP_FOCUS_GPU 0x4u
#define MCP_FOCUS_LEAKS 0x8u
#define MCP_FOCUS_ALL 0xFu

/* Recommendation severities, most urgent first. */
enum mcp_severity { MCP_SEV_CRITICAL = 0, MCP_SEV_HIGH, MCP_SEV_MEDIUM, MCP_SEV_LOW };

/*
 * Writes one analyzer's section of analyze_profile for profile `p`
 * (borrowed for the call). Fill it with api->section_text, section_data and
 * section_recommend. Return MCP_OK, or an error after api->set_error: the
 * section then shows the error and the other sections still appear.
 */
typedef int (*mcp_section_fn)(mcp_section *sec, const mcp_profile *p, void *user_data);

#define MCP_SECTION_DEF_VERSION 1

typedef struct mcp_section_def {
    int version;       /* MCP_SECTION_DEF_VERSION; members only appended */
    const char *name;  /* key in the structured result: [a-z0-9_], unique */
    const char *title; /* heading in the text, e.g. "CPU hotspots" */
    unsigned focus;    /* MCP_FOCUS_* flags this section belongs to */
    int order;         /* sections appear by ascending order, then name */
    mcp_section_fn fn;
    void *user_data;
    void (*free_user_data)(void *user_data); /* at unload, or if registration fails */
} mcp_section_def;

/* ------------------------------------------------------------------ */
/* Resources, prompts, completion                                       */
/* ------------------------------------------------------------------ */

/*
 * Reads a resource. `uri` is the URI asked for; `vars` (borrowed, may be
 * NULL for a fixed resource) holds a template's variables as strings. Add
 * contents with api->read_text / read_blob and return MCP_OK; return
 * MCP_NOTFOUND (after api->set_error) when the URI names nothing.
 */
typedef int (*mcp_read_fn)(mcp_read *rd, const char *uri, const cJSON *vars, void *user_data);

/*
 * Suggests values for argument `name` that start with `prefix`. `context`
 * (borrowed, may be NULL) holds the other arguments the client already
 * filled in. Add each value with api->complete_value.
 */
typedef int (*mcp_complete_fn)(mcp_completion *c, const char *name, const char *prefix,
                               const cJSON *context, void *user_data);

#define MCP_RESOURCE_DEF_VERSION 1

typedef struct mcp_resource_def {
    int version;              /* MCP_RESOURCE_DEF_VERSION; members only appended */
    const char *uri;          /* a fixed resource, listed by resources/list; or NULL */
    const char *uri_template; /* or a template ("test://template/{id}/data"; {+var} may
                                 span '/'), listed by resources/templates/list */
    const char *name;         /* required */
    const char *title;        /* may be NULL */
    const char *description;  /* may be NULL */
    const char *mime_type;    /* may be NULL */
    mcp_read_fn read;
    mcp_complete_fn complete; /* template variables; may be NULL */
    void *user_data;
    void (*free_user_data)(void *user_data);
} mcp_resource_def;

typedef struct mcp_prompt_arg {
    const char *name;
    const char *description; /* may be NULL */
    bool required;
} mcp_prompt_arg;

/* Builds a prompt's messages from `args` (borrowed; strings, required ones
 * checked by the host) with api->prompt_text / prompt_content. */
typedef int (*mcp_prompt_fn)(mcp_prompt *pr, const cJSON *args, void *user_data);

#define MCP_PROMPT_DEF_VERSION 1

typedef struct mcp_prompt_def {
    int version; /* MCP_PROMPT_DEF_VERSION; members only appended */
    const char *name, *title, *description;
    const mcp_prompt_arg *args; /* copied at registration */
    size_t n_args;
    mcp_prompt_fn get;
    mcp_complete_fn complete; /* argument values; may be NULL */
    void *user_data;
    void (*free_user_data)(void *user_data);
} mcp_prompt_def;

/* ------------------------------------------------------------------ */
/* The host-services table                                              */
/* ------------------------------------------------------------------ */

typedef void (*mcp_timer_fn)(void *user_data);
typedef void (*mcp_cancel_fn)(mcp_call *call, void *user_data);

struct mcp_host_api {
    uint32_t abi_major, abi_minor;
    size_t size; /* sizeof(mcp_host_api) as built by the host */

    /* --- 0.1 --- */

    /* Log to stderr and, when the client asked for that level, as an MCP
     * notifications/message. Any thread. */
    void (*log)(mcp_plugin *self, int level, const char *fmt, ...) MCP_PRINTF(3, 4);
    /* Record why the current init/handler/backend call failed (copied). */
    void (*set_error)(mcp_plugin *self, const char *fmt, ...) MCP_PRINTF(2, 3);
    /* The plugin's own [plugin.NAME] key; borrowed until shutdown; NULL if
     * unset. Keys a plugin reads are not reported as unknown. */
    const char *(*config)(mcp_plugin *self, const char *key);
    void *(*alloc)(size_t n); /* NULL on failure */
    void (*free)(void *p);

    /* Registration: only inside init (else MCP_MISUSE). The host copies the
     * definition and every string and parses both schemas. MCP_INVALID for a
     * bad name or schema, MCP_EXISTS for a taken name (the error names the
     * other plugin). */
    int (*register_tool)(mcp_plugin *self, const mcp_tool_def *def);
    /* `vt` is borrowed until the plugin is unloaded. */
    int (*register_storage)(mcp_plugin *self, const mcp_storage_vtab *vt);

    /* Tool results. The call must be live (not yet done). */
    /* Append a text content block (copied). */
    int (*result_text)(mcp_call *call, const char *fmt, ...) MCP_PRINTF(2, 3);
    /* Set structuredContent; takes `value` (even on error). */
    int (*result_structured)(mcp_call *call, cJSON *value);
    /* Append any MCP content block (image, resource_link, ...); takes `block`. */
    int (*result_content)(mcp_call *call, cJSON *block);
    /* Make the result a tool error: isError:true with this message (copied).
     * `hint` (may be NULL) tells the agent what to do instead. */
    int (*result_error)(mcp_call *call, const char *hint, const char *fmt, ...) MCP_PRINTF(3, 4);
    /* Finish an MCP_ASYNC call with `rc` (MCP_OK or an error with a message
     * already set). After this `call` is gone. If the client cancelled, the
     * host discards the result silently. */
    void (*call_done)(mcp_call *call, int rc);
    /* Report progress; sent only when the client gave a progressToken, only
     * if `progress` increases, never after call_done. total <= 0: unknown. */
    void (*call_progress)(mcp_call *call, double progress, double total, const char *message);
    bool (*call_cancelled)(const mcp_call *call);
    /* Called (once) when the client cancels an async call; the handler must
     * still call call_done. */
    void (*call_on_cancel)(mcp_call *call, mcp_cancel_fn fn, void *user_data);
    mcp_plugin *(*call_plugin)(const mcp_call *call);

    /* Event loop. Timers fire once on the main thread. */
    int (*timer_start)(mcp_plugin *self, uint64_t delay_ms, mcp_timer_fn fn, void *user_data,
                       uint64_t *timer_id);
    void (*timer_cancel)(mcp_plugin *self, uint64_t timer_id);

    /* Profiles. open: MCP_NOTFOUND for an unknown id, MCP_INVALID for a
     * malformed one (with the error set). The handle is borrowed until
     * profile_release, which every successful open must be paired with. */
    int (*profile_open)(mcp_plugin *self, const char *id, const mcp_profile **out);
    void (*profile_release)(mcp_plugin *self, const mcp_profile *p);
    const mcp_prof_summary *(*profile_summary)(const mcp_profile *p);
    const mcp_prof_file *(*profile_file)(const mcp_profile *p, size_t i);
    const mcp_prof_line *(*profile_line)(const mcp_profile *p, size_t file, size_t i);
    const mcp_prof_function *(*profile_function)(const mcp_profile *p, size_t file, size_t i);
    const mcp_prof_leak *(*profile_leak)(const mcp_profile *p, size_t file, size_t i);
    const char *(*profile_import)(const mcp_profile *p, size_t file, size_t i);
    const mcp_prof_stack *(*profile_stack)(const mcp_profile *p, size_t i);
    /* Line by number in a file, NULL when the profile has no record of it. */
    const mcp_prof_line *(*profile_find_line)(const mcp_profile *p, size_t file, uint32_t lineno);

    /* analyze_profile sections. register_section: only inside init; the host
     * copies the definition (MCP_INVALID, MCP_EXISTS as for tools). */
    int (*register_section)(mcp_plugin *self, const mcp_section_def *def);
    /* Appends text to the section (copied). */
    int (*section_text)(mcp_section *sec, const char *fmt, ...) MCP_PRINTF(2, 3);
    /* Sets the section's structured data; takes `value` (even on error). */
    int (*section_data)(mcp_section *sec, cJSON *value);
    /* Adds a recommendation for the combined list (copied). `file` may be
     * NULL; `line` 0 when not tied to a line. */
    int (*section_recommend)(mcp_section *sec, int severity, const char *file, uint32_t line,
                             const char *text);
    /* The arguments analyze_profile was called with (profile_id, focus,
     * top_n, ...), borrowed for the call; never NULL. */
    const cJSON *(*section_args)(const mcp_section *sec);
    /* The plugin that registered the section (for set_error and config). */
    mcp_plugin *(*section_plugin)(const mcp_section *sec);

    /* --- 0.3 --- */

    /* Resources and prompts: only inside init; definitions are copied. */
    int (*register_resource)(mcp_plugin *self, const mcp_resource_def *def);
    int (*register_prompt)(mcp_plugin *self, const mcp_prompt_def *def);
    /* Appends a text content to a resources/read answer (copied). */
    int (*read_text)(mcp_read *rd, const char *uri, const char *mime_type, const char *text);
    /* Appends binary content (copied; the host base64-encodes it). */
    int (*read_blob)(mcp_read *rd, const char *uri, const char *mime_type, const void *data,
                     size_t len);
    /* Appends a message to a prompts/get answer: role "user" or "assistant". */
    int (*prompt_text)(mcp_prompt *pr, const char *role, const char *fmt, ...) MCP_PRINTF(3, 4);
    /* Appends a message with any content block (image, resource, ...); takes `block`. */
    int (*prompt_content)(mcp_prompt *pr, const char *role, cJSON *block);
    /* Adds one completion value (copied; at most 100 are sent). */
    int (*complete_value)(mcp_completion *c, const char *value);
    /* The plugin behind a read/prompt/completion (for set_error). */
    mcp_plugin *(*read_plugin)(const mcp_read *rd);
    mcp_plugin *(*prompt_plugin)(const mcp_prompt *pr);

    /* --- 0.4 --- */

    /* The message of the plugin's last failed host call (profile_open, ...)
     * or its own set_error; "" when none. Borrowed until the next call. */
    const char *(*last_error)(mcp_plugin *self);
    /* Finds the file `query` names in a profile, as the host's tools do:
     * exact path (a relative path also under the run's cwd), exact display
     * path, then a path suffix starting after a '/'. Returns the index, or
     * (size_t)-1 when none or several match; *n_matches (may be NULL) gets
     * how many matched and `candidates` (may be NULL) their first `max`. */
    size_t (*profile_find_file)(const mcp_profile *p, const char *query, size_t *candidates,
                                size_t max, size_t *n_matches);

    /* append new members here and bump MCP_ABI_MINOR */
};

/* True when the host that loaded us provides member `m`. */
#define MCP_HAS(api, m)                                                                            \
    (offsetof(mcp_host_api, m) + sizeof((api)->m) <= (api)->size && (api)->m != NULL)

#ifdef __cplusplus
}
#endif

#endif /* SCALENE_MCP_H */
