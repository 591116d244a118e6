/* config.c - INI configuration: defaults, file lookup, validation, env. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scalene_mcp.h"

static const char *const level_names[] = {"debug", "info",     "notice", "warning",
                                          "error", "critical", "alert",  "emergency"};

int config_log_level_from_name(const char *name)
{
    for (int i = 0; i < 8; i++)
        if (strcasecmp(level_names[i], name) == 0)
            return i;
    return -1;
}

const char *config_log_level_name(int level)
{
    return (level >= 0 && level < 8) ? level_names[level] : "info";
}

typedef struct parse_state {
    config *c;
    const char *file;
    int line;
    char *err;
    size_t errsz;
    bool failed;
    plugin_conf *current_plugin;
} parse_state;

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = (v && *v) ? strdup(v) : NULL;
}

static bool bad(parse_state *st, const char *section, const char *key, const char *value,
                const char *expected)
{
    snprintf(st->err, st->errsz, "%s:%d: [%s] %s = '%s': expected %s", st->file, st->line, section,
             key, value, expected);
    st->failed = true;
    return false;
}

static bool parse_bool(const char *v, bool *out)
{
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
        *out = true;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
             !strcmp(v, "0"))
        *out = false;
    else
        return false;
    return true;
}

static bool parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!*v || *v == '-' || *v == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || *end || n < min || n > max)
        return false;
    *out = n;
    return true;
}

static bool parse_double(const char *v, double min, double max, double *out)
{
    if (!*v)
        return false;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || *end || !isfinite(d) || d < min || d > max)
        return false;
    *out = d;
    return true;
}

static void warn_unknown(parse_state *st, const char *section, const char *key)
{
    fprintf(stderr, "scalene-mcp: warning: %s:%d: unknown key '%s' in [%s] (ignored)\n", st->file,
            st->line, key, section);
}

static bool server_key(parse_state *st, const char *k, const char *v)
{
    config *c = st->c;
    uint64_t n;
    if (!strcmp(k, "log_level")) {
        int lvl = config_log_level_from_name(v);
        if (lvl < 0)
            return bad(st, "server", k, v,
                       "one of debug, info, notice, warning, error, critical, alert, emergency");
        c->log_level = lvl;
    } else if (!strcmp(k, "plugin_dir")) {
        set_str(&c->plugin_dir, v);
    } else if (!strcmp(k, "max_message_bytes")) {
        if (!parse_u64(v, 1024, (uint64_t)1 << 30, &n))
            return bad(st, "server", k, v, "an integer from 1024 to 1073741824");
        c->max_message_bytes = (size_t)n;
    } else if (!strcmp(k, "max_profile_bytes")) {
        if (!parse_u64(v, 1024, (uint64_t)1 << 32, &n))
            return bad(st, "server", k, v, "an integer from 1024 to 4294967296");
        c->max_profile_bytes = (size_t)n;
    } else if (!strcmp(k, "tools_page_size")) {
        if (!parse_u64(v, 0, 10000, &n))
            return bad(st, "server", k, v, "an integer from 0 (all on one page) to 10000");
        c->tools_page_size = (size_t)n;
    } else if (!strcmp(k, "max_concurrent_profiles")) {
        if (!parse_u64(v, 1, 64, &n))
            return bad(st, "server", k, v, "an integer from 1 to 64");
        c->max_concurrent_profiles = (unsigned)n;
    } else if (!strcmp(k, "instructions")) {
        set_str(&c->instructions_extra, v);
    } else {
        warn_unknown(st, "server", k);
    }
    return true;
}

static bool scalene_key(parse_state *st, const char *k, const char *v)
{
    config *c = st->c;
    if (!strcmp(k, "python")) {
        set_str(&c->python, v);
    } else if (!strcmp(k, "timeout")) {
        if (!parse_double(v, 1, 86400, &c->timeout_sec))
            return bad(st, "scalene", k, v, "seconds from 1 to 86400");
    } else if (!strcmp(k, "max_timeout")) {
        if (!parse_double(v, 1, 86400, &c->max_timeout_sec))
            return bad(st, "scalene", k, v, "seconds from 1 to 86400");
    } else if (!strcmp(k, "cpu_percent_threshold")) {
        if (!parse_double(v, 0, 100, &c->cpu_percent_threshold))
            return bad(st, "scalene", k, v, "a percentage from 0 to 100");
    } else if (!strcmp(k, "malloc_threshold")) {
        if (!parse_double(v, 0, 1e12, &c->malloc_threshold))
            return bad(st, "scalene", k, v, "a non-negative number");
    } else if (!strcmp(k, "allowed_roots")) {
        set_str(&c->allowed_roots, v);
    } else if (!strcmp(k, "pass_secrets")) {
        if (!parse_bool(v, &c->pass_secrets))
            return bad(st, "scalene", k, v, "true or false");
    } else if (!strcmp(k, "fast_start")) {
        if (!parse_bool(v, &c->fast_start))
            return bad(st, "scalene", k, v, "true or false");
    } else {
        warn_unknown(st, "scalene", k);
    }
    return true;
}

static bool storage_key(parse_state *st, const char *k, const char *v)
{
    config *c = st->c;
    uint64_t n;
    if (!strcmp(k, "backend")) {
        if (!*v)
            return bad(st, "storage", k, v, "a backend name such as sqlite, file or memory");
        set_str(&c->backend, v);
        c->backend_set = true;
    } else if (!strcmp(k, "max_profiles")) {
        if (!parse_u64(v, 0, UINT32_MAX, &n))
            return bad(st, "storage", k, v, "an integer >= 0 (0 = no limit)");
        c->max_profiles = n;
    } else if (!strcmp(k, "max_age_days")) {
        if (!parse_double(v, 0, 36500, &c->max_age_days))
            return bad(st, "storage", k, v, "days from 0 (no limit) to 36500");
    } else if (!strcmp(k, "cache_profiles")) {
        if (!parse_u64(v, 0, 4096, &n))
            return bad(st, "storage", k, v, "an integer from 0 to 4096");
        c->cache_profiles = (unsigned)n;
    } else {
        warn_unknown(st, "storage", k);
    }
    return true;
}

static bool tools_key(parse_state *st, const char *k, const char *v)
{
    bool on;
    if (!parse_bool(v, &on))
        return bad(st, "tools", k, v, "true or false");
    config *c = st->c;
    tool_toggle *nt = realloc(c->tools, (c->n_tools + 1) * sizeof *nt);
    if (!nt)
        return bad(st, "tools", k, v, "(out of memory)");
    c->tools = nt;
    c->tools[c->n_tools++] = (tool_toggle){.name = strdup(k), .enabled = on, .line = st->line};
    return true;
}

static plugin_conf *find_plugin(config *c, const char *name)
{
    for (size_t i = 0; i < c->n_plugins; i++)
        if (!strcmp(c->plugins[i].name, name))
            return &c->plugins[i];
    return NULL;
}

static bool valid_plugin_name(const char *n)
{
    if (!*n || strlen(n) > 64)
        return false;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
            return false;
    return true;
}

static plugin_conf *add_plugin(config *c, const char *name, int line)
{
    plugin_conf *np = realloc(c->plugins, (c->n_plugins + 1) * sizeof *np);
    if (!np)
        return NULL;
    c->plugins = np;
    plugin_conf *p = &c->plugins[c->n_plugins++];
    memset(p, 0, sizeof *p);
    p->name = strdup(name);
    p->enabled = true;
    p->line = line;
    return p;
}

static bool plugin_key(parse_state *st, const char *section, const char *name, const char *k,
                       const char *v)
{
    config *c = st->c;
    if (!valid_plugin_name(name)) {
        snprintf(st->err, st->errsz,
                 "%s:%d: [%s]: plugin name must be 1-64 chars of a-z, 0-9, '_' or '-'", st->file,
                 st->line, section);
        st->failed = true;
        return false;
    }
    plugin_conf *p = find_plugin(c, name);
    if (!p && !(p = add_plugin(c, name, st->line)))
        return bad(st, section, k, v, "(out of memory)");
    c->plugins_declared = true;
    if (!k)
        return true;
    if (!strcmp(k, "path")) {
        if (!*v)
            return bad(st, section, k, v, "a shared object path");
        set_str(&p->path, v);
    } else if (!strcmp(k, "optional")) {
        if (!parse_bool(v, &p->optional))
            return bad(st, section, k, v, "true or false");
    } else if (!strcmp(k, "enabled")) {
        if (!parse_bool(v, &p->enabled))
            return bad(st, section, k, v, "true or false");
    } else {
        config_kv *nk = realloc(p->kv, (p->n_kv + 1) * sizeof *nk);
        if (!nk)
            return bad(st, section, k, v, "(out of memory)");
        p->kv = nk;
        p->kv[p->n_kv++] = (config_kv){.key = strdup(k), .value = strdup(v), .line = st->line};
    }
    return true;
}

static int on_ini(void *user, const char *section, const char *key, const char *value)
{
    parse_state *st = user;
    if (st->failed)
        return 0;
    if (!strncmp(section, "plugin.", 7))
        return plugin_key(st, section, section + 7, key, value);
    if (!key) /* a section header with no keys yet */
        return 1;
    if (!strcmp(section, "server"))
        return server_key(st, key, value);
    if (!strcmp(section, "scalene"))
        return scalene_key(st, key, value);
    if (!strcmp(section, "storage"))
        return storage_key(st, key, value);
    if (!strcmp(section, "tools"))
        return tools_key(st, key, value);
    fprintf(stderr, "scalene-mcp: warning: %s:%d: unknown section [%s] (key '%s' ignored)\n",
            st->file, st->line, section, key);
    return 1;
}

typedef struct counting_reader {
    FILE *f;
    parse_state *st;
} counting_reader;

/* inih reports no line numbers and no empty sections, so the reader counts
 * lines and registers [plugin.NAME] headers itself: a plugin section with no
 * keys still loads the plugin. */
static char *read_counting(char *str, int num, void *stream)
{
    counting_reader *r = stream;
    /* fgets, but counting the bytes: a NUL would end the line early (the
     * rest silently dropped; /dev/zero would never end) */
    int got = 0, ch = 0;
    bool nul = false;
    while (got < num - 1 && (ch = getc(r->f)) != EOF) {
        nul |= ch == '\0';
        str[got++] = (char)ch;
        if (ch == '\n')
            break;
    }
    if (got == 0) {
        if (ferror(r->f)) { /* e.g. the path names a directory */
            snprintf(r->st->err, r->st->errsz, "cannot read config file %s: %s", r->st->file,
                     strerror(errno));
            r->st->failed = true;
        }
        return NULL;
    }
    str[got] = '\0';
    char *s = str;
    r->st->line++;
    if (nul) {
        snprintf(r->st->err, r->st->errsz, "%s:%d: NUL byte in the line (not a text file?)",
                 r->st->file, r->st->line);
        r->st->failed = true;
        return NULL;
    }
    /* inih's buffer holds num-1 bytes: it would read the rest of a longer
     * line as further lines (wrong line numbers, bogus syntax errors) */
    size_t len = (size_t)got;
    if (len == (size_t)num - 1 && s[len - 1] != '\n') {
        int next = fgetc(r->f);
        if (next != EOF && next != '\n') {
            snprintf(r->st->err, r->st->errsz,
                     "%s:%d: line longer than %d bytes (the INI reader's limit)", r->st->file,
                     r->st->line, num - 1);
            r->st->failed = true;
            return NULL;
        }
    }
    const char *p = s;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!r->st->failed && strncmp(p, "[plugin.", 8) == 0) {
        const char *end = strchr(p, ']');
        if (end) {
            char name[128];
            size_t n = (size_t)(end - (p + 8));
            if (n < sizeof name) {
                memcpy(name, p + 8, n);
                name[n] = '\0';
                char section[160];
                snprintf(section, sizeof section, "plugin.%s", name);
                plugin_key(r->st, section, name, NULL, NULL);
            }
        }
    }
    return s;
}

static void set_defaults(config *c)
{
    memset(c, 0, sizeof *c);
    c->log_level = MCP_LOG_INFO;
    c->max_message_bytes = 16u << 20;
    c->max_profile_bytes = 64u << 20;
    c->tools_page_size = 0;
    c->max_concurrent_profiles = 2;
    c->timeout_sec = 300;
    c->max_timeout_sec = 3600;
    c->cpu_percent_threshold = 1.0;
    c->malloc_threshold = 100;
    c->fast_start = true;
    c->backend = strdup("sqlite");
    c->cache_profiles = 16;
}

static char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return strdup(buf);
}

static bool is_file(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Returns a malloc'd path of the config file to read, NULL for none. */
static char *choose_file(const char *explicit_path, bool *must_exist)
{
    *must_exist = true;
    if (explicit_path)
        return strdup(explicit_path);
    const char *env = getenv("SCALENE_MCP_CONFIG");
    if (env && *env)
        return strdup(env);
    *must_exist = false;
    char buf[PATH_MAX];
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(buf, sizeof buf, "%s/scalene-mcp/config.ini", xdg);
    else if (home && *home)
        snprintf(buf, sizeof buf, "%s/.config/scalene-mcp/config.ini", home);
    else
        buf[0] = '\0';
    if (buf[0] && is_file(buf))
        return strdup(buf);
    /* The installed default, found relative to the binary first so an
     * install prefix can move. */
    char *dir = exe_dir();
    if (dir) {
        snprintf(buf, sizeof buf, "%s/../etc/scalene-mcp/scalene-mcp.ini", dir);
        free(dir);
        if (is_file(buf))
            return strdup(buf);
    }
    if (is_file(SMCP_INSTALL_CONF_FILE))
        return strdup(SMCP_INSTALL_CONF_FILE);
    return NULL;
}

static int env_overrides(config *c, char *err, size_t errsz)
{
    const char *v;
    if ((v = getenv("SCALENE_PYTHON_EXECUTABLE")) && *v)
        set_str(&c->python, v);
    if ((v = getenv("SCALENE_TIMEOUT")) && *v && !parse_double(v, 1, 86400, &c->timeout_sec)) {
        snprintf(err, errsz, "SCALENE_TIMEOUT='%s': expected seconds from 1 to 86400", v);
        return -1;
    }
    if ((v = getenv("SCALENE_CPU_PERCENT_THRESHOLD")) && *v &&
        !parse_double(v, 0, 100, &c->cpu_percent_threshold)) {
        snprintf(err, errsz, "SCALENE_CPU_PERCENT_THRESHOLD='%s': expected 0 to 100", v);
        return -1;
    }
    if ((v = getenv("SCALENE_MALLOC_THRESHOLD")) && *v &&
        !parse_double(v, 0, 1e12, &c->malloc_threshold)) {
        snprintf(err, errsz, "SCALENE_MALLOC_THRESHOLD='%s': expected a non-negative number", v);
        return -1;
    }
    if ((v = getenv("SCALENE_LOG_LEVEL")) && *v) {
        int lvl = config_log_level_from_name(v);
        if (lvl < 0) {
            snprintf(err, errsz,
                     "SCALENE_LOG_LEVEL='%s': expected debug, info, notice, "
                     "warning, error, critical, alert or emergency",
                     v);
            return -1;
        }
        c->log_level = lvl;
    }
    if ((v = getenv("SCALENE_MCP_STORAGE")) && *v) {
        set_str(&c->backend, v);
        c->backend_set = true;
    }
    return 0;
}

static char *default_plugin_dir(void)
{
    char buf[PATH_MAX];
    char *dir = exe_dir();
    if (dir) {
        /* build tree: build/scalene-mcp beside build/plugins/ */
        snprintf(buf, sizeof buf, "%s/plugins", dir);
        if (is_dir(buf)) {
            free(dir);
            return strdup(buf);
        }
        snprintf(buf, sizeof buf, "%s/../lib/scalene-mcp/plugins", dir);
        free(dir);
        if (is_dir(buf))
            return strdup(buf);
    }
    return strdup(SMCP_INSTALL_PLUGIN_DIR);
}

int config_load(config *c, const char *explicit_path, char *err, size_t errsz)
{
    set_defaults(c);
    bool must_exist;
    char *path = choose_file(explicit_path, &must_exist);
    if (path) {
        FILE *f = fopen(path, "r");
        if (!f) {
            if (must_exist || errno != ENOENT) {
                snprintf(err, errsz, "cannot read config file %s: %s", path, strerror(errno));
                free(path);
                return -1;
            }
        } else {
            parse_state st = {.c = c, .file = path, .err = err, .errsz = errsz};
            counting_reader rd = {f, &st};
            int rc = ini_parse_stream(read_counting, &rd, on_ini, &st);
            fclose(f);
            if (st.failed) {
                free(path);
                return -1;
            }
            if (rc != 0) {
                snprintf(err, errsz,
                         "%s:%d: not valid INI syntax (expected [section] or key = "
                         "value)",
                         path, rc);
                free(path);
                return -1;
            }
            c->source = path;
            path = NULL;
        }
        free(path);
    }
    if (!c->plugin_dir)
        c->plugin_dir = default_plugin_dir();
    if (c->max_timeout_sec < c->timeout_sec)
        c->max_timeout_sec = c->timeout_sec;
    return env_overrides(c, err, errsz);
}

void config_free(config *c)
{
    free(c->source);
    free(c->plugin_dir);
    free(c->instructions_extra);
    free(c->python);
    free(c->allowed_roots);
    free(c->backend);
    for (size_t i = 0; i < c->n_tools; i++)
        free(c->tools[i].name);
    free(c->tools);
    for (size_t i = 0; i < c->n_plugins; i++) {
        plugin_conf *p = &c->plugins[i];
        free(p->name);
        free(p->path);
        for (size_t k = 0; k < p->n_kv; k++) {
            free(p->kv[k].key);
            free(p->kv[k].value);
        }
        free(p->kv);
    }
    free(c->plugins);
    memset(c, 0, sizeof *c);
}

char *config_plugin_path(const config *c, const plugin_conf *p)
{
    char buf[PATH_MAX];
    if (p->path && p->path[0] == '/')
        return strdup(p->path);
    if (p->path)
        snprintf(buf, sizeof buf, "%s/%s", c->plugin_dir, p->path);
    else
        snprintf(buf, sizeof buf, "%s/%s.so", c->plugin_dir, p->name);
    return strdup(buf);
}

bool config_tool_enabled(const config *c, const char *tool)
{
    for (size_t i = c->n_tools; i-- > 0;)
        if (!strcmp(c->tools[i].name, tool))
            return c->tools[i].enabled;
    return true;
}
