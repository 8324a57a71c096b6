/* shim.h - the per-instance supervisor, the body of the wasmcri-shim program.
 *
 * Runs the instance described by a spec (rt_instance_spec) in this process: the module under WASI with the
 * spec's argv, env and preopens; its stdout and stderr go through pipes to a log thread that
 * writes the CRI log (so a fast writer never waits on the daemon). Signals: SIGUSR1 reopens
 * the log; SIGTERM, SIGINT, SIGHUP, SIGQUIT and SIGUSR2 interrupt the module, which ends with
 * 128 + signal. The end is recorded atomically in DIR/exit (rt_exit_status) before exiting.
 * Memory cap hit then trap (or instantiation refused) -> 137, reason OOMKilled.
 * RT_SHIM_MEMORY_SIGNAL, queued (sigqueue / pidfd_send_signal, si_code SI_QUEUE) with the new
 * cap in pages as its value (1..65536), changes the memory cap of the running instance at once
 * (UpdateContainerResources): lowering it refuses further growth, it never shrinks memory. A
 * real-time signal, so updates queue in order and none is lost, nor coalesced with a reopen;
 * a pid is all it needs, so a restarted daemon reaches the shims it reattached to. The daemon
 * spawns shims with it and SIGUSR1 blocked, so one that comes before the handlers are
 * installed waits for them instead of killing the shim. */
#ifndef WASMCRI_RUNTIME_SHIM_H
#define WASMCRI_RUNTIME_SHIM_H

#include <signal.h>

#define RT_SHIM_MEMORY_SIGNAL (SIGRTMIN + 2)

/* Returns the process exit code (the instance's). */
int rt_shim_run(const char *dir);
/* The way wasmcrid starts shims: ahead of need, reading "DIR\n" and the spec text from stdin
 * (a socket) until EOF; DIR is created. EOF before any byte: exits 0 without running. */
int rt_shim_run_stdin(void);

#endif
