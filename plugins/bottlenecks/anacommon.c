/* anacommon.c - see anacommon.h. */
#include "anacommon.h"

#include <math.h>
#include <string.h>

#include "abuf.h"

int ana_arg_int(const cJSON *args, const char *key, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
    return cJSON_IsNumber(v) ? (int)v->valuedouble : dflt;
}

double ana_arg_num(const cJSON *args, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

const char *ana_arg_str(const cJSON *args, const char *key, const char *dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

int ana_open_profile(const mcp_host_api *api, mcp_call *call, const char *id,
                     const mcp_profile **out)
{
    int rc = api->profile_open(api->call_plugin(call), id, out);
    if (rc == MCP_NOTFOUND)
        api->result_error(call, "call list_profiles to see the stored profile ids",
                          "no profile with id '%s'", id);
    else if (rc == MCP_INVALID)
        api->result_error(call, "profile ids are 1-64 characters of A-Z a-z 0-9 _ -",
                          "'%s' is not a valid profile id", id);
    else if (rc != MCP_OK)
        api->result_error(call, "try again; if it persists, check the server log",
                          "cannot read profile '%s' (error %d)", id, rc);
    return rc;
}

static bool suffix_match(const char *path, const char *q, size_t ql)
{
    size_t pl = strlen(path);
    return pl > ql && !strcmp(path + pl - ql, q) && path[pl - ql - 1] == '/';
}

long ana_find_file(const mcp_host_api *api, mcp_call *call, const mcp_profile *p, const char *query)
{
    const mcp_prof_summary *s = api->profile_summary(p);
    if (!strncmp(query, "./", 2))
        query += 2;
    size_t ql = strlen(query);
    for (int level = 0; level < 3; level++) {
        long found = -1;
        size_t n = 0;
        for (size_t i = 0; i < s->n_files; i++) {
            const mcp_prof_file *f = api->profile_file(p, i);
            bool m = level == 0   ? !strcmp(f->path, query)
                     : level == 1 ? !strcmp(f->display_path, query)
                                  : suffix_match(f->path, query, ql);
            if (m && n++ == 0)
                found = (long)i;
        }
        if (n == 1)
            return found;
        if (n > 1) {
            abuf b;
            ab_init(&b);
            for (size_t i = 0, k = 0; i < s->n_files && k < 10; i++) {
                const mcp_prof_file *f = api->profile_file(p, i);
                if (suffix_match(f->path, query, ql) || !strcmp(f->display_path, query) ||
                    !strcmp(f->path, query))
                    ab_printf(&b, "%s%s", k++ ? ", " : "", f->display_path);
            }
            api->result_error(call, "give more of the path so that one file matches",
                              "file '%s' matches %zu files of profile '%s': %s", query, n, s->id,
                              ab_str(&b));
            ab_free(&b);
            return -1;
        }
    }
    abuf b;
    ab_init(&b);
    for (size_t i = 0; i < s->n_files && i < 10; i++)
        ab_printf(&b, "%s%s", i ? ", " : "", api->profile_file(p, i)->display_path);
    if (s->n_files > 10)
        ab_printf(&b, ", ... (%zu files)", s->n_files);
    api->result_error(call,
                      "use one of the profile's files (a path suffix such as 'main.py' is "
                      "enough)",
                      "file '%s' is not in profile '%s'; its files: %s", query, s->id,
                      s->n_files ? ab_str(&b) : "(none)");
    ab_free(&b);
    return -1;
}

bool ana_fit(const mcp_sample *s, size_t n, double *slope, double *r2)
{
    *slope = 0;
    *r2 = 0;
    if (n < 2)
        return false;
    double mt = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mt += s[i].t_sec;
        my += s[i].mb;
    }
    mt /= (double)n;
    my /= (double)n;
    double stt = 0, sty = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        double dt = s[i].t_sec - mt, dy = s[i].mb - my;
        stt += dt * dt;
        sty += dt * dy;
        syy += dy * dy;
    }
    if (stt <= 1e-12)
        return false;
    *slope = sty / stt;
    *r2 = syy > 1e-12 ? (sty * sty) / (stt * syy) : 0;
    if (!isfinite(*slope))
        *slope = 0;
    if (!isfinite(*r2))
        *r2 = 0;
    return true;
}

double ana_monotonic(const mcp_sample *s, size_t n, double tol)
{
    if (n < 2)
        return 0;
    size_t up = 0;
    for (size_t i = 1; i < n; i++)
        if (s[i].mb - s[i - 1].mb >= -tol)
            up++;
    return (double)up / (double)(n - 1);
}
