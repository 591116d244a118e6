/* fuzz_config.c - fuzz target: the INI loader (config_load).
 *
 * Input: the text of a configuration file. It is written to a memfd and
 * loaded through its /proc/self/fd path, so config_load runs exactly as
 * for --config FILE (inih's stream reader, the line counting, every key's
 * validation) without touching the disk. Oracles: the sanitizers, a
 * terminated message on failure, and the loaded values' ranges. */
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

static int mfd = -1;
static char mpath[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* environment overrides apply last: keep them out of the picture */
    static const char *const vars[] = {
        "SCALENE_PYTHON_EXECUTABLE", "SCALENE_TIMEOUT",   "SCALENE_CPU_PERCENT_THRESHOLD",
        "SCALENE_MALLOC_THRESHOLD",  "SCALENE_LOG_LEVEL", "SCALENE_MCP_STORAGE",
        "SCALENE_MCP_CONFIG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    mfd = memfd_create("smcp-fuzz-ini", MFD_CLOEXEC);
    if (mfd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(mpath, sizeof mpath, "/proc/self/fd/%d", mfd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (mfd < 0)
        LLVMFuzzerInitialize(NULL, NULL);
    if (ftruncate(mfd, 0) != 0 || pwrite(mfd, data, size, 0) != (ssize_t)size)
        abort();
    config c;
    char err[1024];
    err[0] = '\0';
    int rc = config_load(&c, mpath, err, sizeof err);
    if (rc != 0) {
        FUZZ_CHECK(rc == -1, "config_load returned %d", rc);
        FUZZ_CHECK(err[0] != '\0', "failure without a message");
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL, "message not terminated");
    } else {
        FUZZ_CHECK(c.source && c.plugin_dir, "no source or plugin_dir");
        FUZZ_CHECK(c.log_level >= 0 && c.log_level < 8, "log_level %d", c.log_level);
        FUZZ_CHECK(c.max_message_bytes >= 1024, "max_message_bytes %zu", c.max_message_bytes);
        FUZZ_CHECK(c.max_concurrent_profiles >= 1 && c.max_concurrent_profiles <= 64,
                   "max_concurrent_profiles %u", c.max_concurrent_profiles);
        FUZZ_CHECK(c.max_timeout_sec >= c.timeout_sec, "max_timeout < timeout");
        FUZZ_CHECK(c.backend && *c.backend, "no backend");
        for (size_t i = 0; i < c.n_plugins; i++) {
            const plugin_conf *pc = &c.plugins[i];
            FUZZ_CHECK(pc->name && *pc->name && strlen(pc->name) <= 64, "plugin name");
            for (size_t j = 0; j < i; j++)
                FUZZ_CHECK(strcmp(c.plugins[j].name, pc->name) != 0, "plugin %s twice", pc->name);
            char *path = config_plugin_path(&c, pc);
            FUZZ_CHECK(path != NULL, "no path for plugin %s", pc->name);
            free(path);
        }
        for (size_t i = 0; i < c.n_tools; i++)
            (void)config_tool_enabled(&c, c.tools[i].name);
        (void)config_log_level_name(c.log_level);
    }
    config_free(&c);
    return 0;
}
