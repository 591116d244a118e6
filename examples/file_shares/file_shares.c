/* file_shares.c - an example third-party scalene-mcp analyzer.
 *
 * Adds the tool `file_shares` (CPU and peak memory per profiled file) and a
 * section of the same name to analyze_profile. It uses nothing but the
 * installed SDK header, so it builds out of tree:
 *
 *   make PKG_CONFIG_PATH=<prefix>/lib/pkgconfig
 *
 * and loads from the INI file:
 *
 *   [plugin.file_shares]
 *   path = /abs/path/to/file_shares.so
 *   min_percent = 1.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <scalene_mcp.h>

typedef struct settings {
    const mcp_host_api *api;
    double min_percent; /* files under this CPU share are summed as "other" */
} settings;

/* Peak MB of a file: the largest line peak (Scalene reports peaks per line). */
static double file_peak_mb(const mcp_host_api *api, const mcp_profile *p, size_t f, size_t n)
{
    double peak = 0;
    for (size_t i = 0; i < n; i++) {
        const mcp_prof_line *l = api->profile_line(p, f, i);
        if (l && l->m.peak_mb > peak)
            peak = l->m.peak_mb;
    }
    return peak;
}

/* Builds the per-file rows and their text; returns the JSON array (new). */
static cJSON *shares(const settings *st, const mcp_profile *p, char **text)
{
    const mcp_host_api *api = st->api;
    const mcp_prof_summary *sm = api->profile_summary(p);
    cJSON *rows = cJSON_CreateArray();
    size_t cap = 256 + sm->n_files * 160, len = 0;
    char *out = malloc(cap);
    if (!rows || !out) {
        cJSON_Delete(rows);
        free(out);
        return NULL;
    }
    out[0] = '\0';
    double other = 0;
    for (size_t f = 0; f < sm->n_files; f++) {
        const mcp_prof_file *pf = api->profile_file(p, f);
        if (pf->cpu_percent < st->min_percent) {
            other += pf->cpu_percent;
            continue;
        }
        double peak = file_peak_mb(api, p, f, pf->n_lines);
        cJSON *row = cJSON_CreateObject();
        cJSON_AddStringToObject(row, "file", pf->display_path);
        cJSON_AddNumberToObject(row, "cpu_percent", pf->cpu_percent);
        cJSON_AddNumberToObject(row, "peak_mb", peak);
        cJSON_AddItemToArray(rows, row);
        len += (size_t)snprintf(out + len, cap - len, "%-40s %6.1f%% CPU %9.1f MB peak\n",
                                pf->display_path, pf->cpu_percent, peak);
    }
    if (other > 0)
        snprintf(out + len, cap - len, "(files under %.1f%% CPU: %.1f%% together)\n",
                 st->min_percent, other);
    *text = out;
    return rows;
}

static int file_shares_tool(mcp_call *call, const cJSON *args, void *ud)
{
    settings *st = ud;
    const mcp_host_api *api = st->api;
    mcp_plugin *self = api->call_plugin(call);
    const char *id = cJSON_GetObjectItemCaseSensitive(args, "profile_id")->valuestring;
    const mcp_profile *p;
    if (api->profile_open(self, id, &p) != MCP_OK)
        return MCP_NOTFOUND; /* the host shows the message profile_open set */
    char *text = NULL;
    cJSON *rows = shares(st, p, &text);
    api->profile_release(self, p);
    if (!rows)
        return MCP_NOMEM;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", id);
    cJSON_AddItemToObject(out, "files", rows);
    api->result_text(call, "%s", text);
    api->result_structured(call, out);
    free(text);
    return MCP_OK;
}

static int file_shares_section(mcp_section *sec, const mcp_profile *p, void *ud)
{
    settings *st = ud;
    char *text = NULL;
    cJSON *rows = shares(st, p, &text);
    if (!rows)
        return MCP_NOMEM;
    st->api->section_text(sec, "%s", text);
    st->api->section_data(sec, rows);
    free(text);
    return MCP_OK;
}

static int file_shares_init(mcp_plugin *self, const mcp_host_api *api)
{
    if (!MCP_HAS(api, section_plugin)) {
        api->set_error(self, "this host is too old (needs the analyze_profile section API)");
        return MCP_VERSION;
    }
    settings *st = calloc(1, sizeof *st);
    if (!st)
        return MCP_NOMEM;
    st->api = api;
    st->min_percent = 1.0;
    const char *mp = api->config(self, "min_percent");
    if (mp) {
        char *end;
        st->min_percent = strtod(mp, &end);
        if (*end || st->min_percent < 0 || st->min_percent > 100) {
            api->set_error(self, "min_percent = '%s': expected a percentage from 0 to 100", mp);
            free(st);
            return MCP_INVALID;
        }
    }
    mcp_tool_def tool = {
        .version = MCP_TOOL_DEF_VERSION,
        .name = "file_shares",
        .title = "CPU and memory per file",
        .description = "CPU share and peak memory of each profiled file (example plugin).",
        .input_schema = "{\"type\":\"object\",\"properties\":{\"profile_id\":{\"type\":"
                        "\"string\"}},\"required\":[\"profile_id\"],"
                        "\"additionalProperties\":false}",
        .output_schema =
            "{\"type\":\"object\",\"properties\":{\"profile_id\":{\"type\":\"string\"},"
            "\"files\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
            "\"file\":{\"type\":\"string\"},\"cpu_percent\":{\"type\":\"number\"},"
            "\"peak_mb\":{\"type\":\"number\"}},\"required\":[\"file\",\"cpu_percent\","
            "\"peak_mb\"],\"additionalProperties\":false}}},\"required\":[\"profile_id\","
            "\"files\"],\"additionalProperties\":false}",
        .annotations = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT,
        .handler = file_shares_tool,
        .user_data = st,
        .free_user_data = free, /* the tool owns the settings */
    };
    int rc = api->register_tool(self, &tool);
    if (rc != MCP_OK)
        return rc; /* the host already freed st through free_user_data */
    mcp_section_def section = {
        .version = MCP_SECTION_DEF_VERSION,
        .name = "file_shares",
        .title = "CPU and memory per file",
        .focus = MCP_FOCUS_CPU | MCP_FOCUS_MEMORY,
        .order = 90,
        .fn = file_shares_section,
        .user_data = st, /* borrowed from the tool, freed with it */
    };
    return api->register_section(self, &section);
}

MCP_PLUGIN("file_shares", "1.0", file_shares_init, NULL);
