/* wasmcri spectest - runs WebAssembly spec test scripts (.wast, or wast2json's .json) and
 * prints one line per file and a final `N passed, N failed`. Exit 0 when nothing failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "spectest/spectest.h"

static void usage(FILE *out)
{
    fputs("usage: wasmcri spectest [-v] [--check-messages] [--timeout SECONDS] FILE.wast|FILE.json...\n"
          "  -v              report every failing command (default: the first 20 per file)\n"
          "                  and show what spectest.print* prints\n"
          "  --check-messages  assert_malformed/invalid/unlinkable also need the engine's\n"
          "                  error message to contain the expected text\n"
          "  --timeout S     interrupt a command running longer than S seconds (default 60,\n"
          "                  0 = never)\n",
          out);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int wasmcri_spectest_command(int argc, char **argv)
{
    spectest_options options = { .report = stderr, .max_reported = 20,
                                 .host_output = NULL, .command_timeout_ms = 60000 };
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        const char *arg = argv[first];
        if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
            options.max_reported = 0;
            options.host_output = stdout;
        } else if (strcmp(arg, "--check-messages") == 0) {
            options.check_messages = true;
        } else if (strcmp(arg, "--timeout") == 0 && first + 1 < argc) {
            char *end = NULL;
            unsigned long seconds = strtoul(argv[++first], &end, 10);
            if (*end != '\0' || seconds > 86400) {
                fprintf(stderr, "wasmcri spectest: bad --timeout '%s'\n", argv[first]);
                return 2;
            }
            options.command_timeout_ms = (unsigned)seconds * 1000u;
        } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(arg, "--") == 0) {
            first++;
            break;
        } else {
            fprintf(stderr, "wasmcri spectest: unknown option '%s'\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (first >= argc) {
        usage(stderr);
        return 2;
    }

    spectest_counts total = { 0 };
    for (int i = first; i < argc; i++) {
        spectest_counts counts = { 0 };
        wc_error err = { 0 };
        int rc = ends_with(argv[i], ".json")
                     ? spectest_run_json(argv[i], &options, &counts, &err)
                     : spectest_run_wast(argv[i], &options, &counts, &err);
        if (rc < 0) {
            /* A script that cannot run at all counts as one failure, so it is never lost. */
            fprintf(stderr, "%s: %s\n", argv[i], err.message);
            counts.failed++;
        }
        /* Flush stderr's failure reports before the summary line, so they read in order. */
        fflush(stderr);
        printf("%s: %u passed, %u failed, %u not applicable\n", argv[i], counts.passed,
               counts.failed, counts.not_applicable);
        fflush(stdout);
        total.passed += counts.passed;
        total.failed += counts.failed;
        total.not_applicable += counts.not_applicable;
    }
    printf("%u passed, %u failed\n", total.passed, total.failed);
    return total.failed == 0 ? 0 : 1;
}
