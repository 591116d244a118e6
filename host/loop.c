/* loop.c - poll-based event loop: fds, one-shot timers, children, signals. */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct fd_watch {
    int fd;
    short events;
    loop_fd_fn fn;
    void *ud;
    bool dead; /* unwatched during dispatch; swept afterwards */
} fd_watch;

typedef struct timer {
    uint64_t id, due_ms;
    loop_timer_fn fn;
    void *ud;
} timer;

typedef struct child_watch {
    pid_t pid;
    loop_child_fn fn;
    void *ud;
} child_watch;

struct loop {
    fd_watch *fds;
    size_t n_fds, cap_fds;
    timer *timers; /* unsorted: the loop holds a handful at a time */
    size_t n_timers, cap_timers;
    uint64_t next_timer_id;
    child_watch *children;
    size_t n_children, cap_children;
    loop_signal_fn on_signal;
    void *on_signal_ud;
    bool stop;
};

/* The signal handler can only reach the loop through a global; this pipe is
 * the one piece of process-wide state the loop needs. */
static int sig_pipe[2] = {-1, -1};

static void on_signal_raw(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;
    if (write(sig_pipe[1], &b, 1) < 0) {
        /* pipe full: a wake-up is already pending */
    }
    errno = saved;
}

uint64_t loop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *n = realloc(*arr, ncap * elem);
    if (!n)
        return -1;
    *arr = n;
    *cap = ncap;
    return 0;
}

loop *loop_new(void)
{
    loop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        free(l);
        return NULL;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal_raw;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    l->next_timer_id = 1;
    return l;
}

void loop_free(loop *l)
{
    if (!l)
        return;
    signal(SIGCHLD, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    sig_pipe[0] = sig_pipe[1] = -1;
    free(l->fds);
    free(l->timers);
    free(l->children);
    free(l);
}

void loop_child_after_fork(loop *l)
{
    (void)l;
    signal(SIGCHLD, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGXFSZ, SIG_DFL); /* main.c ignores it; the profiled program gets the default */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

int loop_watch_fd(loop *l, int fd, short events, loop_fd_fn fn, void *ud)
{
    for (size_t i = 0; i < l->n_fds; i++) {
        if (l->fds[i].fd == fd && !l->fds[i].dead) {
            l->fds[i].events = events;
            l->fds[i].fn = fn;
            l->fds[i].ud = ud;
            return 0;
        }
    }
    if (grow((void **)&l->fds, &l->cap_fds, l->n_fds + 1, sizeof *l->fds) < 0)
        return -1;
    l->fds[l->n_fds++] = (fd_watch){.fd = fd, .events = events, .fn = fn, .ud = ud};
    return 0;
}

void loop_unwatch_fd(loop *l, int fd)
{
    for (size_t i = 0; i < l->n_fds; i++)
        if (l->fds[i].fd == fd)
            l->fds[i].dead = true;
}

static void sweep_fds(loop *l)
{
    size_t w = 0;
    for (size_t i = 0; i < l->n_fds; i++)
        if (!l->fds[i].dead)
            l->fds[w++] = l->fds[i];
    l->n_fds = w;
}

uint64_t loop_timer_start(loop *l, uint64_t delay_ms, loop_timer_fn fn, void *ud)
{
    if (grow((void **)&l->timers, &l->cap_timers, l->n_timers + 1, sizeof *l->timers) < 0)
        return 0;
    uint64_t id = l->next_timer_id++;
    l->timers[l->n_timers++] =
        (timer){.id = id, .due_ms = loop_now_ms() + delay_ms, .fn = fn, .ud = ud};
    return id;
}

void loop_timer_cancel(loop *l, uint64_t id)
{
    for (size_t i = 0; i < l->n_timers; i++) {
        if (l->timers[i].id == id) {
            l->timers[i] = l->timers[--l->n_timers];
            return;
        }
    }
}

int loop_watch_child(loop *l, pid_t pid, loop_child_fn fn, void *ud)
{
    if (grow((void **)&l->children, &l->cap_children, l->n_children + 1, sizeof *l->children) < 0)
        return -1;
    l->children[l->n_children++] = (child_watch){.pid = pid, .fn = fn, .ud = ud};
    return 0;
}

void loop_unwatch_child(loop *l, pid_t pid)
{
    for (size_t i = 0; i < l->n_children; i++) {
        if (l->children[i].pid == pid) {
            l->children[i] = l->children[--l->n_children];
            return;
        }
    }
}

void loop_on_signal(loop *l, loop_signal_fn fn, void *ud)
{
    l->on_signal = fn;
    l->on_signal_ud = ud;
}

void loop_stop(loop *l)
{
    l->stop = true;
}

static void reap_children(loop *l)
{
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid <= 0)
            return;
        for (size_t i = 0; i < l->n_children; i++) {
            if (l->children[i].pid == pid) {
                child_watch w = l->children[i];
                l->children[i] = l->children[--l->n_children];
                w.fn(l, pid, st, w.ud);
                break;
            }
        }
    }
}

static void drain_signals(loop *l)
{
    unsigned char buf[64];
    bool child = false;
    ssize_t n;
    while ((n = read(sig_pipe[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == SIGCHLD)
                child = true;
            else if (l->on_signal)
                l->on_signal(l, buf[i], l->on_signal_ud);
        }
    }
    if (child)
        reap_children(l);
}

/* Fires every due timer once; timers started by callbacks wait for the next
 * round, so a zero-delay timer cannot starve I/O. */
static void fire_timers(loop *l)
{
    uint64_t now = loop_now_ms();
    uint64_t round_max = l->next_timer_id;
    for (;;) {
        size_t pick = l->n_timers;
        for (size_t i = 0; i < l->n_timers; i++) {
            if (l->timers[i].id < round_max && l->timers[i].due_ms <= now &&
                (pick == l->n_timers || l->timers[i].due_ms < l->timers[pick].due_ms))
                pick = i;
        }
        if (pick == l->n_timers)
            return;
        timer t = l->timers[pick];
        l->timers[pick] = l->timers[--l->n_timers];
        t.fn(l, t.ud);
    }
}

static int poll_timeout(const loop *l)
{
    if (l->n_timers == 0)
        return -1;
    uint64_t now = loop_now_ms(), soonest = UINT64_MAX;
    for (size_t i = 0; i < l->n_timers; i++)
        if (l->timers[i].due_ms < soonest)
            soonest = l->timers[i].due_ms;
    if (soonest <= now)
        return 0;
    uint64_t d = soonest - now;
    return d > 60000 ? 60000 : (int)d;
}

int loop_run(loop *l)
{
    struct pollfd *pfds = NULL;
    size_t cap = 0;
    l->stop = false;
    while (!l->stop) {
        sweep_fds(l);
        size_t n = l->n_fds + 1;
        if (n > cap) {
            struct pollfd *np = realloc(pfds, n * sizeof *pfds);
            if (!np) {
                free(pfds);
                return -1;
            }
            pfds = np;
            cap = n;
        }
        /* n >= 1 > cap on the first pass, so pfds is allocated */
        // NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
        pfds[0] = (struct pollfd){.fd = sig_pipe[0], .events = POLLIN};
        for (size_t i = 0; i < l->n_fds; i++)
            pfds[i + 1] = (struct pollfd){.fd = l->fds[i].fd, .events = l->fds[i].events};
        int rc = poll(pfds, (nfds_t)n, poll_timeout(l));
        if (rc < 0 && errno != EINTR) {
            free(pfds);
            return -1;
        }
        if (rc > 0 && pfds[0].revents)
            drain_signals(l);
        /* Watches added by callbacks sit past n-1 and wait for the next round;
         * removed ones are skipped through their dead flag. */
        for (size_t i = 1; rc > 0 && i < n && !l->stop; i++) {
            if (!pfds[i].revents)
                continue;
            fd_watch *w = NULL;
            for (size_t j = 0; j < l->n_fds; j++)
                if (l->fds[j].fd == pfds[i].fd && !l->fds[j].dead)
                    w = &l->fds[j];
            if (w) {
                fd_watch copy = *w;
                copy.fn(l, copy.fd, pfds[i].revents, copy.ud);
            }
        }
        if (!l->stop)
            fire_timers(l);
    }
    free(pfds);
    return 0;
}
