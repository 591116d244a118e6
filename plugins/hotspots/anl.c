/* anl.c - helpers shared by the hotspots, gpu and functions analyzers
 * (see anl.h). SDK only. */
#include "anl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const mcp_host_api *anl_api;

void anl_setup(const mcp_host_api *api)
{
    anl_api = api;
}

/* ------------------------------------------------------------------ */
/* Metrics                                                              */
/* ------------------------------------------------------------------ */

double anl_cpu(const mcp_metrics *m)
{
    return m->cpu_python + m->cpu_native + m->cpu_system;
}

const char *anl_severity_name(int sev)
{
    static const char *const names[] = {"critical", "high", "medium", "low"};
    return sev >= MCP_SEV_CRITICAL && sev <= MCP_SEV_LOW ? names[sev] : "low";
}

int anl_cpu_severity(double cpu)
{
    if (cpu >= 50)
        return MCP_SEV_CRITICAL;
    if (cpu >= 20)
        return MCP_SEV_HIGH;
    if (cpu >= 5)
        return MCP_SEV_MEDIUM;
    return MCP_SEV_LOW;
}

bool anl_scalene_1x(const mcp_prof_summary *sm)
{
    if (sm->scalene_version && sm->scalene_version[0] == '1' && sm->scalene_version[1] == '.')
        return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* Source lines                                                         */
/* ------------------------------------------------------------------ */

/* Replaces bytes that are not valid UTF-8 by '?', in place. */
static void fix_utf8(char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
        if (ok && len == 2 && c < 0xC2)
            ok = false; /* overlong */
        if (!ok) {
            s[i++] = '?';
            continue;
        }
        i += len;
    }
}

#define ANL_MAX_SOURCE_BYTES (16u << 20)
#define ANL_MAX_CHECKED_LINES 400

void anl_file_init(anl_file *f, const mcp_profile *p, size_t fi)
{
    memset(f, 0, sizeof *f);
    f->p = p;
    f->fi = fi;
    f->info = anl_api->profile_file(p, fi);
    for (size_t i = 0; i < f->info->n_lines && i < 64; i++) {
        const mcp_prof_line *l = anl_api->profile_line(p, fi, i);
        if (l->region_start || l->loop_start || l->func_start) {
            f->has_bounds = true;
            break;
        }
    }
    f->module.name = NULL;
    f->module.module = true;
    f->module.indent = -1;
}

void anl_file_free(anl_file *f)
{
    free(f->disk_buf);
    free(f->disk_lines);
    for (size_t i = 0; i < f->n_funcs; i++)
        free(f->funcs[i].name);
    free(f->funcs);
    memset(f, 0, sizeof *f);
}

static bool load_disk(anl_file *f)
{
    const mcp_prof_summary *sm = anl_api->profile_summary(f->p);
    const char *path = f->info->path;
    char *full = NULL;
    if (path[0] != '/') {
        if (!sm->cwd || !*sm->cwd) {
            f->disk_why = "relative path and no run directory";
            return false;
        }
        if (asprintf(&full, "%s/%s", sm->cwd, path) < 0)
            return false;
        path = full;
    }
    struct stat st;
    FILE *fp = NULL;
    bool ok = false;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        f->disk_why = "not on disk";
        goto out;
    }
    if ((uint64_t)st.st_size > ANL_MAX_SOURCE_BYTES) {
        f->disk_why = "too large";
        goto out;
    }
    fp = fopen(path, "rb");
    if (!fp) {
        f->disk_why = "not readable";
        goto out;
    }
    size_t size = (size_t)st.st_size;
    f->disk_buf = malloc(size + 1);
    if (!f->disk_buf || fread(f->disk_buf, 1, size, fp) != size) {
        f->disk_why = "not readable";
        goto out;
    }
    f->disk_buf[size] = '\0';
    fix_utf8(f->disk_buf, size);
    size_t n = 1;
    for (size_t i = 0; i < size; i++)
        n += f->disk_buf[i] == '\n';
    f->disk_lines = calloc(n, sizeof *f->disk_lines);
    if (!f->disk_lines)
        goto out;
    uint32_t k = 0;
    char *s = f->disk_buf;
    for (;;) {
        char *nl = strchr(s, '\n');
        if (nl)
            *nl = '\0';
        size_t len = strlen(s);
        if (len && s[len - 1] == '\r')
            s[len - 1] = '\0';
        if (!nl && !*s)
            break; /* no line after the final newline */
        f->disk_lines[k++] = s;
        if (!nl)
            break;
        s = nl + 1;
    }
    f->disk_n = k;
    /* the disk copy must still be the profiled source */
    size_t checked = 0;
    for (size_t i = 0; i < f->info->n_lines && checked < ANL_MAX_CHECKED_LINES; i++) {
        const mcp_prof_line *l = anl_api->profile_line(f->p, f->fi, i);
        if (!l->source[0])
            continue;
        checked++;
        /* disk_n > 0 means disk_lines holds that many lines */
        // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker)
        if (l->lineno > f->disk_n || strcmp(f->disk_lines[l->lineno - 1], l->source) != 0) {
            f->disk_why = "changed since the profile was made";
            goto out;
        }
    }
    if (!checked) {
        f->disk_why = "cannot be matched with the profile";
        goto out;
    }
    ok = true;
out:
    if (fp)
        fclose(fp);
    free(full);
    if (!ok) {
        free(f->disk_buf);
        free(f->disk_lines);
        f->disk_buf = NULL;
        f->disk_lines = NULL;
        f->disk_n = 0;
        if (!f->disk_why)
            f->disk_why = "out of memory";
    }
    return ok;
}

bool anl_disk(anl_file *f)
{
    if (f->disk_state == 0)
        f->disk_state = load_disk(f) ? 1 : -1;
    return f->disk_state == 1;
}

const char *anl_text(anl_file *f, uint32_t lineno)
{
    if (lineno == 0)
        return NULL;
    const mcp_prof_line *l = anl_api->profile_find_line(f->p, f->fi, lineno);
    if (l && (l->source[0] || f->has_bounds))
        return l->source;
    if (anl_disk(f) && lineno <= f->disk_n)
        return f->disk_lines[lineno - 1];
    return l ? l->source : NULL;
}

uint32_t anl_last_line(anl_file *f)
{
    uint32_t last = 0;
    if (f->info->n_lines)
        last = anl_api->profile_line(f->p, f->fi, f->info->n_lines - 1)->lineno;
    if (!f->has_bounds && anl_disk(f) && f->disk_n > last)
        last = f->disk_n;
    return last;
}

/* ------------------------------------------------------------------ */
/* Functions                                                            */
/* ------------------------------------------------------------------ */

/* "def name(" / "async def name(" / "class Name" -> the name (malloc'd). */
static char *name_from_def(const char *src, bool *is_class)
{
    if (!src)
        return NULL;
    const char *s = srcline_skip_blanks(src);
    *is_class = false;
    if (srcline_starts_keyword(s, "async"))
        s = srcline_skip_blanks(s + 5);
    if (srcline_starts_keyword(s, "def"))
        s = srcline_skip_blanks(s + 3);
    else if (srcline_starts_keyword(s, "class")) {
        s = srcline_skip_blanks(s + 5);
        *is_class = true;
    } else
        return NULL;
    size_t n = 0;
    while (s[n] && s[n] != '(' && s[n] != ':' && s[n] != ' ' && s[n] != '\t' && s[n] != '[')
        n++;
    return n ? strndup(s, n) : NULL;
}

static int func_cmp(const void *a, const void *b)
{
    const anl_func *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return 0;
}

static bool add_func(anl_file *f, size_t *cap, uint32_t start, uint32_t end)
{
    if (f->n_funcs == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        anl_func *nf = realloc(f->funcs, nc * sizeof *nf);
        if (!nf)
            return false;
        f->funcs = nf;
        *cap = nc;
    }
    f->funcs[f->n_funcs++] = (anl_func){.start = start, .end = end, .indent = -1};
    return true;
}

/* The record describing a function that starts at `start`: the one whose
 * first line is `start`, else one whose first line is a decorator right
 * above it (Python reports a decorated function's first decorator line). */
static const mcp_prof_function *record_at(anl_file *f, uint32_t start, bool *used)
{
    const mcp_prof_function *best = NULL;
    size_t best_i = 0;
    for (size_t i = 0; i < f->info->n_functions; i++) {
        const mcp_prof_function *r = anl_api->profile_function(f->p, f->fi, i);
        if (used[i])
            continue;
        if (r->first_line == start) {
            used[i] = true;
            return r;
        }
        if (r->first_line < start && start - r->first_line <= 16 &&
            (!best || r->first_line > best->first_line)) {
            const char *t = anl_text(f, r->first_line);
            if (t && *srcline_skip_blanks(t) == '@') {
                best = r;
                best_i = i;
            }
        }
    }
    if (best)
        used[best_i] = true;
    return best;
}

/* Name of an unrecorded function from its def line, qualified by the
 * enclosing class when there is one. */
static char *derived_name(anl_file *f, size_t idx)
{
    anl_func *fn = &f->funcs[idx];
    bool is_class = false;
    char *name = name_from_def(anl_text(f, fn->start), &is_class);
    if (!name) {
        if (asprintf(&name, "<function at line %u>", fn->start) < 0)
            return NULL;
        return name;
    }
    for (size_t j = idx; j-- > 0;) {
        const anl_func *o = &f->funcs[j];
        if (o->start < fn->start && o->end >= fn->end) {
            bool oc = false;
            char *outer = name_from_def(anl_text(f, o->start), &oc);
            char *q = NULL;
            if (outer && asprintf(&q, "%s.%s", outer, name) >= 0) {
                free(name);
                name = q;
            }
            free(outer);
            break;
        }
    }
    return name;
}

/* 1.5.16: a function's last line from the code after its first line: the
 * line before the next code at its def's indentation or less. */
static uint32_t derive_end(anl_file *f, uint32_t start, int def_indent)
{
    bool disk = anl_disk(f);
    uint32_t last_known = start, after_sig = start;
    const char *t0 = anl_text(f, start);
    /* a decorated function: the range starts at the decorator; skip to def */
    if (t0 && *srcline_skip_blanks(t0) == '@' && disk) {
        for (uint32_t k = start + 1; k <= f->disk_n && k < start + 32; k++) {
            if (srcline_is_def(f->disk_lines[k - 1])) {
                after_sig = k;
                break;
            }
        }
    }
    if (disk) {
        bool in_str = false;
        for (uint32_t k = after_sig + 1; k <= f->disk_n; k++) {
            const char *t = f->disk_lines[k - 1];
            /* a line that opens or closes a triple-quoted string (odd count) */
            int quotes = 0;
            for (const char *q = t; (q = strstr(q, "\"\"\"")) != NULL; q += 3)
                quotes++;
            for (const char *q = t; (q = strstr(q, "'''")) != NULL; q += 3)
                quotes++;
            bool was_in = in_str;
            if (quotes % 2)
                in_str = !in_str;
            if (was_in || srcline_is_blank(t))
                continue;
            const char *s = srcline_skip_blanks(t);
            if (srcline_indent(t) <= def_indent && *s != ')' && *s != ']' && *s != '}')
                return last_known;
            last_known = k;
        }
        return last_known;
    }
    for (size_t i = 0; i < f->info->n_lines; i++) {
        const mcp_prof_line *l = anl_api->profile_line(f->p, f->fi, i);
        if (l->lineno <= start || srcline_is_blank(l->source))
            continue;
        const char *s = srcline_skip_blanks(l->source);
        if (srcline_indent(l->source) <= def_indent && *s != ')' && *s != ']' && *s != '}' &&
            *s != '@')
            return last_known;
        last_known = l->lineno;
    }
    return last_known;
}

/* Last line in [from, to] that holds code (disk) or is in the profile,
 * or `from`. */
static uint32_t last_code_line(anl_file *f, uint32_t from, uint32_t to)
{
    for (uint32_t k = to; k > from; k--) {
        const char *t = NULL;
        if (anl_disk(f))
            t = k <= f->disk_n ? f->disk_lines[k - 1] : NULL;
        else {
            const mcp_prof_line *l = anl_api->profile_find_line(f->p, f->fi, k);
            t = l ? l->source : NULL;
        }
        if (t && !srcline_is_blank(t))
            return k;
    }
    return from;
}

/* 1.5.16: a function ends before the next one that starts at its
 * indentation or less (unknown indentations count as top level). */
static void cap_at_next(anl_file *f)
{
    for (size_t i = 0; i < f->n_funcs; i++) {
        anl_func *fn = &f->funcs[i];
        int ind = fn->indent < 0 ? 0 : fn->indent;
        for (size_t j = i + 1; j < f->n_funcs; j++) {
            const anl_func *nx = &f->funcs[j];
            if (nx->start <= fn->start)
                continue;
            if ((nx->indent < 0 ? 0 : nx->indent) > ind)
                continue;
            if (fn->end >= nx->start)
                fn->end = last_code_line(f, fn->start, nx->start - 1);
            break;
        }
    }
}

static void build_funcs(anl_file *f)
{
    f->funcs_built = true;
    size_t cap = 0, nrec = f->info->n_functions;
    bool *used = calloc(nrec + 1, sizeof *used);
    if (!used)
        return;
    if (f->has_bounds) {
        uint32_t ls = 0, le = 0;
        for (size_t i = 0; i < f->info->n_lines; i++) {
            const mcp_prof_line *l = anl_api->profile_line(f->p, f->fi, i);
            if (!l->func_start || l->func_end < l->func_start)
                continue;
            if (l->func_start == ls && l->func_end == le)
                continue;
            ls = l->func_start;
            le = l->func_end;
            if (!add_func(f, &cap, ls, le))
                break;
        }
        if (f->n_funcs)
            qsort(f->funcs, f->n_funcs, sizeof *f->funcs, func_cmp);
        size_t w = 0;
        for (size_t i = 0; i < f->n_funcs; i++)
            if (!w || func_cmp(&f->funcs[w - 1], &f->funcs[i]) != 0)
                f->funcs[w++] = f->funcs[i];
        f->n_funcs = w;
        for (size_t i = 0; i < f->n_funcs; i++)
            f->funcs[i].rec = record_at(f, f->funcs[i].start, used);
        /* records that matched no range keep their own (they get no lines) */
        for (size_t i = 0; i < nrec; i++) {
            if (used[i])
                continue;
            const mcp_prof_function *r = anl_api->profile_function(f->p, f->fi, i);
            if (!add_func(f, &cap, r->first_line, r->last_line ? r->last_line : r->first_line))
                break;
            f->funcs[f->n_funcs - 1].rec = r;
            used[i] = true;
        }
    } else {
        for (size_t i = 0; i < nrec; i++) {
            const mcp_prof_function *r = anl_api->profile_function(f->p, f->fi, i);
            if (!r->first_line)
                continue;
            const char *t = anl_text(f, r->first_line);
            int ind = t ? srcline_indent(t) : 0; /* unknown: most functions are top level */
            if (!add_func(f, &cap, r->first_line, derive_end(f, r->first_line, ind)))
                break;
            f->funcs[f->n_funcs - 1].rec = r;
            f->funcs[f->n_funcs - 1].indent = t ? ind : -1;
        }
    }
    if (f->n_funcs)
        qsort(f->funcs, f->n_funcs, sizeof *f->funcs, func_cmp);
    if (!f->has_bounds)
        cap_at_next(f);
    for (size_t i = 0; i < f->n_funcs; i++) {
        anl_func *fn = &f->funcs[i];
        fn->name = fn->rec ? strdup(fn->rec->name) : derived_name(f, i);
        if (!fn->name)
            fn->name = strdup("?");
    }
    free(used);
}

size_t anl_funcs(anl_file *f, const anl_func **out)
{
    if (!f->funcs_built)
        build_funcs(f);
    *out = f->funcs;
    return f->n_funcs;
}

/* Last index with start <= lineno, or SIZE_MAX. */
static size_t last_starting_at_or_before(const anl_file *f, uint32_t lineno)
{
    size_t lo = 0, hi = f->n_funcs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->funcs[mid].start <= lineno)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : SIZE_MAX;
}

const anl_func *anl_func_of(anl_file *f, uint32_t lineno)
{
    if (!f->funcs_built)
        build_funcs(f);
    if (f->has_bounds) {
        const mcp_prof_line *l = anl_api->profile_find_line(f->p, f->fi, lineno);
        if (!l || !l->func_start)
            return &f->module;
        /* the exact range; funcs sorted by start asc, end desc */
        size_t i = last_starting_at_or_before(f, l->func_start);
        for (; i != SIZE_MAX && f->funcs[i].start == l->func_start; i--) {
            if (f->funcs[i].end == l->func_end)
                return &f->funcs[i];
            if (i == 0)
                break;
        }
        return &f->module;
    }
    /* innermost range containing the line */
    size_t i = last_starting_at_or_before(f, lineno);
    const anl_func *best = NULL;
    for (size_t k = 0; i != SIZE_MAX && k < 64; k++) {
        const anl_func *fn = &f->funcs[i];
        if (fn->end >= lineno && (!best || fn->end - fn->start < best->end - best->start))
            best = fn;
        if (i == 0)
            break;
        i--;
    }
    return best ? best : &f->module;
}

bool anl_loop_of(anl_file *f, uint32_t lineno, uint32_t *start, uint32_t *end)
{
    if (f->has_bounds) {
        const mcp_prof_line *l = anl_api->profile_find_line(f->p, f->fi, lineno);
        if (!l || !l->loop_start || l->loop_end < l->loop_start)
            return false;
        /* Scalene gives a line outside loops itself as its loop (and a def
         * line its function): only a real loop header counts */
        if (!srcline_is_loop_header(anl_text(f, l->loop_start)))
            return false;
        *start = l->loop_start;
        *end = l->loop_end;
        return true;
    }
    if (!anl_disk(f) || lineno > f->disk_n)
        return false;
    /* walk up through less indented lines; the outermost loop header wins */
    const char *t = f->disk_lines[lineno - 1];
    int cur = srcline_indent(t);
    uint32_t outer = srcline_is_loop_header(t) ? lineno : 0;
    for (uint32_t k = lineno - 1; k >= 1 && cur > 0; k--) {
        const char *s = f->disk_lines[k - 1];
        if (srcline_is_blank(s))
            continue;
        int ind = srcline_indent(s);
        if (ind >= cur)
            continue;
        cur = ind;
        if (srcline_is_loop_header(s))
            outer = k;
        else if (srcline_is_def(s) || srcline_starts_keyword(s, "class"))
            break;
    }
    if (!outer)
        return false;
    int hi = srcline_indent(f->disk_lines[outer - 1]);
    uint32_t last = outer;
    for (uint32_t k = outer + 1; k <= f->disk_n; k++) {
        const char *s = f->disk_lines[k - 1];
        if (srcline_is_blank(s))
            continue;
        if (srcline_indent(s) <= hi)
            break;
        last = k;
    }
    *start = outer;
    *end = last;
    return true;
}

/* ------------------------------------------------------------------ */
/* Stack frames                                                         */
/* ------------------------------------------------------------------ */

bool anl_parse_frame(const char *frame, size_t *path_len, const char **func, size_t *func_len,
                     uint32_t *line)
{
    const char *sp = strrchr(frame, ' ');
    if (!sp)
        return false;
    const char *colon = strrchr(sp + 1, ':');
    if (!colon)
        return false;
    char *e;
    unsigned long v = strtoul(colon + 1, &e, 10);
    if (e == colon + 1 || *e || v > UINT32_MAX)
        return false;
    *path_len = (size_t)(sp - frame);
    *func = sp + 1;
    *func_len = (size_t)(colon - sp - 1);
    *line = (uint32_t)v;
    return true;
}

const char *anl_frame_display(const mcp_profile *p, const char *path, size_t *fi_out)
{
    size_t len = strlen(path);
    const mcp_prof_summary *sm = anl_api->profile_summary(p);
    for (size_t i = 0; i < sm->n_files; i++) {
        const mcp_prof_file *f = anl_api->profile_file(p, i);
        if (strlen(f->path) == len && strncmp(f->path, path, len) == 0) {
            if (fi_out)
                *fi_out = i;
            return f->display_path;
        }
    }
    if (fi_out)
        *fi_out = PLUGIN_ALL_FILES;
    size_t cl = sm->cwd ? strlen(sm->cwd) : 0;
    while (cl > 1 && sm->cwd[cl - 1] == '/')
        cl--;
    if (cl && len > cl + 1 && strncmp(path, sm->cwd, cl) == 0 && path[cl] == '/')
        return path + cl + 1;
    return path;
}
