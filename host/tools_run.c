/* tools_run.c - profile_script and profile_code: validate the call, pick
 * the interpreter, hand the run to the runner, then parse, store and answer
 * when it ends. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "call.h"
#include "core_tools.h"
#include "profile_access.h"
#include "pyenv.h"
#include "report.h"
#include "run_files.h"
#include "runner.h"
#include "store.h"
#include "strbuf.h"
#include "tools.h"

typedef struct run_tools {
    server *srv;
    runner *runner;
    pyenv_cache *py;
} run_tools;

/* One profiling call in flight. */
typedef struct prun {
    run_tools *rt;
    mcp_call *call;
    uint64_t run_id;
    char id[STORE_ID_MAX + 1];
    char *label, *target, *cwd, *python, *scalene_version;
    char *snippet_dir;  /* profile_code: private directory of the snippet */
    char *request_json; /* the call's arguments, env values left out */
    int64_t created_ms;
    report_filter filter;
    bool call_gone; /* the client cancelled: store the profile, answer nothing */
} prun;

static void prun_free(prun *r)
{
    if (!r)
        return;
    if (r->snippet_dir) {
        /* the whole tree: without cwd the snippet runs in this directory,
         * and what it writes there would otherwise stay behind */
        run_dir d = {.dir = r->snippet_dir};
        run_dir_remove(&d); /* frees the string */
    }
    free(r->request_json);
    free(r->label);
    free(r->target);
    free(r->cwd);
    free(r->python);
    free(r->scalene_version);
    free(r);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- argument reading ------------------------------------------------- */

static const char *arg_str(const cJSON *args, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void arg_bool(const cJSON *args, const char *name, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    if (cJSON_IsBool(v))
        *out = cJSON_IsTrue(v);
}

static void arg_num(const cJSON *args, const char *name, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    if (cJSON_IsNumber(v))
        *out = v->valuedouble;
}

/* Is `path` (already resolved) inside one of the ':'-separated roots? */
static bool inside_roots(const char *roots, const char *path)
{
    if (!roots || !*roots)
        return true;
    char *copy = strdup(roots);
    bool ok = false;
    for (char *save = NULL, *r = strtok_r(copy, ":", &save); r && !ok;
         r = strtok_r(NULL, ":", &save)) {
        char real[PATH_MAX];
        if (!realpath(r, real))
            continue;
        size_t n = strlen(real);
        ok = strncmp(path, real, n) == 0 && (path[n] == '/' || path[n] == '\0' || n == 1);
    }
    free(copy);
    return ok;
}

/* Resolves and checks a directory argument; returns a malloc'd real path or
 * NULL after answering the error. */
static char *check_dir(mcp_call *call, const server *s, const char *field, const char *dir)
{
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(dir, real) || stat(real, &st) != 0) {
        call_api_result_error(call, "give an existing directory (absolute paths are safest)",
                              "%s: '%s' does not exist (%s)", field, dir, strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        call_api_result_error(call, NULL, "%s: '%s' is not a directory", field, dir);
        return NULL;
    }
    if (!inside_roots(s->cfg.allowed_roots, real)) {
        call_api_result_error(call, "ask the user to add it to [scalene] allowed_roots",
                              "%s: '%s' is outside the allowed roots (%s)", field, real,
                              s->cfg.allowed_roots);
        return NULL;
    }
    return strdup(real);
}

/* Resolves the script against cwd (or the server's cwd) and checks it. */
static char *check_script(mcp_call *call, const server *s, const char *script, const char *cwd)
{
    char joined[PATH_MAX], real[PATH_MAX];
    if (script[0] != '/' && cwd)
        snprintf(joined, sizeof joined, "%s/%s", cwd, script);
    else
        snprintf(joined, sizeof joined, "%s", script);
    struct stat st;
    if (!realpath(joined, real) || stat(real, &st) != 0) {
        call_api_result_error(call,
                              "give the path of an existing Python file (absolute, or "
                              "relative to cwd)",
                              "script: '%s' does not exist (%s)", joined, strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        call_api_result_error(call, "for a package with __main__.py use module=\"pkg\" and cwd",
                              "script: '%s' is a directory, not a file", real);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        call_api_result_error(call, NULL, "script: '%s' is not a regular file", real);
        return NULL;
    }
    if (access(real, R_OK) != 0) {
        call_api_result_error(call, NULL, "script: '%s' is not readable (%s)", real,
                              strerror(errno));
        return NULL;
    }
    if (!inside_roots(s->cfg.allowed_roots, real)) {
        call_api_result_error(call, "ask the user to add it to [scalene] allowed_roots",
                              "script: '%s' is outside the allowed roots (%s)", real,
                              s->cfg.allowed_roots);
        return NULL;
    }
    return strdup(real);
}

static bool valid_module(const char *m)
{
    if (!*m || *m == '.' || m[strlen(m) - 1] == '.')
        return false;
    for (const char *p = m; *p; p++)
        if (!(*p == '_' || *p == '.' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || (unsigned char)*p >= 0x80) ||
            (p[0] == '.' && p[1] == '.'))
            return false;
    return true;
}

/* ---- finishing -------------------------------------------------------- */

static void answer_failure(prun *pr, run_result *res)
{
    mcp_call *call = pr->call;
    const char *why = res->error ? res->error : run_outcome_name(res->outcome);
    const char *tail = res->err.len ? res->err.data : "";
    size_t tl = strlen(tail);
    const char *t = tl > 3000 ? tail + tl - 3000 : tail;
    switch (res->outcome) {
    case RUN_NO_SAMPLES:
        if (res->partial) {
            call_api_result_error(call,
                                  "give a longer timeout: Scalene needs a second or more to "
                                  "start before the program runs",
                                  "no samples: the run was stopped before Scalene took a "
                                  "sample, so there is no profile to keep");
            break;
        }
        call_api_result_error(
            call,
            "make the workload run longer (bigger input, a loop around the work), or set "
            "profile_all=true if the time is spent in library code",
            "no samples: the program finished before Scalene took a sample (%s)", why);
        break;
    case RUN_SPAWN_FAILED:
        call_api_result_error(call, "check the python argument or [scalene] python",
                              "could not start the interpreter: %s", why);
        break;
    case RUN_PROFILE_TOO_LARGE:
        call_api_result_error(call,
                              "profile less (profile_only), turn stacks off, or raise "
                              "[server] max_profile_bytes",
                              "%s", why);
        break;
    case RUN_SIGNALED: /* SIGKILL leaves no profile; no "exit status -1" */
        call_api_result_error(call,
                              "something killed the program before Scalene could write its "
                              "profile (the program itself, or the system, e.g. the OOM "
                              "killer): profile a smaller input, or find what sends the signal",
                              "%s%s%s", why, *t ? "\nstderr (last lines):\n" : "", t);
        break;
    case RUN_TIMEOUT:
    case RUN_CANCELLED:
        call_api_result_error(call,
                              "Scalene needs a second or more to start before the program "
                              "runs: give a longer timeout, or profile a smaller input",
                              "%s%s%s", why, *t ? "\nstderr (last lines):\n" : "", t);
        break;
    default:
        call_api_result_error(call,
                              "fix the error shown in stderr (missing file, syntax error, bad "
                              "option) and profile again",
                              "%s (exit status %d)%s%s", why, res->exit_status,
                              *t ? "\nstderr (last lines):\n" : "", t);
    }
}

static cJSON *strings_of(char **v)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; v && v[i]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

/* resource_link blocks, so a client can fetch detail lazily. */
static void add_links(mcp_call *call, const char *id)
{
    static const char *const views[][3] = {
        {"summary", "text/plain", "Summary of the profile"},
        {"analysis", "text/plain", "Every analyzer's section and the top recommendations"},
        {"", "application/json", "The whole stored profile (JSON)"},
    };
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        if (i == 1 && !tools_find(call->srv, "analyze_profile"))
            continue;
        char uri[128], name[96];
        snprintf(uri, sizeof uri, "scalene://profile/%s%s%s", id, *views[i][0] ? "/" : "",
                 views[i][0]);
        snprintf(name, sizeof name, "%s%s%s", id, *views[i][0] ? "-" : "", views[i][0]);
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "type", "resource_link");
        cJSON_AddStringToObject(b, "uri", uri);
        cJSON_AddStringToObject(b, "name", name);
        cJSON_AddStringToObject(b, "mimeType", views[i][1]);
        cJSON_AddStringToObject(b, "description", views[i][2]);
        call_api_result_content(call, b);
    }
}

static void answer_profile(prun *pr, run_result *res, mcp_profile *p, cJSON *warnings)
{
    mcp_call *call = pr->call;
    strbuf b;
    sb_init(&b);
    report_summary_text(&b, p, &pr->filter, 3);
    if (res->outcome == RUN_PROGRAM_ERROR || res->outcome == RUN_SIGNALED) {
        const char *tail = res->err.data;
        size_t tl = res->err.len;
        sb_printf(&b, "The program failed; its profile up to the failure was kept.\n");
        if (tl)
            sb_printf(&b, "stderr (last lines):\n%s\n", tl > 1500 ? tail + tl - 1500 : tail);
    }
    if (res->outcome == RUN_TIMEOUT)
        sb_printf(&b, "Stopped at the %.0f s timeout; the profile covers the run until then.\n",
                  res->timeout_sec);
    int nw = cJSON_GetArraySize(warnings);
    for (int i = 0; i < nw && i < 10; i++)
        sb_printf(&b, "Warning: %s\n", cJSON_GetArrayItem(warnings, i)->valuestring);
    if (nw > 10)
        sb_printf(&b, "(%d more warnings in structuredContent)\n", nw - 10);
    sb_printf(&b,
              "Next: get_cpu_hotspots / get_memory_hotspots / analyze_profile with "
              "profile_id=%s\n",
              pr->id);
    char *text = sb_take(&b);
    call_api_result_text(call, "%s", text);
    free(text);
    add_links(call, pr->id);

    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", pr->id);
    cJSON_AddStringToObject(out, "outcome", report_outcome(&p->summary));
    cJSON_AddItemToObject(out, "summary", report_summary_json(p, &pr->filter, 3));
    cJSON_AddItemToObject(out, "warnings", cJSON_Duplicate(warnings, 1));
    cJSON_AddStringToObject(out, "stderr_tail",
                            res->err.len > 4000 ? res->err.data + res->err.len - 4000
                                                : res->err.data);
    cJSON_AddNumberToObject(out, "stdout_bytes", (double)res->out.total);
    cJSON_AddNumberToObject(out, "stderr_bytes", (double)res->err.total);
    cJSON_AddNumberToObject(out, "wall_sec", (double)res->wall_ms / 1000.0);
    cJSON_AddBoolToObject(out, "fast_start", res->fast_start);
    cJSON_AddItemToObject(out, "argv", strings_of(res->argv));
    call_api_result_structured(call, out);
}

/* Parses and stores the profile the run produced; returns it (borrowed from
 * the cache, pinned) or NULL with *why set. */
static int store_result(prun *pr, run_result *res, cJSON *warnings, const mcp_profile **out,
                        char *why, size_t whysz)
{
    server *s = pr->rt->srv;
    mcp_profile *p = NULL;
    int rc =
        profile_parse_scalene(res->profile, res->profile_len, pr->cwd, &p, warnings, why, whysz);
    if (rc != MCP_OK)
        return rc;
    profile_meta m;
    profile_get_meta(p, &m);
    m.id = pr->id;
    m.label = pr->label;
    m.target = pr->target;
    m.cwd = pr->cwd;
    m.python = pr->python;
    m.scalene_version = pr->scalene_version;
    m.created_ms = pr->created_ms;
    m.exit_status = res->exit_status;
    m.term_signal = res->term_signal;
    m.partial = res->partial;
    m.timed_out = res->outcome == RUN_TIMEOUT;
    m.cancelled = res->outcome == RUN_CANCELLED;
    m.request_json = pr->request_json;
    if (profile_set_meta(p, &m) != MCP_OK) {
        profile_free(p);
        snprintf(why, whysz, "out of memory");
        return MCP_NOMEM;
    }
    rc = profiles_save(s, p, why, whysz);
    if (rc != MCP_OK)
        return rc;
    return profiles_open(s, pr->id, out, why, whysz);
}

static void on_done(uint64_t id, run_result *res, void *ud)
{
    (void)id;
    prun *pr = ud;
    server *s = pr->rt->srv;
    if (!pr->call_gone)
        call_api_progress(pr->call, (double)(res->queued_ms + res->wall_ms) / 1000.0 + 0.001,
                          res->timeout_sec, "parsing the profile");
    bool has_profile = res->profile && res->profile_len > 0 && res->outcome != RUN_NO_SAMPLES &&
                       res->outcome != RUN_SCALENE_FAILED && res->outcome != RUN_PROFILE_TOO_LARGE;
    int rc = MCP_OK;
    if (has_profile) {
        cJSON *warnings = cJSON_Duplicate(res->warnings, 1);
        const mcp_profile *p = NULL;
        char why[1024];
        rc = store_result(pr, res, warnings, &p, why, sizeof why);
        if (rc == MCP_NOTFOUND) {
            res->outcome = RUN_NO_SAMPLES;
            has_profile = false;
            rc = MCP_OK;
        } else if (rc != MCP_OK) {
            server_log(s, NULL, MCP_LOG_ERROR, "profile", "run %s: %s", pr->id, why);
            if (!pr->call_gone)
                call_api_result_error(pr->call, NULL, "profile could not be kept: %s", why);
        } else {
            if (pr->call_gone)
                server_log(s, NULL, MCP_LOG_INFO, "profile",
                           "cancelled run %s stored its partial profile", pr->id);
            else
                answer_profile(pr, res, (mcp_profile *)p, warnings);
            profiles_release(s, p);
        }
        cJSON_Delete(warnings);
    }
    if (!has_profile) {
        rc = MCP_ERROR;
        if (!pr->call_gone)
            answer_failure(pr, res);
    }
    run_result_free(res);
    if (!pr->call_gone)
        call_api_done(pr->call, rc);
    prun_free(pr);
}

static void on_progress(uint64_t id, run_state state, uint64_t elapsed_ms, double timeout_sec,
                        void *ud)
{
    (void)id;
    prun *pr = ud;
    if (pr->call_gone)
        return;
    char msg[160];
    snprintf(msg, sizeof msg, "%s: %.0f s of at most %.0f s", run_state_name(state),
             (double)elapsed_ms / 1000.0, timeout_sec);
    call_api_progress(pr->call, (double)elapsed_ms / 1000.0, timeout_sec, msg);
}

static void on_cancel(mcp_call *call, void *ud)
{
    (void)call;
    prun *pr = ud;
    /* The result will be unused; the runner still reports (and we store) the
     * partial profile, so answer the call now and drop it. */
    pr->call_gone = true;
    runner_cancel(pr->rt->runner, pr->run_id);
    call_api_done(pr->call, MCP_ERROR);
}

/* ---- the shared start ------------------------------------------------- */

/* The deepest directory containing both absolute paths (malloc'd). */
static char *common_dir(const char *a, const char *b)
{
    size_t n = 0, last_slash = 0;
    while (a[n] && a[n] == b[n]) {
        if (a[n] == '/')
            last_slash = n;
        n++;
    }
    if ((!a[n] || a[n] == '/') && (!b[n] || b[n] == '/'))
        last_slash = n;
    return last_slash == 0 ? strdup("/") : strndup(a, last_slash);
}

/* The call's arguments for the stored profile: everything but the values
 * of env (they may be secrets) and the code of a snippet (kept short). */
static char *request_json_of(const cJSON *args)
{
    cJSON *r = cJSON_Duplicate(args, 1);
    if (!r)
        return NULL;
    /* cJSON_SetValuestring cannot grow a string in cJSON 1.7.15: replace */
    cJSON *env = cJSON_GetObjectItemCaseSensitive(r, "env");
    int n = cJSON_GetArraySize(env);
    for (int i = 0; i < n; i++) {
        cJSON *e = cJSON_GetArrayItem(env, i);
        char *name = strdup(e->string); /* e is freed by the replacement */
        if (name)
            cJSON_ReplaceItemInObjectCaseSensitive(env, name, cJSON_CreateString("(set)"));
        free(name);
    }
    cJSON *code = cJSON_GetObjectItemCaseSensitive(r, "code");
    if (cJSON_IsString(code) && strlen(code->valuestring) > 200) {
        char head[220];
        snprintf(head, sizeof head, "%.200s...", code->valuestring);
        cJSON_ReplaceItemInObjectCaseSensitive(r, "code", cJSON_CreateString(head));
    }
    char *txt = cJSON_PrintUnformatted(r);
    cJSON_Delete(r);
    return txt;
}

typedef struct run_args {
    const char *script; /* resolved path, or NULL */
    const char *module;
    const char *cwd;    /* resolved directory */
    const char *target; /* what listings show */
    const char *code_dir;
} run_args;

static int collect_env(mcp_call *call, const cJSON *args, scalene_env_var **out, size_t *n)
{
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(args, "env");
    *out = NULL;
    *n = 0;
    if (!env)
        return MCP_OK;
    size_t cnt = (size_t)cJSON_GetArraySize(env);
    *out = calloc(cnt + 1, sizeof **out);
    if (!*out)
        return MCP_NOMEM;
    const cJSON *e;
    cJSON_ArrayForEach(e, env)
    {
        if (!cJSON_IsString(e)) {
            call_api_result_error(call, NULL, "env.%s: expected a string value", e->string);
            return MCP_INVALID;
        }
        (*out)[(*n)++] = (scalene_env_var){e->string, e->valuestring};
    }
    return MCP_OK;
}

static int start_run(run_tools *rt, mcp_call *call, const cJSON *args, const run_args *ra)
{
    server *s = rt->srv;
    scalene_opts o;
    scalene_opts_init(&o);
    o.script = ra->script;
    o.module = ra->module;
    o.cwd = ra->cwd;
    o.cpu_percent_threshold = s->cfg.cpu_percent_threshold;
    o.malloc_threshold = (long)s->cfg.malloc_threshold;
    arg_bool(args, "cpu", &o.cpu);
    arg_bool(args, "memory", &o.memory);
    arg_bool(args, "gpu", &o.gpu);
    arg_bool(args, "stacks", &o.stacks);
    arg_num(args, "cpu_sampling_rate", &o.cpu_sampling_rate);
    arg_num(args, "cpu_percent_threshold", &o.cpu_percent_threshold);
    double mt = (double)o.malloc_threshold;
    arg_num(args, "malloc_threshold", &mt);
    o.malloc_threshold = (long)mt;
    o.profile_only = arg_str(args, "profile_only");
    o.profile_exclude = arg_str(args, "profile_exclude");
    arg_bool(args, "profile_all", &o.profile_all);
    arg_bool(args, "reduced_profile", &o.reduced_profile);
    arg_bool(args, "use_virtual_time", &o.use_virtual_time);
    arg_bool(args, "memory_leak_detector", &o.memory_leak_detector);
    arg_num(args, "timeout", &o.timeout_sec);
    if (o.timeout_sec > s->cfg.max_timeout_sec) {
        call_api_result_error(call, "ask for less, or raise [scalene] max_timeout",
                              "timeout: %g s is over the configured maximum of %g s", o.timeout_sec,
                              s->cfg.max_timeout_sec);
        return MCP_INVALID;
    }
    const cJSON *sa = cJSON_GetObjectItemCaseSensitive(args, "script_args");
    size_t nsa = sa ? (size_t)cJSON_GetArraySize(sa) : 0;
    const char **argv = calloc(nsa + 1, sizeof *argv);
    scalene_env_var *env = NULL;
    size_t nenv = 0;
    int rc = argv ? collect_env(call, args, &env, &nenv) : MCP_NOMEM;
    if (rc != MCP_OK) {
        free(argv);
        free(env);
        return rc;
    }
    for (size_t i = 0; i < nsa; i++)
        argv[i] = cJSON_GetArrayItem(sa, (int)i)->valuestring;
    /* A snippet lives in a private directory; cwd on sys.path lets it import
     * the project's modules. */
    char *pypath = NULL;
    if (ra->code_dir && strcmp(ra->cwd, ra->code_dir) != 0) {
        const char *old = getenv("PYTHONPATH");
        for (size_t i = 0; i < nenv; i++)
            if (!strcmp(env[i].name, "PYTHONPATH"))
                old = env[i].value;
        if (asprintf(&pypath, "%s%s%s", ra->cwd, old && *old ? ":" : "", old ? old : "") < 0)
            pypath = NULL;
        size_t k = 0;
        while (k < nenv && strcmp(env[k].name, "PYTHONPATH") != 0)
            k++;
        if (pypath) {
            scalene_env_var *ne = realloc(env, (nenv + 2) * sizeof *ne);
            if (ne) {
                env = ne;
                env[k] = (scalene_env_var){"PYTHONPATH", pypath};
                if (k == nenv)
                    nenv++;
            }
        }
    }
    char *common = NULL;
    if (ra->code_dir && strcmp(ra->cwd, ra->code_dir) != 0) {
        /* profile the project's modules too: the program path must hold both
         * the snippet's private directory and cwd (system libraries stay out) */
        common = common_dir(ra->cwd, ra->code_dir);
        o.program_path = common;
    }
    o.script_args = argv;
    o.n_script_args = nsa;
    o.env = env;
    o.n_env = nenv;

    /* interpreter */
    pyenv_request pq = {.python = arg_str(args, "python"),
                        .config_python = s->cfg.python,
                        .cwd = ra->cwd,
                        .script = ra->script};
    const char *rule = NULL;
    char *perr = NULL;
    char *python = pyenv_resolve(&pq, &rule, &perr);
    pyenv_info py = {0};
    if (!python || pyenv_detect(rt->py, python, &py, &perr) < 0) {
        call_api_result_error(call, "install Scalene for that interpreter, or pass python=", "%s",
                              perr ? perr : "python: no interpreter found");
        free(perr);
        free(python);
        free(common);
        free(pypath);
        free(argv);
        free(env);
        pyenv_info_clear(&py);
        return MCP_ERROR;
    }
    prun *pr = calloc(1, sizeof *pr);
    if (!pr || store_new_id(pr->id) != MCP_OK) {
        free(pr);
        free(python);
        free(common);
        free(pypath);
        free(argv);
        free(env);
        pyenv_info_clear(&py);
        return MCP_NOMEM;
    }
    pr->rt = rt;
    pr->call = call;
    pr->created_ms = now_ms();
    const char *label = arg_str(args, "label");
    pr->label = label ? strdup(label) : NULL;
    pr->target = strdup(ra->target);
    pr->cwd = strdup(ra->cwd);
    pr->python = python;
    pr->scalene_version = strdup(py.version);
    pr->filter.cpu_percent_threshold = o.cpu_percent_threshold;
    pr->filter.malloc_threshold = (double)o.malloc_threshold;
    pr->filter.reduced_profile = o.reduced_profile;
    if (ra->code_dir)
        pr->snippet_dir = strdup(ra->code_dir);
    pr->request_json = request_json_of(args);
    runner_request rq = {
        .opts = &o, .py = &py, .on_progress = on_progress, .on_done = on_done, .ud = pr};
    char *rerr = NULL;
    pr->run_id = runner_start(rt->runner, &rq, &rerr);
    free(common);
    free(pypath);
    free(argv);
    free(env);
    pyenv_info_clear(&py);
    if (!pr->run_id) {
        call_api_result_error(call, NULL, "%s", rerr ? rerr : "could not start the run");
        free(rerr);
        pr->snippet_dir = NULL; /* the caller removes it */
        prun_free(pr);
        return MCP_ERROR;
    }
    call_api_on_cancel(call, on_cancel, pr);
    server_log(s, call, MCP_LOG_INFO, "profile", "run %s: %s with Scalene %s (%s, via %s)", pr->id,
               pr->target, pr->scalene_version, pr->python, rule ? rule : "?");
    return MCP_ASYNC;
}

/* ---- profile_script --------------------------------------------------- */

static int profile_script(mcp_call *call, const cJSON *args, void *ud)
{
    run_tools *rt = ud;
    server *s = rt->srv;
    const char *script = arg_str(args, "script");
    const char *module = arg_str(args, "module");
    if (!script == !module) {
        call_api_result_error(call, "pass script=\"path/to/file.py\" or module=\"pkg.mod\"",
                              "script, module: give exactly one of them");
        return MCP_INVALID;
    }
    if (module && !valid_module(module)) {
        call_api_result_error(call, "a dotted module name such as pkg.cli",
                              "module: '%s' is not a valid module name", module);
        return MCP_INVALID;
    }
    const char *cwd_arg = arg_str(args, "cwd");
    char *cwd = NULL;
    if (cwd_arg && !(cwd = check_dir(call, s, "cwd", cwd_arg)))
        return MCP_INVALID;
    if (module && !cwd) {
        char here[PATH_MAX];
        if (!getcwd(here, sizeof here) || !(cwd = check_dir(call, s, "cwd", here)))
            return MCP_INVALID;
    }
    char *path = NULL;
    if (script && !(path = check_script(call, s, script, cwd))) {
        free(cwd);
        return MCP_INVALID;
    }
    if (!cwd) {
        cwd = strdup(path);
        char *slash = strrchr(cwd, '/');
        if (slash)
            *(slash == cwd ? slash + 1 : slash) = '\0';
    }
    char target[PATH_MAX + 8];
    snprintf(target, sizeof target, "%s%s", module ? "-m " : "", module ? module : path);
    run_args ra = {.script = path, .module = module, .cwd = cwd, .target = target};
    int rc = start_run(rt, call, args, &ra);
    free(path);
    free(cwd);
    return rc;
}

/* ---- profile_code ----------------------------------------------------- */

static int profile_code(mcp_call *call, const cJSON *args, void *ud)
{
    run_tools *rt = ud;
    server *s = rt->srv;
    const char *code = arg_str(args, "code");
    const char *cwd_arg = arg_str(args, "cwd");
    char *cwd = NULL;
    if (cwd_arg && !(cwd = check_dir(call, s, "cwd", cwd_arg)))
        return MCP_INVALID;
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/scalene-mcp-code-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        call_api_result_error(call, NULL, "cannot create a private directory for the snippet: %s",
                              strerror(errno));
        free(cwd);
        return MCP_IO;
    }
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/snippet.py", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    size_t len = strlen(code);
    bool ok = fd >= 0 && write(fd, code, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
    if (fd >= 0)
        close(fd);
    if (!ok) {
        call_api_result_error(call, NULL, "cannot write the snippet: %s", strerror(errno));
        unlink(path);
        rmdir(dir);
        free(cwd);
        return MCP_IO;
    }
    run_args ra = {.script = path, .cwd = cwd ? cwd : dir, .target = "<code>", .code_dir = dir};
    int rc = start_run(rt, call, args, &ra);
    if (rc != MCP_ASYNC) {
        unlink(path);
        rmdir(dir);
    }
    free(cwd);
    return rc;
}

/* ---- registration ----------------------------------------------------- */

#define RUN_OPTION_PROPS                                                                           \
    "\"cwd\":{\"type\":\"string\",\"description\":\"working directory of the run\"},"              \
    "\"python\":{\"type\":\"string\",\"description\":\"interpreter with Scalene installed "        \
    "(default: [scalene] python, .venv/bin/python in cwd, $VIRTUAL_ENV, python3)\"},"              \
    "\"env\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},"                 \
    "\"description\":\"extra environment variables for the program\"},"                            \
    "\"timeout\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":86400,"                   \
    "\"description\":\"seconds before the run is stopped (its partial profile is kept)\"},"        \
    "\"label\":{\"type\":\"string\",\"maxLength\":256},"                                           \
    "\"cpu\":{\"type\":\"boolean\",\"default\":true},"                                             \
    "\"memory\":{\"type\":\"boolean\",\"default\":true},"                                          \
    "\"gpu\":{\"type\":\"boolean\",\"default\":false},"                                            \
    "\"stacks\":{\"type\":\"boolean\",\"default\":false,\"description\":\"collect call stacks "    \
    "(Scalene 2.x; larger profiles)\"},"                                                           \
    "\"cpu_sampling_rate\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":60,"            \
    "\"default\":0.01},"                                                                           \
    "\"cpu_percent_threshold\":{\"type\":\"number\",\"minimum\":0,\"maximum\":100,"                \
    "\"default\":1.0},"                                                                            \
    "\"malloc_threshold\":{\"type\":\"integer\",\"minimum\":0,\"default\":100},"                   \
    "\"profile_only\":{\"type\":\"string\",\"description\":\"comma-separated substrings a file "   \
    "path must contain to be profiled\"},"                                                         \
    "\"profile_exclude\":{\"type\":\"string\"},"                                                   \
    "\"profile_all\":{\"type\":\"boolean\",\"default\":false},"                                    \
    "\"reduced_profile\":{\"type\":\"boolean\",\"default\":false},"                                \
    "\"use_virtual_time\":{\"type\":\"boolean\",\"default\":false},"                               \
    "\"memory_leak_detector\":{\"type\":\"boolean\",\"default\":true}"

#define RUN_OUTPUT_SCHEMA                                                                          \
    "{\"type\":\"object\",\"properties\":{\"profile_id\":{\"type\":\"string\"},"                   \
    "\"outcome\":{\"type\":\"string\"},\"summary\":" REPORT_SUMMARY_SCHEMA ","                     \
    "\"warnings\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"                           \
    "\"stderr_tail\":{\"type\":\"string\"},\"stdout_bytes\":{\"type\":\"integer\"},"               \
    "\"stderr_bytes\":{\"type\":\"integer\"},\"wall_sec\":{\"type\":\"number\"},"                  \
    "\"fast_start\":{\"type\":\"boolean\"},"                                                       \
    "\"argv\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"                              \
    "\"required\":[\"profile_id\",\"outcome\",\"summary\",\"warnings\",\"stderr_tail\","           \
    "\"stdout_bytes\",\"stderr_bytes\",\"wall_sec\",\"fast_start\",\"argv\"],"                     \
    "\"additionalProperties\":false}"

static const mcp_tool_def run_tool_defs[] = {
    {MCP_TOOL_DEF_VERSION, "profile_script", "Profile a Python script or module",
     "Runs a Python script (or -m module) with arguments under the Scalene profiler, stores the "
     "profile and returns its id with a short summary (outcome, elapsed time, peak memory, top "
     "lines). The program runs in its own process group with stdin closed; a program that "
     "fails still yields its profile. Give either script or module.",
     "{\"type\":\"object\",\"properties\":{"
     "\"script\":{\"type\":\"string\",\"minLength\":1,\"description\":\"path of the .py file "
     "(absolute, or relative to cwd)\"},"
     "\"module\":{\"type\":\"string\",\"minLength\":1,\"description\":\"module to run as "
     "python -m (needs cwd or runs in the server's directory)\"},"
     "\"script_args\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":4096,"
     "\"description\":\"arguments the program receives in sys.argv[1:]\"}," RUN_OPTION_PROPS "},"
     "\"additionalProperties\":false}",
     RUN_OUTPUT_SCHEMA, MCP_TOOL_OPEN_WORLD, profile_script, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "profile_code", "Profile a Python snippet",
     "Writes the code to a private temporary file and profiles it like profile_script. With cwd "
     "the snippet runs there and can import the project's modules.",
     "{\"type\":\"object\",\"properties\":{"
     "\"code\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":1048576},"
     "\"script_args\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":4096}"
     "," RUN_OPTION_PROPS "},\"required\":[\"code\"],\"additionalProperties\":false}",
     RUN_OUTPUT_SCHEMA, MCP_TOOL_OPEN_WORLD, profile_code, NULL, NULL},
};

int run_tools_register(server *s, char *err, size_t errsz)
{
    run_tools *rt = calloc(1, sizeof *rt);
    if (!rt) {
        snprintf(err, errsz, "out of memory");
        return MCP_NOMEM;
    }
    rt->srv = s;
    runner_config rc;
    runner_config_init(&rc);
    rc.max_concurrent = s->cfg.max_concurrent_profiles;
    rc.max_profile_bytes = s->cfg.max_profile_bytes;
    rc.default_timeout_sec = s->cfg.timeout_sec;
    rc.max_timeout_sec = s->cfg.max_timeout_sec;
    rc.pass_secrets = s->cfg.pass_secrets;
    rc.fast_start = s->cfg.fast_start;
    rt->runner = runner_new(s->loop, &rc);
    rt->py = pyenv_cache_new(0);
    if (!rt->runner || !rt->py) {
        snprintf(err, errsz, "out of memory creating the runner");
        if (rt->runner)
            runner_free(rt->runner);
        pyenv_cache_free(rt->py);
        free(rt);
        return MCP_NOMEM;
    }
    s->core = rt;
    for (size_t i = 0; i < sizeof run_tool_defs / sizeof run_tool_defs[0]; i++) {
        mcp_tool_def d = run_tool_defs[i];
        d.user_data = rt;
        int rcode = tools_register(s, NULL, &d, err, errsz);
        if (rcode != MCP_OK)
            return rcode;
    }
    return MCP_OK;
}

size_t run_tools_active(const server *s)
{
    const run_tools *rt = s->core;
    return rt ? runner_active(rt->runner) : 0;
}

void run_tools_free(server *s)
{
    run_tools *rt = s->core;
    if (!rt)
        return;
    runner_free(rt->runner);
    pyenv_cache_free(rt->py);
    free(rt);
    s->core = NULL;
}
