/* config.h - the server's INI configuration (read with inih).
 *
 * Lookup: --config PATH, else $SCALENE_MCP_CONFIG, else
 * $XDG_CONFIG_HOME/scalene-mcp/config.ini (~/.config/...), else the installed
 * default file, else built-in defaults. Environment overrides apply last. */
#ifndef SMCP_CONFIG_H
#define SMCP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct config_kv {
    char *key, *value;
    int line;
    bool used; /* read by the plugin through api->config */
} config_kv;

typedef struct plugin_conf {
    char *name;    /* NAME of [plugin.NAME] */
    char *path;    /* path = ...; relative to plugin_dir; NULL: NAME.so */
    bool optional; /* optional = true: a failed load is a warning */
    bool enabled;  /* enabled = false skips the plugin */
    int line;      /* line of the section header, 0 for built-in */
    config_kv *kv; /* every other key, for the plugin itself */
    size_t n_kv;
} plugin_conf;

typedef struct tool_toggle {
    char *name;
    bool enabled;
    int line;
} tool_toggle;

typedef struct config {
    char *source; /* file read, or NULL for built-in defaults */

    /* [server] */
    int log_level; /* enum mcp_log_level */
    char *plugin_dir;
    size_t max_message_bytes;
    size_t max_profile_bytes;
    size_t tools_page_size; /* 0 = all tools on one page */
    unsigned max_concurrent_profiles;
    char *instructions_extra; /* appended to the built-in instructions */

    /* [scalene] */
    char *python;
    double timeout_sec, max_timeout_sec;
    double cpu_percent_threshold, malloc_threshold;
    char *allowed_roots; /* ':'-separated; NULL = anywhere */
    bool pass_secrets;
    bool fast_start;

    /* [storage] */
    char *backend;    /* default "sqlite" */
    bool backend_set; /* named by the file or $SCALENE_MCP_STORAGE; when not, and
                         no sqlite plugin is loaded, the only storage backend
                         loaded is used (plugin.c) */
    uint64_t max_profiles;
    double max_age_days;
    unsigned cache_profiles;

    /* [tools] */
    tool_toggle *tools;
    size_t n_tools;

    /* [plugin.NAME], in file order */
    plugin_conf *plugins;
    size_t n_plugins;
    bool plugins_declared; /* false: load the bundled default set */
} config;

/* Fills defaults, reads the file chosen by the lookup rules (explicit_path
 * may be NULL), applies environment overrides. Unknown keys are warned about
 * on stderr with file and line. Returns 0, or -1 with a message in err
 * naming file, line, key and what was expected. */
int config_load(config *c, const char *explicit_path, char *err, size_t errsz);
void config_free(config *c);

/* Resolves a plugin's path against plugin_dir; returns a malloc'd string. */
char *config_plugin_path(const config *c, const plugin_conf *p);

/* Tool enabled per [tools]; unknown names default to enabled. */
bool config_tool_enabled(const config *c, const char *tool);

/* Log level names as in MCP: debug, info, notice, warning, error, critical,
 * alert, emergency. Returns -1 for an unknown name. */
int config_log_level_from_name(const char *name);
const char *config_log_level_name(int level);

#endif
