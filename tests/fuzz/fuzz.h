/* fuzz.h - what every fuzz target (tests/fuzz/fuzz_*.c) defines, and small
 * helpers they share.
 *
 * A target is built twice: with clang -fsanitize=fuzzer as a libFuzzer
 * binary (fuzz_NAME, -DSMCP_FUZZ=ON), and with the normal compiler into
 * fuzz_replay_NAME, whose main() (replay.c) runs every file of the seed
 * corpus through the same LLVMFuzzerTestOneInput (ctest label "fuzz"). */
#ifndef SMCP_FUZZ_H
#define SMCP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A target found a broken invariant (not a crash the sanitizers see):
 * report it and abort, so libFuzzer saves the input. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz: check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond);       \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
