/* scalene_cmd.c - argv and environment of one Scalene run, per version. */
#include "scalene_cmd.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define MAX_SCRIPT_ARGS 4096
#define MAX_ENV_EXTRAS 256
#define MAX_ENV_NAME 255
#define MAX_ARG_BYTES (128u * 1024u) /* the kernel's limit for one argv/env string */

/* A growing NULL-terminated array of malloc'd strings. */
typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static int sv_push_owned(strvec *s, char *str)
{
    if (!str)
        return -1;
    if (s->n + 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 32;
        char **nv = realloc(s->v, ncap * sizeof *nv);
        if (!nv) {
            free(str);
            return -1;
        }
        s->v = nv;
        s->cap = ncap;
    }
    s->v[s->n++] = str;
    s->v[s->n] = NULL;
    return 0;
}

static int sv_push(strvec *s, const char *str)
{
    return sv_push_owned(s, strdup(str));
}

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

/* "--name=value": the = form keeps a value that starts with '-' a value. */
static int sv_push_opt(strvec *s, const char *name, const char *value)
{
    return sv_push_owned(s, str_printf("%s=%s", name, value));
}

static void sv_free(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static void set_err(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
    if (!err || !errsz)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
}

static void warn(cJSON *warnings, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(cJSON *warnings, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON_AddItemToArray(warnings, cJSON_CreateString(buf));
}

/* Shortest decimal that reads back as the same double; '.' whatever the
 * locale, since Scalene parses it with Python's float(). */
static void fmt_double(char *buf, size_t sz, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sz, "%.*g", prec, v);
        for (char *p = buf; *p; p++)
            if (*p == ',')
                *p = '.';
        if (strtod(buf, NULL) == v)
            return;
    }
}

void scalene_opts_init(scalene_opts *o)
{
    memset(o, 0, sizeof *o);
    o->cpu = true;
    o->memory = true;
    o->gpu = false;
    o->stacks = false;
    o->cpu_sampling_rate = 0.01;
    o->cpu_percent_threshold = 1.0;
    o->malloc_threshold = 100;
    o->profile_all = false;
    o->reduced_profile = false;
    o->use_virtual_time = false;
    o->memory_leak_detector = true;
}

bool scalene_env_is_secret(const char *name)
{
    static const char *const substrings[] = {"API_KEY",     "APIKEY",     "ACCESS_KEY",
                                             "PRIVATE_KEY", "SECRET",     "PASSWORD",
                                             "PASSWD",      "PASSPHRASE", "CREDENTIAL"};
    static const char *const prefixes[] = {"AWS_", "AZURE_", "OPENAI_", "ANTHROPIC_", "GEMINI_"};
    static const char *const exact[] = {"SSH_AUTH_SOCK", "DATABASE_URL", "MYSQL_PWD"};
    char up[MAX_ENV_NAME + 1];
    size_t n = strlen(name);
    if (n > MAX_ENV_NAME)
        n = MAX_ENV_NAME;
    for (size_t i = 0; i < n; i++)
        up[i] = (char)toupper((unsigned char)name[i]);
    up[n] = '\0';
    for (size_t i = 0; i < sizeof substrings / sizeof *substrings; i++)
        if (strstr(up, substrings[i]))
            return true;
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (!strncmp(up, prefixes[i], strlen(prefixes[i])))
            return true;
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if (!strcmp(up, exact[i]))
            return true;
    /* TOKEN as a word (GH_TOKEN, HF_TOKEN, AUTHTOKEN, *_TOKENS), not
     * TOKENIZERS_PARALLELISM. */
    for (char *w = up; w; w = strchr(w, '_') ? strchr(w, '_') + 1 : NULL) {
        size_t len = strcspn(w, "_");
        if ((len >= 5 && !strncmp(w + len - 5, "TOKEN", 5)) ||
            (len == 6 && !strncmp(w, "TOKENS", 6)))
            return true;
    }
    return false;
}

/* Versions whose start-up fast path was verified (same profiles, memory data
 * present, one process): docs/scalene-options.md has the measurements. The
 * window is that version's default allocation sampling window, which the
 * preset variable must equal byte for byte. */
typedef struct fast_start_row {
    int major, minor, patch_lo, patch_hi;
    long window;
} fast_start_row;

static const fast_start_row fast_start_rows[] = {
    {1, 5, 16, 16, 1549351},
    {2, 3, 0, 99, 1048576},
    {2, 4, 0, 99, 1048576},
};

static const fast_start_row *fast_start_row_for(const pyenv_info *py)
{
    for (size_t i = 0; i < sizeof fast_start_rows / sizeof *fast_start_rows; i++) {
        const fast_start_row *r = &fast_start_rows[i];
        if (py->major == r->major && py->minor == r->minor && py->patch >= r->patch_lo &&
            py->patch <= r->patch_hi)
            return r;
    }
    return NULL;
}

bool scalene_fast_start_verified(const pyenv_info *py)
{
    return fast_start_row_for(py) != NULL;
}

static bool valid_env_name(const char *s)
{
    if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    size_t n = 0;
    for (; *s; s++, n++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return n <= MAX_ENV_NAME;
}

/* Dotted Python identifiers; bytes >= 0x80 allowed for non-ASCII names. */
static bool valid_module(const char *s)
{
    bool at_start = true;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '.') {
            if (at_start)
                return false;
            at_start = true;
        } else if (isalpha(c) || c == '_' || c >= 0x80 || (!at_start && isdigit(c))) {
            at_start = false;
        } else {
            return false;
        }
    }
    return !at_start;
}

/* ---- environment ---- */

static ssize_t env_find(const strvec *e, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < e->n; i++)
        if (!strncmp(e->v[i], name, n) && e->v[i][n] == '=')
            return (ssize_t)i;
    return -1;
}

static const char *env_get(const strvec *e, const char *name)
{
    ssize_t i = env_find(e, name);
    return i < 0 ? NULL : e->v[i] + strlen(name) + 1;
}

static int env_set(strvec *e, const char *name, const char *value)
{
    char *kv = str_printf("%s=%s", name, value);
    if (!kv)
        return -1;
    ssize_t i = env_find(e, name);
    if (i >= 0) {
        free(e->v[i]);
        e->v[i] = kv;
        return 0;
    }
    return sv_push_owned(e, kv);
}

static void env_unset(strvec *e, const char *name)
{
    ssize_t i;
    while ((i = env_find(e, name)) >= 0) {
        free(e->v[i]);
        memmove(&e->v[i], &e->v[i + 1], (e->n - (size_t)i) * sizeof *e->v);
        e->n--;
    }
}

static bool list_has(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; p;) {
        size_t len = strcspn(p, ":");
        if (len == n && !strncmp(p, item, n))
            return true;
        p = p[len] ? p + len + 1 : NULL;
    }
    return false;
}

/* Presets what Scalene's launcher would otherwise set before re-executing
 * itself (reference §12). It compares values exactly, so these mirror its
 * own rules; a mismatch only costs the re-exec, never correctness. */
static int preset_fast_start(strvec *env, const scalene_cmd_input *in, long window)
{
    const pyenv_info *py = in->py;
    char wbuf[32];
    snprintf(wbuf, sizeof wbuf, "%ld", window);
    if (env_set(env, "SCALENE_ALLOCATION_SAMPLING_WINDOW", wbuf) < 0)
        return -1;
    if (!in->opts->memory)
        return 0;
    if (py->major == 1) /* 1.5.x sets LD_PRELOAD to its library alone */
        return env_set(env, "LD_PRELOAD", py->preload_lib);
    const char *lib_path = env_get(env, "LD_LIBRARY_PATH");
    int rc = 0;
    if (!lib_path) {
        rc = env_set(env, "LD_LIBRARY_PATH", py->package_dir);
    } else if (!strstr(lib_path, py->package_dir)) { /* 2.x tests a substring */
        char *v = str_printf("%s:%s", py->package_dir, lib_path);
        rc = v ? env_set(env, "LD_LIBRARY_PATH", v) : -1;
        free(v);
    }
    if (rc < 0)
        return -1;
    const char *preload = env_get(env, "LD_PRELOAD");
    if (!preload)
        return env_set(env, "LD_PRELOAD", "libscalene.so");
    if (list_has(preload, "libscalene.so"))
        return 0;
    char *v = str_printf("libscalene.so:%s", preload);
    rc = v ? env_set(env, "LD_PRELOAD", v) : -1;
    free(v);
    return rc;
}

static int build_env(const scalene_cmd_input *in, scalene_cmd *out, const fast_start_row *fast,
                     char *err, size_t errsz)
{
    const scalene_opts *o = in->opts;
    strvec env = {0};
    for (char *const *p = in->base_env; p && *p; p++) {
        const char *eq = strchr(*p, '=');
        if (!eq || eq == *p)
            continue;
        char name[MAX_ENV_NAME + 1];
        size_t n = (size_t)(eq - *p);
        if (n > MAX_ENV_NAME)
            continue;
        memcpy(name, *p, n);
        name[n] = '\0';
        if (!in->pass_secrets && scalene_env_is_secret(name))
            continue;
        if (env_find(&env, name) >= 0) /* first definition wins, as getenv */
            continue;
        if (sv_push(&env, *p) < 0)
            goto oom;
    }
    /* PYTHONMALLOC crashes Scalene's profiled process at exit (reference §12);
     * TMPDIR and the tag are ours. */
    env_unset(&env, "PYTHONMALLOC");
    env_unset(&env, SCALENE_CMD_TAG_VAR);
    for (size_t i = 0; i < o->n_env; i++) {
        const scalene_env_var *v = &o->env[i];
        if (!valid_env_name(v->name)) {
            set_err(err, errsz, "env: '%s' is not a valid variable name (letters, digits, _)",
                    v->name ? v->name : "");
            goto fail;
        }
        if (!strcmp(v->name, "TMPDIR") || !strcmp(v->name, "PYTHONMALLOC") ||
            !strcmp(v->name, SCALENE_CMD_TAG_VAR)) {
            set_err(err, errsz,
                    "env.%s: reserved (the server sets TMPDIR to a private directory and "
                    "removes PYTHONMALLOC, which crashes Scalene)",
                    v->name);
            goto fail;
        }
        if (!v->value || strlen(v->value) + strlen(v->name) + 2 > MAX_ARG_BYTES) {
            set_err(err, errsz, "env.%s: value missing or longer than %u bytes", v->name,
                    MAX_ARG_BYTES);
            goto fail;
        }
        for (size_t j = 0; j < i; j++) {
            if (!strcmp(o->env[j].name, v->name)) {
                set_err(err, errsz, "env.%s: given twice", v->name);
                goto fail;
            }
        }
        if (!strcmp(v->name, "LD_PRELOAD") && in->py->major == 1 && o->memory)
            warn(out->warnings,
                 "env.LD_PRELOAD: Scalene %s replaces LD_PRELOAD with its own library when "
                 "memory profiling is on",
                 in->py->version);
        if (env_set(&env, v->name, v->value) < 0)
            goto oom;
    }
    if (env_set(&env, "TMPDIR", in->tmpdir) < 0)
        goto oom;
    if (in->run_tag && env_set(&env, SCALENE_CMD_TAG_VAR, in->run_tag) < 0)
        goto oom;
    if (fast && preset_fast_start(&env, in, fast->window) < 0)
        goto oom;
    out->envp = env.v;
    return 0;
oom:
    set_err(err, errsz, "out of memory building the environment");
fail:
    sv_free(&env);
    return -1;
}

/* ---- argv ---- */

static int validate(const scalene_opts *o, char *err, size_t errsz)
{
    if (!!o->script == !!o->module) {
        set_err(err, errsz, "script/module: give exactly one of them");
        return -1;
    }
    if (o->script && !*o->script) {
        set_err(err, errsz, "script: empty path");
        return -1;
    }
    if (o->module && !valid_module(o->module)) {
        set_err(err, errsz, "module: '%s' is not a dotted Python module name", o->module);
        return -1;
    }
    if (o->cwd && o->cwd[0] != '/') {
        set_err(err, errsz, "cwd: '%s' must be an absolute path", o->cwd);
        return -1;
    }
    if (!o->cwd && (o->module || o->script[0] != '/')) {
        set_err(err, errsz, "cwd: required for a module or a relative script path");
        return -1;
    }
    if (!isfinite(o->cpu_sampling_rate) || o->cpu_sampling_rate <= 0 || o->cpu_sampling_rate > 60) {
        set_err(err, errsz, "cpu_sampling_rate: expected seconds in (0, 60], got %g",
                o->cpu_sampling_rate);
        return -1;
    }
    if (!isfinite(o->cpu_percent_threshold) || o->cpu_percent_threshold < 0 ||
        o->cpu_percent_threshold > 100) {
        set_err(err, errsz, "cpu_percent_threshold: expected a percentage from 0 to 100, got %g",
                o->cpu_percent_threshold);
        return -1;
    }
    if (o->malloc_threshold < 0) {
        set_err(err, errsz, "malloc_threshold: expected a count >= 0, got %ld",
                o->malloc_threshold);
        return -1;
    }
    if (o->profile_only && !*o->profile_only) {
        set_err(err, errsz, "profile_only: empty (omit it to profile every file)");
        return -1;
    }
    if (o->profile_exclude && !*o->profile_exclude) {
        set_err(err, errsz, "profile_exclude: empty (omit it to exclude nothing)");
        return -1;
    }
    if (o->n_script_args > MAX_SCRIPT_ARGS) {
        set_err(err, errsz, "script_args: more than %d arguments", MAX_SCRIPT_ARGS);
        return -1;
    }
    if (o->n_env > MAX_ENV_EXTRAS) {
        set_err(err, errsz, "env: more than %d variables", MAX_ENV_EXTRAS);
        return -1;
    }
    for (size_t i = 0; i < o->n_script_args; i++) {
        const char *a = o->script_args[i];
        if (!a) {
            set_err(err, errsz, "script_args[%zu]: missing", i);
            return -1;
        }
        if (strlen(a) >= MAX_ARG_BYTES) {
            set_err(err, errsz, "script_args[%zu]: longer than %u bytes", i, MAX_ARG_BYTES);
            return -1;
        }
        /* Scalene's argparse ends its '---' list at a bare '--' and moves
         * everything after it to the front of the program's argv, in every
         * version tested: the program would see its arguments reordered. */
        if (!strcmp(a, "--")) {
            set_err(err, errsz,
                    "script_args[%zu]: a bare \"--\" cannot be passed through Scalene (its "
                    "option parser reorders the arguments around it); use another spelling",
                    i);
            return -1;
        }
    }
    return 0;
}

/* Metric flags: naming any of --cpu-only/--memory/--gpu turns the unnamed
 * ones off (reference §2), so every combination is spelled out. */
static int push_metric_flags(strvec *a, const scalene_opts *o)
{
    if (o->memory && o->gpu)
        return sv_push(a, "--memory") < 0 || sv_push(a, "--gpu") < 0 ? -1 : 0;
    if (o->memory)
        return sv_push(a, "--memory");
    if (o->gpu)
        return sv_push(a, "--gpu");
    return sv_push(a, "--cpu-only");
}

static void add_warnings(const scalene_opts *o, const pyenv_info *py, cJSON *w)
{
    if (!o->cpu)
        warn(w, "cpu: Scalene always profiles CPU time; cpu=false was ignored");
    if (!o->memory_leak_detector)
        warn(w,
             "memory_leak_detector: Scalene %s cannot turn its leak detector off; leaks "
             "stay in the profile",
             py->version);
    if (o->stacks && py->major < 2)
        warn(w, "stacks: Scalene %s does not collect stacks (2.x does); ignored", py->version);
    if (o->gpu && py->debian_patched)
        warn(w,
             "gpu: Debian's Scalene %s package never detects a GPU (a packaging bug); "
             "expect no GPU data",
             py->version);
}

static char *script_dir(const char *cwd, const char *script)
{
    const char *slash = strrchr(script, '/');
    if (script[0] == '/')
        return slash == script ? strdup("/") : strndup(script, (size_t)(slash - script));
    if (!slash)
        return strdup(cwd);
    return str_printf("%s/%.*s", cwd, (int)(slash - script), script);
}

static int build_argv(const scalene_cmd_input *in, scalene_cmd *out, const fast_start_row *fast)
{
    const scalene_opts *o = in->opts;
    const pyenv_info *py = in->py;
    strvec a = {0};
    char num[64];
    int rc = 0;
    rc |= sv_push(&a, py->python);
    rc |= sv_push(&a, "-m");
    rc |= sv_push(&a, "scalene");
    if (py->major >= 2) {
        rc |= sv_push(&a, "run");
    } else {
        rc |= sv_push(&a, "--json");
        rc |= sv_push(&a, "--cli");
        if (pyenv_version_at_least(py, 1, 5, 29))
            rc |= sv_push(&a, "--no-browser");
    }
    rc |= sv_push_opt(&a, "--outfile", in->outfile);
    /* Before 1.5.23 only files under the program path (default: the cwd)
     * are profiled, so a script run from elsewhere would show no files. */
    if (o->program_path) {
        rc |= sv_push_opt(&a, "--program-path", o->program_path);
    } else if (py->major == 1 && !pyenv_version_at_least(py, 1, 5, 23) && o->script) {
        char *dir = script_dir(o->cwd, o->script);
        rc |= dir ? sv_push_opt(&a, "--program-path", dir) : -1;
        free(dir);
    }
    if (py->major >= 2) {
        if (o->stacks)
            rc |= sv_push(&a, "--stacks");
        else if (pyenv_version_at_least(py, 2, 3, 0)) /* on by default since 2.3 */
            rc |= sv_push(&a, "--no-stacks");
    }
    rc |= push_metric_flags(&a, o);
    fmt_double(num, sizeof num, o->cpu_sampling_rate);
    rc |= sv_push_opt(&a, "--cpu-sampling-rate", num);
    fmt_double(num, sizeof num, o->cpu_percent_threshold);
    rc |= sv_push_opt(&a, "--cpu-percent-threshold", num);
    snprintf(num, sizeof num, "%ld", o->malloc_threshold);
    rc |= sv_push_opt(&a, "--malloc-threshold", num);
    if (o->profile_only)
        rc |= sv_push_opt(&a, "--profile-only", o->profile_only);
    if (o->profile_exclude)
        rc |= sv_push_opt(&a, "--profile-exclude", o->profile_exclude);
    if (o->profile_all)
        rc |= sv_push(&a, "--profile-all");
    if (o->reduced_profile)
        rc |= sv_push(&a, "--reduced-profile");
    if (o->use_virtual_time)
        rc |= sv_push(&a, "--use-virtual-time");
    if (fast) { /* states the window the preset variable must equal */
        snprintf(num, sizeof num, "%ld", fast->window);
        rc |= sv_push_opt(&a, "--allocation-sampling-window", num);
    }
    if (o->module) {
        rc |= sv_push(&a, "-m");
        rc |= sv_push(&a, o->module);
    } else if (o->script[0] == '-') { /* would parse as an option */
        rc |= sv_push_owned(&a, str_printf("./%s", o->script));
    } else {
        rc |= sv_push(&a, o->script);
    }
    rc |= sv_push(&a, "---");
    for (size_t i = 0; i < o->n_script_args; i++)
        rc |= sv_push(&a, o->script_args[i]);
    out->argv = a.v;
    if (rc) {
        sv_free(&a);
        out->argv = NULL;
        return -1;
    }
    return 0;
}

int scalene_cmd_build(const scalene_cmd_input *in, scalene_cmd *out, char *err, size_t errsz)
{
    const scalene_opts *o = in->opts;
    memset(out, 0, sizeof *out);
    if (validate(o, err, errsz) < 0)
        return -1;
    if (!in->py || !in->py->python || !in->py->version || in->py->major < 1 || !in->outfile ||
        !in->tmpdir) {
        set_err(err, errsz, "internal: interpreter, outfile or tmpdir missing");
        return -1;
    }
    out->warnings = cJSON_CreateArray();
    out->cwd = o->cwd ? strdup(o->cwd) : script_dir("/", o->script);
    if (!out->warnings || !out->cwd) {
        set_err(err, errsz, "out of memory");
        return -1;
    }
    const fast_start_row *fast = NULL;
    if (in->fast_start && !in->py->free_threaded && in->py->package_dir && in->py->preload_lib)
        fast = fast_start_row_for(in->py);
    out->fast_start = fast != NULL;
    add_warnings(o, in->py, out->warnings);
    if (build_argv(in, out, fast) < 0) {
        set_err(err, errsz, "out of memory building argv");
        return -1;
    }
    if (build_env(in, out, fast, err, errsz) < 0)
        return -1;
    out->filter.cpu_percent_threshold = o->cpu_percent_threshold;
    out->filter.malloc_threshold = o->malloc_threshold;
    out->filter.reduced_profile = o->reduced_profile;
    return 0;
}

void scalene_cmd_free(scalene_cmd *c)
{
    if (!c)
        return;
    free_strv(c->argv);
    free_strv(c->envp);
    free(c->cwd);
    cJSON_Delete(c->warnings);
    memset(c, 0, sizeof *c);
}
