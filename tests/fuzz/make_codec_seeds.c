/* make_codec_seeds.c - writes corpus/codec/ seeds: each Scalene JSON given
 * is parsed, given metadata, and stored in our own format (profile_encode),
 * exactly as a storage backend would hold it. Rerun after a change of the
 * stored format (target fuzz_make_codec_seeds, not built by default):
 *
 *   fuzz_make_codec_seeds OUTDIR SCALENE_JSON... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s OUTDIR SCALENE_JSON...\n", argv[0]);
        return 2;
    }
    int rc = 0;
    for (int i = 2; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t)n + 1);
        if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
            fprintf(stderr, "%s: read failed\n", argv[i]);
            return 1;
        }
        fclose(f);
        mcp_profile *p = NULL;
        char err[512];
        if (profile_parse_scalene(buf, (size_t)n, "/home/user/project", &p, NULL, err,
                                  sizeof err) != MCP_OK) {
            fprintf(stderr, "%s: %s (skipped)\n", argv[i], err);
            free(buf);
            continue;
        }
        free(buf);
        profile_meta m;
        profile_get_meta(p, &m);
        m.id = "seed";
        m.label = (i % 2) ? "a label" : NULL;
        m.created_ms = 1700000000000 + i;
        m.scalene_version = strstr(argv[i], "s15") ? "1.5.16" : "2.3.0";
        m.python = "/usr/bin/python3";
        m.exit_status = i % 3;
        m.partial = i % 4 == 0;
        m.timed_out = i % 8 == 0;
        m.request_json = "{\"script_args\":[\"a\"],\"options\":{\"cpu_only\":true}}";
        if (profile_set_meta(p, &m) != MCP_OK) {
            fprintf(stderr, "%s: set_meta failed\n", argv[i]);
            return 1;
        }
        size_t len = 0;
        char *doc = profile_encode(p, &len);
        profile_free(p);
        const char *base = strrchr(argv[i], '/');
        base = base ? base + 1 : argv[i];
        char out[4096];
        snprintf(out, sizeof out, "%s/doc-%s", argv[1], base);
        FILE *o = fopen(out, "wb");
        if (!doc || !o || fwrite(doc, 1, len, o) != len) {
            fprintf(stderr, "%s: cannot write\n", out);
            rc = 1;
        }
        if (o)
            fclose(o);
        free(doc);
    }
    return rc;
}
