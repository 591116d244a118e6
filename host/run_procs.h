/* run_procs.h - the processes of one run, found through /proc.
 *
 * A run starts as one process group, but descendants can leave it (setsid,
 * setpgid) and, once their parent dies, are reparented to the server (a
 * child subreaper). A run's processes are: its process group, the children
 * of processes already known, and direct children of the server whose
 * environment carries the run's tag (daemons that double-forked between two
 * scans). Processes are identified by pid plus start time, so a reused pid
 * is never signalled. Linux only. */
#ifndef SMCP_RUN_PROCS_H
#define SMCP_RUN_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One line of /proc/PID/stat. */
typedef struct proc_entry {
    pid_t pid, ppid, pgid;
    unsigned long long start; /* clock ticks since boot */
    char state;               /* R, S, Z, ... */
} proc_entry;

/* A snapshot of every process (one scan serves all runs of a tick). */
typedef struct run_procs_table {
    proc_entry *v;
    size_t n, cap;
} run_procs_table;

/* Returns 0, -1 if /proc cannot be read. Free with run_procs_table_free. */
int run_procs_scan(run_procs_table *t);
void run_procs_table_free(run_procs_table *t);

typedef struct run_proc {
    pid_t pid, ppid;
    unsigned long long start; /* 0 until the first scan sees it */
} run_proc;

/* Every process of one run ever seen, the launcher first. Zero-initialised
 * is empty; free with run_procs_free. */
typedef struct run_procs {
    run_proc *v;
    size_t n, cap;
} run_procs;

int run_procs_add(run_procs *p, pid_t pid, pid_t ppid, unsigned long long start);
void run_procs_free(run_procs *p);
/* Was `pid` ever a process of the run (for sweeping its leftover files)? */
bool run_procs_seen(const run_procs *p, pid_t pid);

/* Adds the run's new processes found in `t` (group `pgid`, environment tag
 * `tag` of SCALENE_CMD_TAG_VAR, may be NULL). */
void run_procs_update(run_procs *p, const run_procs_table *t, pid_t pgid, const char *tag);

/* The first known child of `parent`, or 0. */
pid_t run_procs_first_child(const run_procs *p, pid_t parent);
/* The known process `pid` still runs (same start time, not a zombie). */
bool run_procs_running(const run_procs *p, pid_t pid);

/* kill(-pgid, 0) finds no process (zombies count until reaped). */
bool run_procs_group_gone(pid_t pgid);
/* Sends `sig` to each known process that is alive and now outside the
 * group (the group itself is signalled with kill(-pgid)). */
void run_procs_signal_escapees(const run_procs *p, pid_t pgid, int sig);
/* No known process outside the group is alive (zombies count). */
bool run_procs_escapees_gone(const run_procs *p, pid_t pgid);

#endif
