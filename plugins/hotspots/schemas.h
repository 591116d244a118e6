/* schemas.h - JSON Schema text pieces shared by the analyzer plugins'
 * tool definitions (closed schemas: every object lists its properties,
 * requires them all and forbids others). */
#ifndef SMCP_ANL_SCHEMAS_H
#define SMCP_ANL_SCHEMAS_H

#define S_INT "{\"type\":\"integer\"}"
#define S_UINT "{\"type\":\"integer\",\"minimum\":0}"
#define S_NUM "{\"type\":\"number\"}"
#define S_STR "{\"type\":\"string\"}"
#define S_BOOL "{\"type\":\"boolean\"}"
#define S_INT_NULL "{\"type\":[\"integer\",\"null\"]}"
#define S_NUM_NULL "{\"type\":[\"number\",\"null\"]}"
#define S_STR_NULL "{\"type\":[\"string\",\"null\"]}"
#define S_SEVERITY "{\"type\":\"string\",\"enum\":[\"critical\",\"high\",\"medium\",\"low\"]}"

/* Input properties. */
#define IN_PROFILE_ID                                                                              \
    "\"profile_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,"                        \
    "\"description\":\"id returned by profile_script, profile_code or list_profiles\"}"
#define IN_TOP_N(dflt)                                                                             \
    "\"top_n\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":" #dflt ","         \
    "\"description\":\"how many entries to return at most\"}"
#define IN_FILE                                                                                    \
    "\"file\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4096,"                            \
    "\"description\":\"only this profiled file: its path, its path relative to the run's "         \
    "directory, or a unique suffix such as its name\"}"
#define IN_MAX_BYTES(dflt, max)                                                                    \
    "\"max_bytes\":{\"type\":\"integer\",\"minimum\":512,\"maximum\":" #max ",\"default\":" #dflt  \
    ",\"description\":\"upper bound of the text answer in bytes; entries that do not fit are "     \
    "left out and a note says so\"}"

/* Output properties common to the ranked answers. */
#define OUT_PAGE                                                                                   \
    "\"total\":" S_UINT ",\"shown\":" S_UINT ",\"truncated\":" S_BOOL ",\"note\":" S_STR_NULL
#define OUT_PAGE_KEYS "\"total\",\"shown\",\"truncated\",\"note\""

#endif
