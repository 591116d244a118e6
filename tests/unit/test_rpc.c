/*
 * test_rpc.c - line framing (rpc_reader), the raw top-level id scan
 * (rpc_scan_id), the UTF-8 check and the protocol writer.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "rpc.h"

/* ------------------------------------------------------------------ */
/* Framing                                                              */
/* ------------------------------------------------------------------ */

#define MAX_LINES 64

typedef struct sink {
    char *lines[MAX_LINES];
    size_t lens[MAX_LINES];
    size_t n;
    size_t oversize[MAX_LINES];
    size_t n_oversize;
    int order[2 * MAX_LINES]; /* 'L' line, 'O' oversize, in arrival order */
    size_t n_order;
} sink;

static void on_line(void *ud, char *line, size_t len)
{
    sink *s = ud;
    ck_assert_uint_lt(s->n, MAX_LINES);
    ck_assert_int_eq(line[len], '\0'); /* NUL-terminated as promised */
    s->lines[s->n] = malloc(len + 1);
    memcpy(s->lines[s->n], line, len + 1);
    s->lens[s->n++] = len;
    s->order[s->n_order++] = 'L';
}

static void on_oversize(void *ud, size_t dropped)
{
    sink *s = ud;
    ck_assert_uint_lt(s->n_oversize, MAX_LINES);
    s->oversize[s->n_oversize++] = dropped;
    s->order[s->n_order++] = 'O';
}

static void sink_free(sink *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->lines[i]);
    memset(s, 0, sizeof *s);
}

static rpc_reader rd;
static sink sk;

static void reader_setup(size_t max)
{
    memset(&sk, 0, sizeof sk);
    rpc_reader_init(&rd, max, on_line, on_oversize, &sk);
}

static void feed(const char *data)
{
    ck_assert_int_eq(rpc_reader_feed(&rd, data, strlen(data)), 0);
}

static void feed_n(const char *data, size_t n)
{
    ck_assert_int_eq(rpc_reader_feed(&rd, data, n), 0);
}

static void reader_teardown(void)
{
    rpc_reader_free(&rd);
    sink_free(&sk);
}

static void setup_default(void)
{
    reader_setup(1u << 20);
}

START_TEST(frame_whole_lines)
{
    feed("{\"a\":1}\n{\"b\":2}\n");
    ck_assert_uint_eq(sk.n, 2);
    ck_assert_str_eq(sk.lines[0], "{\"a\":1}");
    ck_assert_str_eq(sk.lines[1], "{\"b\":2}");
    ck_assert_uint_eq(sk.lens[0], 7);
    ck_assert_uint_eq(sk.n_oversize, 0);
}
END_TEST

START_TEST(frame_split_reads_byte_by_byte)
{
    const char *in = "{\"jsonrpc\":\"2.0\",\"id\":1}\n{\"x\":\"y\"}\r\n\n{\"z\":[]}\n";
    for (size_t i = 0; in[i]; i++)
        feed_n(in + i, 1);
    ck_assert_uint_eq(sk.n, 3);
    ck_assert_str_eq(sk.lines[0], "{\"jsonrpc\":\"2.0\",\"id\":1}");
    ck_assert_str_eq(sk.lines[1], "{\"x\":\"y\"}");
    ck_assert_str_eq(sk.lines[2], "{\"z\":[]}");
}
END_TEST

START_TEST(frame_split_reads_every_cut)
{
    /* every split point of a two-line input gives the same two lines */
    const char *in = "{\"a\":\"line one\"}\r\n{\"b\":\"line two\"}\n";
    size_t n = strlen(in);
    for (size_t cut = 0; cut <= n; cut++) {
        reader_teardown();
        reader_setup(1024);
        feed_n(in, cut);
        feed_n(in + cut, n - cut);
        ck_assert_uint_eq(sk.n, 2);
        ck_assert_str_eq(sk.lines[0], "{\"a\":\"line one\"}");
        ck_assert_str_eq(sk.lines[1], "{\"b\":\"line two\"}");
    }
}
END_TEST

START_TEST(frame_crlf)
{
    feed("{\"a\":1}\r\n");
    ck_assert_uint_eq(sk.n, 1);
    ck_assert_str_eq(sk.lines[0], "{\"a\":1}");
    ck_assert_uint_eq(sk.lens[0], 7);
    /* only one trailing CR is framing; a CR inside is content */
    feed("{\"a\":\r2}\r\n");
    ck_assert_str_eq(sk.lines[1], "{\"a\":\r2}");
}
END_TEST

START_TEST(frame_bom_first_line)
{
    feed("\xEF\xBB\xBF{\"a\":1}\n\xEF\xBB\xBF{\"b\":2}\n");
    ck_assert_uint_eq(sk.n, 2);
    ck_assert_str_eq(sk.lines[0], "{\"a\":1}");
    /* a BOM is only skipped at the very start of the stream */
    ck_assert_str_eq(sk.lines[1], "\xEF\xBB\xBF{\"b\":2}");
}
END_TEST

START_TEST(frame_bom_split)
{
    feed_n("\xEF", 1);
    feed_n("\xBB", 1);
    feed_n("\xBF{}\n", 4);
    ck_assert_uint_eq(sk.n, 1);
    ck_assert_str_eq(sk.lines[0], "{}");
}
END_TEST

START_TEST(frame_empty_lines_skipped)
{
    feed("\n\r\n   \n\t \r\n{}\n\n");
    ck_assert_uint_eq(sk.n, 1);
    ck_assert_str_eq(sk.lines[0], "{}");
    ck_assert_uint_eq(sk.n_oversize, 0);
}
END_TEST

START_TEST(frame_leading_whitespace_kept)
{
    feed("  {}\n");
    ck_assert_uint_eq(sk.n, 1);
    ck_assert_str_eq(sk.lines[0], "  {}");
}
END_TEST

START_TEST(frame_nul_bytes_counted)
{
    feed_n("{\"a\0b\"}\n", 8);
    ck_assert_uint_eq(sk.n, 1);
    ck_assert_uint_eq(sk.lens[0], 7);
    ck_assert_int_eq(memcmp(sk.lines[0], "{\"a\0b\"}", 7), 0);
}
END_TEST

START_TEST(frame_oversize_dropped_then_next_works)
{
    reader_teardown();
    reader_setup(16);
    feed("0123456789abcdef\n");  /* exactly 16: kept */
    feed("0123456789abcdefX\n"); /* 17: dropped */
    feed("{\"ok\":1}\n");        /* next line fine */
    ck_assert_uint_eq(sk.n, 2);
    ck_assert_str_eq(sk.lines[0], "0123456789abcdef");
    ck_assert_str_eq(sk.lines[1], "{\"ok\":1}");
    ck_assert_uint_eq(sk.n_oversize, 1);
    ck_assert_uint_eq(sk.oversize[0], 17);
    ck_assert_int_eq(sk.order[1], 'O');
    ck_assert_int_eq(sk.order[2], 'L');
}
END_TEST

START_TEST(frame_oversize_across_many_reads)
{
    reader_teardown();
    reader_setup(1024);
    char chunk[700];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 100; i++)
        feed_n(chunk, sizeof chunk);
    ck_assert_uint_eq(sk.n_oversize, 0); /* reported when the line ends */
    feed("tail\n{\"next\":true}\n");
    ck_assert_uint_eq(sk.n_oversize, 1);
    ck_assert_uint_eq(sk.oversize[0], 100 * sizeof chunk + 4);
    ck_assert_uint_eq(sk.n, 1);
    ck_assert_str_eq(sk.lines[0], "{\"next\":true}");
    /* and again: a second oversize line is reported separately */
    for (int i = 0; i < 3; i++)
        feed_n(chunk, sizeof chunk);
    feed("\n{}\n");
    ck_assert_uint_eq(sk.n_oversize, 2);
    ck_assert_uint_eq(sk.oversize[1], 3 * sizeof chunk);
    ck_assert_uint_eq(sk.n, 2);
}
END_TEST

START_TEST(frame_oversize_prefix_then_data_in_one_feed)
{
    reader_teardown();
    reader_setup(8);
    feed("abc");
    feed("defghijkl\n{}\nxy");
    ck_assert_uint_eq(sk.n_oversize, 1);
    ck_assert_uint_eq(sk.oversize[0], 12);
    ck_assert_uint_eq(sk.n, 1);
    ck_assert_str_eq(sk.lines[0], "{}");
    rpc_reader_finish(&rd);
    ck_assert_uint_eq(sk.n, 2);
    ck_assert_str_eq(sk.lines[1], "xy");
}
END_TEST

START_TEST(frame_final_line_without_newline)
{
    feed("{\"a\":1}\n{\"last\":");
    feed("true}");
    ck_assert_uint_eq(sk.n, 1);
    rpc_reader_finish(&rd);
    ck_assert_uint_eq(sk.n, 2);
    ck_assert_str_eq(sk.lines[1], "{\"last\":true}");
    /* finishing twice delivers nothing more */
    rpc_reader_finish(&rd);
    ck_assert_uint_eq(sk.n, 2);
}
END_TEST

START_TEST(frame_final_cr_or_blank_at_eof)
{
    feed("{}\r");
    rpc_reader_finish(&rd);
    ck_assert_uint_eq(sk.n, 1);
    ck_assert_str_eq(sk.lines[0], "{}");
    feed("   ");
    rpc_reader_finish(&rd);
    ck_assert_uint_eq(sk.n, 1);
}
END_TEST

START_TEST(frame_oversize_at_eof)
{
    reader_teardown();
    reader_setup(4);
    feed("{\"too\":\"long\"}");
    rpc_reader_finish(&rd);
    ck_assert_uint_eq(sk.n, 0);
    ck_assert_uint_eq(sk.n_oversize, 1);
    ck_assert_uint_eq(sk.oversize[0], 14);
}
END_TEST

START_TEST(frame_finish_empty)
{
    rpc_reader_finish(&rd);
    ck_assert_uint_eq(sk.n, 0);
    ck_assert_uint_eq(sk.n_oversize, 0);
}
END_TEST

START_TEST(frame_large_line)
{
    reader_teardown();
    reader_setup(4u << 20);
    size_t n = 3u << 20;
    char *big = malloc(n + 1);
    memset(big, 'q', n);
    big[n] = '\n';
    /* in odd-sized pieces */
    size_t off = 0, step = 65537;
    while (off < n + 1) {
        size_t k = n + 1 - off < step ? n + 1 - off : step;
        feed_n(big + off, k);
        off += k;
    }
    ck_assert_uint_eq(sk.n, 1);
    ck_assert_uint_eq(sk.lens[0], n);
    ck_assert_int_eq(sk.lines[0][n - 1], 'q');
    free(big);
}
END_TEST

/* ------------------------------------------------------------------ */
/* rpc_scan_id                                                          */
/* ------------------------------------------------------------------ */

static enum rpc_id_kind scan(const char *json, char *out, size_t outsz)
{
    /* an exact-size heap copy without NUL: a read past len is a memory
     * error valgrind and ASan report */
    size_t n = strlen(json);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, json, n);
    enum rpc_id_kind k = rpc_scan_id(copy, n, out, outsz);
    free(copy);
    return k;
}

#define ASSERT_ID(json, kind, token)                                                               \
    do {                                                                                           \
        char out_[256] = "";                                                                       \
        ck_assert_int_eq(scan(json, out_, sizeof out_), kind);                                     \
        ck_assert_str_eq(out_, token);                                                             \
    } while (0)

#define ASSERT_KIND(json, kind)                                                                    \
    do {                                                                                           \
        char out_[256];                                                                            \
        ck_assert_int_eq(scan(json, out_, sizeof out_), kind);                                     \
    } while (0)

START_TEST(id_integers)
{
    ASSERT_ID("{\"id\":1}", RPC_ID_INTEGER, "1");
    ASSERT_ID("{\"id\":0}", RPC_ID_INTEGER, "0");
    ASSERT_ID("{\"id\":-0}", RPC_ID_INTEGER, "-0");
    ASSERT_ID("{\"id\":-42}", RPC_ID_INTEGER, "-42");
    ASSERT_ID("{ \"id\" : 7 }", RPC_ID_INTEGER, "7");
    ASSERT_ID("{\n\t\"id\"\r\n:\t8\n}", RPC_ID_INTEGER, "8");
    ASSERT_ID("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":9007199254740993}", RPC_ID_INTEGER,
              "9007199254740993");
    ASSERT_ID("{\"id\":12345678901234567890}", RPC_ID_INTEGER, "12345678901234567890");
    ASSERT_ID("{\"id\":-123456789012345678901234567890}", RPC_ID_INTEGER,
              "-123456789012345678901234567890");
}
END_TEST

START_TEST(id_strings)
{
    ASSERT_ID("{\"id\":\"abc\"}", RPC_ID_STRING, "\"abc\"");
    ASSERT_ID("{\"id\":\"\"}", RPC_ID_STRING, "\"\"");
    ASSERT_ID("{\"id\":\"a\\\"b\"}", RPC_ID_STRING, "\"a\\\"b\"");
    ASSERT_ID("{\"id\":\"\\\\\"}", RPC_ID_STRING, "\"\\\\\"");
    ASSERT_ID("{\"id\":\"\\u00e9\\n\\/\"}", RPC_ID_STRING, "\"\\u00e9\\n\\/\"");
    ASSERT_ID("{\"id\":\"\\ud83d\\ude00\"}", RPC_ID_STRING, "\"\\ud83d\\ude00\"");
    ASSERT_ID("{\"id\":\"h\xC3\xA9llo\"}", RPC_ID_STRING, "\"h\xC3\xA9llo\"");
    ASSERT_ID("{\"id\":\"}\",\"x\":1}", RPC_ID_STRING, "\"}\"");
    ASSERT_ID("{\"id\":\"12\"}", RPC_ID_STRING, "\"12\"");
    ASSERT_ID("{\"id\" : \"spaced\" , \"method\":\"m\"}", RPC_ID_STRING, "\"spaced\"");
}
END_TEST

START_TEST(id_nested_ignored)
{
    ASSERT_KIND("{\"params\":{\"id\":5}}", RPC_ID_NONE);
    ASSERT_KIND("{\"a\":[{\"id\":1},{\"id\":2}],\"b\":{\"c\":{\"id\":3}}}", RPC_ID_NONE);
    ASSERT_ID("{\"params\":{\"id\":5,\"x\":{\"id\":\"deep\"}},\"id\":\"top\"}", RPC_ID_STRING,
              "\"top\"");
    ASSERT_ID("{\"a\":[1,\"id\",{\"id\":null}],\"id\":2}", RPC_ID_INTEGER, "2");
    /* "id" inside string values and keys that merely contain it */
    ASSERT_ID("{\"method\":\"\\\"id\\\":1\",\"id\":3}", RPC_ID_INTEGER, "3");
    ASSERT_KIND("{\"method\":\"{\\\"id\\\":1}\"}", RPC_ID_NONE);
    ASSERT_KIND("{\"idx\":1,\"Id\":2,\"ID\":3,\"i\":4,\"xid\":5,\"id \":6}", RPC_ID_NONE);
    ASSERT_KIND("{\"idid\":1}", RPC_ID_NONE);
}
END_TEST

START_TEST(id_escaped_key)
{
    ASSERT_ID("{\"\\u0069d\":7}", RPC_ID_INTEGER, "7");
    ASSERT_ID("{\"i\\u0064\":\"e\"}", RPC_ID_STRING, "\"e\"");
    ASSERT_ID("{\"\\u0069\\u0064\":8}", RPC_ID_INTEGER, "8");
    ASSERT_KIND("{\"\\u0069dx\":7}", RPC_ID_NONE);
    ASSERT_KIND("{\"\\u00e9d\":7}", RPC_ID_NONE);
}
END_TEST

START_TEST(id_invalid_values)
{
    ASSERT_KIND("{\"id\":null}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":true}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":false}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":1.5}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":1.0}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":1e3}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":1E3}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":-1.0}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":{}}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":{\"id\":1}}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":[1]}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":[]}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":-}", RPC_ID_INVALID);
    /* tokens that are not strict JSON are never echoed */
    ASSERT_KIND("{\"id\":01}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":-007}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":00}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":\"tab\there\"}", RPC_ID_INVALID);
    ASSERT_KIND("{\"id\":\"nul\x01\"}", RPC_ID_INVALID);
}
END_TEST

START_TEST(id_too_long_for_buffer)
{
    char out[8];
    ck_assert_int_eq(scan("{\"id\":\"123456\"}", out, sizeof out), RPC_ID_INVALID);
    ck_assert_int_eq(scan("{\"id\":\"12345\"}", out, sizeof out), RPC_ID_STRING);
    ck_assert_str_eq(out, "\"12345\"");
    ck_assert_int_eq(scan("{\"id\":12345678}", out, sizeof out), RPC_ID_INVALID);
    ck_assert_int_eq(scan("{\"id\":1234567}", out, sizeof out), RPC_ID_INTEGER);
}
END_TEST

START_TEST(id_duplicates_first_wins)
{
    ASSERT_ID("{\"id\":1,\"id\":2}", RPC_ID_INTEGER, "1");
    ASSERT_ID("{\"id\":\"a\",\"id\":2}", RPC_ID_STRING, "\"a\"");
    ASSERT_KIND("{\"id\":null,\"id\":2}", RPC_ID_INVALID);
    ASSERT_ID("{\"\\u0069d\":3,\"id\":4}", RPC_ID_INTEGER, "3");
    /* the same rule as cJSON's lookup, which the server uses for the rest */
    cJSON *j = cJSON_Parse("{\"id\":1,\"id\":2}");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(j, "id")->valueint, 1);
    cJSON_Delete(j);
}
END_TEST

START_TEST(id_absent_or_not_an_object)
{
    ASSERT_KIND("{}", RPC_ID_NONE);
    ASSERT_KIND("{\"method\":\"ping\"}", RPC_ID_NONE);
    ASSERT_KIND("[{\"id\":1}]", RPC_ID_NONE);
    ASSERT_KIND("\"id\"", RPC_ID_NONE);
    ASSERT_KIND("42", RPC_ID_NONE);
    ASSERT_KIND("", RPC_ID_NONE);
    ASSERT_KIND("   ", RPC_ID_NONE);
}
END_TEST

START_TEST(id_after_deep_nesting)
{
    /* the skip is iterative: 1,000,000 levels cost no stack */
    size_t depth = 1000000;
    const char *head = "{\"params\":";
    const char *tail = ",\"id\":99}";
    size_t n = strlen(head) + 2 * depth + strlen(tail);
    char *buf = malloc(n + 1);
    size_t off = 0;
    memcpy(buf, head, strlen(head));
    off += strlen(head);
    memset(buf + off, '[', depth);
    off += depth;
    memset(buf + off, ']', depth);
    off += depth;
    memcpy(buf + off, tail, strlen(tail) + 1);
    char out[32];
    ck_assert_int_eq(rpc_scan_id(buf, n, out, sizeof out), RPC_ID_INTEGER);
    ck_assert_str_eq(out, "99");
    /* unbalanced: never found, never crashes */
    buf[n - 10] = '[';
    rpc_scan_id(buf, n, out, sizeof out);
    free(buf);
}
END_TEST

START_TEST(id_truncated_prefixes)
{
    const char *msgs[] = {
        "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"a\":[1,{\"id\":\"q\\\"\"}]},\"id\":"
        "\"z\\u0041\"}",
        "{\"\\u0069d\" : -12345678901234567890 }",
        "{\"a\":\"\\\\\",\"b\":[[[]]],\"c\":{},\"id\":true}",
    };
    for (size_t m = 0; m < sizeof msgs / sizeof msgs[0]; m++) {
        size_t n = strlen(msgs[m]);
        for (size_t cut = 0; cut <= n; cut++) {
            char *copy = malloc(cut ? cut : 1);
            memcpy(copy, msgs[m], cut);
            char out[64];
            enum rpc_id_kind k = rpc_scan_id(copy, cut, out, sizeof out);
            if (k == RPC_ID_STRING || k == RPC_ID_INTEGER)
                ck_assert_uint_lt(strlen(out), sizeof out);
            free(copy);
        }
    }
}
END_TEST

/* xorshift64*: deterministic, so a failure reproduces */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717u;
}

static int hexdigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* cJSON is more lenient than JSON: it takes "\u" followed by non-hex digits
 * (as U+0000) and any control character as whitespace. The scan refuses
 * such text (RPC_ID_NONE), and the server then answers -32600 without an
 * id: it never echoes a token taken from text that is not JSON. */
static bool not_strict_json(const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return true;
        if (c == '\\' && i + 1 < n) {
            if (buf[i + 1] == 'u')
                for (size_t k = 2; k < 6; k++)
                    if (i + k >= n || !hexdigit(buf[i + k]))
                        return true;
            i++;
        }
    }
    return false;
}

/* Compares the scan with cJSON on a message cJSON accepts. */
static void check_against_cjson(const char *buf, size_t n)
{
    char out[256];
    enum rpc_id_kind k = rpc_scan_id(buf, n, out, sizeof out);
    cJSON *j = cJSON_ParseWithLength(buf, n);
    if (!j)
        return;
    if (!cJSON_IsObject(j)) {
        ck_assert_int_eq(k, RPC_ID_NONE);
        cJSON_Delete(j);
        return;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    if (!id) {
        ck_assert_int_eq(k, RPC_ID_NONE);
    } else if (cJSON_IsString(id)) {
        /* a string id echoes as a token that means the same string */
        ck_assert(k == RPC_ID_STRING || k == RPC_ID_INVALID ||
                  (k == RPC_ID_NONE && not_strict_json(buf, n)));
        if (k == RPC_ID_STRING) {
            cJSON *back = cJSON_Parse(out);
            ck_assert_ptr_nonnull(back);
            ck_assert(cJSON_IsString(back));
            ck_assert_str_eq(back->valuestring, id->valuestring);
            cJSON_Delete(back);
        }
    } else if (cJSON_IsNumber(id)) {
        ck_assert(k == RPC_ID_INTEGER || k == RPC_ID_INVALID ||
                  (k == RPC_ID_NONE && not_strict_json(buf, n)));
        if (k == RPC_ID_INTEGER) {
            cJSON *back = cJSON_Parse(out);
            ck_assert_ptr_nonnull(back);
            ck_assert(cJSON_IsNumber(back) && back->valuedouble == id->valuedouble);
            cJSON_Delete(back);
        }
    } else {
        ck_assert(k == RPC_ID_INVALID || (k == RPC_ID_NONE && not_strict_json(buf, n)));
    }
    cJSON_Delete(j);
}

START_TEST(id_fuzz_garbage_never_crashes)
{
    const char alphabet[] = "{}[]\":,\\ u0123456789abcdefid-+.eEtrunlsx\t\n\x80\xC3\xA9";
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = (size_t)(rng() % 64);
        char *buf = malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++)
            buf[i] =
                (rng() % 8 == 0) ? (char)(rng() & 0xFF) : alphabet[rng() % (sizeof alphabet - 1)];
        if (n > 0 && rng() % 2)
            buf[0] = '{';
        char out[16];
        enum rpc_id_kind k = rpc_scan_id(buf, n, out, sizeof out);
        ck_assert(k >= RPC_ID_NONE && k <= RPC_ID_INVALID);
        if (k == RPC_ID_STRING || k == RPC_ID_INTEGER)
            ck_assert_uint_lt(strlen(out), sizeof out);
        free(buf);
    }
}
END_TEST

START_TEST(id_fuzz_mutations_agree_with_cjson)
{
    const char *seeds[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"id\":2,\"name\":\"x\"},"
        "\"id\":\"s\\\"1\"}",
        "{\"a\":[{\"id\":3}],\"\\u0069d\":-44,\"id\":5}",
        "{\"id\":null,\"x\":{\"y\":[true,false,null,1.5e3,\"}\"]}}",
    };
    const char repl[] = "{}[]\":,\\ 0123456789-.eidnul\x01";
    for (int iter = 0; iter < 50000; iter++) {
        const char *seed = seeds[rng() % (sizeof seeds / sizeof seeds[0])];
        size_t n = strlen(seed);
        char *buf = malloc(n + 1);
        memcpy(buf, seed, n + 1);
        int muts = 1 + (int)(rng() % 3);
        for (int m = 0; m < muts; m++) {
            size_t pos = (size_t)(rng() % n);
            switch (rng() % 3) {
            case 0: /* replace */
                buf[pos] = repl[rng() % (sizeof repl - 1)];
                break;
            case 1: /* delete */
                memmove(buf + pos, buf + pos + 1, n - pos);
                n--;
                break;
            default: /* duplicate */
                buf = realloc(buf, n + 2);
                memmove(buf + pos + 1, buf + pos, n - pos + 1);
                n++;
                break;
            }
            if (n < 2)
                break;
        }
        char *exact = malloc(n ? n : 1);
        memcpy(exact, buf, n);
        check_against_cjson(exact, n);
        free(exact);
        free(buf);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* UTF-8 and the writer                                                 */
/* ------------------------------------------------------------------ */

static bool utf8(const char *s)
{
    return rpc_utf8_valid(s, strlen(s));
}

START_TEST(utf8_valid_and_invalid)
{
    ck_assert(utf8(""));
    ck_assert(utf8("plain ascii {\"a\":1}"));
    ck_assert(utf8("\xC3\xA9"));         /* é */
    ck_assert(utf8("\xE2\x82\xAC"));     /* € */
    ck_assert(utf8("\xF0\x9F\x98\x80")); /* 😀 */
    ck_assert(utf8("\xF4\x8F\xBF\xBF")); /* U+10FFFF */
    ck_assert(utf8("\xEF\xBB\xBF"));     /* BOM */
    ck_assert(!utf8("\xFF"));
    ck_assert(!utf8("\x80"));             /* lone continuation */
    ck_assert(!utf8("\xC3"));             /* truncated */
    ck_assert(!utf8("\xE2\x82"));         /* truncated */
    ck_assert(!utf8("\xC3\x28"));         /* bad continuation */
    ck_assert(!utf8("\xC0\xAF"));         /* overlong '/' */
    ck_assert(!utf8("\xC1\xBF"));         /* overlong */
    ck_assert(!utf8("\xE0\x80\xAF"));     /* overlong */
    ck_assert(!utf8("\xF0\x80\x80\xAF")); /* overlong */
    ck_assert(!utf8("\xED\xA0\x80"));     /* surrogate U+D800 */
    ck_assert(!utf8("\xED\xBF\xBF"));     /* surrogate U+DFFF */
    ck_assert(!utf8("\xF4\x90\x80\x80")); /* > U+10FFFF */
    ck_assert(!utf8("\xF5\x80\x80\x80"));
    ck_assert(!utf8("ok\xC3"));
    /* NUL is valid UTF-8 and the length is honoured */
    ck_assert(rpc_utf8_valid("a\0b", 3));
    ck_assert(rpc_utf8_valid("\xC3\xA9\xFF", 2));
    ck_assert(!rpc_utf8_valid("\xC3\xA9\xFF", 3));
}
END_TEST

static char *write_and_read(const cJSON *msg, int *rc)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    *rc = rpc_write(fds[1], msg);
    close(fds[1]);
    static char buf[1 << 16];
    size_t off = 0;
    ssize_t r;
    while ((r = read(fds[0], buf + off, sizeof buf - 1 - off)) > 0)
        off += (size_t)r;
    close(fds[0]);
    buf[off] = '\0';
    return buf;
}

START_TEST(write_one_compact_line)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddRawToObject(m, "id", "12345678901234567890");
    cJSON *r = cJSON_AddObjectToObject(m, "result");
    cJSON_AddStringToObject(r, "text", "line one\nline two\t\"quoted\"");
    cJSON *arr = cJSON_AddArrayToObject(r, "list");
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(1));
    cJSON_AddItemToArray(arr, cJSON_CreateObject());
    int rc;
    const char *out = write_and_read(m, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(out, "{\"jsonrpc\":\"2.0\",\"id\":12345678901234567890,\"result\":{\"text\":"
                          "\"line one\\nline two\\t\\\"quoted\\\"\",\"list\":[1,{}]}}\n");
    cJSON_Delete(m);
}
END_TEST

START_TEST(write_scrubs_broken_utf8)
{
    /* a message cut mid-character (as "%.200s" can do) goes out as valid
     * UTF-8 */
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "message", "cut: \xC3' ok: \xC3\xA9 bad: \xFF\x80 end\xE2\x82");
    int rc;
    const char *out = write_and_read(m, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert(rpc_utf8_valid(out, strlen(out)));
    ck_assert_str_eq(out, "{\"message\":\"cut: ?' ok: \xC3\xA9 bad: ?? end??\"}\n");
    cJSON *back = cJSON_Parse(out);
    ck_assert_ptr_nonnull(back);
    cJSON_Delete(back);
    cJSON_Delete(m);
}
END_TEST

START_TEST(write_to_closed_pipe_fails)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    cJSON *m = cJSON_CreateObject();
    ck_assert_int_eq(rpc_write(fds[1], m), -1);
    close(fds[1]);
    cJSON_Delete(m);
}
END_TEST

static Suite *rpc_suite(void)
{
    Suite *s = suite_create("rpc");
    TCase *tc = tcase_create("framing");
    tcase_add_checked_fixture(tc, setup_default, reader_teardown);
    tcase_add_test(tc, frame_whole_lines);
    tcase_add_test(tc, frame_split_reads_byte_by_byte);
    tcase_add_test(tc, frame_split_reads_every_cut);
    tcase_add_test(tc, frame_crlf);
    tcase_add_test(tc, frame_bom_first_line);
    tcase_add_test(tc, frame_bom_split);
    tcase_add_test(tc, frame_empty_lines_skipped);
    tcase_add_test(tc, frame_leading_whitespace_kept);
    tcase_add_test(tc, frame_nul_bytes_counted);
    tcase_add_test(tc, frame_oversize_dropped_then_next_works);
    tcase_add_test(tc, frame_oversize_across_many_reads);
    tcase_add_test(tc, frame_oversize_prefix_then_data_in_one_feed);
    tcase_add_test(tc, frame_final_line_without_newline);
    tcase_add_test(tc, frame_final_cr_or_blank_at_eof);
    tcase_add_test(tc, frame_oversize_at_eof);
    tcase_add_test(tc, frame_finish_empty);
    tcase_add_test(tc, frame_large_line);
    suite_add_tcase(s, tc);

    tc = tcase_create("scan_id");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, id_integers);
    tcase_add_test(tc, id_strings);
    tcase_add_test(tc, id_nested_ignored);
    tcase_add_test(tc, id_escaped_key);
    tcase_add_test(tc, id_invalid_values);
    tcase_add_test(tc, id_too_long_for_buffer);
    tcase_add_test(tc, id_duplicates_first_wins);
    tcase_add_test(tc, id_absent_or_not_an_object);
    tcase_add_test(tc, id_after_deep_nesting);
    tcase_add_test(tc, id_truncated_prefixes);
    tcase_add_test(tc, id_fuzz_garbage_never_crashes);
    tcase_add_test(tc, id_fuzz_mutations_agree_with_cjson);
    suite_add_tcase(s, tc);

    tc = tcase_create("utf8_write");
    tcase_add_test(tc, utf8_valid_and_invalid);
    tcase_add_test(tc, write_one_compact_line);
    tcase_add_test(tc, write_scrubs_broken_utf8);
    tcase_add_test(tc, write_to_closed_pipe_fails);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rpc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
