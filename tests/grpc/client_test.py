"""An independent CRI client (Debian's python3-grpcio) against a running wasmcrid.

usage: client_test.py SOCKET STUBS_DIR
Prints PASS/FAIL lines; the stubs were generated from proto/api.proto by run.sh."""
import concurrent.futures
import os
import socket
import sys
import time

sock_path, stubs = sys.argv[1], sys.argv[2]
sys.path.insert(0, stubs)
import grpc  # noqa: E402
import api_pb2  # noqa: E402
import api_pb2_grpc  # noqa: E402

target = "unix://" + sock_path
failures = 0


def check(name, fn):
    global failures
    try:
        why = fn()
    except Exception as e:  # a test that raises fails with the reason
        why = "%s: %s" % (type(e).__name__, e)
    if why:
        failures += 1
        print("FAIL %s: %s" % (name, str(why).replace("\n", " ")[:300]))
    else:
        print("PASS " + name)
    sys.stdout.flush()


def channel(**options):
    opts = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
    opts += list(options.items())
    return grpc.insecure_channel(target, options=opts)


def runtime(ch):
    return api_pb2_grpc.RuntimeServiceStub(ch)


def expect_code(call, code):
    try:
        call()
    except grpc.RpcError as e:
        if e.code() != code:
            return "want %s, got %s (%s)" % (code, e.code(), e.details())
        return None
    return "want %s, the call succeeded" % code


def t_version():
    with channel() as ch:
        r = runtime(ch).Version(api_pb2.VersionRequest(version="v1"), timeout=5)
    if (r.runtime_name, r.runtime_api_version, r.version) != ("wasmcri", "v1", "0.1.0"):
        return "unexpected %r" % r
    if not r.runtime_version:
        return "empty runtime_version"


def t_socket_path_authority():
    # grpc-go (crictl, critest, kubelet) sends the unix socket's path as :authority.
    with channel(**{"grpc.default_authority": sock_path}) as ch:
        r = runtime(ch).Version(api_pb2.VersionRequest(version="v1"), timeout=5)
    if r.runtime_name != "wasmcri":
        return "unexpected %r" % r


def t_status():
    with channel() as ch:
        r = runtime(ch).Status(api_pb2.StatusRequest(verbose=True), timeout=5)
    conds = {c.type: c for c in r.status.conditions}
    if not conds["RuntimeReady"].status:
        return "RuntimeReady false"
    net = conds["NetworkReady"]
    if not net.status or net.reason != "HostNetwork" or "network namespace" not in net.message:
        return "NetworkReady %r" % net
    if "config" not in r.info or sock_path not in r.info["config"]:
        return "verbose info lacks the config: %r" % dict(r.info)
    if [h.name for h in r.runtime_handlers] != ["wasm"]:
        return "handlers %r" % list(r.runtime_handlers)


def t_unimplemented():
    with channel() as ch:
        why = expect_code(lambda: runtime(ch).CheckpointContainer(
            api_pb2.CheckpointContainerRequest(container_id="x"), timeout=5),
            grpc.StatusCode.UNIMPLEMENTED)
        if why:
            return why
        try:
            runtime(ch).CheckpointContainer(api_pb2.CheckpointContainerRequest(), timeout=5)
        except grpc.RpcError as e:
            if "CheckpointContainer" not in e.details():
                return "message does not name the method: %r" % e.details()


def t_unknown_method():
    with channel() as ch:
        call = ch.unary_unary("/runtime.v1.RuntimeService/NoSuchThing",
                              request_serializer=lambda b: b, response_deserializer=lambda b: b)
        return expect_code(lambda: call(b"", timeout=5), grpc.StatusCode.UNIMPLEMENTED)


def t_concurrent():
    channels = [channel() for _ in range(5)]
    try:
        stubs_ = [runtime(ch) for ch in channels]

        def one(i):
            if i % 2:
                return stubs_[i % 5].Version(api_pb2.VersionRequest(), timeout=10).runtime_name
            return stubs_[i % 5].Status(api_pb2.StatusRequest(), timeout=10).status.conditions[0].type

        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(one, range(50)))
        bad = [r for r in results if r not in ("wasmcri", "RuntimeReady")]
        if bad:
            return "bad results %r" % bad[:3]
    finally:
        for ch in channels:
            ch.close()


def t_malformed_protobuf():
    with channel() as ch:
        call = ch.unary_unary("/runtime.v1.RuntimeService/Version",
                              request_serializer=lambda b: b, response_deserializer=lambda b: b)
        # field 1 (string) claims 100 bytes and has 2: not decodable
        why = expect_code(lambda: call(b"\x0a\x64ab", timeout=5), grpc.StatusCode.INVALID_ARGUMENT)
        if why:
            return why
        # the same connection keeps working
        r = runtime(ch).Version(api_pb2.VersionRequest(), timeout=5)
        if r.runtime_name != "wasmcri":
            return "server did not answer after a malformed message"


def dropped_after(payload):
    """Sends payload on a new connection: True when the server closes it (within 5 s)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    s.sendall(payload)
    dropped = False
    try:
        while True:
            data = s.recv(65536)
            if not data:
                dropped = True
                break
    except (ConnectionResetError, BrokenPipeError):
        dropped = True
    except socket.timeout:
        pass
    s.close()
    return dropped


def t_garbage_connection():
    if not dropped_after(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + os.urandom(4096)):
        return "the server kept the connection open after garbage"
    with channel() as ch:
        if runtime(ch).Version(api_pb2.VersionRequest(), timeout=5).runtime_name != "wasmcri":
            return "server did not answer after garbage on another connection"


def t_broken_frames_after_preface():
    # A valid client preface, then a frame with a bad type/length: a connection error.
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    settings = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
    # HEADERS on stream 0 is a PROTOCOL_ERROR
    bad = b"\x00\x00\x05\x01\x04\x00\x00\x00\x00" + b"\x00" * 5
    if not dropped_after(preface + settings + bad):
        return "connection not dropped after a broken frame"
    with channel() as ch:
        runtime(ch).Version(api_pb2.VersionRequest(), timeout=5)


def t_too_large():
    with channel() as ch:
        big = api_pb2.VersionRequest(version="x" * (17 * 1024 * 1024))
        why = expect_code(lambda: runtime(ch).Version(big, timeout=30),
                          grpc.StatusCode.RESOURCE_EXHAUSTED)
        if why:
            return why
        if runtime(ch).Version(api_pb2.VersionRequest(), timeout=5).runtime_name != "wasmcri":
            return "no answer after the oversize message"


def t_large_ok():
    # 15 MiB is under the limit: it must go through (flow control over a big upload)
    with channel() as ch:
        big = api_pb2.VersionRequest(version="y" * (15 * 1024 * 1024))
        r = runtime(ch).Version(big, timeout=30)
        if r.runtime_name != "wasmcri":
            return "bad answer"


def t_compressed():
    with channel() as ch:
        return expect_code(lambda: runtime(ch).Version(
            api_pb2.VersionRequest(version="v" * 1000), timeout=5,
            compression=grpc.Compression.Gzip), grpc.StatusCode.UNIMPLEMENTED)


def t_keepalive_ping():
    # grpc-core sends HTTP/2 PINGs with keepalive; an unanswered ping would close the channel.
    with channel(**{"grpc.keepalive_time_ms": 200, "grpc.keepalive_timeout_ms": 1000,
                    "grpc.keepalive_permit_without_calls": 1,
                    "grpc.http2.max_pings_without_data": 0}) as ch:
        stub = runtime(ch)
        stub.Version(api_pb2.VersionRequest(), timeout=5)
        time.sleep(1.5)
        stub.Version(api_pb2.VersionRequest(), timeout=5)


def t_image_service_routed():
    with channel() as ch:
        stub = api_pb2_grpc.ImageServiceStub(ch)
        try:
            stub.ImageFsInfo(api_pb2.ImageFsInfoRequest(), timeout=5)
        except grpc.RpcError as e:
            if e.code() not in (grpc.StatusCode.UNIMPLEMENTED,):
                return "ImageFsInfo: %s %s" % (e.code(), e.details())


for name, fn in [
    ("py-version", t_version),
    ("py-socket-path-authority", t_socket_path_authority),
    ("py-status", t_status),
    ("py-unimplemented", t_unimplemented),
    ("py-unknown-method", t_unknown_method),
    ("py-50-concurrent-calls-5-channels", t_concurrent),
    ("py-malformed-protobuf-invalid-argument", t_malformed_protobuf),
    ("py-garbage-bytes-drop-connection", t_garbage_connection),
    ("py-broken-http2-frame-drop-connection", t_broken_frames_after_preface),
    ("py-17mib-resource-exhausted", t_too_large),
    ("py-15mib-accepted", t_large_ok),
    ("py-compressed-unimplemented", t_compressed),
    ("py-keepalive-ping", t_keepalive_ping),
    ("py-image-service-routed", t_image_service_routed),
]:
    check(name, fn)
sys.exit(1 if failures else 0)
