/* runner.c - Scalene child processes on the event loop: spawn, watch, stop,
 * collect. One tick timer drives everything that is not an fd or a child
 * exit: queue pumping, the /proc scan for descendants, timeouts, the
 * SIGTERM -> SIGKILL escalation, progress and result delivery. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run_files.h"
#include "run_procs.h"

extern char **environ;

#define TICK_MS 200
#define PROGRESS_EVERY_MS 1000
#define RESEND_TERM_MS 1000
#define KILL_WAIT_MS 2000           /* after SIGKILL, how long to wait for the group */
#define FINAL_DRAIN_MAX (16u << 20) /* bytes read from the pipes once processes are gone */
#define READ_CHUNK 65536
#define PIPE_BYTES (1 << 20) /* the default /proc/sys/fs/pipe-max-size */

typedef struct tailbuf {
    char *buf; /* cap + 1 bytes */
    size_t len, cap;
    uint64_t total;
} tailbuf;

typedef enum stop_phase { STOP_NONE, STOP_TERM, STOP_KILL } stop_phase;

/* Where ending one set of processes stands. */
typedef struct stopping {
    stop_phase phase;
    uint64_t since; /* when the phase began */
} stopping;

typedef struct run {
    struct run *next;
    runner *r;
    uint64_t id;
    run_state state;
    bool finished; /* result ready, waiting for delivery */
    scalene_cmd cmd;
    run_dir files;
    char *tag;
    double timeout_sec;
    runner_progress_fn on_progress;
    runner_done_fn on_done;
    void *ud;
    uint64_t t_submit, t_spawn, t_progress, t_resend;
    pid_t pid; /* launcher and process group id; 0 before spawn */
    int out_fd, err_fd;
    tailbuf out, err;
    bool reaped;
    int wstatus;
    /* A forked child of Scalene 1.5.x that gets SIGTERM rewrites the profile
     * as "{}": the writer is stopped first, the profile read (snap), then
     * the rest of the group, and what left the group once the group is gone. */
    stopping grp, esc;
    pid_t writer;            /* while only the profile's writer has had SIGTERM */
    bool signalled_live;     /* we signalled the group before the launcher exited */
    run_outcome stop_reason; /* RUN_TIMEOUT, RUN_CANCELLED, or RUN_OK for none */
    bool snapped;            /* snap holds the profile as the group left it */
    run_profile snap;
    bool cancel_queued;
    char *spawn_error;
    run_procs procs; /* every process of the run seen so far */
    run_result *res;
} run;

struct runner {
    loop *l;
    runner_config cfg;
    char *tmp_root;
    run *runs; /* submission order */
    unsigned n_running;
    uint64_t next_id;
    uint64_t tick_id, tick_due;
};

static void tick(loop *l, void *ud);

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

void runner_config_init(runner_config *c)
{
    memset(c, 0, sizeof *c);
    c->max_concurrent = 2;
    c->max_profile_bytes = 64u << 20;
    c->tail_bytes = 64u << 10;
    c->grace_ms = 10000; /* a loaded machine can take seconds to write the profile */
    c->default_timeout_sec = 300;
    c->max_timeout_sec = 3600;
    c->fast_start = true;
}

const char *run_state_name(run_state s)
{
    switch (s) {
    case RUN_QUEUED:
        return "queued";
    case RUN_STARTING:
        return "starting";
    case RUN_RUNNING:
        return "running";
    case RUN_STOPPING:
        return "stopping";
    case RUN_PARSING:
        return "parsing";
    }
    return "unknown";
}

void run_result_free(run_result *r)
{
    if (!r)
        return;
    free(r->profile);
    free(r->out.data);
    free(r->err.data);
    for (size_t i = 0; r->argv && r->argv[i]; i++)
        free(r->argv[i]);
    free(r->argv);
    cJSON_Delete(r->warnings);
    free(r->error);
    free(r);
}

/* ---- small helpers ---- */

static void tail_append(tailbuf *t, const char *p, size_t n)
{
    t->total += n;
    if (!t->buf)
        return;
    if (n >= t->cap) {
        memcpy(t->buf, p + n - t->cap, t->cap);
        t->len = t->cap;
    } else {
        if (t->len + n > t->cap) {
            size_t drop = t->len + n - t->cap;
            memmove(t->buf, t->buf + drop, t->len - drop);
            t->len -= drop;
        }
        memcpy(t->buf + t->len, p, n);
        t->len += n;
    }
    t->buf[t->len] = '\0';
}

static void add_warning(run_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_warning(run_result *res, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON_AddItemToArray(res->warnings, cJSON_CreateString(buf));
}

/* ---- progress and scheduling ---- */

static void set_state(run *u, run_state s)
{
    u->state = s;
    uint64_t now = loop_now_ms();
    u->t_progress = now;
    if (u->on_progress)
        u->on_progress(u->id, s, now - u->t_submit, u->timeout_sec, u->ud);
}

/* Runs the tick after `delay_ms` unless it is already due sooner. */
static void kick(runner *r, uint64_t delay_ms)
{
    uint64_t due = loop_now_ms() + delay_ms;
    if (r->tick_id && r->tick_due <= due)
        return;
    if (r->tick_id)
        loop_timer_cancel(r->l, r->tick_id);
    r->tick_id = loop_timer_start(r->l, delay_ms, tick, r);
    r->tick_due = due;
}

/* ---- spawning ---- */

static void on_pipe(loop *l, int fd, short revents, void *ud);
static void on_child(loop *l, pid_t pid, int wstatus, void *ud);

typedef struct exec_failure {
    int stage; /* 1 chdir, 2 exec */
    int err;
} exec_failure;

/* In the child: only async-signal-safe calls until exec. */
static void child_exec(run *u, int devnull, int out_w, int err_w, int report)
{
    loop_child_after_fork(u->r->l);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* the server died: do not leave the launcher behind */
    exec_failure f = {0, 0};
    /* Lift every fd above 2 before the dup2s: if the server runs with 0-2
     * closed, a pipe can sit on 0-2 and one dup2 would clobber another. */
    int fds[4] = {devnull, out_w, err_w, report};
    for (int i = 0; i < 4; i++) {
        int high = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
        if (high < 0) {
            f = (exec_failure){2, errno};
            if (i < 3)
                goto report;
            _exit(127);
        }
        fds[i] = high;
    }
    report = fds[3];
    if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[2], 2) < 0) {
        f = (exec_failure){2, errno};
        goto report;
    }
    if (chdir(u->cmd.cwd) < 0) {
        f = (exec_failure){1, errno};
        goto report;
    }
    /* fds other modules opened without O_CLOEXEC must not leak either */
    if (close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) < 0) {
        for (int fd = 3; fd < 4096; fd++)
            if (fd != report)
                fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    execve(u->cmd.argv[0], u->cmd.argv, u->cmd.envp);
    f = (exec_failure){2, errno};
report:
    if (write(report, &f, sizeof f) < 0) {
        /* nothing left to tell */
    }
    _exit(127);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Returns 0, or -1 with u->spawn_error set. */
static int spawn(run *u)
{
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, rep[2] = {-1, -1};
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
        pipe2(rep, O_CLOEXEC) < 0) {
        u->spawn_error = str_printf("cannot create pipes: %s", strerror(errno));
        goto fail;
    }
    pid_t pid = fork();
    if (pid < 0) {
        u->spawn_error = str_printf("fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0)
        child_exec(u, devnull, outp[1], errp[1], rep[1]);
    setpgid(pid, pid); /* also in the parent, so the group exists before we signal it */
    close_fd(&devnull);
    close_fd(&outp[1]);
    close_fd(&errp[1]);
    close_fd(&rep[1]);
    exec_failure f;
    ssize_t n;
    do {
        n = read(rep[0], &f, sizeof f);
    } while (n < 0 && errno == EINTR);
    close_fd(&rep[0]);
    if (n == (ssize_t)sizeof f) {
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        u->spawn_error = f.stage == 1
                             ? str_printf("cwd: cannot enter '%s': %s", u->cmd.cwd, strerror(f.err))
                             : str_printf("cannot run %s: %s", u->cmd.argv[0], strerror(f.err));
        goto fail;
    }
    u->pid = pid;
    u->out_fd = outp[0];
    u->err_fd = errp[0];
    fcntl(u->out_fd, F_SETFL, O_NONBLOCK);
    fcntl(u->err_fd, F_SETFL, O_NONBLOCK);
    /* Scalene's sampling signals interrupt a write blocked on a full pipe,
     * and CPython's unbuffered stderr drops the rest of a partial write:
     * a roomy pipe keeps big writes from blocking at all. */
    fcntl(u->out_fd, F_SETPIPE_SZ, PIPE_BYTES);
    fcntl(u->err_fd, F_SETPIPE_SZ, PIPE_BYTES);
    run_procs_add(&u->procs, pid, getpid(), 0);
    if (loop_watch_child(u->r->l, pid, on_child, u) < 0 ||
        loop_watch_fd(u->r->l, u->out_fd, POLLIN, on_pipe, u) < 0 ||
        loop_watch_fd(u->r->l, u->err_fd, POLLIN, on_pipe, u) < 0) {
        /* cannot watch it: end it now rather than lose track of it */
        kill(-pid, SIGKILL);
        loop_unwatch_child(u->r->l, pid);
        loop_unwatch_fd(u->r->l, u->out_fd);
        loop_unwatch_fd(u->r->l, u->err_fd);
        close_fd(&u->out_fd);
        close_fd(&u->err_fd);
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        u->pid = 0;
        u->spawn_error = strdup("out of memory watching the process");
        return -1;
    }
    return 0;
fail:
    close_fd(&devnull);
    close_fd(&outp[0]);
    close_fd(&outp[1]);
    close_fd(&errp[0]);
    close_fd(&errp[1]);
    close_fd(&rep[0]);
    close_fd(&rep[1]);
    if (!u->spawn_error)
        u->spawn_error = strdup("out of memory");
    return -1;
}

/* ---- output ---- */

static void drain(run *u, int *fd, tailbuf *t, size_t limit)
{
    static char buf[READ_CHUNK];
    size_t got = 0;
    while (*fd >= 0 && got < limit) {
        ssize_t n = read(*fd, buf, sizeof buf);
        if (n > 0) {
            tail_append(t, buf, (size_t)n);
            got += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        loop_unwatch_fd(u->r->l, *fd);
        close_fd(fd);
    }
}

static void on_pipe(loop *l, int fd, short revents, void *ud)
{
    (void)l;
    (void)revents;
    run *u = ud;
    if (fd == u->out_fd)
        drain(u, &u->out_fd, &u->out, 4 * READ_CHUNK);
    else if (fd == u->err_fd)
        drain(u, &u->err_fd, &u->err, 4 * READ_CHUNK);
}

static void on_child(loop *l, pid_t pid, int wstatus, void *ud)
{
    (void)l;
    (void)pid;
    run *u = ud;
    u->reaped = true;
    u->wstatus = wstatus;
    kick(u->r, 0);
}

/* ---- stopping ---- */

static void signal_group(run *u, int sig)
{
    if (!run_procs_group_gone(u->pid))
        kill(-u->pid, sig);
}

/* The process that writes the profile: with the fast start the launcher
 * itself, else the Scalene it re-executed (the launcher's child). */
static pid_t profile_writer(const run *u)
{
    if (u->cmd.fast_start)
        return u->reaped ? 0 : u->pid;
    pid_t child = run_procs_first_child(&u->procs, u->pid);
    return child && run_procs_running(&u->procs, child) ? child : 0;
}

/* Reads the profile once, before any process but its writer gets SIGTERM. */
static void snapshot(run *u)
{
    if (!u->snapped) {
        u->snap = run_dir_read_profile(&u->files, u->r->cfg.max_profile_bytes);
        u->snapped = true;
    }
}

static bool writer_running(const run *u)
{
    return u->writer == u->pid ? !u->reaped : run_procs_running(&u->procs, u->writer);
}

/* Forked children of Scalene 1.5.x rewrite the shared profile as "{}" when
 * they get SIGTERM, so the writer gets it first and the rest of the group
 * once the writer is done. SIGCONT: a stopped process only acts on SIGTERM
 * once continued. */
static void term_group(run *u)
{
    u->grp = (stopping){STOP_TERM, loop_now_ms()};
    u->t_resend = u->grp.since;
    u->signalled_live = !u->reaped;
    u->writer = profile_writer(u);
    if (u->writer) {
        kill(u->writer, SIGTERM);
    } else {
        snapshot(u);
        signal_group(u, SIGTERM);
    }
    signal_group(u, SIGCONT);
    if (u->state != RUN_STOPPING)
        set_state(u, RUN_STOPPING);
}

static void term_escapees(run *u)
{
    u->esc = (stopping){STOP_TERM, loop_now_ms()};
    run_procs_signal_escapees(&u->procs, u->pid, SIGTERM);
    run_procs_signal_escapees(&u->procs, u->pid, SIGCONT);
    if (u->state != RUN_STOPPING)
        set_state(u, RUN_STOPPING);
}

static void kill_all(run *u)
{
    uint64_t now = loop_now_ms();
    u->grp = (stopping){STOP_KILL, now};
    u->esc = (stopping){STOP_KILL, now};
    signal_group(u, SIGKILL);
    run_procs_signal_escapees(&u->procs, u->pid, SIGKILL);
}

/* ---- collecting the result ---- */

static void take_tail(tailbuf *t, run_tail *dst)
{
    dst->total = t->total;
    dst->len = t->len;
    dst->data = t->buf ? t->buf : calloc(1, 1);
    t->buf = NULL;
}

/* The snapshot (read before anything but the writer got SIGTERM) wins
 * unless it is empty: then a process that left the group (a program that
 * called setsid itself) may have written the profile since. */
static run_profile collect_profile(run *u)
{
    size_t max = u->r->cfg.max_profile_bytes;
    run_profile pr = u->snap;
    u->snap = (run_profile){0};
    if (u->snapped && (run_profile_has_samples(&pr) || pr.too_large))
        return pr;
    run_profile now = run_dir_read_profile(&u->files, max);
    if (now.buf || now.too_large || !pr.buf) {
        free(pr.buf);
        return now;
    }
    return pr;
}

/* Processes are gone (or never started): build the result, clean up, free
 * the slot. The done callback comes from the next tick. */
static void finish(run *u)
{
    runner *r = u->r;
    run_result *res = u->res;
    uint64_t now = loop_now_ms();
    bool started = u->pid > 0;
    if (started) {
        set_state(u, RUN_PARSING);
        loop_unwatch_child(r->l, u->pid);
        drain(u, &u->out_fd, &u->out, FINAL_DRAIN_MAX);
        drain(u, &u->err_fd, &u->err, FINAL_DRAIN_MAX);
        if (u->out_fd >= 0)
            loop_unwatch_fd(r->l, u->out_fd);
        if (u->err_fd >= 0)
            loop_unwatch_fd(r->l, u->err_fd);
        close_fd(&u->out_fd);
        close_fd(&u->err_fd);
        r->n_running--;
    }
    res->started = started;
    res->pid = u->pid;
    res->wall_ms = started ? now - u->t_spawn : 0;
    res->queued_ms = (started ? u->t_spawn : now) - u->t_submit;
    run_profile pr = started ? collect_profile(u) : (run_profile){0};
    res->profile = pr.buf;
    res->profile_len = pr.len;
    take_tail(&u->out, &res->out);
    take_tail(&u->err, &res->err);
    run_facts facts = {.spawn_error = u->spawn_error,
                       .started = started,
                       .stop_reason = u->cancel_queued ? RUN_CANCELLED : u->stop_reason,
                       .group_signalled = u->signalled_live,
                       .reaped = u->reaped,
                       .wstatus = u->wstatus,
                       .out = res->out.data,
                       .out_len = res->out.len,
                       .err = res->err.data,
                       .err_len = res->err.len,
                       .profile = pr.buf,
                       .profile_len = pr.len,
                       .too_large = pr.too_large,
                       .profile_size = pr.size,
                       .max_profile_bytes = r->cfg.max_profile_bytes,
                       .wall_ms = res->wall_ms,
                       .timeout_sec = u->timeout_sec};
    run_verdict v;
    run_classify(&facts, &v);
    res->outcome = v.outcome;
    res->exit_status = v.exit_status;
    res->term_signal = v.term_signal;
    res->partial = v.partial;
    res->error = v.error;
    if (v.warning)
        add_warning(res, "%s", v.warning);
    free(v.warning);
    res->argv = u->cmd.argv;
    u->cmd.argv = NULL;
    res->fast_start = u->cmd.fast_start;
    res->filter = u->cmd.filter;
    if (started)
        run_sweep_scalene_tmp(&u->procs);
    run_dir_remove(&u->files);
    u->finished = true;
    kick(r, 0);
}

/* ---- the tick ---- */

static void run_free(run *u)
{
    scalene_cmd_free(&u->cmd);
    run_dir_remove(&u->files);
    free(u->tag);
    free(u->out.buf);
    free(u->err.buf);
    free(u->spawn_error);
    free(u->snap.buf);
    run_procs_free(&u->procs);
    run_result_free(u->res);
    free(u);
}

static void unlink_run(runner *r, run *u)
{
    for (run **pp = &r->runs; *pp; pp = &(*pp)->next) {
        if (*pp == u) {
            *pp = u->next;
            return;
        }
    }
}

/* Delivers one finished run per search, from the head each time: the
 * callback may start or cancel runs. */
static void deliver_finished(runner *r)
{
    for (;;) {
        run *u = r->runs;
        while (u && !u->finished)
            u = u->next;
        if (!u)
            return;
        unlink_run(r, u);
        run_result *res = u->res;
        u->res = NULL;
        runner_done_fn fn = u->on_done;
        void *ud = u->ud;
        uint64_t id = u->id;
        run_free(u);
        fn(id, res, ud);
    }
}

static void pump_queue(runner *r)
{
    for (run *u = r->runs; u && r->n_running < r->cfg.max_concurrent; u = u->next) {
        if (u->finished || u->state != RUN_QUEUED)
            continue;
        if (spawn(u) < 0) {
            finish(u);
            continue;
        }
        r->n_running++;
        u->t_spawn = loop_now_ms();
        set_state(u, RUN_STARTING);
    }
}

/* Stops waiting for processes that SIGKILL did not end (uninterruptible
 * sleep); the loop still reaps them if they ever go. */
static void give_up(run *u)
{
    add_warning(u->res, "some processes of the run could not be ended");
    if (!u->reaped) {
        loop_unwatch_child(u->r->l, u->pid);
        u->reaped = true;
        u->wstatus = W_EXITCODE(0, SIGKILL);
    }
    finish(u);
}

/* The launcher and its process group are running or being stopped. */
static void tick_group(run *u, uint64_t now)
{
    uint64_t grace = u->r->cfg.grace_ms;
    switch (u->grp.phase) {
    case STOP_NONE:
        if (u->reaped) { /* the launcher is done; the rest of its group are strays */
            add_warning(u->res, "processes the program left in its process group were ended");
            term_group(u);
        } else if (u->timeout_sec > 0 && now - u->t_spawn >= (uint64_t)(u->timeout_sec * 1000)) {
            if (u->stop_reason == RUN_OK)
                u->stop_reason = RUN_TIMEOUT;
            term_group(u);
        }
        break;
    case STOP_TERM:
        if (u->writer && !writer_running(u)) { /* the profile is written: now the rest */
            u->writer = 0;
            snapshot(u);
            signal_group(u, SIGTERM);
        }
        if (now - u->grp.since >= grace) {
            add_warning(u->res, "processes still running %u ms after SIGTERM were killed (SIGKILL)",
                        (unsigned)grace);
            kill_all(u);
        } else if (now - u->t_resend >= RESEND_TERM_MS && access(u->files.outfile, F_OK) != 0) {
            /* Scalene 2.4 sometimes never runs its SIGTERM handler (seen under
             * CPU load); until the profile file appears, say it again. */
            u->t_resend = now;
            if (u->writer)
                kill(u->writer, SIGTERM);
            else
                signal_group(u, SIGTERM);
        }
        break;
    case STOP_KILL:
        if (now - u->grp.since >= KILL_WAIT_MS)
            give_up(u);
        break;
    }
}

/* The group is gone: read the profile once, then end what left the group. */
static void tick_escapees(run *u, uint64_t now)
{
    snapshot(u);
    if (run_procs_escapees_gone(&u->procs, u->pid)) {
        finish(u);
        return;
    }
    switch (u->esc.phase) {
    case STOP_NONE:
        add_warning(u->res, "processes that left the process group (setsid) were ended");
        term_escapees(u);
        break;
    case STOP_TERM:
        if (now - u->esc.since >= u->r->cfg.grace_ms) {
            u->esc = (stopping){STOP_KILL, now};
            run_procs_signal_escapees(&u->procs, u->pid, SIGKILL);
        }
        break;
    case STOP_KILL:
        if (now - u->esc.since >= KILL_WAIT_MS)
            give_up(u);
        break;
    }
}

static void tick_run(run *u, const run_procs_table *table, uint64_t now)
{
    if (u->finished)
        return;
    if (u->state != RUN_QUEUED) {
        if (table)
            run_procs_update(&u->procs, table, u->pid, u->tag);
        if (u->state == RUN_STARTING && run_dir_profiler_started(&u->files))
            set_state(u, RUN_RUNNING);
        if (u->reaped && run_procs_group_gone(u->pid))
            tick_escapees(u, now);
        else
            tick_group(u, now);
        if (u->finished)
            return;
    }
    if (now - u->t_progress >= PROGRESS_EVERY_MS)
        set_state(u, u->state);
}

static void tick(loop *l, void *ud)
{
    (void)l;
    runner *r = ud;
    r->tick_id = 0;
    deliver_finished(r);
    pump_queue(r);
    run_procs_table table = {0};
    bool scan = r->n_running > 0 && run_procs_scan(&table) == 0;
    uint64_t now = loop_now_ms();
    for (run *u = r->runs; u; u = u->next)
        tick_run(u, scan ? &table : NULL, now);
    run_procs_table_free(&table);
    if (r->runs)
        kick(r, TICK_MS);
}

/* ---- API ---- */

runner *runner_new(loop *l, const runner_config *cfg)
{
    runner *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->l = l;
    r->cfg = *cfg;
    if (!r->cfg.max_concurrent)
        r->cfg.max_concurrent = 1;
    const char *root = cfg->tmp_root;
    if (!root || !*root)
        root = getenv("TMPDIR");
    if (!root || root[0] != '/')
        root = "/tmp";
    r->tmp_root = strdup(root);
    r->cfg.tmp_root = r->tmp_root;
    r->next_id = 1;
    if (!r->tmp_root) {
        free(r);
        return NULL;
    }
    run_dir_sweep_stale(r->tmp_root);
    return r;
}

static double effective_timeout(const runner *r, double asked, run_result *res, char **err)
{
    if (isnan(asked) || asked < 0) {
        *err = strdup("timeout: expected a positive number of seconds");
        return -1;
    }
    double t = asked > 0 ? asked : r->cfg.default_timeout_sec;
    if (r->cfg.max_timeout_sec > 0 && t > r->cfg.max_timeout_sec) {
        add_warning(res, "timeout: %g s is above the configured maximum; capped to %g s", t,
                    r->cfg.max_timeout_sec);
        t = r->cfg.max_timeout_sec;
    }
    return t;
}

uint64_t runner_start(runner *r, const runner_request *rq, char **err)
{
    *err = NULL;
    run *u = calloc(1, sizeof *u);
    if (!u || !(u->res = calloc(1, sizeof *u->res)) || !(u->res->warnings = cJSON_CreateArray())) {
        *err = strdup("out of memory");
        goto fail;
    }
    u->r = r;
    u->id = r->next_id;
    u->out_fd = u->err_fd = -1;
    u->on_progress = rq->on_progress;
    u->on_done = rq->on_done;
    u->ud = rq->ud;
    u->res->id = u->id;
    u->timeout_sec = effective_timeout(r, rq->opts->timeout_sec, u->res, err);
    u->res->timeout_sec = u->timeout_sec;
    if (u->timeout_sec < 0 || run_dir_create(&u->files, r->tmp_root, err) < 0)
        goto fail;
    /* unique in the process, not per runner: tags tell runs apart in /proc */
    static unsigned long long tag_seq;
    u->tag = str_printf("%ld-%llu", (long)getpid(), ++tag_seq);
    char msg[512] = "";
    scalene_cmd_input in = {.opts = rq->opts,
                            .py = rq->py,
                            .outfile = u->files.outfile,
                            .tmpdir = u->files.tmpdir,
                            .base_env = environ,
                            .run_tag = u->tag,
                            .pass_secrets = r->cfg.pass_secrets,
                            .fast_start = r->cfg.fast_start};
    if (!u->tag || scalene_cmd_build(&in, &u->cmd, msg, sizeof msg) < 0) {
        *err = strdup(*msg ? msg : "out of memory");
        goto fail;
    }
    cJSON *w;
    cJSON_ArrayForEach(w, u->cmd.warnings)
    {
        cJSON_AddItemToArray(u->res->warnings, cJSON_Duplicate(w, 0));
    }
    size_t cap = r->cfg.tail_bytes;
    u->out = (tailbuf){.buf = malloc(cap + 1), .cap = cap};
    u->err = (tailbuf){.buf = malloc(cap + 1), .cap = cap};
    if (!u->out.buf || !u->err.buf) {
        *err = strdup("out of memory");
        goto fail;
    }
    u->out.buf[0] = u->err.buf[0] = '\0';
    r->next_id++;
    u->t_submit = loop_now_ms();
    run **pp = &r->runs;
    while (*pp)
        pp = &(*pp)->next;
    *pp = u;
    set_state(u, RUN_QUEUED);
    kick(r, 0);
    return u->id;
fail:
    if (u)
        run_free(u);
    return 0;
}

int runner_cancel(runner *r, uint64_t id)
{
    run *u = r->runs;
    while (u && u->id != id)
        u = u->next;
    if (!u || u->finished)
        return -1;
    if (u->state == RUN_QUEUED) {
        u->cancel_queued = true;
        finish(u);
        return 0;
    }
    if (u->stop_reason == RUN_OK)
        u->stop_reason = RUN_CANCELLED;
    if (u->grp.phase == STOP_NONE && !(u->reaped && run_procs_group_gone(u->pid)))
        term_group(u);
    return 0;
}

size_t runner_active(const runner *r)
{
    size_t n = 0;
    for (const run *u = r->runs; u; u = u->next)
        n++;
    return n;
}

void runner_free(runner *r)
{
    if (!r)
        return;
    if (r->tick_id)
        loop_timer_cancel(r->l, r->tick_id);
    while (r->runs) {
        run *u = r->runs;
        r->runs = u->next;
        if (u->pid > 0 && !u->finished) {
            kill_all(u);
            loop_unwatch_child(r->l, u->pid);
            if (!u->reaped) {
                int st;
                while (waitpid(u->pid, &st, 0) < 0 && errno == EINTR) {
                }
            }
            if (u->out_fd >= 0)
                loop_unwatch_fd(r->l, u->out_fd);
            if (u->err_fd >= 0)
                loop_unwatch_fd(r->l, u->err_fd);
            close_fd(&u->out_fd);
            close_fd(&u->err_fd);
            run_sweep_scalene_tmp(&u->procs);
        }
        run_free(u);
    }
    free(r->tmp_root);
    free(r);
}
