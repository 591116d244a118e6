/* report.c - summary text/JSON of a profile and the server-side filters. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void report_filter_default(report_filter *f)
{
    f->cpu_percent_threshold = 1.0;
    f->malloc_threshold = 100;
    f->reduced_profile = false;
}

double report_line_cpu(const mcp_prof_line *l)
{
    return l->m.cpu_python + l->m.cpu_native + l->m.cpu_system;
}

bool report_line_active(const mcp_prof_line *l)
{
    const mcp_metrics *m = &l->m;
    return report_line_cpu(l) > 0 || m->malloc_mb > 0 || m->peak_mb > 0 || m->mallocs > 0 ||
           m->gpu_percent > 0 || m->copy_mb_s > 0 || l->n_memory_samples > 0;
}

bool report_file_shown(const mcp_profile *p, size_t file, const report_filter *f)
{
    const profile_file *pf = &p->files[file];
    if (pf->info.cpu_percent >= f->cpu_percent_threshold)
        return true;
    double mallocs = 0;
    for (size_t i = 0; i < pf->info.n_lines; i++)
        mallocs += (double)pf->lines[i].m.mallocs;
    return mallocs > 0 && mallocs >= f->malloc_threshold;
}

const char *report_outcome(const mcp_prof_summary *sm)
{
    if (sm->cancelled)
        return "cancelled";
    if (sm->timed_out)
        return "timeout";
    if (sm->term_signal)
        return "signaled";
    if (sm->exit_status != 0)
        return "program_error";
    return "ok";
}

static int hot_cmp(const void *a, const void *b)
{
    const report_hot *x = a, *y = b;
    if (x->cpu_total != y->cpu_total)
        return x->cpu_total < y->cpu_total ? 1 : -1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->first_line < y->first_line ? -1 : x->first_line > y->first_line;
}

/* Lines of one loop region that Scalene gave exactly the same share become
 * one entry, so a loop header never outranks the body it ties with. */
static size_t collect_file(const mcp_profile *p, size_t fi, report_hot *tmp, size_t n)
{
    const profile_file *pf = &p->files[fi];
    for (size_t i = 0; i < pf->info.n_lines; i++) {
        const mcp_prof_line *l = &pf->lines[i];
        double cpu = report_line_cpu(l);
        if (cpu <= 0)
            continue;
        if (n > 0) {
            report_hot *prev = &tmp[n - 1];
            if (prev->file == fi && prev->line->region_start != 0 &&
                prev->line->region_start == l->region_start &&
                prev->line->region_end == l->region_end && fabs(prev->cpu - cpu) < 1e-9 &&
                l->lineno == prev->last_line + 1) {
                prev->last_line = l->lineno;
                prev->cpu_total += cpu;
                continue;
            }
        }
        tmp[n++] = (report_hot){.file = fi,
                                .first_line = l->lineno,
                                .last_line = l->lineno,
                                .line = l,
                                .cpu = cpu,
                                .cpu_total = cpu};
    }
    return n;
}

size_t report_top_cpu(const mcp_profile *p, const report_filter *f, report_hot *out, size_t max)
{
    size_t total = 0;
    for (size_t fi = 0; fi < p->summary.n_files; fi++)
        total += p->files[fi].info.n_lines;
    if (total == 0 || max == 0)
        return 0;
    report_hot *tmp = malloc(total * sizeof *tmp);
    if (!tmp)
        return 0;
    size_t n = 0;
    for (size_t fi = 0; fi < p->summary.n_files; fi++)
        if (report_file_shown(p, fi, f))
            n = collect_file(p, fi, tmp, n);
    qsort(tmp, n, sizeof *tmp, hot_cmp);
    size_t k = n < max ? n : max;
    memcpy(out, tmp, k * sizeof *tmp);
    free(tmp);
    return k;
}

static void put_source(strbuf *b, const char *src, size_t max)
{
    while (*src == ' ' || *src == '\t')
        src++;
    size_t n = strlen(src);
    if (n <= max) {
        sb_puts(b, src);
        return;
    }
    /* cut on a UTF-8 boundary */
    while (n > max || (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80))
        n--;
    sb_printf(b, "%.*s...", (int)n, src);
}

void report_summary_text(strbuf *b, const mcp_profile *p, const report_filter *f, size_t top_n)
{
    const mcp_prof_summary *sm = &p->summary;
    const char *outcome = report_outcome(sm);
    sb_printf(b, "Profile %s%s%s%s of %s (Scalene %s)\n", sm->id, sm->label ? " [" : "",
              sm->label ? sm->label : "", sm->label ? "]" : "", sm->target, sm->scalene_version);
    sb_printf(b, "Outcome: %s", outcome);
    if (sm->term_signal)
        sb_printf(b, " (signal %d)", sm->term_signal);
    else
        sb_printf(b, " (exit %d)", sm->exit_status);
    if (sm->partial)
        sb_puts(b, ", partial profile (data up to the stop)");
    sb_printf(b, "\nElapsed %.2f s", sm->elapsed_sec);
    if (sm->memory)
        sb_printf(b, " | peak memory %.1f MB", sm->max_footprint_mb);
    else
        sb_puts(b, " | memory not profiled");
    sb_printf(b, " | CPU: Python %.1f%%, native %.1f%%, system %.1f%%\n", sm->cpu_python,
              sm->cpu_native, sm->cpu_system);
    size_t shown = 0;
    for (size_t fi = 0; fi < sm->n_files; fi++)
        shown += report_file_shown(p, fi, f);
    sb_printf(b, "Files: %zu profiled", sm->n_files);
    if (shown < sm->n_files)
        sb_printf(b, ", %zu under the thresholds (cpu %.1f%%, mallocs %.0f) not shown",
                  sm->n_files - shown, f->cpu_percent_threshold, f->malloc_threshold);
    sb_puts(b, "\n");
    report_hot *hot = top_n ? calloc(top_n, sizeof *hot) : NULL;
    size_t n = hot ? report_top_cpu(p, f, hot, top_n) : 0;
    if (n)
        sb_puts(b, "Top lines by CPU:\n");
    for (size_t i = 0; i < n; i++) {
        const mcp_prof_file *pf = &p->files[hot[i].file].info;
        if (hot[i].first_line == hot[i].last_line)
            sb_printf(b, "  %s:%u  %.1f%%  ", pf->display_path, hot[i].first_line, hot[i].cpu);
        else
            sb_printf(b, "  %s:%u-%u  %.1f%% (loop; %.1f%% per line)  ", pf->display_path,
                      hot[i].first_line, hot[i].last_line, hot[i].cpu_total, hot[i].cpu);
        put_source(b, hot[i].line->source, 80);
        sb_puts(b, "\n");
    }
    free(hot);
}

cJSON *report_line_json(const mcp_prof_line *l)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    const mcp_metrics *m = &l->m;
    cJSON_AddNumberToObject(o, "line", l->lineno);
    cJSON_AddStringToObject(o, "source", l->source);
    cJSON_AddNumberToObject(o, "cpu_percent", report_line_cpu(l));
    cJSON_AddNumberToObject(o, "cpu_python_percent", m->cpu_python);
    cJSON_AddNumberToObject(o, "cpu_native_percent", m->cpu_native);
    cJSON_AddNumberToObject(o, "cpu_system_percent", m->cpu_system);
    if (m->core_utilization >= 0)
        cJSON_AddNumberToObject(o, "core_utilization", m->core_utilization);
    cJSON_AddNumberToObject(o, "peak_mb", m->peak_mb);
    cJSON_AddNumberToObject(o, "malloc_mb", m->malloc_mb);
    cJSON_AddNumberToObject(o, "mallocs", (double)m->mallocs);
    cJSON_AddNumberToObject(o, "python_fraction", m->python_fraction);
    cJSON_AddNumberToObject(o, "copy_mb_s", m->copy_mb_s);
    cJSON_AddNumberToObject(o, "gpu_percent", m->gpu_percent);
    cJSON_AddNumberToObject(o, "gpu_peak_mb", m->gpu_peak_mb);
    if (l->func_start)
        cJSON_AddNumberToObject(o, "function_start", l->func_start);
    if (l->loop_start && l->loop_start != l->lineno)
        cJSON_AddNumberToObject(o, "loop_start", l->loop_start);
    if (l->loop_end && l->loop_start != l->lineno)
        cJSON_AddNumberToObject(o, "loop_end", l->loop_end);
    return o;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* The CPU share a file needs to be among the `max` busiest (0 when all fit). */
static double files_cpu_floor(const mcp_profile *p, size_t max)
{
    size_t n = p->summary.n_files;
    if (n <= max)
        return 0;
    double *v = malloc(n * sizeof *v);
    if (!v)
        return INFINITY;
    for (size_t fi = 0; fi < n; fi++)
        v[fi] = p->files[fi].info.cpu_percent;
    qsort(v, n, sizeof *v, cmp_desc);
    double floor_cpu = v[max - 1];
    free(v);
    return floor_cpu;
}

cJSON *report_summary_json(const mcp_profile *p, const report_filter *f, size_t top_n)
{
    const mcp_prof_summary *sm = &p->summary;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "profile_id", sm->id);
    if (sm->label)
        cJSON_AddStringToObject(o, "label", sm->label);
    else
        cJSON_AddNullToObject(o, "label");
    cJSON_AddStringToObject(o, "target", sm->target);
    cJSON_AddStringToObject(o, "cwd", sm->cwd);
    cJSON_AddStringToObject(o, "python", sm->python);
    cJSON_AddStringToObject(o, "scalene_version", sm->scalene_version);
    cJSON_AddNumberToObject(o, "created_ms", (double)sm->created_ms);
    cJSON_AddStringToObject(o, "outcome", report_outcome(sm));
    cJSON_AddNumberToObject(o, "exit_status", sm->exit_status);
    cJSON_AddNumberToObject(o, "term_signal", sm->term_signal);
    cJSON_AddBoolToObject(o, "partial", sm->partial);
    cJSON_AddNumberToObject(o, "elapsed_sec", sm->elapsed_sec);
    cJSON_AddNumberToObject(o, "max_footprint_mb", sm->max_footprint_mb);
    cJSON_AddNumberToObject(o, "growth_rate", sm->growth_rate);
    cJSON_AddNumberToObject(o, "cpu_python_percent", sm->cpu_python);
    cJSON_AddNumberToObject(o, "cpu_native_percent", sm->cpu_native);
    cJSON_AddNumberToObject(o, "cpu_system_percent", sm->cpu_system);
    cJSON_AddBoolToObject(o, "memory_profiled", sm->memory);
    cJSON_AddBoolToObject(o, "gpu_profiled", sm->gpu);
    cJSON_AddBoolToObject(o, "stacks", sm->stacks);
    cJSON *req = cJSON_Parse(p->request_json);
    cJSON_AddItemToObject(o, "request", cJSON_IsObject(req) ? req : cJSON_CreateObject());
    if (!cJSON_IsObject(req))
        cJSON_Delete(req);
    /* A summary, not an index: a profile of tens of thousands of files
     * (profile_all, or a hostile document) lists its busiest ones only, and
     * stays within the output schema check's budget. */
    cJSON *files = cJSON_AddArrayToObject(o, "files");
    double floor_cpu = files_cpu_floor(p, REPORT_SUMMARY_MAX_FILES);
    size_t listed = 0;
    for (size_t fi = 0; fi < sm->n_files; fi++) {
        const mcp_prof_file *pf = &p->files[fi].info;
        bool shown = report_file_shown(p, fi, f);
        if (f->reduced_profile && !shown)
            continue; /* a reduced profile leaves out what it does not show */
        if (sm->n_files > REPORT_SUMMARY_MAX_FILES &&
            (pf->cpu_percent < floor_cpu || listed == REPORT_SUMMARY_MAX_FILES))
            continue;
        listed++;
        cJSON *fo = cJSON_CreateObject();
        cJSON_AddStringToObject(fo, "path", pf->path);
        cJSON_AddStringToObject(fo, "display_path", pf->display_path);
        cJSON_AddNumberToObject(fo, "cpu_percent", pf->cpu_percent);
        cJSON_AddBoolToObject(fo, "shown", shown);
        cJSON_AddItemToArray(files, fo);
    }
    if (listed < sm->n_files)
        cJSON_AddNumberToObject(o, "files_total", (double)sm->n_files);
    cJSON *top = cJSON_AddArrayToObject(o, "top_lines");
    report_hot *hot = top_n ? calloc(top_n, sizeof *hot) : NULL;
    size_t n = hot ? report_top_cpu(p, f, hot, top_n) : 0;
    for (size_t i = 0; i < n; i++) {
        cJSON *h = cJSON_CreateObject();
        cJSON_AddStringToObject(h, "file", p->files[hot[i].file].info.display_path);
        cJSON_AddNumberToObject(h, "first_line", hot[i].first_line);
        cJSON_AddNumberToObject(h, "last_line", hot[i].last_line);
        cJSON_AddNumberToObject(h, "cpu_percent", hot[i].cpu_total);
        cJSON_AddStringToObject(h, "source", hot[i].line->source);
        cJSON_AddItemToArray(top, h);
    }
    free(hot);
    return o;
}
