/* commands.h - the wasmcrictl command table.
 *
 * To add a command: write `int crictl_cmd_NAME(crictl_ctx *ctx, int argc, char **argv)` in a
 * file of src/crictl (argv[0] is the command name; parse its flags with getopt_long after
 * setting optind = 0), add that file to crictl_sources in src/crictl/meson.build, and add ONE
 * line below: X(NAME, "alias1,alias2", "Summary shown by wasmcrictl --help"). */
#ifndef WASMCRI_CRICTL_COMMANDS_H
#define WASMCRI_CRICTL_COMMANDS_H

#include "crictl/crictl.h"

#define CRICTL_COMMANDS(X)                                                                \
    X(version, "", "Display runtime version information")                                \
    X(info, "", "Display information of the container runtime") \
    X(pull, "", "Pull an image from a registry") \
    X(images, "image, img", "List images") \
    X(inspecti, "", "Return the status of one or more images") \
    X(rmi, "", "Remove one or more images") \
    X(imagefsinfo, "", "Return image filesystem info") \
    X(runp, "", "Run a new pod") \
    X(pods, "", "List pods") \
    X(inspectp, "", "Display the status of one or more pods") \
    X(stopp, "", "Stop one or more running pods") \
    X(rmp, "", "Remove one or more pods") \
    X(statsp, "", "List pod statistics") \
    X(create, "", "Create a new container") \
    X(start, "", "Start one or more created containers") \
    X(run, "", "Run a new container inside a sandbox") \
    X(ps, "", "List containers") \
    X(inspect, "", "Display the status of one or more containers") \
    X(logs, "", "Fetch the logs of a container") \
    X(stop, "", "Stop one or more running containers") \
    X(rm, "", "Remove one or more containers") \
    X(stats, "", "List container(s) resource usage statistics") \
    X(update, "", "Update one or more running containers") \
    X(exec, "", "Run a command in a running container")

typedef int (*crictl_command_fn)(crictl_ctx *ctx, int argc, char **argv);

typedef struct crictl_command {
    const char *name;
    const char *aliases;       /* comma-separated, may be "" */
    crictl_command_fn handler;
    const char *summary;
} crictl_command;

#define CRICTL_DECLARE(name, aliases, summary) int crictl_cmd_##name(crictl_ctx *ctx, int argc, char **argv);
CRICTL_COMMANDS(CRICTL_DECLARE)
#undef CRICTL_DECLARE

/* The whole program: global flags, then the command. */
int crictl_main(int argc, char **argv);

#endif
