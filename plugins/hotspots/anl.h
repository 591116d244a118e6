/*
 * anl.h - helpers shared by the hotspots, gpu and functions analyzers.
 *
 * Compiled into each of those plugins (each .so has its own copy, symbols
 * hidden), using only the SDK and plugins/common/ (text buffers, arguments,
 * profile opening and the `file` filter are there): what they do a
 * third-party analyzer can do.
 *
 *  - anl_file: one profiled file's source text (the profile's line texts,
 *    else the file on disk when it still matches) and its functions
 *    (names from Scalene's records, ranges from 2.x line bounds or, for
 *    1.5.16, from the records' first lines and the code's indentation).
 *
 * Call anl_setup(api) in init before anything else.
 */
#ifndef SMCP_ANL_H
#define SMCP_ANL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugin_args.h"
#include "scalene_mcp.h"
#include "srcline.h"
#include "textbuf.h"

extern const mcp_host_api *anl_api;

void anl_setup(const mcp_host_api *api);

/* ---- metrics ---- */

double anl_cpu(const mcp_metrics *m); /* python + native + system, % */
const char *anl_severity_name(int sev);
/* CPU-share severity: critical >= 50 %, high >= 20 %, medium >= 5 %, else low. */
int anl_cpu_severity(double cpu_percent);
/* The profile was made by Scalene 1.x (by the runner's record of it). */
bool anl_scalene_1x(const mcp_prof_summary *sm);

/* ---- source text and functions of one file ---- */

typedef struct anl_func {
    char *name;                   /* owned */
    uint32_t start, end;          /* first and last line; end 0 = unknown */
    const mcp_prof_function *rec; /* Scalene's record, or NULL */
    int indent;                   /* of the def line, -1 unknown */
    bool module;                  /* the file's module-level code */
} anl_func;

typedef struct anl_file {
    const mcp_profile *p;
    size_t fi;
    const mcp_prof_file *info;
    bool has_bounds; /* lines carry Scalene 2.x region/loop/function bounds */
    /* the file on disk, loaded on demand */
    int disk_state;       /* 0 not tried, 1 loaded, -1 unavailable */
    const char *disk_why; /* why unavailable (static text) */
    char *disk_buf;
    char **disk_lines; /* disk_n entries, 1-based line k at [k-1] */
    uint32_t disk_n;
    /* functions, built on demand */
    bool funcs_built;
    anl_func *funcs; /* sorted by start, then by end descending */
    size_t n_funcs;
    anl_func module; /* "<module>" */
} anl_file;

void anl_file_init(anl_file *f, const mcp_profile *p, size_t fi);
void anl_file_free(anl_file *f);

/* Source text of a line: the profile's, else the disk copy's; NULL when
 * neither has it. Without indentation stripping, no trailing newline. */
const char *anl_text(anl_file *f, uint32_t lineno);
/* Last line number known (profile or disk). */
uint32_t anl_last_line(anl_file *f);
/* Loads the file from disk when it exists and matches the profile's line
 * texts; true when available. */
bool anl_disk(anl_file *f);

/* The function a line belongs to (its innermost one), or &f->module. */
const anl_func *anl_func_of(anl_file *f, uint32_t lineno);
/* All functions (built on demand); module-level code is not among them. */
size_t anl_funcs(anl_file *f, const anl_func **out);

/* Outermost loop enclosing `lineno` (or headed by it): 2.x from Scalene's
 * bounds, 1.5.16 from the source's indentation when the file is on disk.
 * false when the line is in no loop (or it cannot be told). */
bool anl_loop_of(anl_file *f, uint32_t lineno, uint32_t *start, uint32_t *end);

/* Display path of a stack frame's file `path` (NUL-terminated): the profile
 * file's display path when it names one (*fi_out, may be NULL, gets its
 * index, else PLUGIN_ALL_FILES), else the path relative to the run's cwd (a
 * pointer into `path`). */
const char *anl_frame_display(const mcp_profile *p, const char *path, size_t *fi_out);

/* Splits a stack frame "PATH FUNCTION:LINE" (PATH may hold spaces). */
bool anl_parse_frame(const char *frame, size_t *path_len, const char **func, size_t *func_len,
                     uint32_t *line);

#endif
