/* main.c - command line, stdout protection, start-up. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "plugin.h"
#include "server.h"
#include "store.h"
#include "tools.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: scalene-mcp [--config FILE]\n"
            "                   [--check-config | --list-tools | --export FILE | --import FILE]\n"
            "\n"
            "An MCP server (stdio, JSON-RPC) that profiles Python programs with Scalene.\n"
            "Start it from an MCP client; it speaks protocol on stdin/stdout and logs on stderr.\n"
            "\n"
            "  --config FILE   INI configuration (else $SCALENE_MCP_CONFIG, then\n"
            "                  $XDG_CONFIG_HOME/scalene-mcp/config.ini, then the installed\n"
            "                  default, then built-in defaults)\n"
            "  --check-config  load the configuration and plugins, print what would be\n"
            "                  served, and exit (status 0 when everything loads)\n"
            "  --list-tools    print the enabled tools and exit\n"
            "  --export FILE   write every stored profile of the configured backend to FILE\n"
            "                  (JSON Lines, one profile per line; - for stdout) and exit\n"
            "  --import FILE   store the profiles of an --export FILE (- for stdin) in the\n"
            "                  configured backend, skipping ids it already has, and exit\n"
            "  --version       print the version and exit\n"
            "  --help          this text\n");
}

static void print_summary(const server *s, bool tools_only)
{
    if (!tools_only) {
        printf("config: %s\n", s->cfg.source ? s->cfg.source : "(built-in defaults)");
        printf("plugin_dir: %s\n", s->cfg.plugin_dir);
        printf("storage: %s (plugin %s)\n", s->storage_vt->name, plugin_name(s->storage_owner));
        for (size_t i = 0; i < s->n_plugins; i++)
            printf("plugin: %s %s (%s)\n", plugin_name(s->plugins[i]),
                   s->plugins[i]->decl->version ? s->plugins[i]->decl->version : "",
                   s->plugins[i]->path);
    }
    for (size_t i = 0; i < s->n_tools; i++) {
        const tool *t = s->tools[i];
        if (tools_only && !t->enabled)
            continue;
        printf(tools_only ? "%s\t%s\n" : "tool: %s (%s)%s\n", t->name,
               t->owner ? plugin_name(t->owner) : "host",
               (!tools_only && !t->enabled) ? " [disabled]" : "");
    }
}

/* ------------------------------------------------------------------ */
/* --export / --import: moving profiles between storage backends        */
/* ------------------------------------------------------------------ */

/* The exchange format is JSON Lines, one profile per line, newest first:
 *   {"id", "created_ms", "target", "label", "meta": {...listing metadata},
 *    "doc_bytes", "doc": "<the stored document, as a JSON string>"}
 * A document that is not UTF-8 text (or holds a NUL byte) goes in
 * "doc_base64" instead of "doc", so every byte survives the trip. Both
 * directions go through the store front, so its rules (ids, size cap,
 * retention) hold as for profiles made by the server. */

#define XFER_PAGE 100
#define XFER_MAX_REPORTED 20                 /* failures printed one by one */
#define XFER_MAX_EXACT_MS 9007199254740992.0 /* 2^53: JSON numbers stay exact */

typedef struct xfer_rec {
    char *id, *target, *label, *meta_json;
    int64_t created_ms;
} xfer_rec;

typedef struct xfer_page {
    xfer_rec recs[XFER_PAGE];
    size_t n;
    bool oom;
} xfer_page;

static char *xfer_dup(const char *s)
{
    return strdup(s ? s : "");
}

/* store_list callback: copies the page (the callback must not call back
 * into the store, so documents are fetched afterwards). */
static int xfer_collect(void *ctx, const mcp_record_meta *m)
{
    xfer_page *pg = ctx;
    xfer_rec *r = &pg->recs[pg->n];
    r->id = xfer_dup(m->id);
    r->target = xfer_dup(m->target);
    r->label = xfer_dup(m->label);
    r->meta_json = xfer_dup(m->meta_json ? m->meta_json : "{}");
    r->created_ms = m->created_ms;
    pg->n++;
    if (!r->id || !r->target || !r->label || !r->meta_json)
        pg->oom = true;
    return pg->oom || pg->n == XFER_PAGE;
}

static void xfer_page_clear(xfer_page *pg)
{
    for (size_t i = 0; i < pg->n; i++) {
        free(pg->recs[i].id);
        free(pg->recs[i].target);
        free(pg->recs[i].label);
        free(pg->recs[i].meta_json);
    }
    pg->n = 0;
    pg->oom = false;
}

/* Well-formed UTF-8 without NUL (what a JSON string can carry exactly). */
static bool xfer_utf8_text(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            k = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

static const char xfer_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *xfer_base64(const unsigned char *p, size_t n)
{
    char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        *o++ = xfer_b64[v >> 18 & 63];
        *o++ = xfer_b64[v >> 12 & 63];
        *o++ = i + 1 < n ? xfer_b64[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? xfer_b64[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

/* Decodes padded base64; NULL when malformed or out of memory. */
static char *xfer_unbase64(const char *t, size_t *len)
{
    size_t n = strlen(t);
    if (n % 4)
        return NULL;
    char *out = malloc(n / 4 * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = t[i + k];
            const char *at = c ? strchr(xfer_b64, c) : NULL;
            if (c == '=' && i + 4 == n && k >= 2 && (k == 3 || t[i + 3] == '=')) {
                pad++;
                v <<= 6;
            } else if (at && !pad) {
                v = v << 6 | (uint32_t)(at - xfer_b64);
            } else {
                free(out);
                return NULL;
            }
        }
        out[o++] = (char)(v >> 16);
        if (pad < 2)
            out[o++] = (char)(v >> 8 & 0xff);
        if (pad < 1)
            out[o++] = (char)(v & 0xff);
    }
    out[o] = '\0';
    *len = o;
    return out;
}

/* One export line for `r` and its document; malloc'd, NULL when out of
 * memory. */
static char *xfer_line(const xfer_rec *r, const char *doc, size_t len)
{
    bool text = xfer_utf8_text((const unsigned char *)doc, len);
    char *b64 = text ? NULL : xfer_base64((const unsigned char *)doc, len);
    cJSON *o = cJSON_CreateObject();
    cJSON *meta = cJSON_Parse(r->meta_json);
    bool ok = o && (text || b64) && cJSON_AddStringToObject(o, "id", r->id) &&
              cJSON_AddNumberToObject(o, "created_ms", (double)r->created_ms) &&
              cJSON_AddStringToObject(o, "target", r->target) &&
              cJSON_AddStringToObject(o, "label", r->label);
    if (ok && cJSON_IsObject(meta)) {
        ok = cJSON_AddItemToObject(o, "meta", meta);
        meta = NULL;
    } else if (ok) {
        ok = cJSON_AddStringToObject(o, "meta_json", r->meta_json) != NULL;
    }
    ok = ok && cJSON_AddNumberToObject(o, "doc_bytes", (double)len) &&
         cJSON_AddItemToObject(o, text ? "doc" : "doc_base64",
                               cJSON_CreateStringReference(text ? doc : b64));
    char *line = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(meta);
    cJSON_Delete(o);
    free(b64);
    return line;
}

static int do_export(server *s, const char *path)
{
    bool to_stdout = !strcmp(path, "-");
    char *tmp = NULL;
    FILE *f = stdout;
    if (!to_stdout) {
        /* Written beside FILE and renamed at the end: FILE is never half done. */
        if (asprintf(&tmp, "%s.partial-%ld", path, (long)getpid()) < 0)
            tmp = NULL;
        int fd = tmp ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
        f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!f) {
            fprintf(stderr, "scalene-mcp: --export: cannot create %s: %s\n", tmp ? tmp : path,
                    strerror(errno));
            if (fd >= 0)
                close(fd);
            free(tmp);
            return 1;
        }
    }
    char err[1024];
    xfer_page pg = {.n = 0};
    char *cursor = NULL;
    uint64_t written = 0, vanished = 0;
    int rc = 0;
    do {
        mcp_list_query q = {.limit = XFER_PAGE, .cursor = cursor};
        char *next = NULL;
        if (store_list(s->store, &q, xfer_collect, &pg, &next, err, sizeof err) != MCP_OK) {
            fprintf(stderr, "scalene-mcp: --export: listing profiles: %s\n", err);
            rc = 1;
        } else if (pg.oom) {
            fprintf(stderr, "scalene-mcp: --export: out of memory\n");
            rc = 1;
        }
        free(cursor);
        cursor = next;
        for (size_t i = 0; !rc && i < pg.n; i++) {
            char *doc;
            size_t len;
            int grc = store_get(s->store, pg.recs[i].id, &doc, &len, err, sizeof err);
            if (grc == MCP_NOTFOUND) { /* deleted meanwhile by another process */
                vanished++;
                continue;
            }
            if (grc != MCP_OK) {
                fprintf(stderr, "scalene-mcp: --export: reading %s: %s\n", pg.recs[i].id, err);
                rc = 1;
                break;
            }
            char *line = xfer_line(&pg.recs[i], doc, len);
            free(doc);
            if (!line || fputs(line, f) == EOF || fputc('\n', f) == EOF) {
                fprintf(stderr, "scalene-mcp: --export: writing %s: %s\n",
                        to_stdout ? "stdout" : tmp, line ? strerror(errno) : "out of memory");
                rc = 1;
            }
            cJSON_free(line);
            written++;
        }
        xfer_page_clear(&pg);
    } while (!rc && cursor);
    free(cursor);
    if (!rc && (fflush(f) != 0 || (!to_stdout && fsync(fileno(f)) != 0))) {
        fprintf(stderr, "scalene-mcp: --export: writing %s: %s\n", to_stdout ? "stdout" : tmp,
                strerror(errno));
        rc = 1;
    }
    if (!to_stdout) {
        if (fclose(f) != 0 && !rc) {
            fprintf(stderr, "scalene-mcp: --export: writing %s: %s\n", tmp, strerror(errno));
            rc = 1;
        }
        if (!rc && rename(tmp, path) != 0) {
            fprintf(stderr, "scalene-mcp: --export: cannot rename %s to %s: %s\n", tmp, path,
                    strerror(errno));
            rc = 1;
        }
        if (rc)
            unlink(tmp);
        free(tmp);
    }
    if (!rc)
        fprintf(stderr, "scalene-mcp: exported %" PRIu64 " profile%s from the %s backend to %s%s\n",
                written, written == 1 ? "" : "s", s->storage_vt->name, to_stdout ? "stdout" : path,
                vanished ? " (some were deleted while exporting)" : "");
    return rc;
}

typedef struct xfer_counts {
    uint64_t imported, skipped, failed, lines;
} xfer_counts;

static void xfer_fail(xfer_counts *c, const char *path, const char *id, const char *fmt, ...)
    MCP_PRINTF(4, 5);
static void xfer_fail(xfer_counts *c, const char *path, const char *id, const char *fmt, ...)
{
    if (++c->failed <= XFER_MAX_REPORTED) {
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        fprintf(stderr, "scalene-mcp: --import: %s:%" PRIu64 "%s%.64s%s: %s\n", path, c->lines,
                id ? " (" : "", id ? id : "", id ? ")" : "", msg);
    } else if (c->failed == XFER_MAX_REPORTED + 1) {
        fprintf(stderr, "scalene-mcp: --import: more failures follow; only the count is kept\n");
    }
}

static const char *xfer_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Stores the profile of one line. */
static void xfer_import_line(server *s, const char *path, const char *text, size_t n,
                             xfer_counts *c)
{
    cJSON *o = cJSON_ParseWithLength(text, n);
    if (!cJSON_IsObject(o)) {
        xfer_fail(c, path, NULL, "not a JSON object (expected a line written by --export)");
        cJSON_Delete(o);
        return;
    }
    const char *id = xfer_str(o, "id");
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(o, "created_ms");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(o, "meta");
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(o, "doc_bytes");
    const char *doc = xfer_str(o, "doc"), *b64 = xfer_str(o, "doc_base64");
    char *meta_json = NULL, *decoded = NULL;
    size_t len = doc ? strlen(doc) : 0;
    char err[1024];
    if (!id) {
        xfer_fail(c, path, NULL, "no \"id\" string");
    } else if (!cJSON_IsNumber(ms) || ms->valuedouble != (double)(int64_t)ms->valuedouble ||
               ms->valuedouble < -XFER_MAX_EXACT_MS || ms->valuedouble > XFER_MAX_EXACT_MS) {
        xfer_fail(c, path, id, "\"created_ms\" must be an integer (epoch milliseconds)");
    } else if (!doc && !(b64 && (decoded = xfer_unbase64(b64, &len)))) {
        xfer_fail(c, path, id,
                  b64 ? "\"doc_base64\" is not valid base64"
                      : "no \"doc\" or \"doc_base64\" string");
    } else if (cJSON_IsNumber(want) && want->valuedouble != (double)len) {
        xfer_fail(c, path, id, "the document is %zu bytes but \"doc_bytes\" says %.0f", len,
                  want->valuedouble);
    } else if (meta && !cJSON_IsObject(meta)) {
        xfer_fail(c, path, id, "\"meta\" must be an object");
    } else if (meta && !(meta_json = cJSON_PrintUnformatted(meta))) {
        xfer_fail(c, path, id, "out of memory");
    } else {
        mcp_record_meta m = {.id = id,
                             .created_ms = (int64_t)ms->valuedouble,
                             .target = xfer_str(o, "target"),
                             .label = xfer_str(o, "label"),
                             .meta_json = meta_json ? meta_json : xfer_str(o, "meta_json")};
        int rc = store_put(s->store, &m, decoded ? decoded : doc, len, err, sizeof err);
        if (rc == MCP_OK)
            c->imported++;
        else if (rc == MCP_EXISTS)
            c->skipped++;
        else
            xfer_fail(c, path, id, "%s", err);
    }
    cJSON_free(meta_json);
    free(decoded);
    cJSON_Delete(o);
}

static int do_import(server *s, const char *path)
{
    bool from_stdin = !strcmp(path, "-");
    FILE *f = from_stdin ? stdin : fopen(path, "re");
    if (!f) {
        fprintf(stderr, "scalene-mcp: --import: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (!strcmp(s->storage_vt->name, "memory"))
        fprintf(stderr, "scalene-mcp: --import: warning: the memory backend keeps nothing after "
                        "this process exits; choose sqlite or file in [storage] backend\n");
    xfer_counts c = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        c.lines++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        xfer_import_line(s, path, line, (size_t)n, &c);
    }
    int read_errno = ferror(f) ? errno : 0;
    free(line);
    if (!from_stdin)
        fclose(f);
    if (read_errno) {
        fprintf(stderr, "scalene-mcp: --import: reading %s: %s\n", path, strerror(read_errno));
        c.failed++;
    }
    uint64_t total = 0;
    char err[512];
    store_count(s->store, &total, err, sizeof err);
    fprintf(stderr,
            "scalene-mcp: imported %" PRIu64 ", skipped %" PRIu64
            " (id already stored), failed %" PRIu64
            " from %s into the %s backend, which now holds %" PRIu64 " profile%s\n",
            c.imported, c.skipped, c.failed, from_stdin ? "stdin" : path, s->storage_vt->name,
            total, total == 1 ? "" : "s");
    return c.failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL, *export_path = NULL, *import_path = NULL;
    bool check = false, list = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            config_path = argv[++i];
        } else if (!strncmp(argv[i], "--config=", 9)) {
            config_path = argv[i] + 9;
        } else if (!strcmp(argv[i], "--export") && i + 1 < argc) {
            export_path = argv[++i];
        } else if (!strncmp(argv[i], "--export=", 9)) {
            export_path = argv[i] + 9;
        } else if (!strcmp(argv[i], "--import") && i + 1 < argc) {
            import_path = argv[++i];
        } else if (!strncmp(argv[i], "--import=", 9)) {
            import_path = argv[i] + 9;
        } else if (!strcmp(argv[i], "--check-config")) {
            check = true;
        } else if (!strcmp(argv[i], "--list-tools")) {
            list = true;
        } else if (!strcmp(argv[i], "--version")) {
            printf("scalene-mcp %s (plugin ABI %d.%d)\n", SMCP_VERSION, MCP_ABI_MAJOR,
                   MCP_ABI_MINOR);
            return 0;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "scalene-mcp: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if ((check || list) + !!export_path + !!import_path > 1 || (export_path && !*export_path) ||
        (import_path && !*import_path)) {
        fprintf(stderr, "scalene-mcp: choose one of --check-config, --list-tools, --export FILE "
                        "and --import FILE\n");
        usage(stderr);
        return 2;
    }
    bool one_shot = check || list || export_path || import_path;

    /* Stdout is the protocol: keep a private descriptor for it and point fd 1
     * at stderr, so a stray printf anywhere cannot corrupt the stream. */
    int out_fd = -1;
    if (!one_shot) {
        fflush(stdout);
        out_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (out_fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
            perror("scalene-mcp: cannot set up the protocol channel");
            return 1;
        }
    }
    /* Profiled programs' descendants that escape their process group are
     * reparented to us, so a run's cleanup can still find and end them. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    /* Over RLIMIT_FSIZE a write fails with EFBIG (a clean "disk full" from
     * the storage backend) instead of killing the server. */
    signal(SIGXFSZ, SIG_IGN);

    char err[4096];
    config cfg;
    if (config_load(&cfg, config_path, err, sizeof err) < 0) {
        fprintf(stderr, "scalene-mcp: configuration error: %s\n", err);
        config_free(&cfg);
        return 1;
    }
    server s;
    if (server_init(&s, &cfg, out_fd, err, sizeof err) < 0) {
        fprintf(stderr, "scalene-mcp: start-up failed: %s\n", err);
        server_free(&s);
        return 1;
    }
    int rc = 0;
    if (check || list)
        print_summary(&s, list);
    else if (export_path)
        rc = do_export(&s, export_path);
    else if (import_path)
        rc = do_import(&s, import_path);
    else
        rc = server_run(&s, STDIN_FILENO);
    server_free(&s);
    if (out_fd >= 0)
        close(out_fd);
    return rc;
}
