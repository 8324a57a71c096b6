/* commands.h - the subcommands of build/wasmcri, one file each (argv[0] is the subcommand). */
#ifndef WASMCRI_CMD_COMMANDS_H
#define WASMCRI_CMD_COMMANDS_H

int wasmcri_run_command(int argc, char **argv);       /* wasmcri_run.c */
int wasmcri_spectest_command(int argc, char **argv);  /* wasmcri_spectest.c */
int wasmcri_validate_command(int argc, char **argv);  /* wasmcri_validate.c */

#endif
