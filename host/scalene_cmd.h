/* scalene_cmd.h - the command line and environment of one Scalene run.
 *
 * Pure: no I/O, no global state. Given the options of a call, the detected
 * Scalene and the server's environment, it builds the argv (never a shell
 * line) and envp for that Scalene version, plus the warnings for options the
 * version cannot honour. docs/scalene-options.md has the option -> flag
 * table; tests/unit/test_scalene_cmd.c pins every row of it. */
#ifndef SMCP_SCALENE_CMD_H
#define SMCP_SCALENE_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "pyenv.h"

/* One extra environment variable of a call. Borrowed strings. */
typedef struct scalene_env_var {
    const char *name, *value;
} scalene_env_var;

/* The options of one profiling call. Every string is borrowed by
 * scalene_cmd_build (copied where the result needs it). */
typedef struct scalene_opts {
    /* Exactly one of script and module. `script` is relative to cwd unless
     * absolute; a relative script needs cwd. Module mode needs cwd. */
    const char *script;
    const char *module; /* dotted name, as for python -m */
    const char *const *script_args;
    size_t n_script_args;
    const char *cwd; /* absolute; NULL: the script's directory */
    const scalene_env_var *env;
    size_t n_env;

    bool cpu;                     /* Scalene always profiles CPU: false only warns */
    bool memory;                  /* true */
    bool gpu;                     /* false */
    bool stacks;                  /* false */
    double cpu_sampling_rate;     /* 0.01 s; (0, 60] */
    double cpu_percent_threshold; /* 1.0; [0, 100]; applied by the server */
    long malloc_threshold;        /* 100; >= 0; applied by the server */
    const char *profile_only;     /* comma-separated substrings, or NULL */
    const char *profile_exclude;  /* comma-separated substrings, or NULL */
    bool profile_all;             /* false */
    bool reduced_profile;         /* false; applied by the server */
    bool use_virtual_time;        /* false */
    /* Directory whose files are profiled (Scalene's --program-path), or NULL
     * for Scalene's default (the script's directory). */
    const char *program_path;
    bool memory_leak_detector; /* true; cannot be turned off: false warns */
    double timeout_sec;        /* 0: the configured default (runner applies) */
} scalene_opts;

/* Fills the seed's defaults (above); strings NULL. */
void scalene_opts_init(scalene_opts *o);

/* Scalene parses these options but its JSON writer ignores them, so the
 * server applies them to what it reports. */
typedef struct scalene_report_filter {
    double cpu_percent_threshold;
    long malloc_threshold;
    bool reduced_profile;
} scalene_report_filter;

/* Inputs besides the options. All borrowed. */
typedef struct scalene_cmd_input {
    const scalene_opts *opts;
    const pyenv_info *py;
    const char *outfile;   /* absolute path of the JSON to write */
    const char *tmpdir;    /* the run's private TMPDIR */
    char *const *base_env; /* environment to inherit ("NAME=VALUE", NULL-ended) */
    const char *run_tag;   /* value of SCALENE_CMD_TAG_VAR, or NULL for none */
    bool pass_secrets;     /* config: keep secret-looking variables */
    bool fast_start;       /* config: preset Scalene's env where verified */
} scalene_cmd_input;

/* Marks every process of a run (inherited by descendants) so the runner can
 * recognise descendants that left the process group and were reparented. */
#define SCALENE_CMD_TAG_VAR "SCALENE_MCP_RUN"

typedef struct scalene_cmd {
    char **argv;     /* NULL-terminated; argv[0] is the interpreter */
    char **envp;     /* NULL-terminated "NAME=VALUE" */
    char *cwd;       /* directory to run in */
    cJSON *warnings; /* array of strings: options this Scalene cannot honour */
    bool fast_start; /* env preset: Scalene runs as one process, no re-exec */
    scalene_report_filter filter;
} scalene_cmd;

/* Builds *out (caller frees it with scalene_cmd_free, also after a failure).
 * Returns 0, or -1 with a message in err that names the offending field
 * ("script_args[2]: ...", "env.FOO: ..."). */
int scalene_cmd_build(const scalene_cmd_input *in, scalene_cmd *out, char *err, size_t errsz);
void scalene_cmd_free(scalene_cmd *c);

/* True when an inherited variable with this name is withheld from the
 * profiled program unless pass_secrets is set. The rule is in
 * docs/scalene-options.md. */
bool scalene_env_is_secret(const char *name);

/* True when this Scalene version was verified to skip its re-exec when the
 * environment is preset (2.3.x, 2.4.x, 1.5.16), with the same profiles. */
bool scalene_fast_start_verified(const pyenv_info *py);

#endif
