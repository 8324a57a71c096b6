/* args.c - args_* and environ_*: NUL-terminated strings packed into one guest buffer, with an
 * array of guest pointers to them. */
#include "wasi/host.h"

static uint32_t sizes_get(wasi_call *call, char **strings, size_t count, uint32_t count_ptr,
                          uint32_t size_ptr)
{
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += strlen(strings[i]) + 1;
    if (count > UINT32_MAX || total > UINT32_MAX)
        return WASI_EOVERFLOW;
    if (!wasi_store_u32(call, count_ptr, (uint32_t)count)
        || !wasi_store_u32(call, size_ptr, (uint32_t)total))
        return WASI_EFAULT;
    return WASI_ESUCCESS;
}

static uint32_t strings_get(wasi_call *call, char **strings, size_t count, uint32_t array_ptr,
                            uint32_t buf_ptr)
{
    uint64_t offset = buf_ptr;
    for (size_t i = 0; i < count; i++) {
        size_t size = strlen(strings[i]) + 1;
        uint64_t slot = (uint64_t)array_ptr + (uint64_t)i * 4;
        uint8_t *dest = offset <= UINT32_MAX ? wasi_guest(call, (uint32_t)offset, size) : NULL;
        if (dest == NULL || slot > UINT32_MAX
            || !wasi_store_u32(call, (uint32_t)slot, (uint32_t)offset))
            return WASI_EFAULT;
        memcpy(dest, strings[i], size);
        offset += size;
    }
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_args_sizes_get)
{
    return sizes_get(call, call->ctx->args, call->ctx->arg_count, ARG32(0), ARG32(1));
}

WASI_HANDLER(wasi_args_get)
{
    return strings_get(call, call->ctx->args, call->ctx->arg_count, ARG32(0), ARG32(1));
}

WASI_HANDLER(wasi_environ_sizes_get)
{
    return sizes_get(call, call->ctx->env, call->ctx->env_count, ARG32(0), ARG32(1));
}

WASI_HANDLER(wasi_environ_get)
{
    return strings_get(call, call->ctx->env, call->ctx->env_count, ARG32(0), ARG32(1));
}
