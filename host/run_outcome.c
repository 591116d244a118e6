/* run_outcome.c - from what the runner saw to what the caller is told. */
#include "run_outcome.h"

#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

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

const char *run_outcome_name(run_outcome o)
{
    static const char *const names[] = {
        "ok",         "program_error",  "signaled",     "timeout",          "cancelled",
        "no_samples", "scalene_failed", "spawn_failed", "profile_too_large"};
    return (unsigned)o < sizeof names / sizeof *names ? names[o] : "unknown";
}

static bool is_empty_document(const char *p, size_t n)
{
    size_t i = 0, j = n;
    while (i < j && isspace((unsigned char)p[i]))
        i++;
    while (j > i && isspace((unsigned char)p[j - 1]))
        j--;
    return j - i == 2 && p[i] == '{' && p[i + 1] == '}';
}

/* Scalene's launcher reports a child killed by signal N as exit 256-N and
 * prints "Scalene error: received signal SIGNAME" on stdout. A program that
 * merely exits with such a status prints no such line. */
static int launcher_reported_signal(const char *out, int exit_status)
{
    if (exit_status < 256 - 64 || exit_status > 255 || !out)
        return 0;
    const char *m = strstr(out, "received signal SIG");
    if (!m)
        return 0;
    int sig = 256 - exit_status;
    const char *abbrev = sigabbrev_np(sig);
    m += strlen("received signal SIG");
    return abbrev && !strncmp(m, abbrev, strlen(abbrev)) ? sig : 0;
}

static char *last_line(const char *s, size_t n)
{
    if (!s)
        return NULL;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    size_t start = n;
    while (start && s[start - 1] != '\n')
        start--;
    if (n - start > 300)
        start = n - 300;
    return n > start ? strndup(s + start, n - start) : NULL;
}

static const char *kept(const run_facts *f)
{
    return f->profile ? "partial profile kept" : "no profile was written";
}

void run_classify(const run_facts *f, run_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->exit_status = f->reaped && WIFEXITED(f->wstatus) ? WEXITSTATUS(f->wstatus) : -1;
    if (f->reaped && WIFSIGNALED(f->wstatus))
        v->term_signal = WTERMSIG(f->wstatus);
    else if (f->reaped && !f->group_signalled)
        v->term_signal = launcher_reported_signal(f->out, v->exit_status);
    if (f->too_large)
        v->warning = str_printf("profile is %zu bytes, above max_profile_bytes (%zu)",
                                f->profile_size, f->max_profile_bytes);

    if (f->spawn_error) {
        v->outcome = RUN_SPAWN_FAILED;
        v->error = strdup(f->spawn_error);
    } else if (f->stop_reason == RUN_CANCELLED) {
        v->outcome = RUN_CANCELLED;
        v->partial = f->profile != NULL;
        v->error = f->started ? str_printf("cancelled after %.1f s; %s",
                                           (double)f->wall_ms / 1000.0, kept(f))
                              : strdup("cancelled before it started");
    } else if (f->stop_reason == RUN_TIMEOUT) {
        v->outcome = RUN_TIMEOUT;
        v->partial = f->profile != NULL;
        v->error = str_printf("stopped at the %g s timeout; %s", f->timeout_sec, kept(f));
    } else if (v->term_signal) {
        v->outcome = RUN_SIGNALED;
        v->error =
            str_printf("the program was killed by signal %d (%s)%s", v->term_signal,
                       strsignal(v->term_signal), f->profile ? "" : "; no profile was written");
    } else if (f->too_large) {
        v->outcome = RUN_PROFILE_TOO_LARGE;
        v->error = v->warning ? strdup(v->warning) : NULL;
    } else if (!f->profile) {
        /* 1.5.x exits 0 on its own failures: the missing profile decides */
        v->outcome = RUN_SCALENE_FAILED;
        char *why = last_line(f->err, f->err_len);
        if (!why)
            why = last_line(f->out, f->out_len);
        v->error = str_printf("Scalene wrote no profile (exit %d): %s", v->exit_status,
                              why ? why : "no message");
        free(why);
    } else if (is_empty_document(f->profile, f->profile_len)) {
        v->outcome = RUN_NO_SAMPLES;
        v->error = strdup("the program ran too briefly for Scalene to take a sample: give it "
                          "a bigger input or a loop, or set profile_all to include library code");
    } else if (v->exit_status != 0) {
        v->outcome = RUN_PROGRAM_ERROR;
        v->error = str_printf("the program exited with status %d", v->exit_status);
    } else {
        v->outcome = RUN_OK;
    }
}
