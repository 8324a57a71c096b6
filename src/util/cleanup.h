/* cleanup.h - release resources by scope, as crun does.
 *
 *   cleanup_free char *path = NULL;      freed at scope exit
 *   cleanup_close int fd = -1;           closed at scope exit (when >= 0)
 *   return steal_pointer(&path);         ownership leaves the scope explicitly
 */
#ifndef WASMCRI_UTIL_CLEANUP_H
#define WASMCRI_UTIL_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

static inline void wc_cleanup_free(void *p) { free(*(void **)p); }
static inline void wc_cleanup_close(int *fd) { if (*fd >= 0) close(*fd); }
static inline void wc_cleanup_fclose(FILE **f) { if (*f != NULL) fclose(*f); }
static inline void wc_cleanup_closedir(DIR **d) { if (*d != NULL) closedir(*d); }

#define cleanup_free __attribute__((cleanup(wc_cleanup_free)))
#define cleanup_close __attribute__((cleanup(wc_cleanup_close)))
#define cleanup_fclose __attribute__((cleanup(wc_cleanup_fclose)))
#define cleanup_closedir __attribute__((cleanup(wc_cleanup_closedir)))

/* Returns *pp and leaves NULL behind, so a cleanup attribute no longer frees it. */
static inline void *wc_steal_pointer(void *pp)
{
    void **slot = (void **)pp;
    void *value = *slot;
    *slot = NULL;
    return value;
}
#define steal_pointer(pp) wc_steal_pointer(pp)

/* Returns *fdp and leaves -1 behind. */
static inline int steal_fd(int *fdp)
{
    int fd = *fdp;
    *fdp = -1;
    return fd;
}

#endif
