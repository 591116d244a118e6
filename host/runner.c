/* runner.c - Scalene child processes on the event loop: spawn, watch, stop,
 * collect. One tick timer drives everything that is not an fd or a child
 * exit: queue pumping, the /proc scan for descendants, timeouts, the
 * SIGTERM -> SIGKILL escalation, progress and result delivery. */
#include "runner.h"

#include <ctype.h>
#include <dirent.h>
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

#include "run_procs.h"

extern char **environ;

#define TICK_MS 200
#define PROGRESS_EVERY_MS 1000
#define KILL_WAIT_MS 2000         /* after SIGKILL, how long to wait for the group */
#define FINAL_DRAIN_MAX (16u << 20) /* bytes read from the pipes once processes are gone */
#define READ_CHUNK 65536

typedef struct tailbuf {
    char *buf; /* cap + 1 bytes */
    size_t len, cap;
    uint64_t total;
} tailbuf;

typedef enum stop_phase { STOP_NONE, STOP_TERM, STOP_KILL } stop_phase;

typedef struct run {
    struct run *next;
    runner *r;
    uint64_t id;
    run_state state;
    bool finished; /* result ready, waiting for delivery */
    scalene_cmd cmd;
    char *dir, *tmpdir, *outfile, *tag;
    double timeout_sec;
    runner_progress_fn on_progress;
    runner_done_fn on_done;
    void *ud;
    uint64_t t_submit, t_spawn, t_progress, t_stop;
    pid_t pid; /* launcher and process group id; 0 before spawn */
    int out_fd, err_fd;
    tailbuf out, err;
    bool reaped;
    int wstatus;
    stop_phase stop;
    run_outcome stop_reason; /* RUN_TIMEOUT, RUN_CANCELLED, or RUN_OK for leftovers */
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
    c->grace_ms = 5000;
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

const char *run_outcome_name(run_outcome o)
{
    static const char *const names[] = {"ok",        "program_error", "signaled",
                                        "timeout",   "cancelled",     "no_samples",
                                        "scalene_failed", "spawn_failed", "profile_too_large"};
    return (unsigned)o < sizeof names / sizeof *names ? names[o] : "unknown";
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

static void add_warning(run_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_warning(run_result *res, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON_AddItemToArray(res->warnings, cJSON_CreateString(buf));
}

/* Removes a directory tree without following symlinks; makes directories
 * writable first, since the profiled program may have locked them. */
static void remove_tree_at(int dirfd, const char *name, int depth)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        unlinkat(dirfd, name, 0);
        return;
    }
    if (depth > 64) {
        close(fd);
        return;
    }
    fchmod(fd, 0700);
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    for (int pass = 0; pass < 3; pass++) {
        bool any = false;
        rewinddir(d);
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            any = true;
            remove_tree_at(fd, e->d_name, depth + 1);
        }
        if (!any)
            break;
    }
    closedir(d);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

static void remove_tree(const char *path)
{
    if (path)
        remove_tree_at(AT_FDCWD, path, 0);
}

/* Scalene's libscalene files have fixed names in /tmp, ending in the pid of
 * the process that made them (reference §3); remove those of our pids. */
static void sweep_scalene_tmp(const run_procs *procs)
{
    DIR *d = opendir("/tmp");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *name = e->d_name;
        if (strncmp(name, "scalene-", 8) != 0)
            continue;
        const char *end = name + strlen(name), *p = end;
        while (p > name && isdigit((unsigned char)p[-1]))
            p--;
        if (p == end || end - p > 9)
            continue;
        if (!run_procs_seen(procs, (pid_t)atol(p)))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            unlinkat(dirfd(d), name, 0);
    }
    closedir(d);
}

static bool dir_has_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return false;
    struct dirent *e;
    bool any = false;
    while (!any && (e = readdir(d)))
        any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return any;
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
    if (dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0) {
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
        u->spawn_error = f.stage == 1 ? str_printf("cwd: cannot enter '%s': %s", u->cmd.cwd,
                                                   strerror(f.err))
                                      : str_printf("cannot run %s: %s", u->cmd.argv[0],
                                                   strerror(f.err));
        goto fail;
    }
    u->pid = pid;
    u->out_fd = outp[0];
    u->err_fd = errp[0];
    fcntl(u->out_fd, F_SETFL, O_NONBLOCK);
    fcntl(u->err_fd, F_SETFL, O_NONBLOCK);
    run_procs_add(&u->procs, pid, 0);
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

static void signal_run(run *u, int sig)
{
    if (!run_procs_group_gone(u->pid))
        kill(-u->pid, sig);
    run_procs_signal_escapees(&u->procs, u->pid, sig);
}

static void stop_begin(run *u, run_outcome reason)
{
    if (u->stop != STOP_NONE)
        return;
    u->stop = STOP_TERM;
    u->stop_reason = reason;
    u->t_stop = loop_now_ms();
    signal_run(u, SIGTERM);
    signal_run(u, SIGCONT); /* a stopped process only sees SIGTERM once continued */
    set_state(u, RUN_STOPPING);
}

static bool run_gone(run *u)
{
    return u->reaped && run_procs_group_gone(u->pid) && run_procs_escapees_gone(&u->procs, u->pid);
}

/* ---- collecting the result ---- */

static bool is_empty_document(const char *p, size_t n)
{
    size_t i = 0, j = n;
    while (i < j && isspace((unsigned char)p[i]))
        i++;
    while (j > i && isspace((unsigned char)p[j - 1]))
        j--;
    return j - i == 2 && p[i] == '{' && p[i + 1] == '}';
}

/* Reads the profile; sets *too_large instead when it exceeds the cap. */
static void read_profile(run *u, run_result *res, bool *too_large, size_t *size)
{
    *too_large = false;
    *size = 0;
    int fd = open(u->outfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
        close(fd);
        return;
    }
    *size = (size_t)st.st_size;
    if ((size_t)st.st_size > u->r->cfg.max_profile_bytes) {
        *too_large = true;
        close(fd);
        return;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t len = 0;
    while (buf && len < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (!buf || len == 0) {
        free(buf);
        return;
    }
    buf[len] = '\0';
    res->profile = buf;
    res->profile_len = len;
}

/* Scalene's launcher reports a child killed by signal N as exit 256-N and
 * prints "Scalene error: received signal SIGNAME" on stdout. */
static int launcher_reported_signal(const run *u, int exit_status)
{
    if (exit_status < 256 - 64 || exit_status > 255 || !u->out.buf)
        return 0;
    const char *m = strstr(u->out.buf, "received signal SIG");
    if (!m)
        return 0;
    int sig = 256 - exit_status;
    const char *abbrev = sigabbrev_np(sig);
    m += strlen("received signal SIG");
    return abbrev && !strncmp(m, abbrev, strlen(abbrev)) ? sig : 0;
}

static char *last_line(const char *s, size_t n)
{
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    size_t start = n;
    while (start && s[start - 1] != '\n')
        start--;
    if (n - start > 300)
        start = n - 300;
    return n > start ? strndup(s + start, n - start) : NULL;
}

static void classify(run *u, run_result *res, bool too_large, size_t size)
{
    double secs = (double)res->wall_ms / 1000.0;
    if (u->spawn_error) {
        res->outcome = RUN_SPAWN_FAILED;
        res->error = strdup(u->spawn_error);
        return;
    }
    if (too_large) {
        char *e = str_printf("profile is %zu bytes, above max_profile_bytes (%zu)", size,
                             u->r->cfg.max_profile_bytes);
        add_warning(res, "%s", e ? e : "profile too large");
        res->error = e;
    }
    if (u->stop_reason == RUN_CANCELLED || u->cancel_queued) {
        res->outcome = RUN_CANCELLED;
        res->partial = res->profile != NULL;
        free(res->error);
        res->error = !res->started ? strdup("cancelled before it started")
                                   : str_printf("cancelled after %.1f s; %s", secs,
                                                res->profile ? "partial profile kept"
                                                             : "no profile was written");
        return;
    }
    if (u->stop_reason == RUN_TIMEOUT) {
        res->outcome = RUN_TIMEOUT;
        res->partial = res->profile != NULL;
        free(res->error);
        res->error = str_printf("stopped at the %g s timeout; %s", res->timeout_sec,
                                res->profile ? "partial profile kept" : "no profile was written");
        return;
    }
    if (res->term_signal) {
        res->outcome = RUN_SIGNALED;
        free(res->error);
        res->error = str_printf("the program was killed by signal %d (%s)%s", res->term_signal,
                                strsignal(res->term_signal),
                                res->profile ? "" : "; no profile was written");
        return;
    }
    if (too_large) {
        res->outcome = RUN_PROFILE_TOO_LARGE;
        return;
    }
    if (!res->profile) {
        res->outcome = RUN_SCALENE_FAILED;
        char *why = last_line(res->err.data, res->err.len);
        if (!why)
            why = last_line(res->out.data, res->out.len);
        res->error = str_printf("Scalene wrote no profile (exit %d): %s", res->exit_status,
                                why ? why : "no message");
        free(why);
        return;
    }
    if (is_empty_document(res->profile, res->profile_len)) {
        res->outcome = RUN_NO_SAMPLES;
        res->error = strdup("the program ran too briefly for Scalene to take a sample: give it "
                            "a bigger input or a loop, or set profile_all to include library code");
        return;
    }
    if (res->exit_status != 0) {
        res->outcome = RUN_PROGRAM_ERROR;
        res->error = str_printf("the program exited with status %d", res->exit_status);
        return;
    }
    res->outcome = RUN_OK;
}

static void take_tail(tailbuf *t, run_tail *dst)
{
    dst->total = t->total;
    dst->len = t->len;
    dst->data = t->buf ? t->buf : calloc(1, 1);
    t->buf = NULL;
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
    res->exit_status = -1;
    if (u->reaped && WIFEXITED(u->wstatus))
        res->exit_status = WEXITSTATUS(u->wstatus);
    if (u->reaped && WIFSIGNALED(u->wstatus))
        res->term_signal = WTERMSIG(u->wstatus);
    else if (u->reaped && u->stop == STOP_NONE)
        res->term_signal = launcher_reported_signal(u, res->exit_status);
    bool too_large = false;
    size_t size = 0;
    if (started)
        read_profile(u, res, &too_large, &size);
    take_tail(&u->out, &res->out);
    take_tail(&u->err, &res->err);
    classify(u, res, too_large, size);
    res->argv = u->cmd.argv;
    u->cmd.argv = NULL;
    res->fast_start = u->cmd.fast_start;
    res->filter = u->cmd.filter;
    if (started)
        sweep_scalene_tmp(&u->procs);
    remove_tree(u->dir);
    u->finished = true;
    kick(r, 0);
}

/* ---- the tick ---- */

static void run_free(run *u)
{
    scalene_cmd_free(&u->cmd);
    free(u->dir);
    free(u->tmpdir);
    free(u->outfile);
    free(u->tag);
    free(u->out.buf);
    free(u->err.buf);
    free(u->spawn_error);
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

static void tick_run(run *u, const run_procs_table *table, uint64_t now)
{
    if (u->finished || u->state == RUN_QUEUED) {
        if (!u->finished && now - u->t_progress >= PROGRESS_EVERY_MS)
            set_state(u, u->state);
        return;
    }
    if (table)
        run_procs_update(&u->procs, table, u->pid, u->tag, u->stop == STOP_NONE ? 0
                                                           : u->stop == STOP_TERM ? SIGTERM
                                                                                  : SIGKILL);
    if (u->state == RUN_STARTING && dir_has_entries(u->tmpdir))
        set_state(u, RUN_RUNNING);
    if (run_gone(u)) {
        finish(u);
        return;
    }
    if (u->stop == STOP_NONE) {
        if (u->reaped) { /* the launcher is done; what is left are strays */
            stop_begin(u, RUN_OK);
        } else if (u->timeout_sec > 0 && now - u->t_spawn >= (uint64_t)(u->timeout_sec * 1000)) {
            stop_begin(u, RUN_TIMEOUT);
        }
    } else if (u->stop == STOP_TERM && now - u->t_stop >= u->r->cfg.grace_ms) {
        u->stop = STOP_KILL;
        u->t_stop = now;
        signal_run(u, SIGKILL);
        add_warning(u->res, "processes still running %u ms after SIGTERM were killed (SIGKILL)",
                    u->r->cfg.grace_ms);
    } else if (u->stop == STOP_KILL && now - u->t_stop >= KILL_WAIT_MS) {
        add_warning(u->res, "some processes of the run could not be ended");
        if (!u->reaped) { /* stop waiting for it; the loop still reaps it later */
            loop_unwatch_child(u->r->l, u->pid);
            u->reaped = true;
            u->wstatus = W_EXITCODE(0, SIGKILL);
        }
        finish(u);
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

static int make_private_dir(runner *r, run *u, char **err)
{
    u->dir = str_printf("%s/scalene-mcp-XXXXXX", r->tmp_root);
    if (!u->dir || !mkdtemp(u->dir)) {
        *err = str_printf("cannot create a private directory under %s: %s", r->tmp_root,
                          strerror(errno));
        free(u->dir);
        u->dir = NULL;
        return -1;
    }
    u->tmpdir = str_printf("%s/tmp", u->dir);
    u->outfile = str_printf("%s/profile.json", u->dir);
    if (!u->tmpdir || !u->outfile || mkdir(u->tmpdir, 0700) < 0) {
        *err = str_printf("cannot prepare %s: %s", u->dir, strerror(errno));
        return -1;
    }
    return 0;
}

uint64_t runner_start(runner *r, const runner_request *rq, char **err)
{
    *err = NULL;
    run *u = calloc(1, sizeof *u);
    if (!u || !(u->res = calloc(1, sizeof *u->res)) ||
        !(u->res->warnings = cJSON_CreateArray())) {
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
    if (u->timeout_sec < 0 || make_private_dir(r, u, err) < 0)
        goto fail;
    u->tag = str_printf("%ld-%llu", (long)getpid(), (unsigned long long)u->id);
    char msg[512] = "";
    scalene_cmd_input in = {.opts = rq->opts,
                            .py = rq->py,
                            .outfile = u->outfile,
                            .tmpdir = u->tmpdir,
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
    if (u) {
        remove_tree(u->dir);
        run_free(u);
    }
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
    if (u->stop == STOP_NONE)
        stop_begin(u, RUN_CANCELLED);
    else if (u->stop_reason == RUN_OK) /* only strays were left: still report the cancel */
        u->stop_reason = RUN_CANCELLED;
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
            signal_run(u, SIGKILL);
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
            sweep_scalene_tmp(&u->procs);
        }
        if (!u->finished)
            remove_tree(u->dir);
        run_free(u);
    }
    free(r->tmp_root);
    free(r);
}
