/* tools_store.c - list_profiles, get_profile, get_file_details,
 * delete_profile: the tools that read what the store keeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call.h"
#include "core_tools.h"
#include "profile_access.h"
#include "report.h"
#include "store.h"
#include "strbuf.h"
#include "tools.h"

#define PROFILE_ID_PROP                                                                            \
    "\"profile_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,"                        \
    "\"description\":\"id returned by profile_script, profile_code or list_profiles\"}"

static void filter_from_config(const server *s, report_filter *f)
{
    f->cpu_percent_threshold = s->cfg.cpu_percent_threshold;
    f->malloc_threshold = s->cfg.malloc_threshold;
    f->reduced_profile = false;
}

/* The thresholds the profiling call asked for (kept in its request) win
 * over the configured ones, so get_profile shows what profile_script
 * showed. */
static void filter_for_profile(const server *s, const mcp_profile *p, report_filter *f)
{
    filter_from_config(s, f);
    cJSON *req = p->request_json ? cJSON_Parse(p->request_json) : NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "cpu_percent_threshold");
    if (cJSON_IsNumber(v))
        f->cpu_percent_threshold = v->valuedouble;
    v = cJSON_GetObjectItemCaseSensitive(req, "malloc_threshold");
    if (cJSON_IsNumber(v))
        f->malloc_threshold = v->valuedouble;
    v = cJSON_GetObjectItemCaseSensitive(req, "reduced_profile");
    if (cJSON_IsBool(v))
        f->reduced_profile = cJSON_IsTrue(v);
    cJSON_Delete(req);
}

static const char *arg_str(const cJSON *args, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double arg_num(const cJSON *args, const char *name, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* Opens the profile named by args.profile_id or answers the error. */
static const mcp_profile *open_arg(server *s, mcp_call *call, const cJSON *args)
{
    const mcp_profile *p = NULL;
    char err[512];
    int rc = profiles_open(s, arg_str(args, "profile_id"), &p, err, sizeof err);
    if (rc != MCP_OK) {
        call_api_result_error(call,
                              rc == MCP_NOTFOUND || rc == MCP_INVALID
                                  ? "call list_profiles to see the stored profile ids"
                                  : NULL,
                              "profile_id: %s", err);
        return NULL;
    }
    return p;
}

/* ---- list_profiles ---------------------------------------------------- */

/* "2026-11-22", "2026-11-22T10:00:00Z" (UTC) or epoch milliseconds. */
static bool parse_since(const char *s, int64_t *ms)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    if (*s && !*end && n >= 0) {
        *ms = n;
        return true;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = strptime(s, "%Y-%m-%d", &tm);
    if (!rest)
        return false;
    if (*rest == 'T' || *rest == ' ') {
        rest = strptime(rest + 1, "%H:%M:%S", &tm);
        if (!rest)
            return false;
        if (*rest == 'Z')
            rest++;
    }
    if (*rest)
        return false;
    *ms = (int64_t)timegm(&tm) * 1000;
    return true;
}

typedef struct list_ctx {
    strbuf text;
    cJSON *items;
    size_t n;
} list_ctx;

static void iso_time(int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int list_cb(void *ud, const mcp_record_meta *m)
{
    list_ctx *c = ud;
    cJSON *extra = cJSON_Parse(m->meta_json ? m->meta_json : "{}");
    cJSON *it = cJSON_CreateObject();
    char when[32];
    iso_time(m->created_ms, when, sizeof when);
    cJSON_AddStringToObject(it, "profile_id", m->id);
    cJSON_AddStringToObject(it, "created", when);
    cJSON_AddNumberToObject(it, "created_ms", (double)m->created_ms);
    cJSON_AddStringToObject(it, "target", m->target ? m->target : "");
    cJSON_AddStringToObject(it, "label", m->label ? m->label : "");
    const cJSON *oc = cJSON_GetObjectItemCaseSensitive(extra, "outcome");
    const cJSON *el = cJSON_GetObjectItemCaseSensitive(extra, "elapsed_sec");
    const cJSON *pk = cJSON_GetObjectItemCaseSensitive(extra, "max_footprint_mb");
    cJSON_AddStringToObject(it, "outcome", cJSON_IsString(oc) ? oc->valuestring : "unknown");
    cJSON_AddNumberToObject(it, "elapsed_sec", cJSON_IsNumber(el) ? el->valuedouble : 0);
    cJSON_AddNumberToObject(it, "max_footprint_mb", cJSON_IsNumber(pk) ? pk->valuedouble : 0);
    cJSON_AddItemToArray(c->items, it);
    sb_printf(&c->text, "%s  %s  %s%s%s%s  %s, %.2f s, %.1f MB\n", m->id, when, m->target,
              m->label && *m->label ? " [" : "", m->label ? m->label : "",
              m->label && *m->label ? "]" : "", cJSON_IsString(oc) ? oc->valuestring : "?",
              cJSON_IsNumber(el) ? el->valuedouble : 0, cJSON_IsNumber(pk) ? pk->valuedouble : 0);
    cJSON_Delete(extra);
    c->n++;
    return 0;
}

static int list_profiles(mcp_call *call, const cJSON *args, void *ud)
{
    server *s = ud;
    mcp_list_query q = {.target_contains = arg_str(args, "target"),
                        .label = arg_str(args, "label"),
                        .cursor = arg_str(args, "cursor"),
                        .limit = (uint32_t)arg_num(args, "limit", 20)};
    const char *since = arg_str(args, "since");
    if (since && !parse_since(since, &q.since_ms)) {
        call_api_result_error(call,
                              "use a date like 2026-11-22, 2026-11-22T10:00:00Z, or epoch "
                              "milliseconds",
                              "since: cannot read '%.60s' as a date", since);
        return MCP_INVALID;
    }
    list_ctx c = {.items = cJSON_CreateArray()};
    sb_init(&c.text);
    char *next = NULL;
    char err[512];
    int rc = store_list(s->store, &q, list_cb, &c, &next, err, sizeof err);
    if (rc != MCP_OK) {
        cJSON_Delete(c.items);
        sb_free(&c.text);
        call_api_result_error(call,
                              rc == MCP_INVALID ? "pass the next_cursor of the previous page "
                                                  "unchanged, or omit cursor"
                                                : NULL,
                              "%s", err);
        return rc;
    }
    uint64_t total = 0;
    store_count(s->store, &total, err, sizeof err);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "profiles", c.items);
    cJSON_AddNumberToObject(out, "total_stored", (double)total);
    if (next)
        cJSON_AddStringToObject(out, "next_cursor", next);
    strbuf head;
    sb_init(&head);
    sb_printf(&head, "%zu profile%s (of %llu stored), newest first%s\n", c.n, c.n == 1 ? "" : "s",
              (unsigned long long)total, next ? "; more with next_cursor" : "");
    sb_puts(&head, c.text.s ? c.text.s : "");
    if (next)
        sb_printf(&head, "next_cursor: %s\n", next);
    char *text = sb_take(&head);
    call_api_result_text(call, "%s", text);
    free(text);
    free(next);
    sb_free(&c.text);
    call_api_result_structured(call, out);
    return MCP_OK;
}

/* ---- get_profile ------------------------------------------------------ */

static cJSON *functions_json(const mcp_profile *p, strbuf *b)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t fi = 0; fi < p->summary.n_files; fi++) {
        const profile_file *pf = &p->files[fi];
        for (size_t k = 0; k < pf->info.n_functions; k++) {
            const mcp_prof_function *fn = &pf->functions[k];
            double cpu = fn->m.cpu_python + fn->m.cpu_native + fn->m.cpu_system;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "file", pf->info.display_path);
            cJSON_AddStringToObject(o, "name", fn->name);
            cJSON_AddNumberToObject(o, "first_line", fn->first_line);
            cJSON_AddNumberToObject(o, "last_line", fn->last_line);
            cJSON_AddNumberToObject(o, "cpu_percent", cpu);
            cJSON_AddNumberToObject(o, "peak_mb", fn->m.peak_mb);
            cJSON_AddItemToArray(arr, o);
            sb_printf(b, "  %s:%u %s  cpu %.1f%%  peak %.1f MB\n", pf->info.display_path,
                      fn->first_line, fn->name, cpu, fn->m.peak_mb);
        }
    }
    return arr;
}

static cJSON *leaks_json(const mcp_profile *p, strbuf *b)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t fi = 0; fi < p->summary.n_files; fi++) {
        const profile_file *pf = &p->files[fi];
        for (size_t k = 0; k < pf->info.n_leaks; k++) {
            const mcp_prof_leak *lk = &pf->leaks[k];
            const mcp_prof_line *l = profile_find_line(p, fi, lk->lineno);
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "file", pf->info.display_path);
            cJSON_AddNumberToObject(o, "line", lk->lineno);
            cJSON_AddNumberToObject(o, "likelihood", lk->likelihood);
            cJSON_AddNumberToObject(o, "velocity_mb_s", lk->velocity_mb_s);
            cJSON_AddStringToObject(o, "source", l ? l->source : "");
            cJSON_AddItemToArray(arr, o);
            sb_printf(b, "  %s:%u  likelihood %.2f, %.2f MB/s  %s\n", pf->info.display_path,
                      lk->lineno, lk->likelihood, lk->velocity_mb_s, l ? l->source : "");
        }
    }
    return arr;
}

static cJSON *timeline_json(const mcp_profile *p, strbuf *b)
{
    cJSON *arr = cJSON_CreateArray();
    const mcp_prof_summary *sm = &p->summary;
    for (size_t i = 0; i < sm->n_samples; i++) {
        cJSON *pt = cJSON_CreateArray();
        cJSON_AddItemToArray(pt, cJSON_CreateNumber(sm->samples[i].t_sec));
        cJSON_AddItemToArray(pt, cJSON_CreateNumber(sm->samples[i].mb));
        cJSON_AddItemToArray(arr, pt);
    }
    sb_printf(b, "Memory footprint timeline: %zu points", sm->n_samples);
    if (sm->n_samples)
        sb_printf(b, ", from %.1f MB at %.2f s to %.1f MB at %.2f s (peak %.1f MB)",
                  sm->samples[0].mb, sm->samples[0].t_sec, sm->samples[sm->n_samples - 1].mb,
                  sm->samples[sm->n_samples - 1].t_sec, sm->max_footprint_mb);
    sb_puts(b, "\n");
    return arr;
}

static int get_profile(mcp_call *call, const cJSON *args, void *ud)
{
    server *s = ud;
    const mcp_profile *p = open_arg(s, call, args);
    if (!p)
        return MCP_ERROR;
    const char *section = arg_str(args, "section");
    if (!section)
        section = "summary";
    report_filter f;
    filter_for_profile(s, p, &f);
    strbuf b;
    sb_init(&b);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", p->summary.id);
    cJSON_AddStringToObject(out, "section", section);
    if (!strcmp(section, "summary")) {
        report_summary_text(&b, p, &f, 5);
        cJSON_AddItemToObject(out, "summary", report_summary_json(p, &f, 5));
    } else if (!strcmp(section, "functions")) {
        sb_puts(&b, "Functions as Scalene recorded them (get_function_summary aggregates lines "
                    "instead):\n");
        cJSON_AddItemToObject(out, "functions", functions_json(p, &b));
    } else if (!strcmp(section, "leaks")) {
        sb_printf(&b, "Scalene's leak reports (growth rate %.1f%%)%s\n", p->summary.growth_rate,
                  p->summary.memory ? ":" : ": none, memory was not profiled");
        cJSON_AddItemToObject(out, "leaks", leaks_json(p, &b));
    } else { /* timeline */
        cJSON_AddItemToObject(out, "timeline", timeline_json(p, &b));
    }
    profiles_release(s, p);
    char *text = sb_take(&b);
    call_api_result_text(call, "%s", text);
    free(text);
    call_api_result_structured(call, out);
    return MCP_OK;
}

/* ---- get_file_details ------------------------------------------------- */

static int line_cmp_cpu(const void *a, const void *b)
{
    double x = report_line_cpu(*(const mcp_prof_line *const *)a);
    double y = report_line_cpu(*(const mcp_prof_line *const *)b);
    return x < y ? 1 : x > y ? -1 : 0;
}

static int line_cmp_mem(const void *a, const void *b)
{
    double x = (*(const mcp_prof_line *const *)a)->m.peak_mb;
    double y = (*(const mcp_prof_line *const *)b)->m.peak_mb;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void answer_file_not_found(mcp_call *call, const mcp_profile *p, const char *query,
                                  const size_t *cand, size_t n_cand, size_t n_matches)
{
    strbuf b;
    sb_init(&b);
    if (n_matches > 1) {
        for (size_t i = 0; i < n_cand; i++)
            sb_printf(&b, "%s%s", i ? ", " : "", p->files[cand[i]].info.display_path);
        call_api_result_error(call, "pass a longer suffix or the full path",
                              "file: '%s' matches %zu files: %s", query, n_matches, b.s);
    } else {
        for (size_t i = 0; i < p->summary.n_files; i++)
            sb_printf(&b, "%s%s", i ? ", " : "", p->files[i].info.display_path);
        call_api_result_error(call, "pass one of the profiled files (a unique suffix is enough)",
                              "file: '%s' is not in profile %s (files: %s)", query, p->summary.id,
                              b.s ? b.s : "none");
    }
    sb_free(&b);
}

static int get_file_details(mcp_call *call, const cJSON *args, void *ud)
{
    server *s = ud;
    const mcp_profile *p = open_arg(s, call, args);
    if (!p)
        return MCP_ERROR;
    const char *query = arg_str(args, "file");
    size_t cand[10], n_matches = 0;
    size_t fi = profile_find_file(p, query, cand, 10, &n_matches);
    if (fi == PROFILE_NO_FILE) {
        answer_file_not_found(call, p, query, cand, n_matches < 10 ? n_matches : 10, n_matches);
        profiles_release(s, p);
        return MCP_ERROR;
    }
    const profile_file *pf = &p->files[fi];
    uint32_t start = (uint32_t)arg_num(args, "start_line", 1);
    uint32_t end = (uint32_t)arg_num(args, "end_line", 4294967295.0);
    size_t top_n = (size_t)arg_num(args, "top_n", 20);
    const char *sort = arg_str(args, "sort_by");
    report_filter rf;
    filter_for_profile(s, p, &rf);
    bool all = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(args, "include_inactive")) &&
               !rf.reduced_profile; /* a reduced profile lists active lines only */
    const mcp_prof_line **sel = calloc(pf->info.n_lines + 1, sizeof *sel);
    size_t n = 0;
    for (size_t i = 0; sel && i < pf->info.n_lines; i++) {
        const mcp_prof_line *l = &pf->lines[i];
        if (l->lineno >= start && l->lineno <= end && (all || report_line_active(l)))
            sel[n++] = l;
    }
    if (n && sort && !strcmp(sort, "cpu")) /* n == 0: sel may be NULL (no memory) */
        qsort(sel, n, sizeof *sel, line_cmp_cpu);
    else if (n && sort && !strcmp(sort, "memory"))
        qsort(sel, n, sizeof *sel, line_cmp_mem);
    size_t shown = n < top_n ? n : top_n;
    strbuf b;
    sb_init(&b);
    sb_printf(&b, "%s: %.1f%% of CPU, %zu line%s with activity", pf->info.display_path,
              pf->info.cpu_percent, n, n == 1 ? "" : "s");
    if (shown < n)
        sb_printf(&b, " (showing %zu; raise top_n or narrow start_line/end_line for more)", shown);
    if (rf.reduced_profile)
        sb_puts(&b, " (reduced profile: lines without activity are not listed)");
    sb_puts(&b, "\n  line   cpu%  (py/native/sys)   peak MB  alloc MB  source\n");
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", p->summary.id);
    cJSON_AddStringToObject(out, "file", pf->info.path);
    cJSON_AddStringToObject(out, "display_path", pf->info.display_path);
    cJSON_AddNumberToObject(out, "cpu_percent", pf->info.cpu_percent);
    cJSON_AddNumberToObject(out, "lines_matching", (double)n);
    cJSON_AddBoolToObject(out, "truncated", shown < n);
    cJSON *arr = cJSON_AddArrayToObject(out, "lines");
    for (size_t i = 0; i < shown; i++) {
        const mcp_prof_line *l = sel[i];
        sb_printf(&b, "  %4u  %5.1f  (%.1f/%.1f/%.1f)  %8.1f  %8.1f  %s\n", l->lineno,
                  report_line_cpu(l), l->m.cpu_python, l->m.cpu_native, l->m.cpu_system,
                  l->m.peak_mb, l->m.malloc_mb, l->source);
        cJSON_AddItemToArray(arr, report_line_json(l));
    }
    free(sel);
    profiles_release(s, p);
    char *text = sb_take(&b);
    call_api_result_text(call, "%s", text);
    free(text);
    call_api_result_structured(call, out);
    return MCP_OK;
}

/* ---- delete_profile --------------------------------------------------- */

static int delete_profile(mcp_call *call, const cJSON *args, void *ud)
{
    server *s = ud;
    const char *id = arg_str(args, "profile_id");
    char err[512];
    if (!store_id_valid(id)) {
        call_api_result_error(call, "call list_profiles to see the stored profile ids",
                              "profile_id: '%.80s' is not a valid id", id);
        return MCP_INVALID;
    }
    int rc = store_delete(s->store, id, err, sizeof err);
    if (rc == MCP_NOTFOUND) {
        call_api_result_error(call, "call list_profiles to see the stored profile ids",
                              "profile_id: no profile with id '%s'", id);
        return rc;
    }
    if (rc != MCP_OK) {
        call_api_result_error(call, NULL, "cannot delete profile '%s': %s", id, err);
        return rc;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", id);
    cJSON_AddBoolToObject(out, "deleted", 1);
    call_api_result_text(call, "Deleted profile %s.", id);
    call_api_result_structured(call, out);
    return MCP_OK;
}

/* ---- registration ----------------------------------------------------- */

static const mcp_tool_def store_tools[] = {
    {MCP_TOOL_DEF_VERSION, "list_profiles", "List stored profiles",
     "Stored profiles, newest first, with outcome, elapsed time and peak memory. Filter by "
     "target substring, exact label or creation time; page with cursor.",
     "{\"type\":\"object\",\"properties\":{"
     "\"target\":{\"type\":\"string\",\"description\":\"substring of the profiled script or "
     "module\"},"
     "\"label\":{\"type\":\"string\",\"description\":\"exact label given when profiling\"},"
     "\"since\":{\"type\":\"string\",\"description\":\"only profiles created at or after this "
     "date (2026-11-22 or 2026-11-22T10:00:00Z, UTC) or epoch milliseconds\"},"
     "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000,\"default\":20},"
     "\"cursor\":{\"type\":\"string\",\"description\":\"next_cursor of the previous page\"}},"
     "\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"profiles\":{\"type\":\"array\",\"items\":{"
     "\"type\":\"object\",\"properties\":{\"profile_id\":{\"type\":\"string\"},"
     "\"created\":{\"type\":\"string\"},\"created_ms\":{\"type\":\"integer\"},"
     "\"target\":{\"type\":\"string\"},\"label\":{\"type\":\"string\"},"
     "\"outcome\":{\"type\":\"string\"},\"elapsed_sec\":{\"type\":\"number\"},"
     "\"max_footprint_mb\":{\"type\":\"number\"}},\"required\":[\"profile_id\",\"created\","
     "\"created_ms\",\"target\",\"label\",\"outcome\",\"elapsed_sec\",\"max_footprint_mb\"],"
     "\"additionalProperties\":false}},\"total_stored\":{\"type\":\"integer\"},"
     "\"next_cursor\":{\"type\":\"string\"}},\"required\":[\"profiles\",\"total_stored\"],"
     "\"additionalProperties\":false}",
     MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, list_profiles, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "get_profile", "Get a stored profile",
     "One stored profile: its summary (outcome, elapsed, peak memory, CPU split, files, top "
     "lines), or one section: functions (Scalene's records), leaks (Scalene's raw leak map), "
     "timeline (memory footprint over time).",
     "{\"type\":\"object\",\"properties\":{" PROFILE_ID_PROP ","
     "\"section\":{\"type\":\"string\",\"enum\":[\"summary\",\"functions\",\"leaks\","
     "\"timeline\"],\"default\":\"summary\"}},\"required\":[\"profile_id\"],"
     "\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"profile_id\":{\"type\":\"string\"},"
     "\"section\":{\"type\":\"string\"},\"summary\":" REPORT_SUMMARY_SCHEMA ","
     "\"functions\":{\"type\":\"array\"},\"leaks\":{\"type\":\"array\"},"
     "\"timeline\":{\"type\":\"array\"}},\"required\":[\"profile_id\",\"section\"],"
     "\"additionalProperties\":false}",
     MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, get_profile, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "get_file_details", "Per-line metrics of one file",
     "Per-line CPU (Python/native/system), memory and GPU metrics of one profiled file. The file "
     "may be given by absolute path, path relative to the run's directory, or a unique suffix. "
     "Lines without activity are left out unless include_inactive is true.",
     "{\"type\":\"object\",\"properties\":{" PROFILE_ID_PROP ","
     "\"file\":{\"type\":\"string\",\"minLength\":1},"
     "\"start_line\":{\"type\":\"integer\",\"minimum\":1},"
     "\"end_line\":{\"type\":\"integer\",\"minimum\":1},"
     "\"top_n\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10000,\"default\":20},"
     "\"sort_by\":{\"type\":\"string\",\"enum\":[\"line\",\"cpu\",\"memory\"],"
     "\"default\":\"line\"},"
     "\"include_inactive\":{\"type\":\"boolean\",\"default\":false}},"
     "\"required\":[\"profile_id\",\"file\"],\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"profile_id\":{\"type\":\"string\"},"
     "\"file\":{\"type\":\"string\"},\"display_path\":{\"type\":\"string\"},"
     "\"cpu_percent\":{\"type\":\"number\"},\"lines_matching\":{\"type\":\"integer\"},"
     "\"truncated\":{\"type\":\"boolean\"},\"lines\":{\"type\":\"array\",\"items\":{"
     "\"type\":\"object\"}}},\"required\":[\"profile_id\",\"file\",\"display_path\","
     "\"cpu_percent\",\"lines_matching\",\"truncated\",\"lines\"],"
     "\"additionalProperties\":false}",
     MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, get_file_details, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "delete_profile", "Delete a stored profile",
     "Deletes one stored profile for good.",
     "{\"type\":\"object\",\"properties\":{" PROFILE_ID_PROP "},\"required\":[\"profile_id\"],"
     "\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"profile_id\":{\"type\":\"string\"},"
     "\"deleted\":{\"type\":\"boolean\"}},\"required\":[\"profile_id\",\"deleted\"],"
     "\"additionalProperties\":false}",
     MCP_TOOL_DESTRUCTIVE | MCP_TOOL_IDEMPOTENT, delete_profile, NULL, NULL},
};

int store_tools_register(server *s, char *err, size_t errsz)
{
    for (size_t i = 0; i < sizeof store_tools / sizeof store_tools[0]; i++) {
        mcp_tool_def d = store_tools[i];
        d.user_data = s;
        int rc = tools_register(s, NULL, &d, err, errsz);
        if (rc != MCP_OK)
            return rc;
    }
    return MCP_OK;
}
