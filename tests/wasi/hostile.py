#!/usr/bin/env python3
"""Writes hostile modules into the directory given as argv[1], as raw bytes: they are either
malformed on purpose or too large to write as text. Each must end in a clean error or trap."""
import os
import sys

out = sys.argv[1]
MAGIC = b"\0asm\x01\0\0\0"


def leb(n):
    b = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            b.append(byte | 0x80)
        else:
            b.append(byte)
            return bytes(b)


def section(sid, payload):
    return bytes([sid]) + leb(len(payload)) + payload


def name(s):
    return leb(len(s)) + s.encode()


def module_with_start(body, locals_decl=b"\0"):
    """One func () -> () exported as _start, with the given local declarations and body."""
    types = section(1, leb(1) + b"\x60\0\0")
    funcs = section(3, leb(1) + leb(0))
    exports = section(7, leb(1) + name("_start") + b"\0" + leb(0))
    code_body = locals_decl + body + b"\x0b"
    code = section(10, leb(1) + leb(len(code_body)) + code_body)
    return MAGIC + types + funcs + exports + code


def write(filename, data):
    with open(os.path.join(out, filename), "wb") as f:
        f.write(data)


write("empty.wasm", b"")
write("not_wasm.wasm", b"#!/bin/sh\necho hello\n")
# A type section announcing 4 billion types in a 6-byte payload.
write("huge_type_count.wasm", MAGIC + section(1, leb(0xFFFFFFFF)))
# A function section announcing 4 billion functions.
write("huge_func_count.wasm", MAGIC + section(1, leb(1) + b"\x60\0\0") + section(3, leb(0xFFFFFFFF) + b"\0"))
# A section whose declared size runs far past the end of the file.
write("huge_section_size.wasm", MAGIC + bytes([1]) + leb(0x7FFFFFFF) + b"\x01")
# A data segment claiming 4 GiB of bytes.
write("huge_data_length.wasm", MAGIC + section(5, leb(1) + b"\0" + leb(1))
      + section(11, leb(1) + b"\0\x41\0\x0b" + leb(0xFFFFFFF0) + b"abc"))
# A local declaration of 4 billion locals.
write("huge_local_count.wasm", module_with_start(b"", leb(1) + leb(0xFFFFFFFF) + b"\x7f"))
# 100,000 i32 locals in one function: valid, and a frame that big must not hurt the host.
write("many_locals.wasm", module_with_start(b"", leb(1) + leb(100000) + b"\x7f"))
# 100,000 nested blocks: valid; a recursive decoder or validator would blow the host stack.
depth = 100000
write("deep_nesting.wasm", module_with_start(b"\x02\x40" * depth + b"\x0b" * depth))
# The same nesting, never closed: malformed.
write("deep_nesting_unclosed.wasm", module_with_start(b"\x02\x40" * depth))
