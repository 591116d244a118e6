/* pyenv.c - interpreter resolution and Scalene version detection. */
#include "pyenv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define PROBE_OUTPUT_MAX 16384

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

void pyenv_info_clear(pyenv_info *info)
{
    if (!info)
        return;
    free(info->python);
    free(info->version);
    free(info->package_dir);
    free(info->preload_lib);
    memset(info, 0, sizeof *info);
}

static char *dup_or_null(const char *s, bool *failed)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *failed = true;
    return d;
}

int pyenv_info_copy(pyenv_info *dst, const pyenv_info *src)
{
    bool failed = false;
    *dst = *src;
    dst->python = dup_or_null(src->python, &failed);
    dst->version = dup_or_null(src->version, &failed);
    dst->package_dir = dup_or_null(src->package_dir, &failed);
    dst->preload_lib = dup_or_null(src->preload_lib, &failed);
    if (failed) {
        pyenv_info_clear(dst);
        return -1;
    }
    return 0;
}

bool pyenv_version_at_least(const pyenv_info *info, int major, int minor, int patch)
{
    if (info->major != major)
        return info->major > major;
    if (info->minor != minor)
        return info->minor > minor;
    return info->patch >= patch;
}

/* ---- resolution ---- */

static bool is_exec_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Absolute form of `path` against `base` (NULL: the server's cwd). */
static char *absolute(const char *path, const char *base)
{
    if (path[0] == '/')
        return strdup(path);
    char here[PATH_MAX];
    if (!base) {
        if (!getcwd(here, sizeof here))
            return NULL;
        base = here;
    }
    return str_printf("%s/%s", base, path);
}

static char *search_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; p;) {
        size_t len = strcspn(p, ":");
        if (len > 0 && p[0] == '/') { /* relative PATH entries are ignored */
            char *cand = str_printf("%.*s/%s", (int)len, p, name);
            if (cand && is_exec_file(cand))
                return cand;
            free(cand);
        }
        p = p[len] ? p + len + 1 : NULL;
    }
    return NULL;
}

/* A configured interpreter: a path (relative to base) or a name on PATH. */
static char *find_named(const char *what, const char *base, const char *label, char **err)
{
    if (!*what) {
        *err = str_printf("%s: empty interpreter name", label);
        return NULL;
    }
    if (!strchr(what, '/')) {
        char *p = search_path(what);
        if (!p)
            *err = str_printf("%s: '%s' not found on PATH", label, what);
        return p;
    }
    char *abs = absolute(what, base);
    if (!abs) {
        *err = str_printf("%s: cannot make '%s' absolute", label, what);
        return NULL;
    }
    if (!is_exec_file(abs)) {
        int e = errno;
        *err = str_printf("%s: '%s' is not an executable file (%s)", label, abs,
                          access(abs, F_OK) ? strerror(e) : "not executable");
        free(abs);
        return NULL;
    }
    return abs;
}

static char *run_dir(const pyenv_request *rq)
{
    if (rq->cwd)
        return strdup(rq->cwd);
    if (!rq->script)
        return NULL;
    char *abs = absolute(rq->script, NULL);
    if (!abs)
        return NULL;
    char *slash = strrchr(abs, '/');
    if (slash == abs)
        slash[1] = '\0';
    else
        *slash = '\0';
    return abs;
}

char *pyenv_resolve(const pyenv_request *rq, const char **rule, char **err)
{
    *err = NULL;
    if (rq->python) {
        *rule = "python";
        return find_named(rq->python, rq->cwd, "python", err);
    }
    if (rq->config_python && *rq->config_python) {
        *rule = "config";
        return find_named(rq->config_python, NULL, "[scalene] python / SCALENE_PYTHON_EXECUTABLE",
                          err);
    }
    char *dir = run_dir(rq);
    if (dir) {
        char *cand = str_printf("%s/.venv/bin/python", dir);
        if (cand && is_exec_file(cand)) {
            free(dir);
            *rule = ".venv";
            return cand;
        }
        free(cand);
    }
    const char *venv = getenv("VIRTUAL_ENV");
    if (venv && venv[0] == '/') {
        char *cand = str_printf("%s/bin/python", venv);
        if (cand && is_exec_file(cand)) {
            free(dir);
            *rule = "VIRTUAL_ENV";
            return cand;
        }
        free(cand);
    }
    char *p = search_path("python3");
    if (p) {
        free(dir);
        *rule = "PATH";
        return p;
    }
    *err = str_printf("no Python interpreter found: tried %s%s/.venv/bin/python, "
                      "$VIRTUAL_ENV/bin/python (%s) and python3 on PATH; set the `python` "
                      "argument or [scalene] python",
                      dir ? "" : "(no directory) ", dir ? dir : "", venv ? venv : "unset");
    free(dir);
    return NULL;
}

/* ---- detection ---- */

/* Prints: version, package dir, the library 1.5.x preloads, free-threaded.
 * find_spec locates the package without importing it. */
static const char probe_code[] =
    "import importlib.metadata as m, importlib.util as u, importlib.machinery as c, os, "
    "sysconfig\n"
    "print(m.version('scalene'))\n"
    "s = u.find_spec('scalene')\n"
    "d = list(s.submodule_search_locations)[0] if s and s.submodule_search_locations else ''\n"
    "print(d)\n"
    "l = os.path.join(d, 'libscalene' + c.EXTENSION_SUFFIXES[0])\n"
    "print(l if os.path.exists(l) else os.path.join(d, 'libscalene.so'))\n"
    "print(1 if sysconfig.get_config_var('Py_GIL_DISABLED') else 0)\n";

typedef struct cache_entry {
    char *key; /* realpath of the interpreter's directory + its own name */
    pyenv_info info;
    dev_t pkg_dev;
    ino_t pkg_ino;
    struct timespec pkg_mtime;
} cache_entry;

struct pyenv_cache {
    cache_entry *e;
    size_t n, cap;
    uint32_t timeout_ms;
};

pyenv_cache *pyenv_cache_new(uint32_t probe_timeout_ms)
{
    pyenv_cache *c = calloc(1, sizeof *c);
    if (c)
        c->timeout_ms = probe_timeout_ms ? probe_timeout_ms : 20000;
    return c;
}

void pyenv_cache_free(pyenv_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].key);
        pyenv_info_clear(&c->e[i].info);
    }
    free(c->e);
    free(c);
}

/* The final symlink is kept: a venv's bin/python links to the base
 * interpreter, which does not see the venv's packages. */
static char *cache_key(const char *python)
{
    const char *slash = strrchr(python, '/');
    if (!slash)
        return NULL;
    char *dir = slash == python ? strdup("/") : strndup(python, (size_t)(slash - python));
    if (!dir)
        return NULL;
    char real[PATH_MAX];
    char *key = realpath(dir, real) ? str_printf("%s%s", real, slash) : NULL;
    free(dir);
    return key;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

typedef struct probe_out {
    char out[PROBE_OUTPUT_MAX], err[PROBE_OUTPUT_MAX];
    size_t n_out, n_err;
    int wstatus;
    bool timed_out;
} probe_out;

static void read_some(int *fd, char *buf, size_t *n)
{
    char tmp[4096];
    ssize_t r = read(*fd, tmp, sizeof tmp);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0) {
        close(*fd);
        *fd = -1;
        return;
    }
    size_t room = PROBE_OUTPUT_MAX - 1 - *n;
    size_t take = (size_t)r < room ? (size_t)r : room;
    memcpy(buf + *n, tmp, take);
    *n += take;
    buf[*n] = '\0';
}

/* Runs `python -c probe_code` from "/" (so no local directory shadows the
 * package) with stdin from /dev/null. Returns 0 when it ran (see wstatus and
 * timed_out), -1 with errno when it could not be started. */
static int run_probe(const char *python, uint32_t timeout_ms, probe_out *po)
{
    int out[2] = {-1, -1}, errp[2] = {-1, -1};
    memset(po, 0, sizeof *po);
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        int e = errno;
        if (out[0] >= 0) {
            close(out[0]);
            close(out[1]);
        }
        errno = e;
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    posix_spawn_file_actions_addchdir_np(&fa, "/");
    posix_spawnattr_init(&at);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    char *const argv[] = {(char *)python, (char *)"-c", (char *)probe_code, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, python, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(out[1]);
    close(errp[1]);
    if (rc != 0) {
        close(out[0]);
        close(errp[0]);
        errno = rc;
        return -1;
    }
    uint64_t deadline = now_ms() + timeout_ms;
    int fo = out[0], fe = errp[0];
    while (fo >= 0 || fe >= 0) {
        uint64_t now = now_ms();
        if (now >= deadline) {
            po->timed_out = true;
            break;
        }
        struct pollfd p[2] = {{.fd = fo, .events = POLLIN}, {.fd = fe, .events = POLLIN}};
        int n = poll(p, 2, (int)(deadline - now));
        if (n < 0 && errno != EINTR)
            break;
        if (n <= 0)
            continue;
        if (fo >= 0 && p[0].revents)
            read_some(&fo, po->out, &po->n_out);
        if (fe >= 0 && p[1].revents)
            read_some(&fe, po->err, &po->n_err);
    }
    if (fo >= 0)
        close(fo);
    if (fe >= 0)
        close(fe);
    for (;;) {
        pid_t w = waitpid(pid, &po->wstatus, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        if (w == 0 && (po->timed_out || now_ms() >= deadline)) {
            po->timed_out = true;
            kill(pid, SIGKILL);
            waitpid(pid, &po->wstatus, 0);
            break;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static bool is_debian_system_python(const char *python)
{
    char real[PATH_MAX];
    return realpath(python, real) && !strncmp(real, "/usr/bin/python3", 16) &&
           access("/etc/debian_version", F_OK) == 0;
}

static char *not_installed_message(const char *python)
{
    if (is_debian_system_python(python))
        return str_printf(
            "Scalene is not installed for %s. Install it with `apt install python3-scalene` "
            "(Debian's 1.5.16), or in a virtual environment: `python3 -m venv .venv && "
            ".venv/bin/python -m pip install scalene` (then pass python=.venv/bin/python)",
            python);
    return str_printf("Scalene is not installed for %s. Install it with `%s -m pip install "
                      "scalene`, or pass the `python` of an environment that has it",
                      python, python);
}

static char *last_line(const char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    size_t start = n;
    while (start && s[start - 1] != '\n')
        start--;
    return strndup(s + start, n - start);
}

/* Fills info from the probe's four lines. */
static int parse_probe(const char *python, char *text, pyenv_info *info, char **err)
{
    /* strsep, not strtok: an empty line (no package directory, a broken
     * install) must stay a line of its own */
    char *lines[4] = {0};
    for (int i = 0; i < 4 && text; i++)
        lines[i] = strsep(&text, "\n");
    int major = 0, minor = 0, patch = 0;
    /* only the leading numbers matter; glibc clamps out-of-range ones */
    // NOLINTNEXTLINE(cert-err34-c)
    if (!lines[3] || sscanf(lines[0], "%d.%d.%d", &major, &minor, &patch) < 2) {
        *err = str_printf("could not read Scalene's version from %s (got '%.200s')", python,
                          lines[0] ? lines[0] : "");
        return -1;
    }
    if (major < 1 || (major == 1 && minor < 5)) {
        *err = str_printf("Scalene %s on %s is too old: scalene-mcp needs 1.5.0 or newer "
                          "(`%s -m pip install -U scalene`)",
                          lines[0], python, python);
        return -1;
    }
    if (lines[1][0] != '/') {
        *err = str_printf("Scalene %s is registered for %s but its package directory was not "
                          "found (broken install? reinstall with `%s -m pip install "
                          "--force-reinstall scalene`)",
                          lines[0], python, python);
        return -1;
    }
    const char *base = strrchr(lines[2], '/');
    info->python = strdup(python);
    info->version = strdup(lines[0]);
    info->package_dir = strdup(lines[1]);
    info->preload_lib = strdup(lines[2]);
    info->major = major;
    info->minor = minor;
    info->patch = patch;
    info->debian_patched = base && strcmp(base, "/libscalene.so") != 0;
    info->free_threaded = lines[3][0] == '1';
    if (!info->python || !info->version || !info->package_dir || !info->preload_lib) {
        pyenv_info_clear(info);
        *err = strdup("out of memory");
        return -1;
    }
    return 0;
}

static int probe(const char *python, uint32_t timeout_ms, pyenv_info *info, char **err)
{
    probe_out *po = malloc(sizeof *po);
    if (!po) {
        *err = strdup("out of memory");
        return -1;
    }
    int rc = -1;
    if (run_probe(python, timeout_ms, po) < 0) {
        *err = str_printf("cannot run %s: %s", python, strerror(errno));
    } else if (po->timed_out) {
        *err = str_printf("%s did not report its Scalene version within %u ms", python, timeout_ms);
    } else if (!WIFEXITED(po->wstatus) || WEXITSTATUS(po->wstatus) != 0) {
        if (strstr(po->err, "PackageNotFoundError") || strstr(po->err, "No package metadata")) {
            *err = not_installed_message(python);
        } else {
            char *why = last_line(po->err);
            *err = str_printf("%s failed to report its Scalene version (%s %d): %s", python,
                              WIFEXITED(po->wstatus) ? "exit" : "signal",
                              WIFEXITED(po->wstatus) ? WEXITSTATUS(po->wstatus)
                                                     : WTERMSIG(po->wstatus),
                              why && *why ? why : "no message");
            free(why);
        }
    } else {
        rc = parse_probe(python, po->out, info, err);
    }
    free(po);
    return rc;
}

static cache_entry *cache_find(pyenv_cache *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->e[i].key, key))
            return &c->e[i];
    return NULL;
}

static bool pkg_unchanged(const cache_entry *e)
{
    struct stat st;
    return stat(e->info.package_dir, &st) == 0 && st.st_dev == e->pkg_dev &&
           st.st_ino == e->pkg_ino && st.st_mtim.tv_sec == e->pkg_mtime.tv_sec &&
           st.st_mtim.tv_nsec == e->pkg_mtime.tv_nsec;
}

/* Copies the cached info, reporting the caller's spelling of the path. */
static int copy_out(const cache_entry *e, const char *python, pyenv_info *out, char **err)
{
    if (pyenv_info_copy(out, &e->info) < 0) {
        *err = strdup("out of memory");
        return -1;
    }
    char *p = strdup(python);
    if (!p) {
        pyenv_info_clear(out);
        *err = strdup("out of memory");
        return -1;
    }
    free(out->python);
    out->python = p;
    return 0;
}

int pyenv_detect(pyenv_cache *c, const char *python, pyenv_info *out, char **err)
{
    memset(out, 0, sizeof *out);
    *err = NULL;
    if (!python || python[0] != '/') {
        *err = str_printf("python: '%s' is not an absolute path", python ? python : "");
        return -1;
    }
    if (!is_exec_file(python)) {
        *err = str_printf("python: '%s' is not an executable file", python);
        return -1;
    }
    char *key = cache_key(python);
    if (!key) {
        *err = str_printf("python: cannot resolve the directory of '%s'", python);
        return -1;
    }
    cache_entry *e = cache_find(c, key);
    if (e && pkg_unchanged(e)) {
        free(key);
        return copy_out(e, python, out, err);
    }
    pyenv_info info = {0};
    if (probe(python, c->timeout_ms, &info, err) < 0) {
        free(key);
        return -1;
    }
    struct stat st;
    if (stat(info.package_dir, &st) < 0)
        memset(&st, 0, sizeof st);
    if (!e) {
        if (c->n == c->cap) {
            size_t ncap = c->cap ? c->cap * 2 : 4;
            cache_entry *ne = realloc(c->e, ncap * sizeof *ne);
            if (!ne) {
                free(key);
                pyenv_info_clear(&info);
                *err = strdup("out of memory");
                return -1;
            }
            c->e = ne;
            c->cap = ncap;
        }
        e = &c->e[c->n++];
        e->key = key;
    } else {
        free(key);
        pyenv_info_clear(&e->info);
    }
    e->info = info;
    e->pkg_dev = st.st_dev;
    e->pkg_ino = st.st_ino;
    e->pkg_mtime = st.st_mtim;
    return copy_out(e, python, out, err);
}
