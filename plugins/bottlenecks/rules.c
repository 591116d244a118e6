/* rules.c - the bottleneck rule library (see rules.h, docs/analyzers.md). */
#include "rules.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "srcline.h"

const bn_rule_def bn_rules[BN_N_RULES] = {
    [BN_STR_CONCAT_IN_LOOP] =
        {"str_concat_in_loop", "String concatenation in a loop",
         "Collect the pieces in a list and join once after the loop (parts.append(x), then "
         "''.join(parts)), or write them to an io.StringIO: `s += ...` on a str can copy the "
         "whole string on every iteration (quadratic)."},
    [BN_REGEX_IN_LOOP] =
        {"regex_in_loop", "Regex compiled per iteration",
         "Compile the pattern once outside the loop (PATTERN = re.compile(r'...') at module "
         "level) and call PATTERN.match/search/sub inside it: re.<fn>(literal, ...) parses or "
         "looks up the pattern again on every iteration."},
    [BN_IO_IN_LOOP] =
        {"io_in_loop", "I/O in a loop",
         "Move the I/O out of the loop: open files once, collect output and write it once "
         "(writelines / ''.join), read in large chunks; for network calls reuse one session and "
         "batch or run requests concurrently; print less often."},
    [BN_ALLOC_IN_LOOP] =
        {"alloc_in_loop", "Repeated allocation in a loop",
         "Allocate once before the loop and reuse the buffer (fill or slice it in place; with "
         "NumPy preallocate and pass out=), or stream with a generator instead of building a "
         "new container on every iteration."},
    [BN_PYTHON_NUMERIC_LOOP] =
        {"python_numeric_loop", "Python loop over numeric data",
         "Vectorize: express the loop as whole-array NumPy operations (for example "
         "a = np.arange(n); (a * a % 7).sum()), or use built-ins (sum, map, math.fsum) or a "
         "compiler (Numba, Cython): interpreted per-element arithmetic is 10-100x slower."},
    [BN_SLEEPING] = {"sleeping", "Sleeping",
                     "Remove or shorten the sleep, or wait on an event, condition or queue "
                     "instead of polling with sleep."},
    [BN_SYSTEM_TIME] = {"system_time", "System time (I/O, waiting)",
                        "The line waits off the CPU (I/O, locks, subprocesses, page faults): use "
                        "larger or buffered I/O, overlap the waiting with work (threads, "
                        "asyncio), or find what it blocks on."},
    [BN_MEMORY_COPY] = {"memory_copy", "Memory copying",
                        "Avoid copies: no conversions back and forth (list <-> array, bytes <-> "
                        "bytearray), memoryview or NumPy views instead of slices, np.asarray "
                        "instead of np.array on arrays."},
    [BN_LARGE_ALLOCATION] = {"large_allocation", "Large allocation",
                             "Process the data in chunks or stream it (generators, np.memmap, "
                             "smaller dtypes) and drop it (del) as soon as it is no longer "
                             "needed."},
    [BN_ALLOCATION_CHURN] = {"allocation_churn", "Heavy allocation",
                             "Reuse buffers and avoid temporary containers (generators, in-place "
                             "operations); allocate once and reuse."},
    [BN_NATIVE_DOMINATED] = {"native_dominated", "Native code dominates",
                             "Time is in native code (libraries, built-ins): Python-level tweaks "
                             "will not help. Call it less often or with larger batches, avoid "
                             "needless conversions, or choose a cheaper algorithm or call."},
    [BN_GPU_HEAVY] = {"gpu_heavy", "GPU-heavy line",
                      "Batch work into fewer, larger kernels, use mixed precision, and keep data "
                      "on the device between steps."},
    [BN_PYTHON_TIME] = {"python_time", "Interpreted Python time",
                        "Cache repeated results, use a better algorithm or data structure (dict "
                        "or set lookups instead of list scans), or move the work into built-ins "
                        "or NumPy."},
    [BN_HOT_LINE] = {"hot_line", "Costly line",
                     "Reduce how often this line runs or the work it does per call."},
};

const double bn_cpu_thresholds[4] = {50, 20, 5, 1};
const double bn_peak_thresholds[4] = {1024, 256, 64, 16};
const double bn_alloc_thresholds[4] = {4096, 1024, 256, 64};
const double bn_copy_thresholds[4] = {HUGE_VAL, 1000, 200, 50};
const double bn_gpu_thresholds[4] = {HUGE_VAL, HUGE_VAL, 50, 20};
const double bn_gpu_mem_thresholds[4] = {HUGE_VAL, 8192, 2048, 512};

/* Rule conditions (documented in docs/analyzers.md). */
#define MIN_CPU_CONCAT 2.0 /* % of run */
#define MIN_CPU_REGEX 1.0
#define MIN_CPU_IO 2.0
#define MIN_SYS_SHARE_IO 0.3 /* of the unit's time */
#define MIN_SYS_IO 5.0       /* or this % of the run */
#define MIN_ALLOC_MB 10.0
#define MIN_ALLOC_SHARE 0.05 /* of all allocation */
#define MIN_CPU_NUMERIC 5.0
#define MIN_PY_SHARE_NUMERIC                                                                       \
    0.3 /* of the CPU time; 2.x counts 40-60% of a pure Python loop as native */
#define MIN_SYS_GENERIC 2.0
#define MIN_SYS_SHARE 0.5
#define MIN_NATIVE_SHARE 0.6 /* of the line's CPU time */
#define MIN_CPU_NATIVE 5.0
#define MIN_PY_SHARE 0.5     /* of the line's CPU time */
#define CONTENDED_EXCESS 2.0 /* x the baseline system/CPU ratio */
#define MIN_COPY 50.0
#define MIN_LARGE_PEAK 64.0
#define MIN_CHURN 64.0

int bn_severity_of(double v, const double t[4])
{
    for (int i = 0; i < 4; i++)
        if (v >= t[i])
            return i;
    return BN_SEV_NONE;
}

static int min_sev(int a, int b)
{
    return a < b ? a : b;
}

static int dim_cpu(const bn_metrics_input *m)
{
    return bn_severity_of(m->cpu, bn_cpu_thresholds);
}

static int dim_mem(const bn_metrics_input *m)
{
    return min_sev(bn_severity_of(m->peak_mb, bn_peak_thresholds),
                   bn_severity_of(m->malloc_mb, bn_alloc_thresholds));
}

static int dim_copy(const bn_metrics_input *m)
{
    return bn_severity_of(m->copy_mb_s, bn_copy_thresholds);
}

static int dim_gpu(const bn_metrics_input *m)
{
    if (!m->gpu_on)
        return BN_SEV_NONE;
    return min_sev(bn_severity_of(m->gpu_percent, bn_gpu_thresholds),
                   bn_severity_of(m->gpu_peak_mb, bn_gpu_mem_thresholds));
}

int bn_unit_severity(const bn_metrics_input *m)
{
    return min_sev(min_sev(dim_cpu(m), dim_mem(m)), min_sev(dim_copy(m), dim_gpu(m)));
}

double bn_sys_ratio(const bn_metrics_input *m)
{
    double c = m->python + m->native;
    return m->system / (c > 1e-9 ? c : 1e-9);
}

bool bn_system_excess(const bn_metrics_input *m)
{
    return !m->contended || bn_sys_ratio(m) >= CONTENDED_EXCESS * m->sys_base;
}

/* python / (python + native), 0 when no CPU time */
static double py_share(const bn_metrics_input *m)
{
    double c = m->python + m->native;
    return c > 0 ? m->python / c : 0;
}

/* ---- text classifiers ---- */

/* Reads a dotted name at *p; returns its length (0 when none). */
static size_t dotted_name(const char *p)
{
    size_t n = 0;
    for (;;) {
        if (!srcline_is_ident_start((unsigned char)p[n]))
            return n && p[n - 1] == '.' ? n - 1 : n;
        while (srcline_is_ident_char((unsigned char)p[n]))
            n++;
        if (p[n] != '.')
            return n;
        n++;
    }
}

bool bn_concat_target(const char *code, char *name, size_t namesz, const char **rhs)
{
    const char *p = srcline_skip_blanks(code);
    size_t n = dotted_name(p);
    if (!n || n >= namesz)
        return false;
    memcpy(name, p, n);
    name[n] = '\0';
    const char *q = srcline_skip_blanks(p + n);
    if (q[0] == '+' && q[1] == '=') {
        *rhs = srcline_skip_blanks(q + 2);
        return **rhs != '\0';
    }
    if (q[0] != '=' || q[1] == '=')
        return false;
    q = srcline_skip_blanks(q + 1);
    if (strncmp(q, name, n) != 0 || srcline_is_ident_char((unsigned char)q[n]) || q[n] == '.')
        return false;
    q = srcline_skip_blanks(q + n);
    if (q[0] != '+' || q[1] == '=')
        return false;
    *rhs = srcline_skip_blanks(q + 1);
    return **rhs != '\0';
}

/* Calls and methods that give a str. */
static const char *const str_calls[] = {"str(",     "repr(",     "chr(",     "format(", ".join(",
                                        ".format(", ".upper(",   ".lower(",  ".strip(", ".rstrip(",
                                        ".lstrip(", ".replace(", ".decode(", ".title(", "hex(",
                                        "ascii(",   NULL};

int bn_expr_is_string(const char *code)
{
    const char *p = srcline_skip_blanks(code);
    if (!*p)
        return -1;
    /* a string literal, an f-string or a str call at bracket depth 0 */
    int depth = 0;
    bool quote0 = false;
    for (const char *q = p; *q; q++) {
        if (*q == '(' || *q == '[' || *q == '{')
            depth++;
        else if ((*q == ')' || *q == ']' || *q == '}') && depth > 0)
            depth--;
        else if ((*q == '"' || *q == '\'') && depth == 0)
            quote0 = true;
    }
    if (quote0)
        return 1;
    for (int i = 0; str_calls[i]; i++) {
        const char *w = pysrc_find_word(p, str_calls[i]);
        if (w) {
            /* only when the call is at depth 0 */
            int d = 0;
            for (const char *q = p; q < w; q++) {
                if (*q == '(' || *q == '[' || *q == '{')
                    d++;
                else if ((*q == ')' || *q == ']' || *q == '}') && d > 0)
                    d--;
            }
            if (d == 0)
                return 1;
        }
    }
    if (isdigit((unsigned char)*p) || (*p == '-' && isdigit((unsigned char)p[1])) ||
        (*p == '.' && isdigit((unsigned char)p[1])))
        return 0;
    if (*p == '[' || *p == '{' || *p == '(')
        return 0;
    static const char *const non_str[] = {
        "len(",  "int(",   "float(", "sum(",   "abs(",       "min(",   "max(", "round(",
        "list(", "dict(",  "set(",   "tuple(", "bytearray(", "bytes(", "None", "True",
        "False", "range(", "math.",  "np.",    "numpy.",     NULL};
    for (int i = 0; non_str[i]; i++)
        if (strncmp(p, non_str[i], strlen(non_str[i])) == 0)
            return 0;
    return -1;
}

int bn_var_init_is_string(const pysrc *src, const char *name, uint32_t first, uint32_t before,
                          uint32_t *at)
{
    size_t nl = strlen(name);
    if (first < 1)
        first = 1;
    for (uint32_t k = before; k-- > first;) {
        if (src->flags[k] & (PYSRC_F_BLANK | PYSRC_F_UNKNOWN | PYSRC_F_CONT))
            continue;
        char code[1024];
        pysrc_code(src->text[k], code, sizeof code, NULL);
        if (strncmp(code, name, nl) != 0 || srcline_is_ident_char((unsigned char)code[nl]) ||
            code[nl] == '.')
            continue;
        const char *q = srcline_skip_blanks(code + nl);
        if (*q == ':') { /* annotation: name: str = ... */
            const char *t = srcline_skip_blanks(q + 1);
            if (at)
                *at = k;
            if (strncmp(t, "str", 3) == 0 && !srcline_is_ident_char((unsigned char)t[3]))
                return 1;
            return 0;
        }
        if (q[0] != '=' || q[1] == '=')
            continue;
        if (at)
            *at = k;
        return bn_expr_is_string(q + 1);
    }
    return -1;
}

static const char *const regex_fns[] = {
    "re.compile(",  "re.match(", "re.search(", "re.fullmatch(", "re.findall(",
    "re.finditer(", "re.sub(",   "re.subn(",   "re.split(",     NULL};

const char *bn_regex_literal_call(const char *code)
{
    for (int i = 0; regex_fns[i]; i++) {
        const char *w = pysrc_find_word(code, regex_fns[i]);
        if (!w)
            continue;
        const char *a = srcline_skip_blanks(w + strlen(regex_fns[i]));
        for (int k = 0; k < 2 && *a && strchr("rRbBuU", *a); k++)
            a++;
        if (*a == '"' || *a == '\'')
            return regex_fns[i];
    }
    return NULL;
}

static const char *const io_calls[] = {"open(",
                                       "print(",
                                       "input(",
                                       ".read(",
                                       ".readline(",
                                       ".readlines(",
                                       ".write(",
                                       ".writelines(",
                                       ".flush(",
                                       ".send(",
                                       ".sendall(",
                                       ".recv(",
                                       ".recv_into(",
                                       "requests.",
                                       "urlopen(",
                                       "urllib.request.",
                                       "http.client.",
                                       "socket.",
                                       "json.dump(",
                                       "json.load(",
                                       "pickle.dump(",
                                       "pickle.load(",
                                       "os.read(",
                                       "os.write(",
                                       "os.stat(",
                                       "os.listdir(",
                                       "os.scandir(",
                                       "os.path.exists(",
                                       "os.path.getsize(",
                                       "os.fsync(",
                                       "shutil.",
                                       "subprocess.",
                                       ".execute(",
                                       ".commit(",
                                       ".read_text(",
                                       ".write_text(",
                                       ".read_bytes(",
                                       ".write_bytes(",
                                       "csv.writer(",
                                       ".writerow(",
                                       NULL};

const char *bn_io_call(const char *code)
{
    for (int i = 0; io_calls[i]; i++)
        if (pysrc_find_word(code, io_calls[i]))
            return io_calls[i];
    return NULL;
}

/* The receiver of a method call at `at` in `code` ("buf" for "buf.write(").
 */
static bool receiver_before(const char *code, const char *at, char *out, size_t outsz)
{
    const char *e = at;
    const char *b = e;
    while (b > code && srcline_is_ident_char((unsigned char)b[-1]))
        b--;
    if (b == e || (b > code && b[-1] == '.') || (size_t)(e - b) >= outsz)
        return false;
    memcpy(out, b, (size_t)(e - b));
    out[e - b] = '\0';
    return true;
}

static bool made_in_memory(const pysrc *src, const char *name, uint32_t first, uint32_t before)
{
    size_t nl = strlen(name);
    for (uint32_t k = before; src && k-- > first && k >= 1;) {
        if (src->flags[k] & (PYSRC_F_BLANK | PYSRC_F_UNKNOWN | PYSRC_F_CONT))
            continue;
        char code[1024];
        pysrc_code(src->text[k], code, sizeof code, NULL);
        const char *c = code;
        if (!strncmp(c, "with ", 5)) { /* with io.StringIO() as name: */
            const char *as = strstr(c, " as ");
            if (as && !strncmp(srcline_skip_blanks(as + 4), name, nl) &&
                !srcline_is_ident_char((unsigned char)srcline_skip_blanks(as + 4)[nl]))
                return strstr(c, "StringIO(") || strstr(c, "BytesIO(");
            continue;
        }
        if (strncmp(c, name, nl) != 0 || srcline_is_ident_char((unsigned char)c[nl]))
            continue;
        const char *q = srcline_skip_blanks(c + nl);
        if (q[0] != '=' || q[1] == '=')
            continue;
        return strstr(q, "StringIO(") || strstr(q, "BytesIO(");
    }
    return false;
}

const char *bn_io_call_in(const char *code, const pysrc *src, uint32_t first, uint32_t before)
{
    for (int i = 0; io_calls[i]; i++) {
        const char *w = pysrc_find_word(code, io_calls[i]);
        if (!w)
            continue;
        char recv[128];
        if (io_calls[i][0] == '.' && receiver_before(code, w, recv, sizeof recv) &&
            made_in_memory(src, recv, first < 1 ? 1 : first, before))
            continue; /* an in-memory stream: not I/O */
        return io_calls[i];
    }
    return NULL;
}

bool bn_baseline_line(const char *text)
{
    char code[1024];
    pysrc_code(text, code, sizeof code, NULL);
    if (!*code || bn_io_call(code) || bn_alloc_call(code))
        return false;
    static const char *const waits[] = {"sleep(",    ".sleep(",  ".join(", ".wait(",
                                        ".acquire(", ".get(",    ".put(",  "import",
                                        "select(",   ".result(", "await",  NULL};
    for (int i = 0; waits[i]; i++)
        if (pysrc_find_word(code, waits[i]))
            return false;
    return strncmp(code, "def ", 4) != 0 && strncmp(code, "from ", 5) != 0;
}

static const char *const alloc_calls[] = {
    "bytearray(",     "bytes(",        "list(",           "dict(",          "set(",
    "tuple(",         "sorted(",       "np.zeros(",       "np.empty(",      "np.ones(",
    "np.full(",       "np.array(",     "np.arange(",      "np.zeros_like(", "np.ones_like(",
    "np.empty_like(", "np.full_like(", "np.concatenate(", "np.append(",     "np.vstack(",
    "np.hstack(",     "np.stack(",     "np.copy(",        "np.random.",     "numpy.zeros(",
    "numpy.empty(",   "numpy.ones(",   "numpy.array(",    "torch.zeros(",   "torch.empty(",
    "torch.ones(",    "torch.tensor(", "torch.randn(",    "array.array(",   ".copy(",
    "copy.deepcopy(", "copy.copy(",    ".tolist(",        ".tobytes(",      NULL};

const char *bn_alloc_call(const char *code)
{
    for (int i = 0; alloc_calls[i]; i++)
        if (pysrc_find_word(code, alloc_calls[i]))
            return alloc_calls[i];
    /* [0] * n, n * [None] */
    if (strstr(code, "] *") || strstr(code, "]*") || strstr(code, "* [") || strstr(code, "*["))
        return "[...] * n";
    /* a comprehension builds a new container */
    if ((strchr(code, '[') || strchr(code, '{')) && pysrc_has_inline_loop(code)) {
        const char *b = strchr(code, '[');
        if (b && pysrc_has_inline_loop(b))
            return "[... for ...]";
        return "{... for ...}";
    }
    return NULL;
}

/* Calls into array libraries: the work per call is already vectorized. */
static const char *const vector_libs[] = {"np.",     "numpy.", "torch.", "scipy.", "pd.",
                                          "pandas.", "jnp.",   "cp.",    "tf.",    NULL};

bool bn_is_numeric(const char *code, int n_strings)
{
    (void)n_strings;
    if (bn_io_call(code) || bn_regex_literal_call(code))
        return false;
    for (int i = 0; vector_libs[i]; i++)
        if (pysrc_find_word(code, vector_libs[i]))
            return false;
    /* strings at depth 0 or str calls mean text work */
    char name[128];
    const char *rhs = NULL;
    if (bn_expr_is_string(code) == 1)
        return false;
    if (bn_concat_target(code, name, sizeof name, &rhs) && bn_expr_is_string(rhs) == 1)
        return false;
    for (int i = 0; str_calls[i]; i++)
        if (pysrc_find_word(code, str_calls[i]))
            return false;
    static const char *const num_calls[] = {"sum(",    "abs(",   "min(", "max(",   "math.",  "pow(",
                                            "divmod(", "range(", "int(", "float(", "round(", NULL};
    for (int i = 0; num_calls[i]; i++)
        if (pysrc_find_word(code, num_calls[i]))
            return true;
    /* an arithmetic operator outside string literals */
    bool in_str = false;
    char q = 0;
    for (const char *p = code; *p; p++) {
        if (in_str) {
            if (*p == q)
                in_str = false;
            continue;
        }
        if (*p == '"' || *p == '\'') {
            in_str = true;
            q = *p;
            continue;
        }
        if (strchr("+-*/%^&|", *p))
            return true;
        if ((*p == '<' && p[1] == '<') || (*p == '>' && p[1] == '>'))
            return true;
    }
    return false;
}

/* ---- matching ---- */

int bn_match_specific(const bn_line_input *in, const bn_metrics_input *m, bool fired[BN_N_RULES],
                      char ev[][256])
{
    char code[1024];
    int ns = 0;
    pysrc_code(in->text, code, sizeof code, &ns);
    int n = 0;
    char where[64];
    if (in->loop_header)
        snprintf(where, sizeof where, "the loop at line %u", in->loop_header);
    else
        snprintf(where, sizeof where, "a loop");

    if (in->in_loop && m->cpu >= MIN_CPU_CONCAT) {
        char name[128];
        const char *rhs = NULL;
        if (bn_concat_target(code, name, sizeof name, &rhs)) {
            int rs = bn_expr_is_string(rhs);
            uint32_t at = 0;
            uint32_t first = in->ctx.func_def ? in->ctx.func_def + 1 : 1;
            int vi = in->src ? bn_var_init_is_string(in->src, name, first, in->lineno, &at) : -1;
            if ((rs == 1 && vi != 0) || (vi == 1 && rs != 0)) {
                fired[BN_STR_CONCAT_IN_LOOP] = true;
                if (vi == 1)
                    snprintf(ev[BN_STR_CONCAT_IN_LOOP], 256,
                             "`%.40s +=` adds to a str inside %s (%.40s is a str from line %u)",
                             name, where, name, at);
                else
                    snprintf(ev[BN_STR_CONCAT_IN_LOOP], 256, "`%.40s +=` adds a string inside %s",
                             name, where);
                n++;
            }
        }
    }
    if (in->in_loop && m->cpu >= MIN_CPU_REGEX) {
        const char *fn = bn_regex_literal_call(code);
        if (fn) {
            fired[BN_REGEX_IN_LOOP] = true;
            snprintf(ev[BN_REGEX_IN_LOOP], 256, "%.*s) with a literal pattern inside %s",
                     (int)strlen(fn) - 1, fn, where);
            n++;
        }
    }
    if (in->in_loop && m->cpu >= MIN_CPU_IO &&
        (m->system >= MIN_SYS_SHARE_IO * m->cpu || m->system >= MIN_SYS_IO) &&
        bn_system_excess(m)) {
        uint32_t first = in->ctx.func_def ? in->ctx.func_def + 1 : 1;
        const char *io = bn_io_call_in(code, in->src, first, in->lineno);
        if (io) {
            fired[BN_IO_IN_LOOP] = true;
            bool call = io[strlen(io) - 1] == '(';
            snprintf(ev[BN_IO_IN_LOOP], 256,
                     "%s%s inside %s; %.0f%% of the line's time is system time (waiting)", io,
                     call ? "...)" : "*", where, m->cpu > 0 ? 100.0 * m->system / m->cpu : 0.0);
            n++;
        }
    }
    if (in->in_loop && m->malloc_mb >= MIN_ALLOC_MB &&
        m->malloc_mb >= MIN_ALLOC_SHARE * m->total_malloc_mb) {
        const char *a = bn_alloc_call(code);
        if (a) {
            fired[BN_ALLOC_IN_LOOP] = true;
            snprintf(ev[BN_ALLOC_IN_LOOP], 256,
                     "%s%s inside %s allocates %.0f MB over the run (%.0f%% of all "
                     "allocation)",
                     a, a[strlen(a) - 1] == '(' ? "...)" : "", where, m->malloc_mb,
                     m->total_malloc_mb > 0 ? 100.0 * m->malloc_mb / m->total_malloc_mb : 0.0);
            n++;
        }
    }
    if ((in->in_loop || in->ctx.inline_loop || in->ctx.is_loop_header) &&
        m->cpu >= MIN_CPU_NUMERIC && py_share(m) >= MIN_PY_SHARE_NUMERIC &&
        bn_is_numeric(code, ns)) {
        fired[BN_PYTHON_NUMERIC_LOOP] = true;
        snprintf(ev[BN_PYTHON_NUMERIC_LOOP], 256,
                 "arithmetic in %s; %.0f%% of its CPU time runs in the Python interpreter",
                 in->in_loop
                     ? where
                     : (in->ctx.inline_loop ? "a comprehension/generator loop" : "a loop header"),
                 100.0 * py_share(m));
        n++;
    }
    return n;
}

/* A line that allocates fresh memory spends system time in the kernel
 * supplying (zeroing) pages: that is the allocation's cost, not I/O. */
static bool alloc_explains_system(const char *code, const bn_metrics_input *m)
{
    return m->malloc_mb >= MIN_ALLOC_MB && bn_alloc_call(code) && !bn_io_call(code) &&
           !pysrc_find_word(code, "sleep(") && !pysrc_find_word(code, ".sleep(");
}

static bool gen_cpu(const char *code, const bn_metrics_input *m, int *order, int *n, char ev[][256])
{
    bool any = false;
    double cpu = m->cpu > 0 ? m->cpu : 1e-9;
    bool sleeps = pysrc_find_word(code, "sleep(") || pysrc_find_word(code, ".sleep(");
    if (m->system >= MIN_SYS_GENERIC && m->system >= MIN_SYS_SHARE * cpu &&
        !alloc_explains_system(code, m) && (sleeps || bn_system_excess(m))) {
        if (sleeps) {
            order[(*n)++] = BN_SLEEPING;
            snprintf(ev[BN_SLEEPING], 256, "the line sleeps: %.1f%% of the run waiting", m->system);
        } else {
            order[(*n)++] = BN_SYSTEM_TIME;
            snprintf(ev[BN_SYSTEM_TIME], 256,
                     "%.1f%% of the run off the CPU on this line (%.0f%% of its time)", m->system,
                     100.0 * m->system / cpu);
        }
        any = true;
    }
    if (m->python + m->native > 0 && 1.0 - py_share(m) >= MIN_NATIVE_SHARE &&
        m->cpu >= MIN_CPU_NATIVE) {
        order[(*n)++] = BN_NATIVE_DOMINATED;
        snprintf(ev[BN_NATIVE_DOMINATED], 256, "%.0f%% of the line's CPU time is in native code",
                 100.0 * (1.0 - py_share(m)));
        any = true;
    }
    if (!any && py_share(m) >= MIN_PY_SHARE && m->cpu >= MIN_CPU_CONCAT) {
        order[(*n)++] = BN_PYTHON_TIME;
        snprintf(ev[BN_PYTHON_TIME], 256, "%.0f%% of the line's CPU time is in the interpreter",
                 100.0 * py_share(m));
        any = true;
    }
    return any;
}

static bool gen_mem(const char *code, const bn_metrics_input *m, int *order, int *n, char ev[][256])
{
    char sys[96] = "";
    if (alloc_explains_system(code, m) && m->system >= MIN_SYS_GENERIC)
        snprintf(sys, sizeof sys,
                 "; its system time (%.1f%% of the run) is the kernel "
                 "supplying fresh pages",
                 m->system);
    if (m->malloc_mb >= MIN_CHURN && m->malloc_mb >= 2 * m->peak_mb) {
        order[(*n)++] = BN_ALLOCATION_CHURN;
        snprintf(ev[BN_ALLOCATION_CHURN], 256,
                 "%.0f MB allocated over the run (%" PRId64 " sampled allocations, peak %.1f "
                 "MB): many short-lived or repeated allocations%s",
                 m->malloc_mb, m->mallocs, m->peak_mb, sys);
        return true;
    }
    if (m->peak_mb >= bn_peak_thresholds[3]) {
        order[(*n)++] = BN_LARGE_ALLOCATION;
        snprintf(ev[BN_LARGE_ALLOCATION], 256, "peak %.0f MB allocated by this line%s", m->peak_mb,
                 sys);
        return true;
    }
    if (m->malloc_mb >= MIN_CHURN) {
        order[(*n)++] = BN_ALLOCATION_CHURN;
        snprintf(ev[BN_ALLOCATION_CHURN], 256, "%.0f MB allocated over the run (peak %.1f MB)%s",
                 m->malloc_mb, m->peak_mb, sys);
        return true;
    }
    return false;
}

int bn_match_generic(const char *text, const bn_metrics_input *m, int order[BN_N_RULES],
                     char ev[][256])
{
    char code[1024];
    pysrc_code(text, code, sizeof code, NULL);
    int sev[4] = {dim_cpu(m), dim_mem(m), dim_copy(m), dim_gpu(m)};
    int dims[4] = {0, 1, 2, 3};
    if (alloc_explains_system(code, m) && sev[1] != BN_SEV_NONE &&
        (m->system >= m->python + m->native || m->contended)) {
        /* the allocation is what costs the CPU time too: memory first */
        sev[1] = min_sev(sev[1], sev[0]);
        dims[0] = 1;
        dims[1] = 0;
    }
    /* stable sort of the dimensions by severity */
    for (int i = 1; i < 4; i++)
        for (int j = i; j > 0 && sev[dims[j]] < sev[dims[j - 1]]; j--) {
            int t = dims[j];
            dims[j] = dims[j - 1];
            dims[j - 1] = t;
        }
    int n = 0;
    for (int i = 0; i < 4; i++) {
        switch (dims[i]) {
        case 0:
            gen_cpu(code, m, order, &n, ev);
            break;
        case 1:
            gen_mem(code, m, order, &n, ev);
            break;
        case 2:
            if (m->copy_mb_s >= MIN_COPY) {
                order[n++] = BN_MEMORY_COPY;
                snprintf(ev[BN_MEMORY_COPY], 256, "copies %.0f MB/s", m->copy_mb_s);
            }
            break;
        default:
            if (m->gpu_on && sev[3] != BN_SEV_NONE) {
                order[n++] = BN_GPU_HEAVY;
                snprintf(ev[BN_GPU_HEAVY], 256, "GPU %.0f%% busy, %.0f MB GPU memory peak",
                         m->gpu_percent, m->gpu_peak_mb);
            }
            break;
        }
    }
    if (n == 0) {
        order[n++] = BN_HOT_LINE;
        snprintf(ev[BN_HOT_LINE], 256,
                 "%.1f%% of the run (python %.1f%%, native %.1f%%, system %.1f%%)", m->cpu,
                 m->python, m->native, m->system);
    }
    return n;
}
