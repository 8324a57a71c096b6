#!/usr/bin/python3
"""An HTTP server that trickles a file: 64 KiB every DELAY seconds, where DELAY comes from the
first path component (/0.02/name.wasm). Logs each GET to stderr, so a test can count downloads.

  slow_http.py PORT FILE
"""
import http.server
import sys
import time

DATA = open(sys.argv[2], 'rb').read()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write('slow-http: ' + fmt % args + '\n')
        sys.stderr.flush()

    def do_GET(self):
        try:
            delay = float(self.path.split('/')[1])
        except ValueError:
            delay = 0
        self.send_response(200)
        self.send_header('Content-Length', str(len(DATA)))
        self.end_headers()
        try:
            for i in range(0, len(DATA), 65536):
                self.wfile.write(DATA[i:i + 65536])
                self.wfile.flush()
                time.sleep(delay)
        except (BrokenPipeError, ConnectionResetError):
            pass


http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Handler).serve_forever()
