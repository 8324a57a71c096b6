#!/usr/bin/python3
"""An independent RuntimeService client for the runtime tests: Debian's python3-grpcio plus
protoc's Python output of proto/api.proto (generated into CRI_PY_DIR at first use).

  cri_runtime.py SOCKET METHOD 'JSON request'   prints the JSON response, or
                                                 "ERROR <grpc code name>: <details>"
  cri_runtime.py SOCKET events SECONDS          prints each container event as
                                                 "<TYPE> <container id>" for SECONDS
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
        os.makedirs(out, exist_ok=True)
        subprocess.run(['protoc', '--python_out=' + out, '--proto_path=' + PROTO_DIR,
                        'api.proto'], check=True)
    sys.path.insert(0, out)
    import api_pb2  # noqa: E402
    return api_pb2


def call(socket, method, request_json):
    import grpc
    from google.protobuf import json_format
    api = load_api()
    names = {'ExecSync': ('ExecSyncRequest', 'ExecSyncResponse'),
             'Exec': ('ExecRequest', 'ExecResponse'),
             'Attach': ('AttachRequest', 'AttachResponse')}
    request_name, response_name = names.get(method, (method + 'Request', method + 'Response'))
    request_type = getattr(api, request_name)
    response_type = getattr(api, response_name)
    request = json_format.Parse(request_json or '{}', request_type())
    with grpc.insecure_channel('unix://' + socket) as channel:
        stub = channel.unary_unary('/runtime.v1.RuntimeService/' + method,
                                   request_serializer=request_type.SerializeToString,
                                   response_deserializer=response_type.FromString)
        response = stub(request, timeout=30)
    return json_format.MessageToDict(response, preserving_proto_field_name=True)


def events(socket, seconds):
    import grpc
    api = load_api()
    with grpc.insecure_channel('unix://' + socket) as channel:
        stub = channel.unary_stream('/runtime.v1.RuntimeService/GetContainerEvents',
                                    request_serializer=api.GetEventsRequest.SerializeToString,
                                    response_deserializer=api.ContainerEventResponse.FromString)
        print('SUBSCRIBED', flush=True)
        try:
            for event in stub(api.GetEventsRequest(), timeout=seconds):
                kind = api.ContainerEventType.Name(event.container_event_type)
                print(kind, event.container_id, flush=True)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                print('ERROR %s: %s' % (e.code().name, e.details()), flush=True)


def main():
    import grpc
    socket, method = sys.argv[1], sys.argv[2]
    if method == 'events':
        events(socket, float(sys.argv[3]))
        return 0
    try:
        print(json.dumps(call(socket, method, sys.argv[3] if len(sys.argv) > 3 else '{}'),
                         sort_keys=True))
    except grpc.RpcError as e:
        print('ERROR %s: %s' % (e.code().name, e.details()))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
