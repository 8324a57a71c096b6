#!/usr/bin/python3
"""An independent CRI client for the image tests: Debian's python3-grpcio plus protoc's Python
output of proto/api.proto (generated into a temp dir at first use).

  cri.py SOCKET METHOD 'JSON request'      prints the JSON response, or
                                            "ERROR <grpc code name>: <details>" and exits 1
  cri.py SOCKET METHOD --raw HEX            sends HEX as the request body, unchecked
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, '..', '..', 'proto')


def load_api():
    out = os.environ.get('CRI_PY_DIR') or tempfile.mkdtemp(prefix='cri-py-')
    if not os.path.exists(os.path.join(out, 'api_pb2.py')):
        subprocess.run(['protoc', '--python_out=' + out, '--proto_path=' + PROTO_DIR, 'api.proto'],
                       check=True)
    sys.path.insert(0, out)
    import api_pb2  # noqa: E402
    return api_pb2


SERVICES = {
    'PullImage': 'ImageService', 'ImageStatus': 'ImageService', 'ListImages': 'ImageService',
    'RemoveImage': 'ImageService', 'ImageFsInfo': 'ImageService',
    'Version': 'RuntimeService', 'Status': 'RuntimeService',
}


def call(socket, method, request_json, timeout=60, raw=None):
    import grpc
    from google.protobuf import json_format
    api = load_api()
    request_type = getattr(api, method + 'Request')
    response_type = getattr(api, method + 'Response')
    if raw is not None:
        request = raw
        request_type = type('Raw', (), {'SerializeToString': staticmethod(lambda b: b)})
    else:
        request = json_format.Parse(request_json or '{}', request_type())
    channel = grpc.insecure_channel('unix://' + socket)
    stub = channel.unary_unary('/runtime.v1.%s/%s' % (SERVICES[method], method),
                               request_serializer=request_type.SerializeToString,
                               response_deserializer=response_type.FromString)
    try:
        response = stub(request, timeout=timeout)
    finally:
        channel.close()
    return json_format.MessageToDict(response, preserving_proto_field_name=True)


def main():
    import grpc
    socket, method = sys.argv[1], sys.argv[2]
    request_json = sys.argv[3] if len(sys.argv) > 3 else '{}'
    raw = bytes.fromhex(sys.argv[4]) if request_json == '--raw' else None
    try:
        print(json.dumps(call(socket, method, request_json, raw=raw), sort_keys=True))
    except grpc.RpcError as e:
        print('ERROR %s: %s' % (e.code().name, e.details()))
        sys.exit(1)


if __name__ == '__main__':
    main()
