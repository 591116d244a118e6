/* loop.h - the single-threaded event loop (poll) the whole host runs on.
 *
 * Watches file descriptors, one-shot timers and child processes. Callbacks
 * run on the loop's thread; a callback may add or remove any watch, including
 * its own. Nothing here blocks except loop_run's poll. */
#ifndef SMCP_LOOP_H
#define SMCP_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct loop loop;

typedef void (*loop_fd_fn)(loop *l, int fd, short revents, void *ud);
typedef void (*loop_timer_fn)(loop *l, void *ud);
/* `wstatus` is as from waitpid. The child is reaped before the call. */
typedef void (*loop_child_fn)(loop *l, pid_t pid, int wstatus, void *ud);
/* SIGTERM/SIGINT/SIGHUP arrived. */
typedef void (*loop_signal_fn)(loop *l, int signo, void *ud);

/* Creates the loop and installs SIGCHLD/SIGTERM/SIGINT/SIGHUP handlers that
 * wake it (self-pipe); SIGPIPE is ignored. One loop per process. */
loop *loop_new(void);
void loop_free(loop *l);

/* At most one watch per fd; watching again replaces events/callback. */
int loop_watch_fd(loop *l, int fd, short events, loop_fd_fn fn, void *ud);
void loop_unwatch_fd(loop *l, int fd);

/* One-shot timer; returns an id > 0, 0 on allocation failure. */
uint64_t loop_timer_start(loop *l, uint64_t delay_ms, loop_timer_fn fn, void *ud);
/* Cancelling an id that fired or never existed is harmless. */
void loop_timer_cancel(loop *l, uint64_t id);

/* Call `fn` when `pid` exits (the loop reaps it). Children nobody watches
 * (reparented orphans, since the host is a subreaper) are reaped silently. */
int loop_watch_child(loop *l, pid_t pid, loop_child_fn fn, void *ud);
void loop_unwatch_child(loop *l, pid_t pid);

void loop_on_signal(loop *l, loop_signal_fn fn, void *ud);

/* Monotonic milliseconds. */
uint64_t loop_now_ms(void);

/* Runs until loop_stop. Returns 0, or -1 on a poll failure. */
int loop_run(loop *l);
void loop_stop(loop *l);

/* For a forked child before exec: restore default signal dispositions and
 * close the loop's self-pipe. Async-signal-safe. */
void loop_child_after_fork(loop *l);

#endif
