/*
 * test_loader.c - plugin loading through server_init with the test INI
 * files: a good set, an ABI mismatch (refused before any plugin code runs:
 * badabi's init aborts if called), a missing symbol, a missing file, an init
 * failure, duplicate tool names (both plugins named, the failed plugin's
 * tools unregistered), optional plugins, and the file checks.
 *
 * Environment: SMCP_TEST_CONF_DIR (the configured test INI files),
 * SMCP_TEST_PLUGIN_DIR (the test .so files), SMCP_PLUGIN_DIR (bundled ones).
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "call.h"
#include "config.h"
#include "plugin.h"
#include "server.h"
#include "tools.h"

static server srv;
static bool srv_live;
static char err[4096];
static int devnull = -1;
static char tmpini[64];
static int out_pipe[2] = {-1, -1}; /* services tests: what the server writes */

static const char *env_or_skip(const char *name)
{
    const char *v = getenv(name);
    ck_assert_msg(v && *v, "%s is not set (run through ctest)", name);
    return v;
}

static void setup(void)
{
    devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    ck_assert_int_ge(devnull, 0);
    srv_live = false;
    err[0] = '\0';
    tmpini[0] = '\0';
    unsetenv("SCALENE_MCP_STORAGE");
}

static void teardown(void)
{
    if (srv_live)
        server_free(&srv);
    srv_live = false;
    if (devnull >= 0)
        close(devnull);
    devnull = -1;
    if (out_pipe[0] >= 0)
        close(out_pipe[0]);
    out_pipe[0] = out_pipe[1] = -1;
    if (tmpini[0])
        unlink(tmpini);
}

/* Loads `path` and starts a server from it; returns server_init's result.
 * The server is freed in teardown either way (as main() does). */
static int start(const char *path)
{
    config cfg;
    int rc = config_load(&cfg, path, err, sizeof err);
    ck_assert_msg(rc == 0, "config %s: %s", path, err);
    /* bundled plugins (memory) come from the build tree */
    free(cfg.plugin_dir);
    cfg.plugin_dir = strdup(env_or_skip("SMCP_PLUGIN_DIR"));
    rc = server_init(&srv, &cfg, devnull, err, sizeof err);
    srv_live = true;
    config_free(&cfg);
    return rc;
}

static int start_conf(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", env_or_skip("SMCP_TEST_CONF_DIR"), name);
    return start(path);
}

/* Writes INI text to a temp file (@P@ becomes the test plugin dir). */
static int start_text(const char *text)
{
    snprintf(tmpini, sizeof tmpini, "/tmp/smcp-loader-XXXXXX");
    int fd = mkstemp(tmpini);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    const char *pdir = env_or_skip("SMCP_TEST_PLUGIN_DIR");
    for (const char *p = text; *p; p++) {
        if (strncmp(p, "@P@", 3) == 0) {
            fputs(pdir, f);
            p += 2;
        } else {
            fputc(*p, f);
        }
    }
    fclose(f);
    return start(tmpini);
}

static void assert_contains(const char *hay, const char *needle)
{
    ck_assert_msg(strstr(hay, needle) != NULL, "'%s' does not contain '%s'", hay, needle);
}

static bool has_plugin(const char *name)
{
    for (size_t i = 0; i < srv.n_plugins; i++)
        if (strcmp(plugin_name(srv.plugins[i]), name) == 0)
            return true;
    return false;
}

static const tool *find_tool(const char *name)
{
    return tools_find_any(&srv, name);
}

/* ------------------------------------------------------------------ */

START_TEST(good_set_loads_in_order)
{
    ck_assert_msg(start_conf("test-plugins.ini") == 0, "%s", err);
    ck_assert_uint_eq(srv.n_plugins, 2);
    ck_assert_str_eq(plugin_name(srv.plugins[0]), "memory");
    ck_assert_str_eq(plugin_name(srv.plugins[1]), "testkit");
    ck_assert_str_eq(srv.storage_vt->name, "memory");
    /* testkit's tools, in registration order, owned by testkit */
    const char *names[] = {"test_echo", "test_slow", "test_fail", "test_broken_output"};
    size_t at = 0;
    for (size_t i = 0; i < srv.n_tools; i++) {
        if (srv.tools[i]->owner == srv.plugins[1]) {
            ck_assert_uint_lt(at, 4);
            ck_assert_str_eq(srv.tools[i]->name, names[at++]);
            ck_assert(srv.tools[i]->enabled);
        }
    }
    ck_assert_uint_eq(at, 4);
    const tool *echo = find_tool("test_echo");
    ck_assert_ptr_nonnull(echo);
    ck_assert_ptr_nonnull(echo->input_schema);
    ck_assert_ptr_nonnull(echo->output_schema);
    ck_assert_ptr_null(find_tool("test_slow")->output_schema);
}
END_TEST

START_TEST(tools_section_disables)
{
    ck_assert_msg(start_conf("paged.ini") == 0, "%s", err);
    ck_assert_ptr_nonnull(find_tool("test_fail"));
    ck_assert(!find_tool("test_fail")->enabled);
    ck_assert_ptr_null(tools_find(&srv, "test_fail"));
    ck_assert_ptr_nonnull(tools_find(&srv, "test_echo"));
    ck_assert_uint_eq(srv.cfg.tools_page_size, 2);
}
END_TEST

START_TEST(abi_mismatch_refused_before_init)
{
    /* if badabi's init ran, it would abort() and this test would die */
    ck_assert_int_eq(start_conf("badabi.ini"), -1);
    assert_contains(err, "badabi");
    assert_contains(err, "ABI mismatch");
    assert_contains(err, "badabi.so");
    ck_assert(!has_plugin("badabi"));
}
END_TEST

START_TEST(missing_symbol)
{
    ck_assert_int_eq(start_conf("nosymbol.ini"), -1);
    assert_contains(err, "nosymbol");
    assert_contains(err, "mcp_plugin_entry");
    ck_assert(!has_plugin("nosymbol"));
}
END_TEST

START_TEST(missing_file)
{
    ck_assert_int_eq(start_text("[plugin.memory]\n[plugin.ghost]\npath = @P@/ghost.so\n"), -1);
    assert_contains(err, "ghost");
    assert_contains(err, "ghost.so");
    assert_contains(err, "No such file");
}
END_TEST

START_TEST(not_a_shared_object)
{
    /* a regular file that is not an ELF object: dlopen's reason is shown */
    ck_assert_int_eq(start_text("[plugin.memory]\n[plugin.junk]\npath = /etc/hostname\n"), -1);
    assert_contains(err, "junk");
    assert_contains(err, "/etc/hostname");
}
END_TEST

START_TEST(init_failure)
{
    ck_assert_int_eq(start_conf("initfail.ini"), -1);
    assert_contains(err, "testkit");
    assert_contains(err, "init failed");
    assert_contains(err, "fail_init");
    ck_assert(!has_plugin("testkit"));
    ck_assert_ptr_null(find_tool("test_echo"));
}
END_TEST

START_TEST(duplicate_tool_names_both_plugins)
{
    ck_assert_int_eq(start_conf("dup.ini"), -1);
    assert_contains(err, "plugin dup");
    assert_contains(err, "test_echo");
    assert_contains(err, "testkit");
    /* dup registered dup_own before failing: it is gone with dup */
    ck_assert(!has_plugin("dup"));
    ck_assert_ptr_null(find_tool("dup_own"));
    /* and testkit's test_echo is untouched */
    const tool *echo = find_tool("test_echo");
    ck_assert_ptr_nonnull(echo);
    ck_assert_str_eq(plugin_name(echo->owner), "testkit");
}
END_TEST

START_TEST(optional_plugin_skipped)
{
    ck_assert_msg(start_conf("optional.ini") == 0, "%s", err);
    ck_assert(!has_plugin("badabi"));
    ck_assert(has_plugin("testkit"));
    ck_assert_ptr_nonnull(tools_find(&srv, "test_echo"));
}
END_TEST

START_TEST(optional_dup_unregisters_its_tools)
{
    ck_assert_msg(start_text("[plugin.memory]\n[plugin.testkit]\npath = @P@/testkit.so\n"
                             "[plugin.dup]\npath = @P@/dup.so\noptional = true\n") == 0,
                  "%s", err);
    ck_assert(!has_plugin("dup"));
    ck_assert_ptr_null(find_tool("dup_own"));
    ck_assert_str_eq(plugin_name(find_tool("test_echo")->owner), "testkit");
}
END_TEST

START_TEST(disabled_plugin_not_loaded)
{
    ck_assert_msg(start_text("[plugin.memory]\n[plugin.badabi]\npath = @P@/badabi.so\n"
                             "enabled = false\n[plugin.testkit]\npath = @P@/testkit.so\n") == 0,
                  "%s", err);
    ck_assert(!has_plugin("badabi"));
    ck_assert(has_plugin("testkit"));
}
END_TEST

START_TEST(descriptor_name_must_match_section)
{
    ck_assert_int_eq(start_text("[plugin.memory]\n[plugin.other]\npath = @P@/testkit.so\n"), -1);
    assert_contains(err, "other");
    assert_contains(err, "testkit");
    ck_assert_ptr_null(find_tool("test_echo"));
}
END_TEST

START_TEST(world_writable_file_refused)
{
    char src[1024], dst[64];
    snprintf(src, sizeof src, "%s/testkit.so", env_or_skip("SMCP_TEST_PLUGIN_DIR"));
    snprintf(dst, sizeof dst, "/tmp/smcp-ww-XXXXXX");
    int out = mkstemp(dst);
    ck_assert_int_ge(out, 0);
    FILE *in = fopen(src, "rb");
    ck_assert_ptr_nonnull(in);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_int_eq(write(out, buf, n), (ssize_t)n);
    fclose(in);
    close(out);
    chmod(dst, 0666);
    char text[256];
    snprintf(text, sizeof text, "[plugin.memory]\n[plugin.testkit]\npath = %s\n", dst);
    int rc = start_text(text);
    unlink(dst);
    ck_assert_int_eq(rc, -1);
    assert_contains(err, "writable");
    ck_assert(!has_plugin("testkit"));
}
END_TEST

/* ---- plugins load only from configured paths ---------------------- */

/* Copies src to dst with `mode`. */
static void copy_file(const char *src, const char *dst, mode_t mode)
{
    FILE *in = fopen(src, "rb");
    ck_assert_msg(in != NULL, "cannot open %s", src);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ck_assert_int_ge(out, 0);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_int_eq(write(out, buf, n), (ssize_t)n);
    fclose(in);
    close(out);
    ck_assert_int_eq(chmod(dst, mode), 0);
}

/* Starts a server from INI `text` with plugin_dir = `dir` (start() would
 * put the bundled directory there). */
static int start_in(const char *text, const char *dir)
{
    snprintf(tmpini, sizeof tmpini, "/tmp/smcp-loader-XXXXXX");
    int fd = mkstemp(tmpini);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    config cfg;
    ck_assert_msg(config_load(&cfg, tmpini, err, sizeof err) == 0, "config: %s", err);
    free(cfg.plugin_dir);
    cfg.plugin_dir = strdup(dir);
    int rc = server_init(&srv, &cfg, devnull, err, sizeof err);
    srv_live = true;
    config_free(&cfg);
    return rc;
}

static void bundled(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s.so", env_or_skip("SMCP_PLUGIN_DIR"), name);
}

static void testplugin(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s.so", env_or_skip("SMCP_TEST_PLUGIN_DIR"), name);
}

/* A plugin file lying in plugin_dir is not loaded unless a section names it. */
START_TEST(only_declared_plugins_load)
{
    char dir[] = "/tmp/smcp-pdir-XXXXXX", src[1024], dst[1100];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    bundled(src, sizeof src, "memory");
    snprintf(dst, sizeof dst, "%s/memory.so", dir);
    copy_file(src, dst, 0755);
    testplugin(src, sizeof src, "testkit");
    snprintf(dst, sizeof dst, "%s/testkit.so", dir);
    copy_file(src, dst, 0755);
    int rc = start_in("[plugin.memory]\n", dir);
    unlink(dst);
    snprintf(dst, sizeof dst, "%s/memory.so", dir);
    unlink(dst);
    rmdir(dir);
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert(has_plugin("memory"));
    ck_assert(!has_plugin("testkit"));
    ck_assert_ptr_null(find_tool("test_echo"));
    ck_assert_uint_eq(srv.n_plugins, 1);
}
END_TEST

/* A relative path is resolved against plugin_dir only: not the working
 * directory, not the dynamic loader's search path. */
START_TEST(relative_path_only_under_plugin_dir)
{
    char pdir[] = "/tmp/smcp-pdir-XXXXXX", cwd[] = "/tmp/smcp-cwd-XXXXXX";
    char src[1024], dst[1100], mem[1024], text[2048];
    ck_assert_ptr_nonnull(mkdtemp(pdir));
    ck_assert_ptr_nonnull(mkdtemp(cwd));
    testplugin(src, sizeof src, "testkit");
    snprintf(dst, sizeof dst, "%s/testkit.so", cwd);
    copy_file(src, dst, 0755);
    ck_assert_int_eq(chdir(cwd), 0);
    setenv("LD_LIBRARY_PATH", cwd, 1);
    bundled(mem, sizeof mem, "memory");
    snprintf(text, sizeof text, "[plugin.memory]\npath = %s\n[plugin.testkit]\npath = testkit.so\n",
             mem);
    int rc = start_in(text, pdir);
    unlink(dst);
    rmdir(cwd);
    rmdir(pdir);
    ck_assert_int_eq(rc, -1);
    char want[1100];
    snprintf(want, sizeof want, "%s/testkit.so", pdir);
    assert_contains(err, want);
    ck_assert(!has_plugin("testkit"));
}
END_TEST

/* The check follows symlinks: a link in plugin_dir to a world-writable
 * file is refused like the file itself. */
START_TEST(world_writable_target_of_symlink_refused)
{
    char dir[] = "/tmp/smcp-pdir-XXXXXX", src[1024], target[1100], link[1100];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    testplugin(src, sizeof src, "testkit");
    snprintf(target, sizeof target, "%s/real-testkit.so", dir);
    copy_file(src, target, 0666);
    snprintf(link, sizeof link, "%s/testkit.so", dir);
    ck_assert_int_eq(symlink(target, link), 0);
    char mem[1024], text[2048];
    bundled(mem, sizeof mem, "memory");
    snprintf(text, sizeof text, "[plugin.memory]\npath = %s\n[plugin.testkit]\n", mem);
    int rc = start_in(text, dir);
    unlink(link);
    unlink(target);
    rmdir(dir);
    ck_assert_int_eq(rc, -1);
    assert_contains(err, "writable");
    ck_assert(!has_plugin("testkit"));
}
END_TEST

START_TEST(missing_storage_backend)
{
    ck_assert_int_eq(start_text("[storage]\nbackend = nosuch\n[plugin.memory]\n"), -1);
    assert_contains(err, "nosuch");
    assert_contains(err, "memory"); /* what is available */
}
END_TEST

START_TEST(unknown_tools_section_entry_is_not_fatal)
{
    ck_assert_msg(start_text("[tools]\nno_such_tool = false\n[plugin.memory]\n"
                             "[plugin.testkit]\npath = @P@/testkit.so\n") == 0,
                  "%s", err);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Services a loaded plugin relies on: the progress rules               */
/* ------------------------------------------------------------------ */

static int start_with_pipe(void)
{
    ck_assert_int_eq(pipe(out_pipe), 0);
    fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
    close(devnull);
    devnull = out_pipe[1]; /* the server writes here; teardown closes it */
    return start_conf("test-plugins.ini");
}

/* Reads what the server wrote and counts lines containing `needle`. */
static int count_written(const char *needle)
{
    static char buf[65536];
    ssize_t n = read(out_pipe[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    int count = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *j = cJSON_Parse(line);
        ck_assert_msg(j != NULL, "not JSON: %s", line);
        if (strstr(line, needle))
            count++;
        cJSON_Delete(j);
    }
    return count;
}

START_TEST(progress_only_with_token_and_increasing)
{
    ck_assert_msg(start_with_pipe() == 0, "%s", err);
    tool *slow = tools_find(&srv, "test_slow");
    cJSON *id = cJSON_CreateNumber(7);
    cJSON *tok = cJSON_CreateString("tok");
    mcp_call *c = call_new(&srv, slow, "7", id, tok, false, -1);
    ck_assert_ptr_nonnull(c);
    call_api_progress(c, 1, 10, "one");
    call_api_progress(c, 1, 10, "same again");  /* not increasing: dropped */
    call_api_progress(c, 0.5, 10, "backwards"); /* dropped */
    call_api_progress(c, 2, 0, NULL);           /* total unknown */
    ck_assert_int_eq(count_written("notifications/progress"), 2);
    call_cancel(c);
    call_api_progress(c, 3, 10, "after cancel"); /* dropped */
    ck_assert_int_eq(count_written("notifications/progress"), 0);
    call_api_done(c, MCP_OK); /* cancelled: no response either */
    ck_assert_int_eq(count_written("\"id\":7"), 0);

    mcp_call *quiet = call_new(&srv, slow, "8", id, NULL, false, -1);
    call_api_progress(quiet, 1, 2, "no token");
    ck_assert_int_eq(count_written("notifications/progress"), 0);
    call_api_result_text(quiet, "done");
    call_api_done(quiet, MCP_OK);
    ck_assert_int_eq(count_written("\"id\":8"), 1);
    cJSON_Delete(id);
    cJSON_Delete(tok);
}
END_TEST

static Suite *loader_suite(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("loader");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, good_set_loads_in_order);
    tcase_add_test(tc, tools_section_disables);
    tcase_add_test(tc, abi_mismatch_refused_before_init);
    tcase_add_test(tc, missing_symbol);
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, not_a_shared_object);
    tcase_add_test(tc, init_failure);
    tcase_add_test(tc, duplicate_tool_names_both_plugins);
    tcase_add_test(tc, optional_plugin_skipped);
    tcase_add_test(tc, optional_dup_unregisters_its_tools);
    tcase_add_test(tc, disabled_plugin_not_loaded);
    tcase_add_test(tc, descriptor_name_must_match_section);
    tcase_add_test(tc, world_writable_file_refused);
    tcase_add_test(tc, only_declared_plugins_load);
    tcase_add_test(tc, relative_path_only_under_plugin_dir);
    tcase_add_test(tc, world_writable_target_of_symlink_refused);
    tcase_add_test(tc, missing_storage_backend);
    tcase_add_test(tc, unknown_tools_section_entry_is_not_fatal);
    suite_add_tcase(s, tc);
    tc = tcase_create("services");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, progress_only_with_token_and_increasing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(loader_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
