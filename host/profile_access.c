/* profile_access.c - stored profile <-> parsed model, through the cache. */
#include "profile_access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "store.h"

static void free_profile(void *p)
{
    profile_free(p);
}

int profiles_open(server *s, const char *id, const mcp_profile **out, char *err, size_t errsz)
{
    *out = NULL;
    if (!id || !store_id_valid(id)) {
        snprintf(err, errsz,
                 "'%.80s' is not a valid profile id (ids are 1-64 characters of A-Z, a-z, "
                 "0-9, '_' and '-', as returned by profile_script or list_profiles)",
                 id ? id : "");
        return MCP_INVALID;
    }
    mcp_profile *p = store_cache_get(s->store, id);
    if (p) {
        *out = p;
        return MCP_OK;
    }
    char *doc = NULL;
    size_t len = 0;
    char why[512];
    int rc = store_get(s->store, id, &doc, &len, why, sizeof why);
    if (rc == MCP_NOTFOUND) {
        snprintf(err, errsz, "no profile with id '%s' (list_profiles shows the stored ones)", id);
        return rc;
    }
    if (rc != MCP_OK) {
        snprintf(err, errsz, "cannot read profile '%s': %s", id, why);
        return rc;
    }
    rc = profile_decode(doc, len, &p, why, sizeof why);
    free(doc);
    if (rc != MCP_OK) {
        snprintf(err, errsz, "profile '%s' is stored but unreadable: %s", id, why);
        return rc;
    }
    rc = store_cache_put(s->store, id, p, free_profile, len);
    if (rc != MCP_OK) {
        snprintf(err, errsz, "out of memory caching profile '%s'", id);
        return rc;
    }
    *out = p;
    return MCP_OK;
}

void profiles_release(server *s, const mcp_profile *p)
{
    if (p)
        store_cache_release(s->store, (void *)p);
}

static const char *outcome_of(const mcp_prof_summary *sm)
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

cJSON *profiles_listing_meta(const mcp_profile *p)
{
    const mcp_prof_summary *sm = &p->summary;
    cJSON *m = cJSON_CreateObject();
    if (!m)
        return NULL;
    cJSON_AddStringToObject(m, "outcome", outcome_of(sm));
    cJSON_AddNumberToObject(m, "elapsed_sec", sm->elapsed_sec);
    cJSON_AddNumberToObject(m, "max_footprint_mb", sm->max_footprint_mb);
    cJSON_AddNumberToObject(m, "exit_status", sm->exit_status);
    cJSON_AddBoolToObject(m, "partial", sm->partial);
    cJSON_AddStringToObject(m, "scalene_version", sm->scalene_version);
    cJSON_AddNumberToObject(m, "files", (double)sm->n_files);
    return m;
}

int profiles_save(server *s, mcp_profile *p, char *err, size_t errsz)
{
    size_t len = 0;
    char *doc = profile_encode(p, &len);
    cJSON *lm = profiles_listing_meta(p);
    char *meta_json = lm ? cJSON_PrintUnformatted(lm) : NULL;
    cJSON_Delete(lm);
    if (!doc || !meta_json) {
        free(doc);
        cJSON_free(meta_json);
        profile_free(p);
        snprintf(err, errsz, "out of memory encoding the profile");
        return MCP_NOMEM;
    }
    const mcp_prof_summary *sm = &p->summary;
    mcp_record_meta meta = {.id = sm->id,
                            .created_ms = sm->created_ms,
                            .target = sm->target,
                            .label = sm->label ? sm->label : "",
                            .meta_json = meta_json,
                            .doc_bytes = len};
    int rc = store_put(s->store, &meta, doc, len, err, errsz);
    free(doc);
    cJSON_free(meta_json);
    if (rc != MCP_OK) {
        profile_free(p);
        return rc;
    }
    char id[STORE_ID_MAX + 1];
    snprintf(id, sizeof id, "%s", sm->id);
    if (store_cache_put(s->store, id, p, free_profile, len) == MCP_OK)
        store_cache_release(s->store, p);
    return MCP_OK;
}

int profile_api_open(mcp_plugin *self, const char *id, const mcp_profile **out)
{
    char err[512];
    int rc = profiles_open(self->srv, id, out, err, sizeof err);
    if (rc != MCP_OK)
        plugin_api_set_error(self, "%s", err);
    return rc;
}

void profile_api_release(mcp_plugin *self, const mcp_profile *p)
{
    profiles_release(self->srv, p);
}
