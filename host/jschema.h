/* jschema.h - the subset of JSON Schema 2020-12 our tools use, for
 * validating tool arguments (and, in test builds, tool results).
 *
 * Supported: type (string or array), properties, required,
 * additionalProperties (bool or schema), enum, const, minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum, minLength, maxLength, items, minItems,
 * maxItems, anyOf, oneOf, allOf, if/then/else, $defs, $anchor, $ref (same
 * document only: "#", "#/json/pointer", "#anchor"; never fetched from a
 * network), and the annotations description/title/default/examples/format/
 * $schema/$comment (ignored). $ref chains and cycles are cut at 64 levels.
 * Anything else is refused by jschema_check_supported, so a schema can never
 * silently validate less than it says. */
#ifndef SMCP_JSCHEMA_H
#define SMCP_JSCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* Returns true when `schema` only uses supported keywords; otherwise writes
 * the offending keyword and its path into err. */
bool jschema_check_supported(const cJSON *schema, char *err, size_t errsz);

/* Validates `value` against `schema` (both borrowed). On failure writes a
 * sentence naming the path (e.g. "argument 'timeout'") and what was
 * expected, and returns false. `what` names the root ("argument",
 * "structuredContent"). */
bool jschema_validate(const cJSON *schema, const cJSON *value, const char *what, char *err,
                      size_t errsz);

#endif
