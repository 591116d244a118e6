/* host_content.c - the host's own resources (stored profiles, each view the
 * matching tool gives) and prompts (the profiling workflows). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "profile_access.h"
#include "prompts.h"
#include "resources.h"
#include "store.h"
#include "tools.h"

/* A resource view of a profile: the URI suffix and the tool that answers. */
typedef struct view {
    const char *suffix; /* after scalene://profile/{id} */
    const char *tool;
    const char *name, *title, *description;
    const char *path_arg; /* the tool argument {+path} fills, or NULL */
} view;

static const view views[] = {
    {"/summary", "get_profile", "profile-summary", "Profile summary",
     "Outcome, elapsed time, peak memory, CPU split, files and top lines (as get_profile)", NULL},
    {"/analysis", "analyze_profile", "profile-analysis", "Profile analysis",
     "Every analyzer's section and the top recommendations (as analyze_profile)", NULL},
    {"/hotspots", "get_cpu_hotspots", "profile-cpu-hotspots", "CPU hotspots",
     "Lines ranked by CPU share (as get_cpu_hotspots)", NULL},
    {"/memory", "get_memory_hotspots", "profile-memory-hotspots", "Memory hotspots",
     "Lines ranked by memory (as get_memory_hotspots)", NULL},
    {"/bottlenecks", "get_bottlenecks", "profile-bottlenecks", "Bottlenecks",
     "Severity-ranked problems with recommendations (as get_bottlenecks)", NULL},
    {"/leaks", "get_memory_leaks", "profile-leaks", "Memory leaks",
     "Leak candidates with evidence (as get_memory_leaks)", NULL},
    {"/functions", "get_function_summary", "profile-functions", "Functions",
     "Per-function totals (as get_function_summary)", NULL},
    {"/file/{+path}", "get_file_details", "profile-file", "One file of a profile",
     "Per-line metrics of one profiled file (as get_file_details)", "file"},
};

typedef struct host_ctx {
    server *srv;
    const view *v; /* NULL: the stored document itself */
} host_ctx;

static const char *var(const cJSON *vars, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(vars, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The text blocks of a CallToolResult, joined. */
static char *result_text(const cJSON *result)
{
    size_t len = 0;
    const cJSON *b;
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(result, "content");
    cJSON_ArrayForEach(b, content)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(b, "text");
        if (cJSON_IsString(t))
            len += strlen(t->valuestring) + 1;
    }
    char *out = calloc(len + 1, 1);
    cJSON_ArrayForEach(b, content)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(b, "text");
        if (out && cJSON_IsString(t))
            strcat(out, t->valuestring);
    }
    return out;
}

static int read_view(mcp_read *rd, const char *uri, const cJSON *vars, void *ud)
{
    host_ctx *hc = ud;
    server *s = hc->srv;
    const char *id = var(vars, "id");
    if (!id || !store_id_valid(id))
        return MCP_NOTFOUND;
    if (!hc->v) {
        char *doc = NULL;
        size_t len = 0;
        char err[256];
        if (store_get(s->store, id, &doc, &len, err, sizeof err) != MCP_OK)
            return MCP_NOTFOUND;
        resource_api_read_text(rd, uri, "application/json", doc);
        free(doc);
        return MCP_OK;
    }
    tool *t = tools_find(s, hc->v->tool);
    if (!t)
        return MCP_NOTFOUND; /* its plugin is not loaded */
    cJSON *args = cJSON_CreateObject();
    cJSON_AddStringToObject(args, "profile_id", id);
    if (hc->v->path_arg)
        cJSON_AddStringToObject(args, hc->v->path_arg, var(vars, "path"));
    char err[512];
    cJSON *result = call_run_capture(s, t, args, err, sizeof err);
    cJSON_Delete(args);
    if (!result)
        return MCP_ERROR;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "isError"))) {
        cJSON_Delete(result);
        return MCP_NOTFOUND;
    }
    char *text = result_text(result);
    resource_api_read_text(rd, uri, "text/plain", text ? text : "");
    free(text);
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(result, "structuredContent");
    char *json = sc ? cJSON_PrintUnformatted(sc) : NULL;
    if (json)
        resource_api_read_text(rd, uri, "application/json", json);
    cJSON_free(json);
    cJSON_Delete(result);
    return MCP_OK;
}

/* ---- completion ---- */

typedef struct id_scan {
    mcp_completion *c;
    const char *prefix;
    size_t seen;
} id_scan;

static int offer_id(void *ctx, const mcp_record_meta *m)
{
    id_scan *sc = ctx;
    if (!strncmp(m->id, sc->prefix, strlen(sc->prefix)))
        resource_api_complete_value(sc->c, m->id);
    return ++sc->seen >= 1000 || cJSON_GetArraySize(sc->c->values) >= 100;
}

static void complete_ids(server *s, mcp_completion *c, const char *prefix)
{
    id_scan sc = {c, prefix, 0};
    mcp_list_query q = {.limit = 1000};
    char err[256];
    char *next = NULL;
    store_list(s->store, &q, offer_id, &sc, &next, err, sizeof err);
    free(next);
}

static void complete_paths(server *s, mcp_completion *c, const char *id, const char *prefix)
{
    const mcp_profile *p = NULL;
    char err[256];
    if (!id || profiles_open(s, id, &p, err, sizeof err) != MCP_OK)
        return;
    for (size_t i = 0; i < p->summary.n_files; i++) {
        const char *dp = p->files[i].info.display_path;
        if (!strncmp(dp, prefix, strlen(prefix)))
            resource_api_complete_value(c, dp);
    }
    profiles_release(s, p);
}

static int complete_view(mcp_completion *c, const char *name, const char *prefix,
                         const cJSON *context, void *ud)
{
    host_ctx *hc = ud;
    if (!strcmp(name, "id"))
        complete_ids(hc->srv, c, prefix);
    else if (!strcmp(name, "path"))
        complete_paths(hc->srv, c, var(context, "id"), prefix);
    return MCP_OK;
}

/* ---- prompts ---- */

static const char *arg_or(const cJSON *args, const char *name, const char *dflt)
{
    const char *v = var(args, name);
    return v && *v ? v : dflt;
}

static int prompt_optimize(mcp_prompt *pr, const cJSON *args, void *ud)
{
    (void)ud;
    const char *script = var(args, "script");
    const char *sargs = arg_or(args, "args", "");
    const char *goal = arg_or(args, "goal", "run faster without changing what it computes");
    char call[1024];
    if (*sargs)
        snprintf(call, sizeof call, "script=\"%s\", script_args=[each word of \"%s\"]", script,
                 sargs);
    else
        snprintf(call, sizeof call, "script=\"%s\"", script);
    return prompt_api_text(
        pr, "user",
        "Optimize the Python program %s. Goal: %s.\n\n"
        "1. Profile it: call profile_script with %s and label=\"before\". Note the "
        "profile_id.\n"
        "2. Find where the time and memory go: get_bottlenecks and get_cpu_hotspots with that "
        "profile_id (get_memory_hotspots if memory matters). Read the reported lines in the "
        "source.\n"
        "3. Change the code at the top one to three hotspots only; keep behaviour identical and "
        "explain each change.\n"
        "4. Profile again with the same arguments and label=\"after\".\n"
        "5. Call compare_profiles with before_id and after_id. Keep a change only if the "
        "comparison calls it a significant improvement; otherwise revert it.\n"
        "6. Repeat from step 2 while the goal is not met, then summarise what changed and the "
        "measured effect.",
        script, goal, call);
}

static int prompt_leak(mcp_prompt *pr, const cJSON *args, void *ud)
{
    (void)ud;
    const char *script = var(args, "script");
    const char *sargs = arg_or(args, "args", "");
    return prompt_api_text(
        pr, "user",
        "Find out whether %s%s%s leaks memory, and where.\n\n"
        "1. Call profile_script with script=\"%s\", memory=true and a workload long enough for "
        "memory to grow (Scalene scores leaks once the footprint passes about 100 MB).\n"
        "2. Call get_memory_leaks with the profile_id: it ranks Scalene's leak candidates by "
        "evidence (growth slope, whether memory returns to baseline) and gives a confidence. "
        "Treat low-confidence candidates as transient allocations.\n"
        "3. Check the growth over time with get_profile section=\"timeline\" and the lines "
        "holding memory with get_memory_hotspots.\n"
        "4. Read the code at the leaking lines: what keeps the objects alive (a cache, a list "
        "that only grows, a global, a closure)? Propose a fix.\n"
        "5. After fixing, profile again and call compare_profiles: the peak memory and the "
        "leak should be gone.",
        script, *sargs ? " with arguments " : "", sargs, script);
}

static int prompt_compare(mcp_prompt *pr, const cJSON *args, void *ud)
{
    (void)ud;
    return prompt_api_text(
        pr, "user",
        "Compare two profiles: before=%s, after=%s.\n\n"
        "1. Call compare_profiles with before_id=\"%s\" and after_id=\"%s\".\n"
        "2. Report the verdict, the change in elapsed time and peak memory, and the significant "
        "regressions and improvements by function and line. Changes inside the sampling noise "
        "are not findings: say so instead of listing them.\n"
        "3. For each regression, read the code at that line in both versions and explain what "
        "changed.",
        var(args, "before_id"), var(args, "after_id"), var(args, "before_id"),
        var(args, "after_id"));
}

static int complete_prompt(mcp_completion *c, const char *name, const char *prefix,
                           const cJSON *context, void *ud)
{
    (void)context;
    host_ctx *hc = ud;
    if (!strcmp(name, "before_id") || !strcmp(name, "after_id"))
        complete_ids(hc->srv, c, prefix);
    return MCP_OK;
}

static const mcp_prompt_arg optimize_args[] = {
    {"script", "path of the Python script to optimize", true},
    {"args", "its command-line arguments, space-separated", false},
    {"goal", "what to improve (default: run faster with the same results)", false},
};
static const mcp_prompt_arg leak_args[] = {
    {"script", "path of the Python script that seems to leak", true},
    {"args", "its command-line arguments, space-separated", false},
};
static const mcp_prompt_arg compare_args[] = {
    {"before_id", "profile id of the earlier version", true},
    {"after_id", "profile id of the later version", true},
};

int host_content_register(server *s, char *err, size_t errsz)
{
    host_ctx *doc = calloc(1, sizeof *doc);
    if (!doc)
        return MCP_NOMEM;
    doc->srv = s;
    mcp_resource_def whole = {MCP_RESOURCE_DEF_VERSION,
                              NULL,
                              "scalene://profile/{id}",
                              "profile-document",
                              "Stored profile (JSON)",
                              "The whole stored profile in scalene-mcp's versioned JSON format",
                              "application/json",
                              read_view,
                              complete_view,
                              doc,
                              free};
    int rc = resources_register(s, NULL, &whole, err, errsz);
    for (size_t i = 0; rc == MCP_OK && i < sizeof views / sizeof views[0]; i++) {
        if (!tools_find(s, views[i].tool))
            continue; /* that analyzer is not loaded */
        host_ctx *hc = calloc(1, sizeof *hc);
        if (!hc)
            return MCP_NOMEM;
        hc->srv = s;
        hc->v = &views[i];
        char tmpl[128];
        snprintf(tmpl, sizeof tmpl, "scalene://profile/{id}%s", views[i].suffix);
        mcp_resource_def d = {MCP_RESOURCE_DEF_VERSION,
                              NULL,
                              tmpl,
                              views[i].name,
                              views[i].title,
                              views[i].description,
                              "text/plain",
                              read_view,
                              complete_view,
                              hc,
                              free};
        rc = resources_register(s, NULL, &d, err, errsz);
    }
    if (rc != MCP_OK)
        return rc;
    host_ctx *pc = calloc(1, sizeof *pc);
    if (!pc)
        return MCP_NOMEM;
    pc->srv = s;
    const mcp_prompt_def prompts[] = {
        {MCP_PROMPT_DEF_VERSION, "optimize_script", "Optimize a script",
         "Profile, find the hotspots, change the code, re-profile and compare until faster.",
         optimize_args, 3, prompt_optimize, complete_prompt, pc, free},
        {MCP_PROMPT_DEF_VERSION, "find_memory_leak", "Find a memory leak",
         "Profile memory, rank leak candidates by evidence, find what keeps objects alive.",
         leak_args, 2, prompt_leak, complete_prompt, pc, NULL},
        {MCP_PROMPT_DEF_VERSION, "compare_versions", "Compare two versions",
         "Compare two stored profiles and explain the significant changes.", compare_args, 2,
         prompt_compare, complete_prompt, pc, NULL},
    };
    for (size_t i = 0; rc == MCP_OK && i < 3; i++)
        rc = prompts_register(s, NULL, &prompts[i], err, errsz);
    return rc;
}
