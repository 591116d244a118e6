/*
 * test_config.c - the INI configuration: defaults, every key, bad values
 * (file:line:key and what was expected), unknown keys, environment
 * overrides, and the lookup order (--config, $SCALENE_MCP_CONFIG,
 * $XDG_CONFIG_HOME, ~/.config, installed default, built-in defaults).
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "scalene_mcp.h"

static char tmpdir[64];
static char err[4096];
static config cfg;
static bool cfg_loaded;

static const char *const env_vars[] = {"SCALENE_MCP_CONFIG",
                                       "XDG_CONFIG_HOME",
                                       "SCALENE_PYTHON_EXECUTABLE",
                                       "SCALENE_TIMEOUT",
                                       "SCALENE_CPU_PERCENT_THRESHOLD",
                                       "SCALENE_MALLOC_THRESHOLD",
                                       "SCALENE_LOG_LEVEL",
                                       "SCALENE_MCP_STORAGE",
                                       NULL};

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/smcp-config-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    for (size_t i = 0; env_vars[i]; i++)
        unsetenv(env_vars[i]);
    /* no real ~/.config/scalene-mcp/config.ini can leak into a test */
    setenv("HOME", tmpdir, 1);
    memset(&cfg, 0, sizeof cfg);
    cfg_loaded = false;
    err[0] = '\0';
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    if (cfg_loaded)
        config_free(&cfg);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes tmpdir/rel (creating directories) and returns a static path. */
static const char *write_file(const char *rel, const char *text)
{
    static char path[4][512];
    static int slot;
    char *p = path[slot++ % 4];
    snprintf(p, 512, "%s/%s", tmpdir, rel);
    for (char *q = p + strlen(tmpdir) + 1; *q; q++) {
        if (*q == '/') {
            *q = '\0';
            mkdir(p, 0700);
            *q = '/';
        }
    }
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return p;
}

/* Captures what config_load writes to stderr. */
static char captured[8192];

static int load_capturing(const char *path)
{
    fflush(stderr);
    int saved = dup(2);
    char cap[600];
    snprintf(cap, sizeof cap, "%s/stderr.txt", tmpdir);
    int fd = open(cap, O_CREAT | O_TRUNC | O_RDWR, 0600);
    ck_assert_int_ge(fd, 0);
    dup2(fd, 2);
    if (cfg_loaded)
        config_free(&cfg);
    int rc = config_load(&cfg, path, err, sizeof err);
    cfg_loaded = true;
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, captured, sizeof captured - 1);
    captured[n > 0 ? n : 0] = '\0';
    close(fd);
    return rc;
}

static int load(const char *path)
{
    return load_capturing(path);
}

static void assert_contains(const char *hay, const char *needle)
{
    ck_assert_msg(strstr(hay, needle) != NULL, "'%s' does not contain '%s'", hay, needle);
}

static void assert_defaults(const config *c)
{
    ck_assert_int_eq(c->log_level, MCP_LOG_INFO);
    ck_assert_uint_eq(c->max_message_bytes, 16u << 20);
    ck_assert_uint_eq(c->max_profile_bytes, 64u << 20);
    ck_assert_uint_eq(c->tools_page_size, 0);
    ck_assert_uint_eq(c->max_concurrent_profiles, 2);
    ck_assert_ptr_null(c->instructions_extra);
    ck_assert_ptr_null(c->python);
    ck_assert_double_eq(c->timeout_sec, 300);
    ck_assert_double_eq(c->max_timeout_sec, 3600);
    ck_assert_double_eq(c->cpu_percent_threshold, 1.0);
    ck_assert_double_eq(c->malloc_threshold, 100);
    ck_assert_ptr_null(c->allowed_roots);
    ck_assert(!c->pass_secrets);
    ck_assert(c->fast_start);
    /* sqlite unless named; the loader falls back to the only loaded backend
     * when none was named (backend_set false) */
    ck_assert_str_eq(c->backend, "sqlite");
    ck_assert(!c->backend_set);
    ck_assert_uint_eq(c->max_profiles, 0);
    ck_assert_double_eq(c->max_age_days, 0);
    ck_assert_uint_eq(c->cache_profiles, 16);
    ck_assert_uint_eq(c->n_tools, 0);
    ck_assert_uint_eq(c->n_plugins, 0);
    ck_assert(!c->plugins_declared);
    ck_assert_ptr_nonnull(c->plugin_dir);
}

/* ------------------------------------------------------------------ */

START_TEST(defaults_from_empty_file)
{
    const char *p = write_file("empty.ini", "; nothing here\n\n");
    ck_assert_int_eq(load(p), 0);
    ck_assert_str_eq(cfg.source, p);
    assert_defaults(&cfg);
    ck_assert_str_eq(captured, "");
}
END_TEST

START_TEST(defaults_without_any_file)
{
    /* no --config, no env, nothing under XDG or HOME: the installed default
     * file if there is one, else built-in defaults */
    ck_assert_int_eq(load(NULL), 0);
    struct stat st;
    if (stat(SMCP_INSTALL_CONF_FILE, &st) == 0) {
        ck_assert_str_eq(cfg.source, SMCP_INSTALL_CONF_FILE);
    } else {
        ck_assert_ptr_null(cfg.source);
        assert_defaults(&cfg);
    }
}
END_TEST

START_TEST(every_key)
{
    const char *p = write_file("all.ini", "[server]\n"
                                          "log_level = debug\n"
                                          "plugin_dir = /opt/plugins\n"
                                          "max_message_bytes = 2048\n"
                                          "max_profile_bytes = 4096\n"
                                          "tools_page_size = 3\n"
                                          "max_concurrent_profiles = 5\n"
                                          "instructions = Be brief.\n"
                                          "\n"
                                          "[scalene]\n"
                                          "python = /usr/bin/python3.11\n"
                                          "timeout = 12.5\n"
                                          "max_timeout = 60\n"
                                          "cpu_percent_threshold = 2.5\n"
                                          "malloc_threshold = 7\n"
                                          "allowed_roots = /srv:/home/u\n"
                                          "pass_secrets = yes\n"
                                          "fast_start = off\n"
                                          "\n"
                                          "[storage]\n"
                                          "backend = sqlite\n"
                                          "max_profiles = 100\n"
                                          "max_age_days = 30\n"
                                          "cache_profiles = 0\n"
                                          "\n"
                                          "[tools]\n"
                                          "profile_code = false\n"
                                          "get_cpu_hotspots = true\n"
                                          "\n"
                                          "[plugin.memory]\n"
                                          "\n"
                                          "[plugin.extra]\n"
                                          "path = sub/extra.so\n"
                                          "optional = true\n"
                                          "enabled = false\n"
                                          "colour = blue\n");
    ck_assert_int_eq(load(p), 0);
    ck_assert_str_eq(captured, "");
    ck_assert_int_eq(cfg.log_level, MCP_LOG_DEBUG);
    ck_assert_str_eq(cfg.plugin_dir, "/opt/plugins");
    ck_assert_uint_eq(cfg.max_message_bytes, 2048);
    ck_assert_uint_eq(cfg.max_profile_bytes, 4096);
    ck_assert_uint_eq(cfg.tools_page_size, 3);
    ck_assert_uint_eq(cfg.max_concurrent_profiles, 5);
    ck_assert_str_eq(cfg.instructions_extra, "Be brief.");
    ck_assert_str_eq(cfg.python, "/usr/bin/python3.11");
    ck_assert_double_eq(cfg.timeout_sec, 12.5);
    ck_assert_double_eq(cfg.max_timeout_sec, 60);
    ck_assert_double_eq(cfg.cpu_percent_threshold, 2.5);
    ck_assert_double_eq(cfg.malloc_threshold, 7);
    ck_assert_str_eq(cfg.allowed_roots, "/srv:/home/u");
    ck_assert(cfg.pass_secrets);
    ck_assert(!cfg.fast_start);
    ck_assert_str_eq(cfg.backend, "sqlite");
    ck_assert(cfg.backend_set);
    ck_assert_uint_eq(cfg.max_profiles, 100);
    ck_assert_double_eq(cfg.max_age_days, 30);
    ck_assert_uint_eq(cfg.cache_profiles, 0);
    ck_assert(!config_tool_enabled(&cfg, "profile_code"));
    ck_assert(config_tool_enabled(&cfg, "get_cpu_hotspots"));
    ck_assert(config_tool_enabled(&cfg, "not_mentioned"));
    ck_assert(cfg.plugins_declared);
    ck_assert_uint_eq(cfg.n_plugins, 2);
    ck_assert_str_eq(cfg.plugins[0].name, "memory");
    ck_assert_ptr_null(cfg.plugins[0].path);
    ck_assert(cfg.plugins[0].enabled);
    ck_assert(!cfg.plugins[0].optional);
    ck_assert_int_eq(cfg.plugins[0].line, 30);
    ck_assert_str_eq(cfg.plugins[1].name, "extra");
    ck_assert_str_eq(cfg.plugins[1].path, "sub/extra.so");
    ck_assert(cfg.plugins[1].optional);
    ck_assert(!cfg.plugins[1].enabled);
    ck_assert_int_eq(cfg.plugins[1].line, 32);
    ck_assert_uint_eq(cfg.plugins[1].n_kv, 1);
    ck_assert_str_eq(cfg.plugins[1].kv[0].key, "colour");
    ck_assert_str_eq(cfg.plugins[1].kv[0].value, "blue");
    ck_assert_int_eq(cfg.plugins[1].kv[0].line, 36);
}
END_TEST

START_TEST(storage_env_names_backend)
{
    const char *p = write_file("s.ini", "[server]\n");
    setenv("SCALENE_MCP_STORAGE", "memory", 1);
    ck_assert_int_eq(load(p), 0);
    ck_assert_str_eq(cfg.backend, "memory");
    ck_assert(cfg.backend_set);
}
END_TEST

START_TEST(value_spellings)
{
    const char *p = write_file("b.ini", "[scalene]\npass_secrets = TRUE\nfast_start = No\n"
                                        "[server]\nlog_level = Warning\n"
                                        "max_message_bytes = 1024\ntools_page_size = 0\n"
                                        "[tools]\na = 1\nb = 0\nc = on\na = off\n");
    ck_assert_int_eq(load(p), 0);
    ck_assert(cfg.pass_secrets);
    ck_assert(!cfg.fast_start);
    ck_assert_int_eq(cfg.log_level, MCP_LOG_WARNING);
    ck_assert_uint_eq(cfg.max_message_bytes, 1024);
    ck_assert(!config_tool_enabled(&cfg, "a")); /* the last setting wins */
    ck_assert(!config_tool_enabled(&cfg, "b"));
    ck_assert(config_tool_enabled(&cfg, "c"));
}
END_TEST

START_TEST(max_timeout_follows_timeout)
{
    const char *p = write_file("t.ini", "[scalene]\ntimeout = 5000\nmax_timeout = 100\n");
    ck_assert_int_eq(load(p), 0);
    ck_assert_double_eq(cfg.timeout_sec, 5000);
    ck_assert_double_eq(cfg.max_timeout_sec, 5000);
}
END_TEST

typedef struct bad_case {
    const char *section, *key, *value, *expected;
} bad_case;

static const bad_case bad_cases[] = {
    {"server", "log_level", "loud", "one of debug"},
    {"server", "max_message_bytes", "lots", "integer from 1024"},
    {"server", "max_message_bytes", "1023", "integer from 1024"},
    {"server", "max_message_bytes", "-5", "integer"},
    {"server", "max_message_bytes", "99999999999999999999999", "integer"},
    {"server", "max_profile_bytes", "1k", "integer"},
    {"server", "tools_page_size", "10001", "0 (all on one page)"},
    {"server", "tools_page_size", "+3", "integer"},
    {"server", "max_concurrent_profiles", "0", "from 1 to 64"},
    {"scalene", "timeout", "0", "seconds from 1"},
    {"scalene", "timeout", "ten", "seconds"},
    {"scalene", "timeout", "inf", "seconds"},
    {"scalene", "max_timeout", "nan", "seconds"},
    {"scalene", "cpu_percent_threshold", "100.5", "percentage"},
    {"scalene", "malloc_threshold", "-1", "non-negative"},
    {"scalene", "pass_secrets", "maybe", "true or false"},
    {"scalene", "fast_start", "2", "true or false"},
    {"storage", "max_profiles", "-1", "integer >= 0"},
    {"storage", "max_age_days", "36501", "days"},
    {"storage", "cache_profiles", "4097", "0 to 4096"},
    {"tools", "profile_code", "disabled", "true or false"},
    {"plugin.memory", "optional", "sure", "true or false"},
    {"plugin.memory", "enabled", "nope", "true or false"},
};

START_TEST(bad_values_name_file_line_key)
{
    const bad_case *b = &bad_cases[_i];
    char text[512];
    snprintf(text, sizeof text, "; comment\n[%s]\n\n%s = %s\n[server]\nlog_level = info\n",
             b->section, b->key, b->value);
    const char *p = write_file("bad.ini", text);
    ck_assert_int_eq(load(p), -1);
    char where[600];
    snprintf(where, sizeof where, "%s:4: [%s] %s = '%s': expected ", p, b->section, b->key,
             b->value);
    assert_contains(err, where);
    assert_contains(err, b->expected);
}
END_TEST

START_TEST(bad_plugin_sections)
{
    const char *p = write_file("p.ini", "[server]\n\n[plugin.Bad Name]\npath = x.so\n");
    ck_assert_int_eq(load(p), -1);
    char where[600];
    snprintf(where, sizeof where, "%s:3:", p);
    assert_contains(err, where);
    assert_contains(err, "plugin name");
    p = write_file("q.ini", "[plugin.ok]\npath =\n");
    ck_assert_int_eq(load(p), -1);
    snprintf(where, sizeof where, "%s:2:", p);
    assert_contains(err, where);
    assert_contains(err, "path");
}
END_TEST

START_TEST(syntax_error_line)
{
    const char *p = write_file("s.ini", "[server]\nlog_level = info\n\nno equals sign here\n");
    ck_assert_int_eq(load(p), -1);
    char where[600];
    snprintf(where, sizeof where, "%s:4:", p);
    assert_contains(err, where);
}
END_TEST

START_TEST(long_lines)
{
    /* inih reads lines of up to 199 bytes; a line at the limit is fine and
     * keeps the line count right, a longer one is a clear error */
    char text[1024];
    char value[256];
    memset(value, 'v', sizeof value);
    size_t vlen = 199 - strlen("instructions = ");
    value[vlen] = '\0';
    snprintf(text, sizeof text, "[server]\ninstructions = %s\nfrobnicate = 1\n", value);
    const char *p = write_file("l.ini", text);
    ck_assert_int_eq(load(p), 0);
    ck_assert_str_eq(cfg.instructions_extra, value);
    char where[600];
    snprintf(where, sizeof where, "%s:3: unknown key 'frobnicate'", p);
    assert_contains(captured, where);

    memset(value, 'v', sizeof value);
    value[vlen + 50] = '\0';
    snprintf(text, sizeof text, "[server]\ninstructions = %s\nlog_level = info\n", value);
    p = write_file("l2.ini", text);
    ck_assert_int_eq(load(p), -1);
    snprintf(where, sizeof where, "%s:2:", p);
    assert_contains(err, where);
    assert_contains(err, "longer than");
}
END_TEST

START_TEST(unknown_keys_warn_with_file_and_line)
{
    const char *p = write_file("u.ini", "[server]\nlog_level = info\nfrobnicate = 1\n"
                                        "[scalene]\ncolour = red\n[storage]\nshape = round\n"
                                        "[mystery]\nx = 1\n");
    ck_assert_int_eq(load(p), 0);
    char where[600];
    snprintf(where, sizeof where, "%s:3: unknown key 'frobnicate' in [server]", p);
    assert_contains(captured, where);
    snprintf(where, sizeof where, "%s:5: unknown key 'colour' in [scalene]", p);
    assert_contains(captured, where);
    snprintf(where, sizeof where, "%s:7: unknown key 'shape' in [storage]", p);
    assert_contains(captured, where);
    snprintf(where, sizeof where, "%s:9: unknown section [mystery]", p);
    assert_contains(captured, where);
    assert_contains(captured, "warning");
}
END_TEST

START_TEST(missing_explicit_file)
{
    char path[600];
    snprintf(path, sizeof path, "%s/nope.ini", tmpdir);
    ck_assert_int_eq(load(path), -1);
    assert_contains(err, path);
}
END_TEST

START_TEST(env_overrides)
{
    const char *p = write_file("e.ini", "[scalene]\npython = /from/file\ntimeout = 10\n"
                                        "cpu_percent_threshold = 3\nmalloc_threshold = 4\n"
                                        "[server]\nlog_level = error\n[storage]\nbackend = file\n");
    setenv("SCALENE_PYTHON_EXECUTABLE", "/from/env/python", 1);
    setenv("SCALENE_TIMEOUT", "42", 1);
    setenv("SCALENE_CPU_PERCENT_THRESHOLD", "5.5", 1);
    setenv("SCALENE_MALLOC_THRESHOLD", "9", 1);
    setenv("SCALENE_LOG_LEVEL", "debug", 1);
    setenv("SCALENE_MCP_STORAGE", "sqlite", 1);
    ck_assert_int_eq(load(p), 0);
    ck_assert_str_eq(cfg.python, "/from/env/python");
    ck_assert_double_eq(cfg.timeout_sec, 42);
    ck_assert_double_eq(cfg.cpu_percent_threshold, 5.5);
    ck_assert_double_eq(cfg.malloc_threshold, 9);
    ck_assert_int_eq(cfg.log_level, MCP_LOG_DEBUG);
    ck_assert_str_eq(cfg.backend, "sqlite");
    ck_assert(cfg.backend_set);
    /* empty values leave the file's settings alone */
    for (size_t i = 2; env_vars[i]; i++)
        setenv(env_vars[i], "", 1);
    ck_assert_int_eq(load(p), 0);
    ck_assert_str_eq(cfg.python, "/from/file");
    ck_assert_double_eq(cfg.timeout_sec, 10);
    ck_assert_int_eq(cfg.log_level, MCP_LOG_ERROR);
    ck_assert_str_eq(cfg.backend, "file");
}
END_TEST

START_TEST(env_bad_values)
{
    const char *p = write_file("e.ini", "[server]\n");
    const char *cases[][2] = {{"SCALENE_TIMEOUT", "soon"},
                              {"SCALENE_TIMEOUT", "0"},
                              {"SCALENE_CPU_PERCENT_THRESHOLD", "200"},
                              {"SCALENE_MALLOC_THRESHOLD", "-2"},
                              {"SCALENE_LOG_LEVEL", "chatty"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setenv(cases[i][0], cases[i][1], 1);
        ck_assert_int_eq(load(p), -1);
        assert_contains(err, cases[i][0]);
        assert_contains(err, cases[i][1]);
        assert_contains(err, "expected");
        unsetenv(cases[i][0]);
    }
}
END_TEST

/* Each candidate file sets a different tools_page_size to tell them apart. */
static const char *candidate(const char *rel, int mark)
{
    char text[64];
    snprintf(text, sizeof text, "[server]\ntools_page_size = %d\n", mark);
    return write_file(rel, text);
}

START_TEST(lookup_order)
{
    const char *explicit_path = candidate("explicit.ini", 1);
    const char *env_path = candidate("env.ini", 2);
    char xdg[600];
    snprintf(xdg, sizeof xdg, "%s/xdg", tmpdir);
    const char *xdg_path = candidate("xdg/scalene-mcp/config.ini", 3);
    const char *home_path = candidate(".config/scalene-mcp/config.ini", 4);

    setenv("SCALENE_MCP_CONFIG", env_path, 1);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    ck_assert_int_eq(load(explicit_path), 0);
    ck_assert_str_eq(cfg.source, explicit_path);
    ck_assert_uint_eq(cfg.tools_page_size, 1);

    ck_assert_int_eq(load(NULL), 0);
    ck_assert_str_eq(cfg.source, env_path);
    ck_assert_uint_eq(cfg.tools_page_size, 2);

    unsetenv("SCALENE_MCP_CONFIG");
    ck_assert_int_eq(load(NULL), 0);
    ck_assert_str_eq(cfg.source, xdg_path);
    ck_assert_uint_eq(cfg.tools_page_size, 3);

    /* without XDG_CONFIG_HOME: ~/.config */
    unsetenv("XDG_CONFIG_HOME");
    ck_assert_int_eq(load(NULL), 0);
    ck_assert_str_eq(cfg.source, home_path);
    ck_assert_uint_eq(cfg.tools_page_size, 4);

    /* an empty variable counts as unset */
    setenv("SCALENE_MCP_CONFIG", "", 1);
    setenv("XDG_CONFIG_HOME", "", 1);
    ck_assert_int_eq(load(NULL), 0);
    ck_assert_str_eq(cfg.source, home_path);
}
END_TEST

START_TEST(lookup_env_file_must_exist)
{
    char path[600];
    snprintf(path, sizeof path, "%s/missing.ini", tmpdir);
    setenv("SCALENE_MCP_CONFIG", path, 1);
    candidate(".config/scalene-mcp/config.ini", 4);
    ck_assert_int_eq(load(NULL), -1);
    assert_contains(err, path);
}
END_TEST

START_TEST(lookup_xdg_without_file_falls_through)
{
    /* an XDG directory without our file: the installed default or
     * built-ins, never an error */
    char xdg[600];
    snprintf(xdg, sizeof xdg, "%s/emptyxdg", tmpdir);
    mkdir(xdg, 0700);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    ck_assert_int_eq(load(NULL), 0);
    struct stat st;
    if (stat(SMCP_INSTALL_CONF_FILE, &st) != 0)
        ck_assert_ptr_null(cfg.source);
}
END_TEST

START_TEST(plugin_paths)
{
    const char *p = write_file("pp.ini", "[server]\nplugin_dir = /pl\n[plugin.a]\n"
                                         "[plugin.b]\npath = rel/b.so\n"
                                         "[plugin.c]\npath = /abs/c.so\n");
    ck_assert_int_eq(load(p), 0);
    ck_assert_uint_eq(cfg.n_plugins, 3);
    char *a = config_plugin_path(&cfg, &cfg.plugins[0]);
    char *b = config_plugin_path(&cfg, &cfg.plugins[1]);
    char *c = config_plugin_path(&cfg, &cfg.plugins[2]);
    ck_assert_str_eq(a, "/pl/a.so");
    ck_assert_str_eq(b, "/pl/rel/b.so");
    ck_assert_str_eq(c, "/abs/c.so");
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(plugin_section_repeated_merges)
{
    const char *p = write_file("m.ini", "[plugin.a]\nk1 = 1\n[server]\n[plugin.a]\nk2 = 2\n");
    ck_assert_int_eq(load(p), 0);
    ck_assert_uint_eq(cfg.n_plugins, 1);
    ck_assert_uint_eq(cfg.plugins[0].n_kv, 2);
}
END_TEST

START_TEST(log_level_names)
{
    const char *names[] = {"debug", "info",     "notice", "warning",
                           "error", "critical", "alert",  "emergency"};
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(config_log_level_from_name(names[i]), i);
        ck_assert_str_eq(config_log_level_name(i), names[i]);
    }
    ck_assert_int_eq(config_log_level_from_name("ERROR"), MCP_LOG_ERROR);
    ck_assert_int_eq(config_log_level_from_name("warn"), -1);
    ck_assert_int_eq(config_log_level_from_name(""), -1);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, defaults_from_empty_file);
    tcase_add_test(tc, defaults_without_any_file);
    tcase_add_test(tc, every_key);
    tcase_add_test(tc, value_spellings);
    tcase_add_test(tc, storage_env_names_backend);
    tcase_add_test(tc, max_timeout_follows_timeout);
    tcase_add_loop_test(tc, bad_values_name_file_line_key, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, bad_plugin_sections);
    tcase_add_test(tc, syntax_error_line);
    tcase_add_test(tc, long_lines);
    tcase_add_test(tc, unknown_keys_warn_with_file_and_line);
    tcase_add_test(tc, missing_explicit_file);
    tcase_add_test(tc, env_overrides);
    tcase_add_test(tc, env_bad_values);
    tcase_add_test(tc, lookup_order);
    tcase_add_test(tc, lookup_env_file_must_exist);
    tcase_add_test(tc, lookup_xdg_without_file_falls_through);
    tcase_add_test(tc, plugin_paths);
    tcase_add_test(tc, plugin_section_repeated_merges);
    tcase_add_test(tc, log_level_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
