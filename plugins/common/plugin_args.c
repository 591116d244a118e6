/* plugin_args.c - tool arguments, profile opening and the file filter
 * (see plugin_args.h). */
#include "plugin_args.h"

#include <string.h>

#include "textbuf.h"

const char *plugin_arg_str(const cJSON *args, const char *name, const char *dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

double plugin_arg_num(const cJSON *args, const char *name, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

int plugin_arg_int(const cJSON *args, const char *name, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsNumber(v) ? (int)v->valuedouble : dflt;
}

size_t plugin_arg_size(const cJSON *args, const char *name, size_t dflt)
{
    double v = plugin_arg_num(args, name, (double)dflt);
    return v < 0 ? 0 : (size_t)v;
}

bool plugin_arg_bool(const cJSON *args, const char *name, bool dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

int plugin_open_profile_id(const mcp_host_api *api, mcp_call *call, const char *field,
                           const char *id, const mcp_profile **out)
{
    const mcp_profile *p = NULL;
    int rc = api->profile_open(api->call_plugin(call), id, &p);
    if (rc == MCP_OK) {
        *out = p;
        return rc;
    }
    if (rc == MCP_NOTFOUND)
        api->result_error(call, "call list_profiles to see the stored profile ids",
                          "%s: no profile with id '%.64s'", field, id);
    else if (rc == MCP_INVALID)
        api->result_error(call, "call list_profiles to see the stored profile ids",
                          "%s: '%.64s' is not a valid profile id (1-64 characters "
                          "of A-Z, a-z, 0-9, '_' and '-')",
                          field, id);
    else
        api->result_error(call, "profile the program again, or call list_profiles",
                          "%s: profile '%.64s' cannot be read (error %d)", field, id, rc);
    return rc;
}

const mcp_profile *plugin_open_profile(const mcp_host_api *api, mcp_call *call, const cJSON *args)
{
    const mcp_profile *p = NULL;
    const char *id = plugin_arg_str(args, "profile_id", "");
    return plugin_open_profile_id(api, call, "profile_id", id, &p) == MCP_OK ? p : NULL;
}

void plugin_close_profile(const mcp_host_api *api, mcp_call *call, const mcp_profile *p)
{
    if (p)
        api->profile_release(api->call_plugin(call), p);
}

static bool ends_with_at_slash(const char *path, const char *q)
{
    size_t pl = strlen(path), ql = strlen(q);
    if (ql == 0 || ql > pl || strcmp(path + pl - ql, q) != 0)
        return false;
    return ql == pl || path[pl - ql - 1] == '/' || q[0] == '/';
}

static bool same_joined(const char *cwd, const char *q, const char *path)
{
    size_t cl = cwd ? strlen(cwd) : 0;
    while (cl > 1 && cwd[cl - 1] == '/')
        cl--;
    return cl && strncmp(path, cwd, cl) == 0 && path[cl] == '/' && strcmp(path + cl + 1, q) == 0;
}

bool plugin_find_file(const mcp_host_api *api, mcp_call *call, const mcp_profile *p, const char *q,
                      size_t *fi)
{
    const mcp_prof_summary *sm = api->profile_summary(p);
    while (q[0] == '.' && q[1] == '/')
        q += 2;
    size_t n = sm->n_files, matches = 0, first = PLUGIN_ALL_FILES;
    for (int level = 0; level < 3 && matches == 0; level++) {
        for (size_t i = 0; i < n; i++) {
            const mcp_prof_file *f = api->profile_file(p, i);
            bool hit = level == 0 ? strcmp(f->path, q) == 0 ||
                                        (q[0] != '/' && same_joined(sm->cwd, q, f->path))
                       : level == 1 ? strcmp(f->display_path, q) == 0
                                    : ends_with_at_slash(f->path, q);
            if (hit) {
                if (!matches)
                    first = i;
                matches++;
            }
        }
    }
    if (matches == 1 && *q) {
        *fi = first;
        return true;
    }
    textbuf b;
    textbuf_init(&b);
    size_t listed = 0;
    for (size_t i = 0; i < n && listed < 10; i++) {
        const mcp_prof_file *f = api->profile_file(p, i);
        if (matches > 1 && !ends_with_at_slash(f->path, q) && strcmp(f->display_path, q) != 0 &&
            strcmp(f->path, q) != 0)
            continue;
        textbuf_printf(&b, "%s%s", listed ? ", " : "", f->display_path);
        listed++;
    }
    if (matches > 1)
        api->result_error(call, "pass a longer suffix or the full path",
                          "file: '%.200s' matches %zu files: %s%s", q, matches, textbuf_str(&b),
                          matches > listed ? ", ..." : "");
    else
        api->result_error(call,
                          "pass one of the profiled files (its name or a unique path suffix "
                          "is enough), or leave file out",
                          "file: '%.200s' is not in profile %s (files: %s%s)", q, sm->id,
                          n ? textbuf_str(&b) : "none", n > listed ? ", ..." : "");
    textbuf_free(&b);
    return false;
}

bool plugin_file_arg(const mcp_host_api *api, mcp_call *call, const mcp_profile *p,
                     const cJSON *args, size_t *fi)
{
    const char *q = plugin_arg_str(args, "file", NULL);
    *fi = PLUGIN_ALL_FILES;
    return !q || plugin_find_file(api, call, p, q, fi);
}

const mcp_profile *plugin_open_profile_file(const mcp_host_api *api, mcp_call *call,
                                            const cJSON *args, size_t *fi)
{
    const mcp_profile *p = plugin_open_profile(api, call, args);
    if (p && !plugin_file_arg(api, call, p, args, fi)) {
        plugin_close_profile(api, call, p);
        return NULL;
    }
    return p;
}

int plugin_answer_oom(const mcp_host_api *api, mcp_call *call)
{
    api->result_error(call, NULL, "out of memory while analyzing the profile");
    return MCP_NOMEM;
}
