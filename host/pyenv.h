/* pyenv.h - which Python runs Scalene, and which Scalene it has.
 *
 * pyenv_resolve picks the interpreter (first rule that applies):
 *   1. the call's `python` (a path, or a bare name looked up on PATH);
 *   2. the configured python ([scalene] python, which config.c already
 *      overrides with $SCALENE_PYTHON_EXECUTABLE);
 *   3. .venv/bin/python in the run's directory (the call's cwd, else the
 *      script's directory);
 *   4. $VIRTUAL_ENV/bin/python;
 *   5. python3 on PATH.
 * pyenv_detect asks that interpreter for its Scalene version (no shell, no
 * import of Scalene itself, bounded time) and caches the answer. */
#ifndef SMCP_PYENV_H
#define SMCP_PYENV_H

#include <stdbool.h>
#include <stdint.h>

/* What scalene_cmd needs to know about one interpreter's Scalene. */
typedef struct pyenv_info {
    char *python;  /* absolute path, symlinks kept: a venv's python is a symlink */
    char *version; /* as importlib.metadata reports it, e.g. "2.4.0" */
    int major, minor, patch;
    char *package_dir; /* the scalene package directory */
    /* The library Scalene 1.5.x puts in LD_PRELOAD: package_dir/libscalene
     * plus the interpreter's extension suffix where that file exists
     * (Debian's patched 1.5.16), else package_dir/libscalene.so. */
    char *preload_lib;
    bool debian_patched; /* preload_lib carries the extension suffix */
    bool free_threaded;  /* Py_GIL_DISABLED build */
} pyenv_info;

/* Frees the strings inside `info` (not `info` itself); safe on a zeroed one. */
void pyenv_info_clear(pyenv_info *info);
/* Deep copy into `dst` (caller clears it). Returns 0, -1 on allocation failure. */
int pyenv_info_copy(pyenv_info *dst, const pyenv_info *src);
/* True when the version is at least major.minor.patch. */
bool pyenv_version_at_least(const pyenv_info *info, int major, int minor, int patch);

/* Inputs of pyenv_resolve; every field is borrowed and may be NULL. */
typedef struct pyenv_request {
    const char *python;        /* the call's `python` */
    const char *config_python; /* [scalene] python after env overrides */
    const char *cwd;           /* the call's cwd */
    const char *script;        /* the script (NULL for module or code runs) */
} pyenv_request;

/* Returns the chosen interpreter as a malloc'd absolute path (caller frees),
 * and in *rule a static name of the rule that chose it ("python",
 * "config", ".venv", "VIRTUAL_ENV", "PATH"). On failure returns NULL and sets
 * *err to a malloc'd message (caller frees) naming what was tried. Rules 1-2
 * fail hard when their interpreter is missing; rules 3-4 are skipped. */
char *pyenv_resolve(const pyenv_request *rq, const char **rule, char **err);

typedef struct pyenv_cache pyenv_cache;

/* `probe_timeout_ms` bounds each version probe (0: 20000). */
pyenv_cache *pyenv_cache_new(uint32_t probe_timeout_ms);
void pyenv_cache_free(pyenv_cache *c);

/* Fills *out (caller owns it: pyenv_info_clear) with the Scalene of
 * `python` (an absolute path, as from pyenv_resolve). Successful probes are
 * cached per interpreter and re-probed when the scalene package directory
 * changes (reinstall/upgrade); failures are not cached, so installing
 * Scalene after an error works without a restart.
 *
 * Blocks the caller for the probe (about 50 ms; at most the timeout) on the
 * first call per interpreter. Returns 0, or -1 with *err malloc'd: Scalene
 * missing (with the install command for that interpreter), older than
 * 1.5.0, probe failed or timed out. */
int pyenv_detect(pyenv_cache *c, const char *python, pyenv_info *out, char **err);

#endif
