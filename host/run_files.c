/* run_files.c - private run directories and the /tmp sweep. */
#include "run_files.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 64
#define DIR_PREFIX "scalene-mcp-"

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

/* Depth-first, through fds so a renamed parent cannot redirect us. */
static void remove_tree_at(int dirfd, const char *name, int depth)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) { /* a file, a symlink, or already gone */
        unlinkat(dirfd, name, 0);
        return;
    }
    if (depth > MAX_DEPTH) {
        close(fd);
        return;
    }
    fchmod(fd, 0700);
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    /* a second pass catches entries readdir skipped while we deleted */
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

void run_dir_remove(run_dir *d)
{
    if (d->dir)
        remove_tree_at(AT_FDCWD, d->dir, 0);
    free(d->dir);
    free(d->tmpdir);
    free(d->outfile);
    memset(d, 0, sizeof *d);
}

int run_dir_create(run_dir *d, const char *root, char **err)
{
    memset(d, 0, sizeof *d);
    char *dir = str_printf("%s/" DIR_PREFIX "%ld-XXXXXX", root, (long)getpid());
    if (!dir || !mkdtemp(dir)) {
        *err = str_printf("cannot create a private directory under %s: %s", root, strerror(errno));
        free(dir);
        return -1;
    }
    d->dir = dir;
    d->tmpdir = str_printf("%s/tmp", dir);
    d->outfile = str_printf("%s/profile.json", dir);
    if (!d->tmpdir || !d->outfile || mkdir(d->tmpdir, 0700) < 0) {
        *err = str_printf("cannot prepare %s: %s", dir, strerror(errno));
        run_dir_remove(d);
        return -1;
    }
    return 0;
}

void run_dir_sweep_stale(const char *root)
{
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = rootfd < 0 ? NULL : fdopendir(rootfd);
    if (!d) {
        if (rootfd >= 0)
            close(rootfd);
        return;
    }
    size_t plen = strlen(DIR_PREFIX);
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *name = e->d_name;
        char *end;
        if (strncmp(name, DIR_PREFIX, plen) || !isdigit((unsigned char)name[plen]))
            continue;
        long pid = strtol(name + plen, &end, 10);
        if (*end != '-' || pid <= 0 || (pid_t)pid == getpid() ||
            !(kill((pid_t)pid, 0) < 0 && errno == ESRCH))
            continue;
        struct stat st;
        if (fstatat(rootfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
            st.st_uid == getuid())
            remove_tree_at(rootfd, name, 0);
    }
    closedir(d);
}

bool run_dir_profiler_started(const run_dir *d)
{
    DIR *dir = opendir(d->tmpdir);
    if (!dir)
        return false;
    struct dirent *e;
    bool any = false;
    while (!any && (e = readdir(dir)))
        any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(dir);
    return any;
}

void run_sweep_scalene_tmp(const run_procs *procs)
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
        /* at most 9 digits (end - p <= 9 on this line) */
        // NOLINTNEXTLINE(cert-err34-c)
        if (p == end || end - p > 9 || !run_procs_seen(procs, (pid_t)atol(p)))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            unlinkat(dirfd(d), name, 0);
    }
    closedir(d);
}

run_profile run_dir_read_profile(const run_dir *d, size_t max)
{
    run_profile pr = {0};
    /* O_NONBLOCK: the program can put a FIFO there, and a blocking open
     * would wait for a writer forever (the whole server with it) */
    int fd = open(d->outfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return pr;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
        close(fd);
        return pr;
    }
    pr.size = (size_t)st.st_size;
    if (pr.size > max) {
        pr.too_large = true;
        close(fd);
        return pr;
    }
    char *buf = malloc(pr.size + 1);
    size_t len = 0;
    while (buf && len < pr.size) {
        ssize_t n = read(fd, buf + len, pr.size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (!buf || len == 0) {
        free(buf);
        return pr;
    }
    buf[len] = '\0';
    pr.buf = buf;
    pr.len = len;
    return pr;
}

bool run_profile_has_samples(const run_profile *p)
{
    if (!p->buf)
        return false;
    size_t i = 0, j = p->len;
    while (i < j && isspace((unsigned char)p->buf[i]))
        i++;
    while (j > i && isspace((unsigned char)p->buf[j - 1]))
        j--;
    return !(j - i == 2 && p->buf[i] == '{' && p->buf[i + 1] == '}');
}
