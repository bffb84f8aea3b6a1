"""A WSGI test app for zoo-dev's worker, FastCGI client and proxy tests (stdlib only).

Callables: `application` (plain) and `validated` (the same app inside wsgiref.validate.validator;
every route below passes it except /echo?mode=all|lines|iter|readlines, which use read()
without a size, and /exc_info?late=1).

Routes (matched on PATH_INFO; every response has a Content-Type):
  /echo[?mode=chunks|all|lines|iter|readlines]
                      200, the request body back (read in 64 KiB read(n) calls, or with read(),
                      readline(), iteration or readlines()); X-Method, X-Query and
                      X-Content-Length say what arrived; Content-Type is the request's
  /env, /env/ANY      200 JSON of the environ's str values plus wsgi.url_scheme, wsgi.multithread,
                      wsgi.multiprocess, wsgi.run_once, wsgi.input_terminated, wsgi.version
  /stream?n=N&gate=input
                      N chunks "chunk I\n" (default 5), each yielded (flushed) separately; with
                      gate=input the app reads the request body to its end after chunk 0 and
                      only then yields the rest: a test holds the stream open by not ending the
                      body, and releases it by ending it (no sleeps)
  /sse?n=N&gate=input text/event-stream, N events "data: event I\n\n", gated like /stream
  /upload             reads the body in 64 KiB chunks, answers "bytes=N sha256=HEX"
  /download?size=N&chunk=K
                      N bytes (default 1 MiB), byte I = I % 251, in chunks of K (default 65536),
                      with Content-Length
  /big-header?size=N  a response header X-Big of N "x" characters (default 8192)
  /error[?after=1]    raises RuntimeError("boom") before start_response (a 500), or after the
                      first chunk "partial\n" (the response just ends)
  /exc_info[?late=1]  start_response(200), raise, then start_response(500, exc_info) and body
                      "handled: ValueError"; late=1 sends chunk "early\n" first, so the second
                      start_response re-raises and the response just ends
  /write              write(b"one "), write(b"two "), then returns [b"three"]: "one two three"
  /close-check?id=X[&gate=input][&fail=1]
                      "closing X\n" from an iterable whose close() records X (fail=1 raises after
                      the first chunk; gate=input waits for the body's end after it)
  /closed?id=X        "yes" or "no": was close() called for X (in this process, or in any
                      process when TESTAPP_STATE_DIR names a folder: a file closed-X is made there);
                      close() also prints "testapp: closed X" to the process's stderr
  /file               this file's bytes through wsgi.file_wrapper
  /stderr?n=N         writes N lines "stderr line I" to wsgi.errors, answers "ok"
  /slow?ms=M&n=N      N chunks "tick I\n" (default 3) with M ms (default 100) between them
  /status?code=C      an empty response with status C (default 204)
  anything else       404 "not found: PATH"
"""

import hashlib
import json
import os
import sys
import time
from urllib.parse import parse_qs
from wsgiref.validate import validator

_closed = set()


def _query(environ):
    return {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


def _text(start_response, body, status="200 OK", ctype="text/plain; charset=utf-8", extra=()):
    if isinstance(body, str):
        body = body.encode("utf-8")
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))]
                   + list(extra))
    return [body]


def _read_all(stream, size=65536):
    while True:
        chunk = stream.read(size)
        if not chunk:
            return
        yield chunk


def echo(environ, start_response, q):
    stream = environ["wsgi.input"]
    mode = q.get("mode", "chunks")
    if mode == "all":
        body = stream.read()
    elif mode == "lines":
        body = b"".join(iter(stream.readline, b""))
    elif mode == "iter":
        body = b"".join(line for line in stream)
    elif mode == "readlines":
        body = b"".join(stream.readlines())
    else:
        body = b"".join(_read_all(stream))
    extra = [("X-Method", environ["REQUEST_METHOD"]), ("X-Query", environ.get("QUERY_STRING", "")),
             ("X-Content-Length", environ.get("CONTENT_LENGTH", ""))]
    ctype = environ.get("CONTENT_TYPE") or "application/octet-stream"
    return _text(start_response, body, ctype=ctype, extra=extra)


def env(environ, start_response, q):
    out = {k: v for k, v in environ.items() if isinstance(v, str)}
    for k in ("wsgi.url_scheme", "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once",
              "wsgi.input_terminated", "wsgi.version"):
        out[k] = environ.get(k)
    return _text(start_response, json.dumps(out, sort_keys=True), ctype="application/json")


def _gated(environ, q, first, rest):
    yield first
    if q.get("gate") == "input":
        for _ in _read_all(environ["wsgi.input"]):
            pass
    for chunk in rest:
        yield chunk


def stream(environ, start_response, q):
    n = int(q.get("n", "5"))
    chunks = [("chunk %d\n" % i).encode() for i in range(n)]
    headers = [("Content-Type", "text/plain; charset=utf-8")]
    if q.get("length") == "first":    # an app that promises less than it sends
        headers.append(("Content-Length", str(len(chunks[0]))))
    elif q.get("length"):    # a body of known length still streams chunk by chunk
        headers.append(("Content-Length", str(sum(map(len, chunks)))))
    start_response("200 OK", headers)
    return _gated(environ, q, chunks[0], chunks[1:]) if chunks else []


def sse(environ, start_response, q):
    n = int(q.get("n", "3"))
    start_response("200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")])
    events = [("data: event %d\n\n" % i).encode() for i in range(n)]
    return _gated(environ, q, events[0], events[1:]) if events else []


def upload(environ, start_response, q):
    digest, total = hashlib.sha256(), 0
    for chunk in _read_all(environ["wsgi.input"]):
        digest.update(chunk)
        total += len(chunk)
    return _text(start_response, "bytes=%d sha256=%s" % (total, digest.hexdigest()))


def download(environ, start_response, q):
    size, step = int(q.get("size", str(1 << 20))), int(q.get("chunk", "65536"))
    pattern = bytes(i % 251 for i in range(251)) * (step // 251 + 2)
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(size))])

    def body():
        for off in range(0, size, step):
            start = off % 251
            yield pattern[start:start + min(step, size - off)]
    return body()


def big_header(environ, start_response, q):
    return _text(start_response, "big\n", extra=[("X-Big", "x" * int(q.get("size", "8192")))])


def error(environ, start_response, q):
    if q.get("after") != "1":
        raise RuntimeError("boom")
    start_response("200 OK", [("Content-Type", "text/plain")])

    def body():
        yield b"partial\n"
        raise RuntimeError("boom after the headers")
    return body()


def exc_info(environ, start_response, q):
    late = q.get("late") == "1"
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    if late:
        write(b"early\n")
    try:
        raise ValueError("on purpose")
    except ValueError:
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")],
                       sys.exc_info())
    return [b"handled: ValueError"]


def write_route(environ, start_response, q):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"one ")
    write(b"two ")
    return [b"three"]


class _CloseCheck:
    def __init__(self, environ, q):
        self.environ, self.q = environ, q
        self.id = q.get("id", "anon")

    def __iter__(self):
        yield ("closing %s\n" % self.id).encode()
        if self.q.get("fail") == "1":
            raise RuntimeError("fail before close")
        if self.q.get("gate") == "input":
            for _ in _read_all(self.environ["wsgi.input"]):
                pass
        yield b"done\n"

    def close(self):
        _closed.add(self.id)
        sys.stderr.write("testapp: closed %s\n" % self.id)
        sys.stderr.flush()
        state = os.environ.get("TESTAPP_STATE_DIR")
        if state:
            open(os.path.join(state, "closed-" + self.id), "w").close()


def close_check(environ, start_response, q):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return _CloseCheck(environ, q)


def closed(environ, start_response, q):
    cid = q.get("id", "anon")
    state = os.environ.get("TESTAPP_STATE_DIR")
    yes = cid in _closed or bool(state and os.path.exists(os.path.join(state, "closed-" + cid)))
    return _text(start_response, "yes" if yes else "no")


def file_route(environ, start_response, q):
    start_response("200 OK", [("Content-Type", "text/x-python")])
    return environ["wsgi.file_wrapper"](open(__file__, "rb"), 4096)


def stderr(environ, start_response, q):
    errors = environ["wsgi.errors"]
    for i in range(int(q.get("n", "1"))):
        errors.write("stderr line %d\n" % i)
    errors.flush()
    return _text(start_response, "ok")


def slow(environ, start_response, q):
    ms, n = int(q.get("ms", "100")), int(q.get("n", "3"))
    start_response("200 OK", [("Content-Type", "text/plain")])

    def body():
        for i in range(n):
            if i:
                time.sleep(ms / 1000.0)
            yield ("tick %d\n" % i).encode()
    return body()


def status(environ, start_response, q):
    code = q.get("code", "204")
    start_response(code + " Status", [("Content-Type", "text/plain")])
    return []


ROUTES = {
    "/echo": echo, "/env": env, "/stream": stream, "/sse": sse, "/upload": upload,
    "/download": download, "/big-header": big_header, "/error": error, "/exc_info": exc_info,
    "/write": write_route, "/close-check": close_check, "/closed": closed, "/file": file_route,
    "/stderr": stderr, "/slow": slow, "/status": status,
}


def application(environ, start_response):
    path = environ.get("PATH_INFO", "") or "/"
    handler = ROUTES.get(path) or (env if path.startswith("/env/") else None)
    if handler is None:
        return _text(start_response, "not found: " + path, status="404 Not Found")
    return handler(environ, start_response, _query(environ))


validated = validator(application)
