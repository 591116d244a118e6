/* run_files.h - a run's private directory, and Scalene's files outside it. */
#ifndef SMCP_RUN_FILES_H
#define SMCP_RUN_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "run_procs.h"

/* ROOT/scalene-mcp-<server pid>-XXXXXX/ holding tmp/ (the run's TMPDIR)
 * and the profile Scalene writes. Strings owned by the struct. */
typedef struct run_dir {
    char *dir, *tmpdir, *outfile;
} run_dir;

/* Creates the directory under `root`. Returns 0, or -1 with *err malloc'd;
 * a failed create leaves nothing behind and *d empty. */
int run_dir_create(run_dir *d, const char *root, char **err);
/* Removes the tree (never following symlinks, unlocking directories the
 * program made read-only) and frees the strings. Safe on an empty one. */
void run_dir_remove(run_dir *d);
/* Removes the run directories under `root` that belong to this user and to
 * a server pid that no longer exists (a server that was killed cannot clean
 * up after itself). Called once when a runner starts. */
void run_dir_sweep_stale(const char *root);
/* Scalene has made its interpreter-shim directory in TMPDIR: its profiler
 * is up (both 1.5.16 and 2.4.0 do this when profiling starts). */
bool run_dir_profiler_started(const run_dir *d);

/* The profile file as read at one moment. */
typedef struct run_profile {
    char *buf;      /* malloc'd + NUL; NULL when absent, empty or too large */
    size_t len;     /* bytes in buf */
    size_t size;    /* the file's size */
    bool too_large; /* size > the cap: not read */
} run_profile;

/* Reads d->outfile (never following a symlink), up to `max` bytes. */
run_profile run_dir_read_profile(const run_dir *d, size_t max);
/* True when the profile holds a document other than "{}". */
bool run_profile_has_samples(const run_profile *p);

/* Removes /tmp/scalene-{malloc,memcpy}-{signal,lock,init}<PID> of every pid
 * the run ever had: libscalene uses those fixed names, outside TMPDIR. */
void run_sweep_scalene_tmp(const run_procs *procs);

#endif
