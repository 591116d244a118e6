/* run_procs.c - finding and signalling the processes of a run via /proc. */
#include "run_procs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scalene_cmd.h"

#define ENVIRON_MAX (1u << 20)

/* Parses /proc/PID/stat; the command name may hold spaces and ')'. */
static int read_stat(pid_t pid, proc_entry *e)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    int ppid, pgid;
    char state;
    unsigned long long start;
    /* fields 3..22: state ppid pgrp session tty tpgid flags minflt cminflt
     * majflt cmajflt utime stime cutime cstime priority nice threads
     * itrealvalue starttime */
    /* kernel-written /proc/PID/stat fields */
    // NOLINTNEXTLINE(cert-err34-c)
    if (sscanf(p + 1,
               " %c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
               &state, &ppid, &pgid, &start) != 4)
        return -1;
    *e = (proc_entry){.pid = pid, .ppid = ppid, .pgid = pgid, .start = start, .state = state};
    return 0;
}

int run_procs_scan(run_procs_table *t)
{
    t->n = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        proc_entry e;
        /* /proc entry names that start with a digit are pids */
        // NOLINTNEXTLINE(cert-err34-c)
        if (read_stat((pid_t)atol(de->d_name), &e) < 0)
            continue;
        if (t->n == t->cap) {
            size_t ncap = t->cap ? t->cap * 2 : 256;
            proc_entry *nv = realloc(t->v, ncap * sizeof *nv);
            if (!nv)
                break;
            t->v = nv;
            t->cap = ncap;
        }
        t->v[t->n++] = e;
    }
    closedir(d);
    return 0;
}

void run_procs_table_free(run_procs_table *t)
{
    free(t->v);
    memset(t, 0, sizeof *t);
}

int run_procs_add(run_procs *p, pid_t pid, pid_t ppid, unsigned long long start)
{
    if (p->n == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 8;
        run_proc *nv = realloc(p->v, ncap * sizeof *nv);
        if (!nv)
            return -1;
        p->v = nv;
        p->cap = ncap;
    }
    p->v[p->n++] = (run_proc){.pid = pid, .ppid = ppid, .start = start};
    return 0;
}

void run_procs_free(run_procs *p)
{
    free(p->v);
    memset(p, 0, sizeof *p);
}

bool run_procs_seen(const run_procs *p, pid_t pid)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].pid == pid)
            return true;
    return false;
}

/* The newest entry for pid (a pid can be reused within a long run). */
static run_proc *find(const run_procs *p, pid_t pid)
{
    for (size_t i = p->n; i-- > 0;)
        if (p->v[i].pid == pid)
            return &p->v[i];
    return NULL;
}

static bool environ_has_tag(pid_t pid, const char *tag)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len == cap) {
            if (cap >= ENVIRON_MAX)
                break;
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    bool found = false;
    char want[128];
    int wn = snprintf(want, sizeof want, "%s=%s", SCALENE_CMD_TAG_VAR, tag);
    for (size_t i = 0; buf && !found && wn > 0 && (size_t)wn < sizeof want && i < len;) {
        size_t elen = strnlen(buf + i, len - i);
        found = elen == (size_t)wn && !memcmp(buf + i, want, (size_t)wn);
        i += elen + 1;
    }
    free(buf);
    return found;
}

static bool belongs(const run_procs *p, const proc_entry *e, pid_t pgid, const char *tag,
                    pid_t self)
{
    if (e->pgid == pgid)
        return true;
    const run_proc *parent = find(p, e->ppid);
    if (parent && parent->start && e->start >= parent->start)
        return true;
    return tag && e->ppid == self && environ_has_tag(e->pid, tag);
}

void run_procs_update(run_procs *p, const run_procs_table *t, pid_t pgid, const char *tag)
{
    pid_t self = getpid();
    /* a new child sorts after its parent in /proc only by pid; repeat until
     * nothing changes, so chains found in any order are complete */
    for (int pass = 0; pass < 16; pass++) {
        bool changed = false;
        for (size_t i = 0; i < t->n; i++) {
            const proc_entry *e = &t->v[i];
            if (e->pid == self)
                continue;
            run_proc *known = find(p, e->pid);
            if (known && known->start == 0)
                known->start = e->start; /* the launcher, added at fork */
            if (known && known->start == e->start)
                continue;
            if (!belongs(p, e, pgid, tag, self))
                continue;
            if (run_procs_add(p, e->pid, e->ppid, e->start) < 0)
                return;
            changed = true;
        }
        if (!changed)
            break;
    }
}

pid_t run_procs_first_child(const run_procs *p, pid_t parent)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].ppid == parent && p->v[i].pid != parent)
            return p->v[i].pid;
    return 0;
}

bool run_procs_running(const run_procs *p, pid_t pid)
{
    const run_proc *rp = find(p, pid);
    proc_entry e;
    return rp && rp->start && read_stat(pid, &e) == 0 && e.start == rp->start && e.state != 'Z';
}

bool run_procs_group_gone(pid_t pgid)
{
    return pgid <= 0 || (kill(-pgid, 0) < 0 && errno == ESRCH);
}

/* The process is still the one we saw (same start time) and outside the group. */
static bool live_escapee(const run_proc *rp, pid_t pgid)
{
    proc_entry e;
    return rp->start && read_stat(rp->pid, &e) == 0 && e.start == rp->start && e.pgid != pgid;
}

void run_procs_signal_escapees(const run_procs *p, pid_t pgid, int sig)
{
    for (size_t i = 0; i < p->n; i++)
        if (live_escapee(&p->v[i], pgid))
            kill(p->v[i].pid, sig);
}

bool run_procs_escapees_gone(const run_procs *p, pid_t pgid)
{
    for (size_t i = 0; i < p->n; i++)
        if (live_escapee(&p->v[i], pgid))
            return false;
    return true;
}
