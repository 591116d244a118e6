/* test_runner.c - the runner and pyenv against the real Scalene 2.x
 * ($SMCP_PYTHON_2X) and Debian's 1.5.16 ($SMCP_PYTHON_15), workloads from
 * $SMCP_WORKLOADS. Real runs cost seconds, so main() runs every job of both
 * versions once, concurrently on one loop, and the tests only read the
 * results. A version whose variable is unset is skipped with a message. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "pyenv.h"
#include "run_files.h"
#include "runner.h"

enum { V2X, V15, NVER };
static const char *const ver_env[NVER] = {"SMCP_PYTHON_2X", "SMCP_PYTHON_15"};
static const char *workloads;
static char scratch[128]; /* short, so paths built on it fit PATH_MAX */
static pyenv_info py[NVER];
static bool have[NVER];
static char why_not[NVER][512];

static loop *L;
static pid_t batch_pid; /* the process that ran the jobs (tests run in forks) */
static runner *fast_runner[NVER], *slow_runner[NVER];
static int pending;

#define MAX_JOB_ARGS 12

typedef struct job {
    const char *name;
    const char *script; /* relative to workloads */
    const char *module;
    const char *args[MAX_JOB_ARGS];
    double timeout;
    uint64_t cancel_after_ms; /* after the run reaches RUN_RUNNING */
    bool slow;                /* on the runner without the fast start */
    bool cancel_when_queued;
    unsigned only; /* 0: both versions, else 1 << V2X or 1 << V15 */
    /* per version */
    struct {
        char argv_file[PATH_MAX], ppid_file[PATH_MAX], pid_file[PATH_MAX];
        uint64_t id;
        run_result *res;
        bool saw_queued, saw_running, saw_stopping, saw_parsing;
        int start_seq, done_before_start;
        uint64_t last_progress, max_gap;
    } v[NVER];
} job;

static job jobs[] = {
    {.name = "argv_tricky",
     .script = "print_argv.py",
     .args = {"a b", "---", "-o", "x", "--json", "-m", "", "-1", "--outfile=y", "@z", "-"}},
    {.name = "argv_none", .script = "print_argv.py"},
    {.name = "module", .module = "pkgdemo.cli", .args = {"3", "x y"}},
    {.name = "crash", .script = "crash_exit3.py"},
    {.name = "timeout", .script = "setsid_grandchild.py", .timeout = 6},
    {.name = "cancel", .script = "setsid_grandchild.py", .cancel_after_ms = 1200},
    {.name = "missing", .script = "no_such_script.py"},
    {.name = "syntax", .script = "syntax_error.py"},
    /* runner properties, not version ones: 2.x only */
    {.name = "megabytes", .script = "print_megabytes.py", .args = {"8"}, .only = 1 << V2X},
    {.name = "stdin", .script = "read_stdin.py", .timeout = 30, .only = 1 << V2X},
    {.name = "big_alloc", .script = "big_alloc.py"},
    {.name = "self_kill", .script = "self_kill.py", .only = 1 << V2X},
    {.name = "argv_slow", .script = "print_argv.py", .slow = true},
    {.name = "self_kill_slow", .script = "self_kill.py", .slow = true},
    /* two processes: SIGTERM must reach Scalene's re-executed child first */
    {.name = "timeout_slow",
     .script = "setsid_grandchild.py",
     .timeout = 6,
     .slow = true,
     .only = 1 << V15},
    {.name = "cancel_queued", .script = "print_argv.py", .cancel_when_queued = true},
};
#define N_JOBS (sizeof jobs / sizeof *jobs)

/* Failures while the shared runs are set up, outside any test. */
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("test_runner: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(EXIT_FAILURE);
}

static int seq[NVER], done_count[NVER], running_now[NVER], max_running[NVER];

static job *find_job(const char *name)
{
    for (size_t i = 0; i < N_JOBS; i++)
        if (!strcmp(jobs[i].name, name))
            return &jobs[i];
    ck_abort_msg("no job %s", name);
    return NULL;
}

/* ud of the callbacks: job index * NVER + version */
static void on_cancel_timer(loop *l, void *ud)
{
    (void)l;
    size_t k = (size_t)(uintptr_t)ud;
    job *j = &jobs[k / NVER];
    runner_cancel(fast_runner[k % NVER], j->v[k % NVER].id);
}

static void on_progress(uint64_t id, run_state st, uint64_t elapsed_ms, double timeout, void *ud)
{
    (void)id;
    (void)elapsed_ms;
    (void)timeout;
    size_t k = (size_t)(uintptr_t)ud;
    job *j = &jobs[k / NVER];
    int v = (int)(k % NVER);
    uint64_t now = loop_now_ms();
    if (st != RUN_QUEUED && j->v[v].last_progress && now - j->v[v].last_progress > j->v[v].max_gap)
        j->v[v].max_gap = now - j->v[v].last_progress;
    j->v[v].last_progress = st == RUN_QUEUED ? 0 : now;
    switch (st) {
    case RUN_QUEUED:
        j->v[v].saw_queued = true;
        break;
    case RUN_STARTING:
        if (!j->slow && !j->v[v].start_seq) { /* progress repeats the state every second */
            j->v[v].start_seq = ++seq[v];
            j->v[v].done_before_start = done_count[v];
            if (++running_now[v] > max_running[v])
                max_running[v] = running_now[v];
        }
        break;
    case RUN_RUNNING:
        if (!j->v[v].saw_running && j->cancel_after_ms)
            loop_timer_start(L, j->cancel_after_ms, on_cancel_timer, ud);
        j->v[v].saw_running = true;
        break;
    case RUN_STOPPING:
        j->v[v].saw_stopping = true;
        break;
    case RUN_PARSING:
        j->v[v].saw_parsing = true;
        break;
    }
}

static void on_done(uint64_t id, run_result *res, void *ud)
{
    (void)id;
    size_t k = (size_t)(uintptr_t)ud;
    job *j = &jobs[k / NVER];
    int v = (int)(k % NVER);
    j->v[v].res = res;
    if (getenv("SMCP_TEST_VERBOSE"))
        fprintf(stderr, "%-15s v%d %-14s wall %5llu ms queued %5llu ms exit %d: %s\n", j->name, v,
                run_outcome_name(res->outcome), (unsigned long long)res->wall_ms,
                (unsigned long long)res->queued_ms, res->exit_status, res->error ? res->error : "");
    if (getenv("SMCP_TEST_VERBOSE")) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "/tmp/exp/%s.%d.err", j->name, v);
        FILE *f = fopen(path, "w");
        if (f) {
            fwrite(res->err.data, 1, res->err.len, f);
            fclose(f);
        }
    }
    if (!j->slow) {
        done_count[v]++;
        if (res->started)
            running_now[v]--;
    }
    if (--pending == 0)
        loop_stop(L);
}

static void submit(size_t ji, int v)
{
    job *j = &jobs[ji];
    scalene_opts o;
    scalene_opts_init(&o);
    char script[PATH_MAX];
    snprintf(j->v[v].argv_file, PATH_MAX, "%s/%s.%d.argv.json", scratch, j->name, v);
    snprintf(j->v[v].ppid_file, PATH_MAX, "%s/%s.%d.ppid", scratch, j->name, v);
    snprintf(j->v[v].pid_file, PATH_MAX, "%s/%s.%d.pid", scratch, j->name, v);
    scalene_env_var env[] = {{"SMCP_ARGV_OUT", j->v[v].argv_file},
                             {"SMCP_PPID_OUT", j->v[v].ppid_file},
                             {"SMCP_GRANDCHILD_PIDFILE", j->v[v].pid_file}};
    o.env = env;
    o.n_env = 3;
    if (j->module) {
        o.module = j->module;
        o.cwd = workloads;
    } else {
        snprintf(script, sizeof script, "%s/%s", workloads, j->script);
        o.script = script;
    }
    size_t n = 0;
    while (n < MAX_JOB_ARGS && j->args[n])
        n++;
    o.script_args = j->args;
    o.n_script_args = n;
    o.timeout_sec = j->timeout ? j->timeout : 60; /* a broken runner fails, not hangs */
    runner_request rq = {.opts = &o,
                         .py = &py[v],
                         .on_progress = on_progress,
                         .on_done = on_done,
                         .ud = (void *)(uintptr_t)(ji * NVER + (size_t)v)};
    char *err = NULL;
    j->v[v].id = runner_start(j->slow ? slow_runner[v] : fast_runner[v], &rq, &err);
    if (!j->v[v].id)
        die("%s: runner_start: %s", j->name, err ? err : "?");
    pending++;
    if (j->cancel_when_queued && runner_cancel(fast_runner[v], j->v[v].id) != 0)
        die("%s: runner_cancel failed on a queued run", j->name);
}

/* One version at a time, so that fewer Scalene processes compete for the
 * CPU and the timeouts of the tests stay meaningful on a busy machine. */
static void run_all_jobs(void)
{
    L = loop_new();
    if (!L)
        die("loop_new failed");
    runner_config cfg;
    runner_config_init(&cfg);
    runner_config slow_cfg = cfg;
    slow_cfg.fast_start = false;
    slow_cfg.max_concurrent = 1;
    for (int v = 0; v < NVER; v++) {
        if (!have[v])
            continue;
        fast_runner[v] = runner_new(L, &cfg);
        slow_runner[v] = runner_new(L, &slow_cfg);
        if (!fast_runner[v] || !slow_runner[v])
            die("runner_new failed");
        for (size_t i = 0; i < N_JOBS; i++)
            if (!jobs[i].only || jobs[i].only & (1u << v))
                submit(i, v);
        if (pending)
            loop_run(L);
    }
}

static bool skip(int v)
{
    if (!have[v])
        fprintf(stderr, "skip (%s): %s\n", ver_env[v], why_not[v]);
    return !have[v];
}

/* The result of a job on version v, or NULL when the job skips that version. */
static run_result *result(const char *name, int v)
{
    job *j = find_job(name);
    return j->only && !(j->only & (1u << v)) ? NULL : j->v[v].res;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static cJSON *read_json(const char *path)
{
    char *s = slurp(path);
    cJSON *j = s ? cJSON_Parse(s) : NULL;
    free(s);
    return j;
}

static void assert_argv_file(job *j, int v, const char *script_path, size_t skip_first)
{
    cJSON *a = read_json(j->v[v].argv_file);
    ck_assert_msg(a && cJSON_IsArray(a), "%s: no argv written (%s)", j->name, j->v[v].argv_file);
    size_t n = 0;
    while (n < MAX_JOB_ARGS && j->args[n])
        n++;
    ck_assert_int_eq(cJSON_GetArraySize(a), (int)(n + (script_path ? 1 : 0) - skip_first));
    int i = 0;
    if (script_path)
        ck_assert_str_eq(cJSON_GetArrayItem(a, i++)->valuestring, script_path);
    for (size_t k = 0; k < n; k++)
        ck_assert_str_eq(cJSON_GetArrayItem(a, i++)->valuestring, j->args[k]);
    cJSON_Delete(a);
}

static void assert_group_gone(const run_result *r)
{
    ck_assert_int_gt(r->pid, 0);
    errno = 0;
    ck_assert_msg(kill(-r->pid, 0) < 0 && errno == ESRCH, "process group %d still exists",
                  (int)r->pid);
}

static bool is_empty_profile(const run_result *r)
{
    cJSON *p = cJSON_Parse(r->profile);
    bool empty = p && cJSON_GetArraySize(p) == 0;
    cJSON_Delete(p);
    return empty;
}

/* ---- tests on the shared runs (_i is the version) ---- */

START_TEST(argv_is_exact_with_tricky_args)
{
    if (skip(_i))
        return;
    job *j = find_job("argv_tricky");
    char script[PATH_MAX];
    snprintf(script, sizeof script, "%s/print_argv.py", workloads);
    assert_argv_file(j, _i, script, 0);
    ck_assert_str_eq(run_outcome_name(j->v[_i].res->outcome), "no_samples");
    ck_assert_ptr_nonnull(strstr(j->v[_i].res->error, "profile_all"));
}
END_TEST

START_TEST(argv_is_exact_without_args_and_fast_start_is_one_process)
{
    if (skip(_i))
        return;
    job *j = find_job("argv_none");
    char script[PATH_MAX];
    snprintf(script, sizeof script, "%s/print_argv.py", workloads);
    assert_argv_file(j, _i, script, 0);
    run_result *r = j->v[_i].res;
    ck_assert_int_eq(r->outcome, RUN_NO_SAMPLES);
    ck_assert(r->fast_start);
    char *ppid = slurp(j->v[_i].ppid_file);
    ck_assert_ptr_nonnull(ppid);
    ck_assert_int_eq(atoi(ppid), (int)batch_pid); /* no re-exec: we are its parent */
    free(ppid);
}
END_TEST

START_TEST(slow_start_runs_two_processes)
{
    if (skip(_i))
        return;
    job *j = find_job("argv_slow");
    char script[PATH_MAX];
    snprintf(script, sizeof script, "%s/print_argv.py", workloads);
    assert_argv_file(j, _i, script, 0);
    run_result *r = j->v[_i].res;
    ck_assert(!r->fast_start);
    char *ppid = slurp(j->v[_i].ppid_file);
    ck_assert_ptr_nonnull(ppid);
    ck_assert_int_eq(atoi(ppid), (int)r->pid); /* the launcher re-executed Scalene */
    free(ppid);
    for (size_t i = 0; r->argv[i]; i++)
        ck_assert(strncmp(r->argv[i], "--allocation-sampling-window", 28));
}
END_TEST

START_TEST(module_mode_gets_its_args)
{
    if (skip(_i))
        return;
    job *j = find_job("module");
    run_result *r = j->v[_i].res;
    ck_assert_msg(r->outcome == RUN_OK, "%s: %s", run_outcome_name(r->outcome),
                  r->error ? r->error : "");
    assert_argv_file(j, _i, NULL, 0);
    ck_assert_ptr_nonnull(strstr(r->profile, "cli.py"));
}
END_TEST

START_TEST(exit_3_keeps_the_profile)
{
    if (skip(_i))
        return;
    run_result *r = find_job("crash")->v[_i].res;
    ck_assert_str_eq(run_outcome_name(r->outcome), "program_error");
    ck_assert_int_eq(r->exit_status, 3);
    ck_assert_ptr_nonnull(r->profile);
    ck_assert(!is_empty_profile(r));
    ck_assert_ptr_nonnull(strstr(r->profile, "crash_exit3.py"));
    ck_assert_ptr_nonnull(strstr(r->err.data, "giving up with status 3"));
    ck_assert(!r->partial);
}
END_TEST

static void assert_grandchild_gone(job *j, int v)
{
    char *gc = slurp(j->v[v].pid_file);
    ck_assert_msg(gc != NULL, "%s: the grandchild never wrote its pid", j->name);
    pid_t gpid = (pid_t)atoi(gc);
    free(gc);
    ck_assert_int_gt(gpid, 1);
    errno = 0;
    ck_assert_msg(kill(gpid, 0) < 0 && errno == ESRCH, "%s: setsid grandchild %d survived", j->name,
                  (int)gpid);
}

START_TEST(timeout_keeps_partial_profile_and_ends_every_process)
{
    if (skip(_i))
        return;
    const char *names[] = {"timeout", "timeout_slow"};
    for (int k = 0; k < 2; k++) {
        job *j = find_job(names[k]);
        run_result *r = result(names[k], _i);
        if (!r)
            continue;
        ck_assert_msg(r->outcome == RUN_TIMEOUT, "%s: %s: %s", names[k],
                      run_outcome_name(r->outcome), r->error ? r->error : "");
        ck_assert(r->partial);
        ck_assert_ptr_nonnull(r->profile);
        /* the forked children must not have replaced it with "{}" */
        ck_assert_msg(!is_empty_profile(r), "%s: empty profile", names[k]);
        ck_assert(r->timeout_sec == 6);
        ck_assert_uint_ge(r->wall_ms, 6000);
        ck_assert(j->v[_i].saw_stopping);
        assert_group_gone(r); /* the child that stayed in the group */
        assert_grandchild_gone(j, _i);
    }
}
END_TEST

START_TEST(cancel_keeps_partial_profile_and_ends_every_process)
{
    if (skip(_i))
        return;
    job *j = find_job("cancel");
    run_result *r = j->v[_i].res;
    ck_assert_msg(r->outcome == RUN_CANCELLED, "%s: %s", run_outcome_name(r->outcome),
                  r->error ? r->error : "");
    ck_assert(r->partial);
    ck_assert_ptr_nonnull(r->profile);
    ck_assert(!is_empty_profile(r));
    ck_assert_ptr_nonnull(strstr(r->profile, "setsid_grandchild.py"));
    assert_group_gone(r);
    assert_grandchild_gone(j, _i);
}
END_TEST

START_TEST(cancelled_while_queued_never_starts)
{
    if (skip(_i))
        return;
    job *j = find_job("cancel_queued");
    run_result *r = j->v[_i].res;
    ck_assert_int_eq(r->outcome, RUN_CANCELLED);
    ck_assert(!r->started);
    ck_assert_int_eq(r->pid, 0);
    ck_assert_ptr_null(r->profile);
    ck_assert_int_eq(access(j->v[_i].argv_file, F_OK), -1);
    ck_assert_int_eq(j->v[_i].start_seq, 0);
}
END_TEST

START_TEST(missing_script_is_scalene_failed)
{
    if (skip(_i))
        return;
    run_result *r = find_job("missing")->v[_i].res;
    ck_assert_str_eq(run_outcome_name(r->outcome), "scalene_failed");
    ck_assert_ptr_null(r->profile);
    ck_assert_int_eq(r->exit_status, _i == V15 ? 0 : 1); /* 1.5.x exits 0 on its own failures */
    ck_assert_msg(strstr(r->out.data, "could not find") || strstr(r->err.data, "could not find"),
                  "stdout: %s\nstderr: %s", r->out.data, r->err.data);
    ck_assert_ptr_nonnull(strstr(r->error, "no_such_script.py"));
}
END_TEST

START_TEST(syntax_error_is_scalene_failed)
{
    if (skip(_i))
        return;
    run_result *r = find_job("syntax")->v[_i].res;
    ck_assert_str_eq(run_outcome_name(r->outcome), "scalene_failed");
    ck_assert_ptr_null(r->profile);
    ck_assert_ptr_nonnull(strstr(r->err.data, "SyntaxError"));
    ck_assert_ptr_nonnull(strstr(r->error, "SyntaxError"));
}
END_TEST

START_TEST(megabytes_of_output_are_drained)
{
    if (skip(V2X))
        return;
    run_result *r = result("megabytes", V2X);
    ck_assert_msg(r->outcome == RUN_OK, "%s: %s", run_outcome_name(r->outcome),
                  r->error ? r->error : "");
    ck_assert_uint_ge(r->out.total, 8u << 20);
    ck_assert_uint_eq(r->out.len, 64u << 10);
    ck_assert_uint_ge(r->err.total, 1u << 20);
    ck_assert_uint_eq(r->err.len, 64u << 10);
    char last[80]; /* the program's last stdout line: index 131071 */
    snprintf(last, sizeof last, "%063d\n", (8 << 20) / 64 - 1);
    ck_assert_ptr_nonnull(strstr(r->out.data, last));
}
END_TEST

START_TEST(stdin_is_dev_null)
{
    if (skip(V2X))
        return;
    run_result *r = result("stdin", V2X);
    ck_assert_msg(r->outcome == RUN_OK, "%s: %s", run_outcome_name(r->outcome),
                  r->error ? r->error : "");
    ck_assert_ptr_nonnull(strstr(r->out.data, "stdin bytes: 0"));
}
END_TEST

/* The fast start keeps memory profiling: the 256 MiB allocation is the peak. */
START_TEST(fast_start_keeps_memory_data)
{
    if (skip(_i))
        return;
    run_result *r = find_job("big_alloc")->v[_i].res;
    ck_assert_msg(r->outcome == RUN_OK, "%s: %s", run_outcome_name(r->outcome),
                  r->error ? r->error : "");
    ck_assert(r->fast_start);
    cJSON *p = cJSON_Parse(r->profile);
    ck_assert_ptr_nonnull(p);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(p, "memory")));
    double peak = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "max_footprint_mb"));
    ck_assert_msg(peak >= 200, "peak %.1f MB", peak);
    int line = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "max_footprint_lineno"));
    /* 1.5.16 may charge it to the caller's next line (15) once allocate() returned */
    ck_assert_msg(line == 9 || (_i == V15 && line == 15), "peak on line %d", line);
    cJSON_Delete(p);
}
END_TEST

START_TEST(killed_by_signal_is_signaled)
{
    if (skip(_i))
        return;
    const char *names[] = {"self_kill", "self_kill_slow"};
    for (int k = 0; k < 2; k++) {
        run_result *r = result(names[k], _i);
        if (!r)
            continue;
        ck_assert_msg(r->outcome == RUN_SIGNALED, "%s: %s (%s) exit %d", names[k],
                      run_outcome_name(r->outcome), r->error ? r->error : "", r->exit_status);
        ck_assert_int_eq(r->term_signal, SIGKILL);
        ck_assert_ptr_null(r->profile);
        assert_group_gone(r);
    }
}
END_TEST

START_TEST(queue_limits_concurrency_fifo)
{
    if (skip(_i))
        return;
    ck_assert_int_eq(max_running[_i], 2);
    job *third = &jobs[2];
    ck_assert(third->v[_i].saw_queued);
    ck_assert_int_eq(third->v[_i].start_seq, 3);
    ck_assert_int_ge(third->v[_i].done_before_start, 1);
    int last = 0;
    for (size_t i = 0; i < N_JOBS; i++) {
        if (jobs[i].slow || !jobs[i].v[_i].start_seq)
            continue;
        ck_assert_int_gt(jobs[i].v[_i].start_seq, last); /* started in submission order */
        last = jobs[i].v[_i].start_seq;
    }
}
END_TEST

START_TEST(progress_at_least_every_second)
{
    if (skip(_i))
        return;
    const char *names[] = {"timeout", "cancel"};
    for (int k = 0; k < 2; k++) {
        job *j = find_job(names[k]);
        ck_assert(j->v[_i].saw_running);
        ck_assert(j->v[_i].saw_parsing);
        ck_assert_msg(j->v[_i].max_gap <= 1600, "%s: %llu ms without progress", names[k],
                      (unsigned long long)j->v[_i].max_gap);
    }
}
END_TEST

START_TEST(private_dirs_removed)
{
    if (skip(_i))
        return;
    for (size_t i = 0; i < N_JOBS; i++) {
        run_result *r = result(jobs[i].name, _i);
        if (!r && jobs[i].only)
            continue;
        ck_assert_ptr_nonnull(r);
        char **a = r->argv;
        for (size_t k = 0; a && a[k] && strcmp(a[k], "---"); k++) { /* not the script's args */
            if (strncmp(a[k], "--outfile=", 10))
                continue;
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s", a[k] + 10);
            *strrchr(dir, '/') = '\0';
            ck_assert_msg(access(dir, F_OK) < 0, "%s: %s left behind", jobs[i].name, dir);
        }
        static const char *const kinds[] = {"malloc-init", "malloc-lock", "malloc-signal",
                                            "memcpy-init", "memcpy-lock", "memcpy-signal"};
        for (size_t k = 0; r->pid > 0 && k < 6; k++) { /* libscalene's files of our pids */
            char f[64];
            snprintf(f, sizeof f, "/tmp/scalene-%s%d", kinds[k], (int)r->pid);
            ck_assert_msg(access(f, F_OK) < 0, "%s: %s left behind", jobs[i].name, f);
        }
    }
}
END_TEST

/* ---- run_classify (pure: every outcome row without Scalene) ---- */

static run_verdict classify_with(run_facts f)
{
    run_verdict v;
    if (!f.max_profile_bytes)
        f.max_profile_bytes = 100;
    run_classify(&f, &v);
    return v;
}

static void verdict_free(run_verdict *v)
{
    free(v->error);
    free(v->warning);
}

#define PROFILE "{\"files\": {}}"
#define EXITED(code) ((code) << 8)
/* facts of a run whose launcher ended with wait status `st` */
#define ENDED(st, ...)                                                                             \
    {                                                                                              \
        .started = true, .reaped = true, .wstatus = (st), __VA_ARGS__                              \
    }
#define WITH_PROFILE .profile = PROFILE, .profile_len = 14

typedef struct expected {
    run_outcome outcome;
    int exit_status, term_signal;
    bool partial;
    const char *error_has; /* NULL: no error text */
} expected;

START_TEST(classify_outcomes)
{
    static const struct {
        const char *name;
        run_facts f;
        expected want;
    } rows[] = {
        {"ok", ENDED(EXITED(0), WITH_PROFILE), {RUN_OK, 0, 0, false, NULL}},
        {"exit 3 keeps the profile",
         ENDED(EXITED(3), WITH_PROFILE),
         {RUN_PROGRAM_ERROR, 3, 0, false, "status 3"}},
        {"empty document",
         ENDED(EXITED(0), .profile = " {}\n", .profile_len = 4),
         {RUN_NO_SAMPLES, 0, 0, false, "profile_all"}},
        {"1.5.x exits 0 without a profile",
         ENDED(EXITED(0), .err = "x\nSyntaxError: bad\n", .err_len = 19),
         {RUN_SCALENE_FAILED, 0, 0, false, "SyntaxError: bad"}},
        {"stdout explains when stderr is empty",
         ENDED(EXITED(0), .out = "could not find x", .out_len = 16, .err = ""),
         {RUN_SCALENE_FAILED, 0, 0, false, "could not find x"}},
        {"launcher reports SIGKILL",
         ENDED(EXITED(247), .out = "Scalene error: received signal SIGKILL\n", .out_len = 39),
         {RUN_SIGNALED, 247, SIGKILL, false, "signal 9"}},
        {"exit 247 without the launcher's line",
         ENDED(EXITED(247), WITH_PROFILE),
         {RUN_PROGRAM_ERROR, 247, 0, false, "247"}},
        {"launcher's line after our own SIGTERM",
         ENDED(EXITED(247), .group_signalled = true, .out = "received signal SIGKILL"),
         {RUN_SCALENE_FAILED, 247, 0, false, "no profile"}},
        {"one process killed", ENDED(SIGSEGV), {RUN_SIGNALED, -1, SIGSEGV, false, "signal 11"}},
        {"timeout with profile",
         ENDED(EXITED(143), .stop_reason = RUN_TIMEOUT, .group_signalled = true, WITH_PROFILE,
               .timeout_sec = 2.5),
         {RUN_TIMEOUT, 143, 0, true, "2.5 s timeout; partial"}},
        {"timeout killed",
         ENDED(SIGKILL, .stop_reason = RUN_TIMEOUT, .group_signalled = true),
         {RUN_TIMEOUT, -1, SIGKILL, false, "no profile"}},
        {"cancel while queued",
         {.stop_reason = RUN_CANCELLED},
         {RUN_CANCELLED, -1, 0, false, "before it started"}},
        {"cancel running",
         ENDED(EXITED(143), .stop_reason = RUN_CANCELLED, .group_signalled = true, WITH_PROFILE,
               .wall_ms = 1500),
         {RUN_CANCELLED, 143, 0, true, "after 1.5 s"}},
        {"spawn failed",
         {.spawn_error = "cannot run /x: No such file"},
         {RUN_SPAWN_FAILED, -1, 0, false, "/x"}},
        {"too large",
         ENDED(EXITED(0), .too_large = true, .profile_size = 500),
         {RUN_PROFILE_TOO_LARGE, 0, 0, false, "500 bytes"}},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        const expected *w = &rows[i].want;
        run_verdict v = classify_with(rows[i].f);
        ck_assert_msg(v.outcome == w->outcome, "%s: got %s", rows[i].name,
                      run_outcome_name(v.outcome));
        ck_assert_msg(v.exit_status == w->exit_status, "%s: exit %d", rows[i].name, v.exit_status);
        ck_assert_msg(v.term_signal == w->term_signal, "%s: signal %d", rows[i].name,
                      v.term_signal);
        ck_assert_msg(v.partial == w->partial, "%s: partial", rows[i].name);
        if (w->error_has)
            ck_assert_msg(v.error && strstr(v.error, w->error_has), "%s: error '%s'", rows[i].name,
                          v.error ? v.error : "(null)");
        else
            ck_assert_ptr_null(v.error);
        verdict_free(&v);
    }
}
END_TEST

/* ---- run_files (fast; no Scalene run) ---- */

static void make_path(const char *path)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(stale_run_dirs_of_dead_servers_are_swept)
{
    char root[256], dead[PATH_MAX], mine[PATH_MAX], other[PATH_MAX];
    snprintf(root, sizeof root, "%s/sweep", scratch);
    pid_t gone = fork(); /* a pid that no longer exists */
    if (gone == 0)
        _exit(0);
    ck_assert_int_gt(gone, 0);
    ck_assert_int_eq(waitpid(gone, NULL, 0), gone);
    snprintf(dead, sizeof dead, "%s/scalene-mcp-%d-abc/tmp/scalene1", root, (int)gone);
    snprintf(mine, sizeof mine, "%s/scalene-mcp-%d-def", root, (int)getpid());
    snprintf(other, sizeof other, "%s/scalene-mcp-code-xyz", root);
    make_path(dead);
    make_path(mine);
    make_path(other);
    ck_assert_int_eq(chmod(dead, 0500), 0); /* a locked directory is still removed */
    run_dir_sweep_stale(root);
    *strstr(dead, "/tmp/") = '\0';
    ck_assert_msg(access(dead, F_OK) < 0, "%s survived", dead);
    ck_assert_int_eq(access(mine, F_OK), 0);
    ck_assert_int_eq(access(other, F_OK), 0);
}
END_TEST

START_TEST(run_dir_lifecycle)
{
    char root[256];
    snprintf(root, sizeof root, "%s/dirs", scratch);
    make_path(root);
    run_dir d;
    char *err = NULL;
    ck_assert_int_eq(run_dir_create(&d, root, &err), 0);
    char pre[64];
    snprintf(pre, sizeof pre, "/scalene-mcp-%d-", (int)getpid());
    ck_assert_ptr_nonnull(strstr(d.dir, pre));
    ck_assert(!run_dir_profiler_started(&d));
    run_profile none = run_dir_read_profile(&d, 100);
    ck_assert_ptr_null(none.buf);
    FILE *f = fopen(d.outfile, "w");
    ck_assert_ptr_nonnull(f);
    fputs(" {}\n", f);
    fclose(f);
    run_profile empty = run_dir_read_profile(&d, 100);
    ck_assert_ptr_nonnull(empty.buf);
    ck_assert(!run_profile_has_samples(&empty));
    free(empty.buf);
    run_profile big = run_dir_read_profile(&d, 2);
    ck_assert(big.too_large);
    ck_assert_ptr_null(big.buf);
    char sub[PATH_MAX + 16];
    snprintf(sub, sizeof sub, "%s/scalene9/deeper", d.tmpdir);
    make_path(sub);
    ck_assert(run_dir_profiler_started(&d));
    ck_assert_int_eq(chmod(sub, 0), 0);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", d.dir);
    run_dir_remove(&d);
    ck_assert_msg(access(dir, F_OK) < 0, "%s survived", dir);
    ck_assert_ptr_null(d.dir);
}
END_TEST

/* ---- pyenv (fast; no Scalene run) ---- */

static pyenv_cache *cache;

static void write_exec(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    ck_assert_int_eq(chmod(path, 0755), 0);
}

START_TEST(detects_installed_versions)
{
    if (!skip(V2X)) {
        ck_assert_int_eq(py[V2X].major, 2);
        ck_assert_ptr_nonnull(strstr(py[V2X].package_dir, "/scalene"));
        ck_assert(!py[V2X].debian_patched);
    }
    if (!skip(V15)) {
        ck_assert_str_eq(py[V15].version, "1.5.16");
        ck_assert(py[V15].debian_patched);
        ck_assert_int_eq(access(py[V15].preload_lib, R_OK), 0);
    }
}
END_TEST

/* A venv's python is a symlink to a base interpreter that may have another
 * Scalene (here: Debian's): the cache must not confuse them. */
START_TEST(venv_without_scalene_is_not_the_base_interpreter)
{
    if (skip(V15))
        return;
    char venv[PATH_MAX], cmd[PATH_MAX * 2], vpy[PATH_MAX];
    snprintf(venv, sizeof venv, "%s/emptyvenv", scratch);
    snprintf(cmd, sizeof cmd, "%s -m venv --without-pip %s", py[V15].python, venv);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(vpy, sizeof vpy, "%s/emptyvenv/bin/python", scratch);
    pyenv_info info;
    char *err = NULL;
    ck_assert_int_eq(pyenv_detect(cache, py[V15].python, &info, &err), 0);
    pyenv_info_clear(&info);
    ck_assert_int_eq(pyenv_detect(cache, vpy, &info, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not installed"));
    ck_assert_ptr_nonnull(strstr(err, vpy));
    ck_assert_ptr_nonnull(strstr(err, "-m pip install scalene"));
    free(err);
}
END_TEST

START_TEST(detect_refuses_old_and_slow_and_caches)
{
    char fake[PATH_MAX], count[PATH_MAX], pkg[PATH_MAX], text[4 * PATH_MAX];
    char *err = NULL;
    pyenv_info info;
    snprintf(fake, sizeof fake, "%s/old-python", scratch);
    write_exec(fake, "#!/bin/sh\nprintf '1.4.9\\n/x/scalene\\n/x/scalene/libscalene.so\\n0\\n'\n");
    ck_assert_int_eq(pyenv_detect(cache, fake, &info, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "too old"));
    free(err);

    snprintf(fake, sizeof fake, "%s/slow-python", scratch);
    write_exec(fake, "#!/bin/sh\nexec sleep 5\n");
    pyenv_cache *quick = pyenv_cache_new(300);
    ck_assert_int_eq(pyenv_detect(quick, fake, &info, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "within 300 ms"));
    free(err);
    pyenv_cache_free(quick);

    /* counts its runs; the cache re-probes only when the package dir changes */
    snprintf(fake, sizeof fake, "%s/counting-python", scratch);
    snprintf(count, sizeof count, "%s/count", scratch);
    snprintf(pkg, sizeof pkg, "%s/fakepkg", scratch);
    ck_assert_int_eq(mkdir(pkg, 0755), 0);
    snprintf(text, sizeof text,
             "#!/bin/sh\necho x >> %s\nprintf '2.4.1\\n%s\\n%s/libscalene.so\\n0\\n'\n", count, pkg,
             pkg);
    write_exec(fake, text);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(pyenv_detect(cache, fake, &info, &err), 0);
        ck_assert_str_eq(info.version, "2.4.1");
        ck_assert_int_eq(info.patch, 1);
        pyenv_info_clear(&info);
    }
    struct stat st;
    ck_assert_int_eq(stat(count, &st), 0);
    ck_assert_int_eq((int)st.st_size, 2); /* one probe */
    char marker[PATH_MAX + 16];
    snprintf(marker, sizeof marker, "%s/new-file", pkg);
    write_exec(marker, "x");
    ck_assert_int_eq(pyenv_detect(cache, fake, &info, &err), 0);
    pyenv_info_clear(&info);
    ck_assert_int_eq(stat(count, &st), 0);
    ck_assert_int_eq((int)st.st_size, 4); /* probed again */
}
END_TEST

START_TEST(resolve_order)
{
    char proj[PATH_MAX], bin[PATH_MAX], vpy[PATH_MAX], script[PATH_MAX];
    snprintf(proj, sizeof proj, "%s/proj", scratch);
    snprintf(bin, sizeof bin, "%s/proj/.venv/bin", scratch);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", bin);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(vpy, sizeof vpy, "%s/proj/.venv/bin/python", scratch);
    write_exec(vpy, "#!/bin/sh\nexit 0\n");
    snprintf(script, sizeof script, "%s/proj/main.py", scratch);
    const char *rule;
    char *err = NULL, *p;

    pyenv_request rq = {.script = script}; /* .venv next to the script */
    p = pyenv_resolve(&rq, &rule, &err);
    ck_assert_str_eq(p, vpy);
    ck_assert_str_eq(rule, ".venv");
    free(p);

    rq = (pyenv_request){.cwd = proj, .script = "/elsewhere/x.py"}; /* the cwd wins */
    p = pyenv_resolve(&rq, &rule, &err);
    ck_assert_str_eq(p, vpy);
    free(p);

    rq.config_python = "/bin/sh"; /* configured beats .venv */
    p = pyenv_resolve(&rq, &rule, &err);
    ck_assert_str_eq(p, "/bin/sh");
    ck_assert_str_eq(rule, "config");
    free(p);

    rq.python = "sh"; /* the call's python beats everything; names use PATH */
    p = pyenv_resolve(&rq, &rule, &err);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(rule, "python");
    ck_assert(p[0] == '/' && strstr(p, "/sh"));
    free(p);

    rq.python = "/no/such/python";
    ck_assert_ptr_null(pyenv_resolve(&rq, &rule, &err));
    ck_assert_ptr_nonnull(strstr(err, "/no/such/python"));
    free(err);

    rq = (pyenv_request){.cwd = "/"}; /* no .venv: $VIRTUAL_ENV, then PATH */
    char venv_home[PATH_MAX];
    snprintf(venv_home, sizeof venv_home, "%s/proj/.venv", scratch);
    setenv("VIRTUAL_ENV", venv_home, 1);
    p = pyenv_resolve(&rq, &rule, &err);
    ck_assert_str_eq(p, vpy);
    ck_assert_str_eq(rule, "VIRTUAL_ENV");
    free(p);
    unsetenv("VIRTUAL_ENV");
    p = pyenv_resolve(&rq, &rule, &err);
    if (p) {
        ck_assert_str_eq(rule, "PATH");
        free(p);
    } else {
        ck_assert_ptr_nonnull(strstr(err, "python3 on PATH"));
        free(err);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("real_scalene");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, argv_is_exact_with_tricky_args, 0, NVER);
    tcase_add_loop_test(tc, argv_is_exact_without_args_and_fast_start_is_one_process, 0, NVER);
    tcase_add_loop_test(tc, slow_start_runs_two_processes, 0, NVER);
    tcase_add_loop_test(tc, module_mode_gets_its_args, 0, NVER);
    tcase_add_loop_test(tc, exit_3_keeps_the_profile, 0, NVER);
    tcase_add_loop_test(tc, timeout_keeps_partial_profile_and_ends_every_process, 0, NVER);
    tcase_add_loop_test(tc, cancel_keeps_partial_profile_and_ends_every_process, 0, NVER);
    tcase_add_loop_test(tc, cancelled_while_queued_never_starts, 0, NVER);
    tcase_add_loop_test(tc, missing_script_is_scalene_failed, 0, NVER);
    tcase_add_loop_test(tc, syntax_error_is_scalene_failed, 0, NVER);
    tcase_add_test(tc, megabytes_of_output_are_drained);
    tcase_add_test(tc, stdin_is_dev_null);
    tcase_add_loop_test(tc, fast_start_keeps_memory_data, 0, NVER);
    tcase_add_loop_test(tc, killed_by_signal_is_signaled, 0, NVER);
    tcase_add_loop_test(tc, queue_limits_concurrency_fifo, 0, NVER);
    tcase_add_loop_test(tc, progress_at_least_every_second, 0, NVER);
    tcase_add_loop_test(tc, private_dirs_removed, 0, NVER);
    suite_add_tcase(s, tc);
    TCase *tk = tcase_create("classify");
    tcase_add_test(tk, classify_outcomes);
    suite_add_tcase(s, tk);
    TCase *tf = tcase_create("files");
    tcase_add_test(tf, stale_run_dirs_of_dead_servers_are_swept);
    tcase_add_test(tf, run_dir_lifecycle);
    suite_add_tcase(s, tf);
    TCase *tp = tcase_create("pyenv");
    tcase_set_timeout(tp, 30);
    tcase_add_test(tp, detects_installed_versions);
    tcase_add_test(tp, venv_without_scalene_is_not_the_base_interpreter);
    tcase_add_test(tp, detect_refuses_old_and_slow_and_caches);
    tcase_add_test(tp, resolve_order);
    suite_add_tcase(s, tp);
    return s;
}

int main(void)
{
    /* what main.c does for the server: escaped descendants come back to us */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    batch_pid = getpid();
    /* our stdin never ends: a run that inherited it instead of /dev/null
     * would block in read_stdin.py until its timeout */
    int never[2];
    if (pipe(never) == 0) {
        dup2(never[0], 0);
        close(never[0]);
    }
    snprintf(scratch, sizeof scratch, "/tmp/test_runner.XXXXXX");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    workloads = getenv("SMCP_WORKLOADS");
    cache = pyenv_cache_new(0);
    for (int v = 0; v < NVER; v++) {
        const char *p = getenv(ver_env[v]);
        char *err = NULL;
        if (!workloads || !*workloads)
            snprintf(why_not[v], sizeof why_not[v], "SMCP_WORKLOADS is not set");
        else if (!p || !*p)
            snprintf(why_not[v], sizeof why_not[v], "%s is not set", ver_env[v]);
        else if (pyenv_detect(cache, p, &py[v], &err) < 0)
            snprintf(why_not[v], sizeof why_not[v], "%s", err);
        else if ((v == V2X) != (py[v].major >= 2))
            snprintf(why_not[v], sizeof why_not[v], "%s has Scalene %s", p, py[v].version);
        else
            have[v] = true;
        free(err);
        if (!have[v])
            fprintf(stderr, "test_runner: skipping %s runs: %s\n", ver_env[v], why_not[v]);
    }
    uint64_t t0 = loop_now_ms();
    const char *only_case = getenv("CK_RUN_CASE"); /* running one other case: skip the runs */
    if (!only_case || !strcmp(only_case, "real_scalene"))
        run_all_jobs();
    fprintf(stderr, "test_runner: all real runs took %.1f s\n",
            (double)(loop_now_ms() - t0) / 1000);

    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    for (size_t i = 0; i < N_JOBS; i++)
        for (int v = 0; v < NVER; v++)
            run_result_free(jobs[i].v[v].res);
    for (int v = 0; v < NVER; v++) {
        runner_free(fast_runner[v]);
        runner_free(slow_runner[v]);
        pyenv_info_clear(&py[v]);
    }
    pyenv_cache_free(cache);
    loop_free(L);
    char rm[PATH_MAX + 16];
    snprintf(rm, sizeof rm, "rm -rf %s", scratch);
    if (system(rm) != 0)
        fprintf(stderr, "could not remove %s\n", scratch);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
