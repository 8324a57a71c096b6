#!/usr/bin/python3
"""A registry that demands a bearer token, as Docker Hub and GHCR do: 401 with a
`WWW-Authenticate: Bearer realm=...,service=...,scope=...` challenge, a token endpoint (which
itself wants basic auth USER:PASS, or an OAuth2 POST with refresh token "refresh-PASS"), then
manifests and blobs from an OCI layout directory.
With --corrupt it needs no token and serves every blob with one byte changed (a registry or
proxy that lies: the client must notice by the digest).

With --oversize it serves every blob with 1 MiB more than the manifest declares.

  bearer_registry.py PORT LAYOUT_DIR USER:PASS [--corrupt | --oversize]
"""
import base64
import http.server
import json
import os
import sys

PORT = int(sys.argv[1])
LAYOUT = sys.argv[2]
CREDS = sys.argv[3]
CORRUPT = '--corrupt' in sys.argv
OVERSIZE = '--oversize' in sys.argv
TOKEN = 'tok-' + base64.b16encode(os.urandom(8)).decode()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write('bearer-registry: ' + fmt % args + '\n')

    def send(self, code, body=b'', headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        """OAuth2 refresh-token grant: refresh_token must be "refresh-" + the password."""
        import urllib.parse
        length = int(self.headers.get('Content-Length', '0'))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        if (self.path.startswith('/token') and form.get('grant_type') == ['refresh_token'] and
                form.get('refresh_token') == ['refresh-' + CREDS.split(':', 1)[-1]]):
            return self.send(200, json.dumps({'access_token': TOKEN}).encode(),
                             {'Content-Type': 'application/json'})
        return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')

    def do_GET(self):
        if self.path.startswith('/token'):
            expected = 'Basic ' + base64.b64encode(CREDS.encode()).decode()
            if self.headers.get('Authorization') != expected:
                return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
            return self.send(200, json.dumps({'token': TOKEN}).encode(),
                             {'Content-Type': 'application/json'})
        if not CORRUPT and not OVERSIZE and self.headers.get('Authorization') != 'Bearer ' + TOKEN:
            parts = self.path.split('/')
            name = '/'.join(parts[2:-2]) if len(parts) > 4 else 'x'
            challenge = ('Bearer realm="http://127.0.0.1:%d/token",service="fake",'
                         'scope="repository:%s:pull"' % (PORT, name))
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                             {'WWW-Authenticate': challenge})
        parts = self.path.split('/')
        kind, ref = parts[-2], parts[-1]
        if kind == 'manifests' and not ref.startswith('sha256:'):
            index = json.load(open(os.path.join(LAYOUT, 'index.json')))
            ref = index['manifests'][0]['digest']
        path = os.path.join(LAYOUT, 'blobs', 'sha256', ref.split(':', 1)[-1])
        if not os.path.exists(path):
            return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
        body = open(path, 'rb').read()
        headers = {'Docker-Content-Digest': ref}
        if kind == 'manifests':
            headers['Content-Type'] = json.loads(body)['mediaType']
        elif CORRUPT:
            body = body[:-1] + bytes([body[-1] ^ 1])
        elif OVERSIZE:
            body = body + b'\0' * (1 << 20)
        return self.send(200, body, headers)


http.server.ThreadingHTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
