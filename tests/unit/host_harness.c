/* host_harness.c - in-process host for unit suites (see host_harness.h). */
#include "host_harness.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile.h"
#include "profile_access.h"

struct harness {
    server srv;
    int rd; /* read end of the protocol pipe */
    char ini_path[256];
    long next_id;
};

static char *replace_all(const char *s, const char *pat, const char *with)
{
    size_t n = 0, pl = strlen(pat), wl = strlen(with);
    for (const char *p = s; (p = strstr(p, pat)); p += pl)
        n++;
    char *out = malloc(strlen(s) + n * wl + 1), *o = out;
    for (const char *p = s;;) {
        const char *q = strstr(p, pat);
        if (!q) {
            strcpy(o, p);
            break;
        }
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, with, wl);
        o += wl;
        p = q + pl;
    }
    return out;
}

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

harness *harness_new(const char *ini)
{
    harness *h = calloc(1, sizeof *h);
    ck_assert_ptr_nonnull(h);
    /* bundled plugins come from the build tree unless the INI says otherwise */
    char *full = NULL;
    ck_assert_int_gt(asprintf(&full, "[server]\nplugin_dir = @PLUGINS@\n%s", ini), 0);
    char *a = replace_all(full, "@BUILD@", env_or("SMCP_BUILD_DIR", "."));
    free(full);
    char *text = replace_all(a, "@PLUGINS@", env_or("SMCP_PLUGIN_DIR", "./plugins"));
    free(a);
    snprintf(h->ini_path, sizeof h->ini_path, "/tmp/smcp-harness-%d-XXXXXX.ini", (int)getpid());
    int fd = mkstemps(h->ini_path, 4);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    free(text);
    int p[2];
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    /* answers can be large: make the pipe as big as the kernel allows */
    fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
    h->rd = p[0];
    char err[4096];
    config cfg;
    if (config_load(&cfg, h->ini_path, err, sizeof err) < 0)
        ck_abort_msg("config: %s", err);
    if (server_init(&h->srv, &cfg, p[1], err, sizeof err) < 0)
        ck_abort_msg("server_init: %s", err);
    return h;
}

void harness_free(harness *h)
{
    if (!h)
        return;
    int wr = h->srv.out_fd;
    server_free(&h->srv);
    close(wr);
    close(h->rd);
    unlink(h->ini_path);
    free(h);
}

server *harness_server(harness *h)
{
    return &h->srv;
}

int harness_add_scalene(harness *h, const char *json_path, const char *cwd, const char *id)
{
    char path[1024];
    if (json_path[0] == '/')
        snprintf(path, sizeof path, "%s", json_path);
    else
        snprintf(path, sizeof path, "%s/%s", env_or("SMCP_FIXTURES", "tests/fixtures"), json_path);
    FILE *f = fopen(path, "rb");
    if (!f)
        ck_abort_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    mcp_profile *p = NULL;
    char err[512];
    int rc = profile_parse_scalene(buf, (size_t)n, cwd, &p, NULL, err, sizeof err);
    free(buf);
    if (rc != MCP_OK)
        ck_abort_msg("parse %s: %s", path, err);
    profile_meta m;
    profile_get_meta(p, &m);
    m.id = id;
    m.target = path;
    m.created_ms = 1700000000000 + h->next_id++;
    m.scalene_version = strstr(path, "1.5.") ? "1.5.16" : "2.3.0";
    ck_assert_int_eq(profile_set_meta(p, &m), MCP_OK);
    rc = profiles_save(&h->srv, p, err, sizeof err);
    if (rc != MCP_OK)
        ck_abort_msg("save %s: %s", path, err);
    return 0;
}

static cJSON *read_response(harness *h)
{
    static const size_t max = 64u << 20;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            ck_assert_uint_lt(cap, max);
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = read(h->rd, buf + len, 1);
        ck_assert_int_eq(r, 1);
        if (buf[len] == '\n') {
            buf[len] = '\0';
            cJSON *msg = cJSON_Parse(buf);
            ck_assert_ptr_nonnull(msg);
            if (cJSON_GetObjectItemCaseSensitive(msg, "id")) {
                free(buf);
                return msg;
            }
            cJSON_Delete(msg); /* a notification: skip */
            len = 0;
            continue;
        }
        len++;
    }
}

cJSON *harness_call(harness *h, const char *tool_name, const char *args_json)
{
    if (!h->srv.legacy_session) {
        char init[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                      "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{}}}";
        server_handle_line(&h->srv, init, strlen(init));
        cJSON_Delete(read_response(h));
    }
    char *line = NULL;
    int n = asprintf(&line,
                     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"%s\",\"arguments\":%s}}",
                     tool_name, args_json ? args_json : "{}");
    ck_assert_int_gt(n, 0);
    server_handle_line(&h->srv, line, (size_t)n);
    free(line);
    return read_response(h);
}

const char *harness_text(const cJSON *resp)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(resp, "result");
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "content"), 0);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "text");
    return cJSON_IsString(t) ? t->valuestring : "";
}

const cJSON *harness_structured(const cJSON *resp)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "result"),
                                            "structuredContent");
}

int harness_is_error(const cJSON *resp)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(resp, "result"), "isError"));
}
