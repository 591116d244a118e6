/* sections.c - analyzer sections and the analyze_profile tool. */
#include "sections.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "plugin.h"
#include "profile_access.h"
#include "report.h"
#include "strbuf.h"
#include "tools.h"

typedef struct section_reg {
    char *name, *title;
    unsigned focus;
    int order;
    mcp_section_fn fn;
    void *user_data;
    void (*free_user_data)(void *);
    struct mcp_plugin *owner;
} section_reg;

typedef struct recommendation {
    int severity;
    char *file, *text;
    uint32_t line;
    const char *section; /* borrowed from its section_reg */
} recommendation;

/* One section being written during an analyze_profile call. */
struct mcp_section {
    const section_reg *reg;
    const cJSON *args;
    strbuf text;
    cJSON *data;
    recommendation *recs;
    size_t n_recs;
};

static void reg_free(section_reg *r)
{
    if (r->free_user_data)
        r->free_user_data(r->user_data);
    free(r->name);
    free(r->title);
    free(r);
}

static bool valid_name(const char *n)
{
    size_t len = n ? strlen(n) : 0;
    if (!len || len > 64)
        return false;
    for (; *n; n++)
        if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9') || *n == '_'))
            return false;
    return true;
}

int sections_register(server *s, struct mcp_plugin *owner, const mcp_section_def *def, char *err,
                      size_t errsz)
{
    int rc = MCP_INVALID;
    if (!def || def->version < 1 || !valid_name(def->name) || !def->fn || !def->title) {
        snprintf(err, errsz,
                 "section needs version >= 1, a name of 1-64 chars of [a-z0-9_], a "
                 "title and a function");
        goto fail;
    }
    if (!(def->focus & MCP_FOCUS_ALL)) {
        snprintf(err, errsz, "section '%s': focus must include at least one MCP_FOCUS_* flag",
                 def->name);
        goto fail;
    }
    for (size_t i = 0; i < s->n_sections; i++) {
        if (!strcmp(s->sections[i]->name, def->name)) {
            snprintf(err, errsz, "section '%s' is already registered by %s", def->name,
                     s->sections[i]->owner ? plugin_name(s->sections[i]->owner) : "the host");
            rc = MCP_EXISTS;
            goto fail;
        }
    }
    section_reg *r = calloc(1, sizeof *r);
    section_reg **ns = realloc(s->sections, (s->n_sections + 1) * sizeof *ns);
    if (ns)
        s->sections = ns;
    if (!r || !ns || !(r->name = strdup(def->name)) || !(r->title = strdup(def->title))) {
        if (r) {
            free(r->name);
            free(r);
        }
        snprintf(err, errsz, "out of memory");
        rc = MCP_NOMEM;
        goto fail;
    }
    r->focus = def->focus;
    r->order = def->order;
    r->fn = def->fn;
    r->user_data = def->user_data;
    r->free_user_data = def->free_user_data;
    r->owner = owner;
    s->sections[s->n_sections++] = r;
    return MCP_OK;
fail:
    if (def && def->free_user_data)
        def->free_user_data(def->user_data);
    return rc;
}

void sections_unregister_owner(server *s, struct mcp_plugin *owner)
{
    size_t w = 0;
    for (size_t i = 0; i < s->n_sections; i++) {
        if (s->sections[i]->owner == owner)
            reg_free(s->sections[i]);
        else
            s->sections[w++] = s->sections[i];
    }
    s->n_sections = w;
}

void sections_free_all(server *s)
{
    for (size_t i = s->n_sections; i-- > 0;)
        reg_free(s->sections[i]);
    free(s->sections);
    s->sections = NULL;
    s->n_sections = 0;
}

/* ---- host-API members ---- */

int section_api_register(mcp_plugin *self, const mcp_section_def *def)
{
    if (!self->in_init) {
        plugin_api_set_error(self, "register_section is only allowed inside init");
        if (def && def->free_user_data)
            def->free_user_data(def->user_data);
        return MCP_MISUSE;
    }
    char err[512];
    int rc = sections_register(self->srv, self, def, err, sizeof err);
    if (rc != MCP_OK)
        plugin_api_set_error(self, "%s", err);
    return rc;
}

int section_api_text(mcp_section *sec, const char *fmt, ...)
{
    if (!sec)
        return MCP_MISUSE;
    char *txt = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&txt, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MCP_NOMEM;
    sb_puts(&sec->text, txt);
    free(txt);
    return sec->text.oom ? MCP_NOMEM : MCP_OK;
}

int section_api_data(mcp_section *sec, cJSON *value)
{
    if (!sec) {
        cJSON_Delete(value);
        return MCP_MISUSE;
    }
    cJSON_Delete(sec->data);
    sec->data = value;
    return MCP_OK;
}

int section_api_recommend(mcp_section *sec, int severity, const char *file, uint32_t line,
                          const char *text)
{
    if (!sec || !text || severity < MCP_SEV_CRITICAL || severity > MCP_SEV_LOW)
        return MCP_INVALID;
    recommendation *nr = realloc(sec->recs, (sec->n_recs + 1) * sizeof *nr);
    if (!nr)
        return MCP_NOMEM;
    sec->recs = nr;
    sec->recs[sec->n_recs++] = (recommendation){.severity = severity,
                                                .file = file ? strdup(file) : NULL,
                                                .text = strdup(text),
                                                .line = line,
                                                .section = sec->reg->name};
    return MCP_OK;
}

const cJSON *section_api_args(const mcp_section *sec)
{
    return sec->args;
}

mcp_plugin *section_api_plugin(const mcp_section *sec)
{
    return sec->reg->owner;
}

/* ---- analyze_profile ---- */

static const char *const severity_names[] = {"critical", "high", "medium", "low"};

static int reg_cmp(const void *a, const void *b)
{
    const section_reg *x = *(const section_reg *const *)a, *y = *(const section_reg *const *)b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int rec_cmp(const void *a, const void *b)
{
    const recommendation *x = a, *y = b;
    return x->severity - y->severity;
}

static unsigned focus_of(const char *f)
{
    if (!f || !strcmp(f, "all"))
        return MCP_FOCUS_ALL;
    if (!strcmp(f, "cpu"))
        return MCP_FOCUS_CPU;
    if (!strcmp(f, "memory"))
        return MCP_FOCUS_MEMORY;
    if (!strcmp(f, "gpu"))
        return MCP_FOCUS_GPU;
    return MCP_FOCUS_LEAKS;
}

static void run_section(server *s, const section_reg *r, const mcp_profile *p, const cJSON *args,
                        mcp_section *sec)
{
    memset(sec, 0, sizeof *sec);
    sec->reg = r;
    sec->args = args;
    sb_init(&sec->text);
    if (r->owner)
        r->owner->last_error[0] = '\0';
    int rc = r->fn(sec, p, r->user_data);
    if (rc != MCP_OK) {
        const char *why = r->owner ? plugin_last_error(r->owner) : "";
        sb_free(&sec->text);
        sb_init(&sec->text);
        sb_printf(&sec->text, "(this section failed: %s)\n", why && *why ? why : "no message");
        cJSON_Delete(sec->data);
        sec->data = NULL;
        server_log(s, NULL, MCP_LOG_WARNING, "analyze", "section %s failed: %s", r->name,
                   why && *why ? why : "no message");
    }
}

static void free_section(mcp_section *sec)
{
    sb_free(&sec->text);
    cJSON_Delete(sec->data);
    for (size_t i = 0; i < sec->n_recs; i++) {
        free(sec->recs[i].file);
        free(sec->recs[i].text);
    }
    free(sec->recs);
}

static int analyze_profile(mcp_call *call, const cJSON *args, void *ud)
{
    server *s = ud;
    const cJSON *idv = cJSON_GetObjectItemCaseSensitive(args, "profile_id");
    const cJSON *fv = cJSON_GetObjectItemCaseSensitive(args, "focus");
    const char *focus_name = cJSON_IsString(fv) ? fv->valuestring : "all";
    const cJSON *tv = cJSON_GetObjectItemCaseSensitive(args, "max_recommendations");
    size_t max_recs = cJSON_IsNumber(tv) ? (size_t)tv->valuedouble : 10;
    unsigned focus = focus_of(focus_name);
    const mcp_profile *p = NULL;
    char err[512];
    int rc = profiles_open(s, idv->valuestring, &p, err, sizeof err);
    if (rc != MCP_OK) {
        call_api_result_error(call, "call list_profiles to see the stored profile ids",
                              "profile_id: %s", err);
        return rc;
    }
    report_filter f;
    f.cpu_percent_threshold = s->cfg.cpu_percent_threshold;
    f.malloc_threshold = s->cfg.malloc_threshold;
    f.reduced_profile = false;

    section_reg **order = malloc((s->n_sections + 1) * sizeof *order);
    mcp_section *secs = calloc(s->n_sections + 1, sizeof *secs);
    size_t n = 0;
    for (size_t i = 0; order && i < s->n_sections; i++)
        if (s->sections[i]->focus & focus)
            order[n++] = s->sections[i];
    if (order)
        qsort(order, n, sizeof *order, reg_cmp);

    strbuf b;
    sb_init(&b);
    report_summary_text(&b, p, &f, 0);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", p->summary.id);
    cJSON_AddStringToObject(out, "focus", focus_name);
    cJSON_AddItemToObject(out, "summary", report_summary_json(p, &f, 5));
    cJSON *sj = cJSON_AddObjectToObject(out, "sections");
    size_t total_recs = 0;
    for (size_t i = 0; secs && i < n; i++) {
        run_section(s, order[i], p, args, &secs[i]);
        sb_printf(&b, "\n## %s\n%s", order[i]->title, secs[i].text.s ? secs[i].text.s : "");
        /* a strbuf with len != 0 has its buffer */
        // NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
        if (secs[i].text.len && secs[i].text.s[secs[i].text.len - 1] != '\n')
            sb_puts(&b, "\n");
        cJSON *one = cJSON_CreateObject();
        cJSON_AddStringToObject(one, "title", order[i]->title);
        cJSON_AddStringToObject(one, "text", secs[i].text.s ? secs[i].text.s : "");
        if (secs[i].data) {
            cJSON_AddItemToObject(one, "data", secs[i].data);
            secs[i].data = NULL;
        }
        cJSON_AddItemToObject(sj, order[i]->name, one);
        total_recs += secs[i].n_recs;
    }
    recommendation *all = calloc(total_recs + 1, sizeof *all);
    size_t k = 0;
    for (size_t i = 0; all && secs && i < n; i++)
        for (size_t j = 0; j < secs[i].n_recs; j++)
            all[k++] = secs[i].recs[j];
    if (all)
        qsort(all, k, sizeof *all, rec_cmp);
    cJSON *rj = cJSON_AddArrayToObject(out, "recommendations");
    if (k)
        sb_puts(&b, "\n## Top recommendations\n");
    for (size_t i = 0; i < k && i < max_recs; i++) {
        const recommendation *r = &all[i];
        if (r->file && r->line)
            sb_printf(&b, "%zu. [%s] %s:%u: %s\n", i + 1, severity_names[r->severity], r->file,
                      r->line, r->text);
        else
            sb_printf(&b, "%zu. [%s] %s\n", i + 1, severity_names[r->severity], r->text);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "severity", severity_names[r->severity]);
        cJSON_AddStringToObject(o, "section", r->section);
        if (r->file)
            cJSON_AddStringToObject(o, "file", r->file);
        if (r->line)
            cJSON_AddNumberToObject(o, "line", r->line);
        cJSON_AddStringToObject(o, "text", r->text);
        cJSON_AddItemToArray(rj, o);
    }
    if (k > max_recs)
        sb_printf(&b, "(%zu more recommendations; raise max_recommendations to see them)\n",
                  k - max_recs);
    if (n == 0)
        sb_printf(&b,
                  "\nNo analyzer plugin contributes to focus '%s' (check the [plugin.*] "
                  "sections of the configuration).\n",
                  focus_name);
    free(all);
    for (size_t i = 0; secs && i < n; i++)
        free_section(&secs[i]);
    free(secs);
    free(order);
    profiles_release(s, p);
    char *text = sb_take(&b);
    call_api_result_text(call, "%s", text);
    free(text);
    call_api_result_structured(call, out);
    return MCP_OK;
}

static const mcp_tool_def analyze_def = {
    MCP_TOOL_DEF_VERSION,
    "analyze_profile",
    "Analyze a profile",
    "The whole picture of one profile: its summary, then every analyzer's section (CPU and "
    "memory hotspots, bottlenecks, leaks, GPU, functions, and any third-party analyzer), then "
    "the most urgent recommendations. Narrow it with focus.",
    "{\"type\":\"object\",\"properties\":{"
    "\"profile_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64},"
    "\"focus\":{\"type\":\"string\",\"enum\":[\"all\",\"cpu\",\"memory\",\"gpu\",\"leaks\"],"
    "\"default\":\"all\"},"
    "\"top_n\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":5,"
    "\"description\":\"entries per section\"},"
    "\"max_recommendations\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100,"
    "\"default\":10}},"
    "\"required\":[\"profile_id\"],\"additionalProperties\":false}",
    "{\"type\":\"object\",\"properties\":{\"profile_id\":{\"type\":\"string\"},"
    "\"focus\":{\"type\":\"string\"},\"summary\":{\"type\":\"object\"},"
    "\"sections\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"object\","
    "\"properties\":{\"title\":{\"type\":\"string\"},\"text\":{\"type\":\"string\"},"
    "\"data\":{}},\"required\":[\"title\",\"text\"],\"additionalProperties\":false}},"
    "\"recommendations\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"severity\":{\"type\":\"string\",\"enum\":[\"critical\",\"high\",\"medium\",\"low\"]},"
    "\"section\":{\"type\":\"string\"},\"file\":{\"type\":\"string\"},"
    "\"line\":{\"type\":\"integer\"},\"text\":{\"type\":\"string\"}},"
    "\"required\":[\"severity\",\"section\",\"text\"],\"additionalProperties\":false}}},"
    "\"required\":[\"profile_id\",\"focus\",\"summary\",\"sections\",\"recommendations\"],"
    "\"additionalProperties\":false}",
    MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT,
    analyze_profile,
    NULL,
    NULL};

int analyze_tool_register(server *s, char *err, size_t errsz)
{
    mcp_tool_def d = analyze_def;
    d.user_data = s;
    return tools_register(s, NULL, &d, err, errsz);
}
