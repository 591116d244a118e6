/* runner.h - Scalene runs as child processes watched by the event loop.
 *
 * A run: private directory (mkdtemp; TMPDIR and the output file live there),
 * argv/env from scalene_cmd, fork+exec in its own process group with stdin
 * from /dev/null and stdout/stderr drained through pipes (bounded tails plus
 * byte totals). Every tick the runner scans /proc for the run's descendants,
 * so processes that leave the group (setsid) and are reparented to the
 * server (a child subreaper) are still ended. Timeout and cancel send
 * SIGTERM to the process that writes the profile, then to the rest of the
 * group, then to the tracked escapees, each waited for, with SIGKILL after
 * the grace period; Scalene writes its profile on SIGTERM, so the result
 * keeps it, marked partial. Whatever the program leaves running after it
 * exits is ended the same way. At most max_concurrent runs at once; more
 * wait in a FIFO queue.
 *
 * Everything happens on the loop's thread; nothing blocks except fork. */
#ifndef SMCP_RUNNER_H
#define SMCP_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "loop.h"
#include "pyenv.h"
#include "run_outcome.h"
#include "scalene_cmd.h"

typedef struct runner_config {
    unsigned max_concurrent;    /* 2; runs beyond it are queued */
    size_t max_profile_bytes;   /* 64 MiB; larger -> RUN_PROFILE_TOO_LARGE */
    size_t tail_bytes;          /* 64 KiB kept of each of stdout and stderr */
    uint32_t grace_ms;          /* 10000: SIGTERM -> SIGKILL */
    double default_timeout_sec; /* 300: when the call gives none */
    double max_timeout_sec;     /* 3600: cap on any call's timeout */
    const char *tmp_root;       /* borrowed; NULL: $TMPDIR, else /tmp */
    bool pass_secrets;          /* false: withhold secret-looking variables */
    bool fast_start;            /* true: preset Scalene's env where verified */
} runner_config;

/* Fills the defaults above. */
void runner_config_init(runner_config *c);

typedef enum run_state {
    RUN_QUEUED,   /* waiting for a slot */
    RUN_STARTING, /* spawned; Scalene is importing (no profiler yet) */
    RUN_RUNNING,  /* the profiler is up (its temp directory exists) */
    RUN_STOPPING, /* timeout, cancel, or ending what the program left running */
    RUN_PARSING,  /* processes gone; collecting the profile */
} run_state;

const char *run_state_name(run_state s);

/* The last bytes of one output stream. */
typedef struct run_tail {
    char *data;     /* malloc'd, NUL-terminated, may hold other NULs; never NULL */
    size_t len;     /* bytes in data */
    uint64_t total; /* bytes the stream carried */
} run_tail;

/* Everything about a finished run; the done callback receives ownership. */
typedef struct run_result {
    uint64_t id;
    run_outcome outcome;
    bool partial;    /* the profile comes from a stopped run */
    bool started;    /* false: cancelled while queued, or spawn failed */
    pid_t pid;       /* the launcher, which was also the process group id */
    int exit_status; /* exit code of Scalene's launcher, -1 if killed */
    int term_signal; /* the signal that ended the program, 0 if none known */
    char *profile;   /* malloc'd JSON bytes + NUL, or NULL */
    size_t profile_len;
    run_tail out, err;
    uint64_t queued_ms, wall_ms;  /* time in the queue; spawn to end */
    double timeout_sec;           /* the timeout applied, after the cap */
    char **argv;                  /* NULL-terminated argv used */
    bool fast_start;              /* env was preset: one process, no re-exec */
    scalene_report_filter filter; /* thresholds the server applies itself */
    cJSON *warnings;              /* array of strings, never NULL */
    char *error;                  /* one-line explanation when not RUN_OK, or NULL */
} run_result;

void run_result_free(run_result *r);

typedef struct runner runner;

/* `l` is borrowed and must outlive the runner; `cfg` is copied (tmp_root too). */
runner *runner_new(loop *l, const runner_config *cfg);
/* Ends every run at once (SIGKILL to groups and escapees, reaps launchers),
 * removes private directories, frees queued and running runs without
 * calling their callbacks. For a graceful end, runner_cancel each run and
 * run the loop until runner_active() is 0. Not from a runner callback. */
void runner_free(runner *r);

/* Progress: on every state change and at least every second while queued,
 * starting, running or stopping. elapsed_ms counts from runner_start. */
typedef void (*runner_progress_fn)(uint64_t id, run_state state, uint64_t elapsed_ms,
                                   double timeout_sec, void *ud);
/* Exactly once per started id, always from the loop (never from inside
 * runner_start or runner_cancel). The callee owns `res` (run_result_free). */
typedef void (*runner_done_fn)(uint64_t id, run_result *res, void *ud);

typedef struct runner_request {
    const scalene_opts *opts;       /* borrowed for the call only */
    const pyenv_info *py;           /* borrowed for the call only */
    runner_progress_fn on_progress; /* may be NULL */
    runner_done_fn on_done;
    void *ud;
} runner_request;

/* Validates and builds the command at once (so bad options fail here, with
 * a message naming the field), then queues the run. Returns its id (> 0),
 * or 0 with *err malloc'd (caller frees). */
uint64_t runner_start(runner *r, const runner_request *rq, char **err);

/* Stops a run: a queued one never starts; a running one is stopped like a
 * timeout. Its done callback still comes, with RUN_CANCELLED. Returns 0, or
 * -1 when the id is unknown or already finished. */
int runner_cancel(runner *r, uint64_t id);

/* Runs queued plus running. */
size_t runner_active(const runner *r);

#endif
