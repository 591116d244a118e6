/* run_outcome.h - what a finished run amounts to.
 *
 * Pure: the runner gathers the facts (launcher status, tails, profile bytes,
 * why it stopped) and run_classify turns them into an outcome, the
 * program's exit status or signal, and a one-line explanation. */
#ifndef SMCP_RUN_OUTCOME_H
#define SMCP_RUN_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum run_outcome {
    RUN_OK,                /* exit 0 and a profile with samples */
    RUN_PROGRAM_ERROR,     /* non-zero exit (e.g. an uncaught exception); profile kept */
    RUN_SIGNALED,          /* the program was killed by a signal (term_signal) */
    RUN_TIMEOUT,           /* stopped at the timeout; profile (if any) is partial */
    RUN_CANCELLED,         /* runner_cancel; profile (if any) is partial */
    RUN_NO_SAMPLES,        /* Scalene wrote "{}": too short to sample */
    RUN_SCALENE_FAILED,    /* no profile or 0 bytes: missing script, syntax error, ... */
    RUN_SPAWN_FAILED,      /* could not start the interpreter */
    RUN_PROFILE_TOO_LARGE, /* profile above max_profile_bytes; not returned */
} run_outcome;

/* Stable lower-case names ("ok", "program_error", ...). */
const char *run_outcome_name(run_outcome o);

/* What the runner saw. Strings are borrowed. */
typedef struct run_facts {
    const char *spawn_error; /* non-NULL: the interpreter never ran */
    bool started;            /* false: cancelled while queued, or spawn failed */
    run_outcome stop_reason; /* RUN_TIMEOUT, RUN_CANCELLED, or RUN_OK if not stopped */
    bool group_signalled;    /* the runner signalled the group before the launcher exited */
    bool reaped;             /* the launcher's wstatus is known */
    int wstatus;             /* as from waitpid */
    const char *out, *err;   /* NUL-terminated tails, may be NULL */
    size_t out_len, err_len;
    const char *profile; /* the profile bytes, NULL when absent or empty */
    size_t profile_len;
    bool too_large; /* the file exceeded max_profile_bytes (not read) */
    size_t profile_size, max_profile_bytes;
    uint64_t wall_ms;
    double timeout_sec;
} run_facts;

typedef struct run_verdict {
    run_outcome outcome;
    int exit_status; /* the launcher's exit code, -1 if it was killed or never ran */
    int term_signal; /* the signal that ended the program, 0 if none known */
    bool partial;    /* a profile exists and comes from a stopped run */
    char *error;     /* malloc'd one-line explanation unless RUN_OK, NULL on OOM */
    char *warning;   /* malloc'd note (profile too large) or NULL */
} run_verdict;

/* Fills *v; the caller frees v->error and v->warning. */
void run_classify(const run_facts *f, run_verdict *v);

#endif
