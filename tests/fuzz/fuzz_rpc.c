/* fuzz_rpc.c - fuzz target: the JSON-RPC side of the server.
 *
 * Input: bytes as a client writes them to the server's stdin. They go
 * through the server's own line reader (rpc_reader: framing, the size cap,
 * a BOM, CR/LF) in chunks of varying size into server_handle_line of a real
 * in-process server: config loaded from an INI, the memory store, every
 * analysis plugin built next to it (optional: missing ones are skipped),
 * and a few stored profiles made from the fixtures. profile_script and
 * profile_code are disabled (they would start Python). The whole input also
 * goes to rpc_scan_id and rpc_utf8_valid on its own.
 *
 * Oracles: the sanitizers (leaks included: a fresh server per input, freed
 * at the end), every byte the server writes is a JSON-RPC 2.0 message on
 * one line in valid UTF-8, rpc_scan_id agrees with cJSON on what the
 * top-level "id" is, and rpc_utf8_valid agrees with a plain reference.
 *
 * Environment: SMCP_PLUGIN_DIR (bundled plugins; default: this build's),
 * SMCP_FIXTURES (tests/fixtures; default: this source tree's),
 * SMCP_FUZZ_ECHO=1 (copy what the server wrote to stderr). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "profile.h"
#include "profile_access.h"
#include "rpc.h"
#include "server.h"
#include "store.h"

#ifndef SMCP_FUZZ_PLUGIN_DIR
#define SMCP_FUZZ_PLUGIN_DIR "plugins"
#endif
#ifndef SMCP_FUZZ_FIXTURES
#define SMCP_FUZZ_FIXTURES "tests/fixtures"
#endif
#ifndef SMCP_FUZZ_PLUGINS
#define SMCP_FUZZ_PLUGINS ""
#endif
#ifndef SMCP_FUZZ_TMPDIR
#define SMCP_FUZZ_TMPDIR "fuzz-tmp"
#endif

/* Profiles every server starts with: id, fixture (relative to fixtures). */
static const char *const seed_profiles[][2] = {
    {"p15", "scalene-1.5.16/two_file/profile.json"},
    {"leak", "scalene-1.5.16/leaky_cache/profile.json"},
    {"gpu", "synthetic/gpu_train/profile.json"},
    {"p23", "scalene-2.3.0/memory_alloc/reduced_nostacks.json"},
};
#define N_SEED_PROFILES (sizeof seed_profiles / sizeof seed_profiles[0])

/* Each seed profile as profiles_save would store it: the document (our
 * format) and its record. Stored as is per input, so a profile is decoded
 * only when the input reads it (through the store's cache, as in a real
 * server). */
static struct seed_rec {
    char *doc, *meta_json, *target;
    size_t len;
    int64_t created_ms;
} seeds[N_SEED_PROFILES];
static int ini_fd = -1, out_fd = -1;
static char ini_path[64];
static bool echo_output;

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, r;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    fclose(f);
    *len = n;
    return buf;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_rpc: %s: %s\n", what, why);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* libFuzzer keeps coverage counters of every module it has seen: an
     * unloaded plugin would leave them dangling. Keep plugins mapped (this
     * also keeps their frames in leak reports). */
    setenv("SMCP_NO_DLCLOSE", "1", 1);
    unsetenv("SCALENE_MCP_STORAGE");
    unsetenv("SCALENE_LOG_LEVEL");
    /* every server start sweeps $TMPDIR for stale run directories: give
     * it an empty one of our own (in the build tree: libFuzzer often ends
     * with _Exit, so a directory made here could not be removed) */
    if (mkdir(SMCP_FUZZ_TMPDIR, 0700) != 0 && errno != EEXIST)
        die(SMCP_FUZZ_TMPDIR, strerror(errno));
    setenv("TMPDIR", SMCP_FUZZ_TMPDIR, 1);
    echo_output = getenv("SMCP_FUZZ_ECHO") && !strcmp(getenv("SMCP_FUZZ_ECHO"), "1");

    /* the INI: quiet, small messages (so the size cap is reachable), paged
     * tools, nothing that starts a process */
    char *ini = NULL;
    size_t ini_len = 0;
    FILE *m = open_memstream(&ini, &ini_len);
    if (!m)
        die("open_memstream", "failed");
    fprintf(m,
            "[server]\nplugin_dir = %s\nlog_level = emergency\nmax_message_bytes = 2048\n"
            "tools_page_size = 4\ninstructions = Fuzzing.\n"
            "[scalene]\ntimeout = 5\nmax_timeout = 10\nallowed_roots = /nonexistent\n"
            "[tools]\nprofile_script = false\nprofile_code = false\n"
            "[storage]\nbackend = memory\nmax_profiles = 8\ncache_profiles = 2\n"
            "[plugin.memory]\n",
            env_or("SMCP_PLUGIN_DIR", SMCP_FUZZ_PLUGIN_DIR));
    char list[] = SMCP_FUZZ_PLUGINS; /* comma-separated */
    for (char *save = NULL, *name = strtok_r(list, ",", &save); name;
         name = strtok_r(NULL, ",", &save))
        fprintf(m, "[plugin.%s]\noptional = true\n", name);
    fclose(m);
    ini_fd = memfd_create("smcp-fuzz-rpc-ini", MFD_CLOEXEC);
    out_fd = memfd_create("smcp-fuzz-rpc-out", MFD_CLOEXEC);
    if (ini_fd < 0 || out_fd < 0 || write(ini_fd, ini, ini_len) != (ssize_t)ini_len)
        die("memfd", "cannot create or write");
    free(ini);
    snprintf(ini_path, sizeof ini_path, "/proc/self/fd/%d", ini_fd);

    /* the stored profiles, parsed once and kept in our own format */
    const char *fixtures = env_or("SMCP_FIXTURES", SMCP_FUZZ_FIXTURES);
    for (size_t i = 0; i < N_SEED_PROFILES; i++) {
        char path[1024], err[512];
        snprintf(path, sizeof path, "%s/%s", fixtures, seed_profiles[i][1]);
        size_t n = 0;
        char *json = slurp(path, &n);
        if (!json)
            die(path, "cannot read (set SMCP_FIXTURES)");
        mcp_profile *p = NULL;
        if (profile_parse_scalene(json, n, "/nonexistent", &p, NULL, err, sizeof err) != MCP_OK)
            die(path, err);
        free(json);
        profile_meta meta;
        profile_get_meta(p, &meta);
        meta.id = seed_profiles[i][0];
        meta.label = seed_profiles[i][0];
        meta.created_ms = 1700000000000 + (int64_t)i;
        meta.scalene_version = strstr(path, "1.5.") ? "1.5.16" : "2.3.0";
        if (profile_set_meta(p, &meta) != MCP_OK)
            die(path, "set_meta");
        struct seed_rec *r = &seeds[i];
        r->doc = profile_encode(p, &r->len);
        cJSON *lm = profiles_listing_meta(p);
        r->meta_json = lm ? cJSON_PrintUnformatted(lm) : NULL;
        cJSON_Delete(lm);
        r->target = strdup(profile_get_summary(p)->target);
        r->created_ms = meta.created_ms;
        if (!r->doc || !r->meta_json || !r->target)
            die(path, "encode");
        profile_free(p);
    }

    /* say once what the servers will have */
    config cfg;
    char err[4096];
    server s;
    if (config_load(&cfg, ini_path, err, sizeof err) < 0)
        die("config", err);
    if (server_init(&s, &cfg, out_fd, err, sizeof err) < 0)
        die("server_init", err);
    fprintf(stderr, "fuzz_rpc: %zu plugins, %zu tools, %zu stored profiles\n", s.n_plugins,
            s.n_tools, N_SEED_PROFILES);
    server_free(&s);
    config_free(&cfg);
    return 0;
}

/* A plain UTF-8 validator to check rpc_utf8_valid against (RFC 3629). */
static bool ref_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else {
            return false;
        }
        if (n - i < k + 1)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t j = 2; j <= k; j++)
            if (s[i + j] < 0x80 || s[i + j] > 0xBF)
                return false;
        i += k + 1;
    }
    return true;
}

/* True when the text has a raw control character JSON does not allow
 * (server_handle_line refuses such a line before anything else). */
static bool has_control(const char *buf, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c < 0x20 && c != '\t' && c != '\r' && c != '\n')
            return true;
    }
    return false;
}

/* rpc_scan_id must agree with cJSON wherever the server lets cJSON parse
 * the text (valid UTF-8, no raw control characters). */
static void check_scan_id(const char *buf, size_t size)
{
    char small[8];
    enum rpc_id_kind k_small = rpc_scan_id(buf, size, small, sizeof small);
    if (k_small == RPC_ID_STRING || k_small == RPC_ID_INTEGER)
        FUZZ_CHECK(strlen(small) < sizeof small, "token overflows");
    char *out = malloc(size + 1);
    if (!out)
        return;
    enum rpc_id_kind kind = rpc_scan_id(buf, size, out, size + 1);
    if (kind == RPC_ID_STRING)
        FUZZ_CHECK(out[0] == '"' && strlen(out) >= 2, "string token %s", out);
    if (k_small != RPC_ID_INVALID)
        FUZZ_CHECK(k_small == kind || (kind != RPC_ID_NONE && k_small == RPC_ID_INVALID),
                   "kind %d with a small buffer, %d with a big one", k_small, kind);
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(buf, size, &end, 0);
    size_t rest = j ? (size_t)(end - buf) : size;
    while (rest < size && buf[rest] && strchr(" \t\r\n", buf[rest]))
        rest++;
    if (j && cJSON_IsObject(j) && rest == size && rpc_utf8_valid(buf, size) &&
        !has_control(buf, size)) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        if (!id)
            FUZZ_CHECK(kind == RPC_ID_NONE, "no id, but the scan says %d", kind);
        if (kind == RPC_ID_NONE)
            FUZZ_CHECK(!id, "an id, but the scan found none");
        if (kind == RPC_ID_STRING)
            FUZZ_CHECK(cJSON_IsString(id), "scan: string; cJSON: type %d", id ? id->type : -1);
        if (kind == RPC_ID_INTEGER)
            FUZZ_CHECK(cJSON_IsNumber(id), "scan: integer; cJSON: type %d", id ? id->type : -1);
        if (cJSON_IsString(id))
            FUZZ_CHECK(kind == RPC_ID_STRING || kind == RPC_ID_INVALID, "cJSON string, scan %d",
                       kind);
    }
    cJSON_Delete(j);
    free(out);
}

/* Every line the server wrote is one JSON-RPC 2.0 message in UTF-8. When
 * `parse_error_only`, the input was one line with a raw control character:
 * the only answer must be a parse error (-32700). */
static void check_output(bool parse_error_only)
{
    size_t n_msgs = 0;
    off_t n = lseek(out_fd, 0, SEEK_END);
    if (n > 0) {
        char *buf = mmap(NULL, (size_t)n, PROT_READ, MAP_PRIVATE, out_fd, 0);
        FUZZ_CHECK(buf != MAP_FAILED, "mmap of the output");
        if (echo_output) /* SMCP_FUZZ_ECHO=1: show what the server said */
            fwrite(buf, 1, (size_t)n, stderr);
        FUZZ_CHECK(buf[n - 1] == '\n', "output does not end with a newline");
        FUZZ_CHECK(rpc_utf8_valid(buf, (size_t)n), "output is not UTF-8");
        for (const char *p = buf, *e = buf + n; p < e;) {
            const char *nl = memchr(p, '\n', (size_t)(e - p));
            cJSON *msg = cJSON_ParseWithLength(p, (size_t)(nl - p));
            FUZZ_CHECK(cJSON_IsObject(msg), "not a JSON object: %.200s", p);
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(msg, "jsonrpc");
            FUZZ_CHECK(cJSON_IsString(v) && !strcmp(v->valuestring, "2.0"), "no jsonrpc: %.200s",
                       p);
            /* a response (an error for an unreadable id has no id: MCP has
             * no null ids), or a notification */
            bool has_id = cJSON_HasObjectItem(msg, "id");
            bool res = cJSON_HasObjectItem(msg, "result"),
                 error = cJSON_HasObjectItem(msg, "error");
            if (cJSON_HasObjectItem(msg, "method"))
                FUZZ_CHECK(!has_id && !res && !error, "a request or a mix: %.200s", p);
            else
                FUZZ_CHECK(res != error && (has_id || error), "not a response: %.200s", p);
            if (parse_error_only) {
                const cJSON *code = cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(msg, "error"), "code");
                FUZZ_CHECK(cJSON_IsNumber(code) && code->valueint == -32700 && !has_id,
                           "a line with a raw control character got: %.200s", p);
            }
            n_msgs++;
            cJSON_Delete(msg);
            p = nl + 1;
        }
        munmap(buf, (size_t)n);
    }
    if (parse_error_only)
        FUZZ_CHECK(n_msgs == 1, "%zu answers to one line", n_msgs);
    if (ftruncate(out_fd, 0) != 0 || lseek(out_fd, 0, SEEK_SET) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ini_fd < 0)
        LLVMFuzzerInitialize(NULL, NULL);
    /* an exact-size copy: reads past the end are caught */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    FUZZ_CHECK(rpc_utf8_valid(buf, size) == ref_utf8((const unsigned char *)buf, size),
               "rpc_utf8_valid disagrees with the reference");
    check_scan_id(buf, size);
    /* one line (below the 2048-byte cap, no BOM) with a raw control
     * character: the server must answer a parse error and nothing else */
    size_t body = size;
    if (body && buf[body - 1] == '\n')
        body--;
    bool parse_error_only = size <= 2048 && !memchr(buf, '\n', body) &&
                            !(body >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) &&
                            has_control(buf, body && buf[body - 1] == '\r' ? body - 1 : body);

    config cfg;
    server s;
    char err[4096];
    if (config_load(&cfg, ini_path, err, sizeof err) < 0)
        die("config", err);
    if (server_init(&s, &cfg, out_fd, err, sizeof err) < 0)
        die("server_init", err);
    for (size_t i = 0; i < N_SEED_PROFILES; i++) {
        const struct seed_rec *r = &seeds[i];
        mcp_record_meta meta = {.id = seed_profiles[i][0],
                                .created_ms = r->created_ms,
                                .target = r->target,
                                .label = seed_profiles[i][0],
                                .meta_json = r->meta_json,
                                .doc_bytes = r->len};
        if (store_put(s.store, &meta, r->doc, r->len, err, sizeof err) != MCP_OK)
            die("store_put", err);
    }
    /* chunking varies with the input, so framing is fuzzed too */
    static const size_t chunks[] = {65536, 1, 3, 17, 511};
    size_t chunk = chunks[size % (sizeof chunks / sizeof chunks[0])];
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (rpc_reader_feed(&s.reader, buf + off, n) < 0)
            break;
    }
    rpc_reader_finish(&s.reader);
    server_free(&s);
    free(buf);
    check_output(parse_error_only);
    return 0;
}
