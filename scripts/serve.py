#!/usr/bin/env python3
"""Serves a folder (dist/www/ by default) on localhost the way the
playground is meant to be served: `.wasm` as application/wasm (which
WebAssembly.instantiateStreaming requires), and the strict
Content-Security-Policy the pages must work under, on every response.

    python3 scripts/serve.py [--port N] [--dir DIR]
"""

import argparse
import functools
import http.server
import sys

# No 'unsafe-inline', no 'unsafe-eval': WebAssembly needs only
# 'wasm-unsafe-eval'.
CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'"


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".css": "text/css",
        ".svg": "image/svg+xml",
        ".json": "application/json",
    }

    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        # A rebuilt playground is what the next reload shows.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        if self.server.quiet:
            return
        super().log_message(format, *args)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--dir", default="dist/www")
    p.add_argument("--quiet", action="store_true", help="no request log")
    args = p.parse_args()
    handler = functools.partial(Handler, directory=args.dir)
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    except OSError as e:
        sys.exit(f"serve: cannot listen on 127.0.0.1:{args.port}: {e.strerror} (set PORT to another port)")
    server.quiet = args.quiet
    print(f"serving {args.dir}/ on http://localhost:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
