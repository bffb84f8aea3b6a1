#!/usr/bin/env python3
"""zoo-dev's FastCGI WSGI worker: one stdlib-only file, Python >= 3.8.

Serves one WSGI application (PEP 3333) as a FastCGI 1.0 responder. zoo-dev embeds this file
and starts it like this (a contract: keep it):

  python3 -u worker.py (--app MODULE:ATTR | --app MODULE.ATTR | --app MODULE:FACTORY()
                        | --django SETTINGS_MODULE)    FACTORY() is called once, with no arguments
      [--root DIR]       put DIR at sys.path[0] and chdir there (default: the current folder)
      --bind unix:/path/to/sock | tcp:127.0.0.1:PORT    (PORT 0 picks a free port)
      [--threads N]      requests served at once (default 4); more wait their turn
      [--max-conns N]    connections open at once (default 64), idle kept ones included; more
                         wait in the listen backlog. An idle kept connection holds no request
                         thread, so a web server that keeps more connections than --threads
                         (nginx `keepalive`) never starves the others
      [--status-fd N]    a pipe to the parent; one JSON line, then the fd is closed:
                         {"event":"ready","pid":P,"bind":"unix:/...","modules":[...]}  app imported,
                         listening; modules: the libraries loaded (not the app's code), to preload
                         {"event":"import_error","pid":P,"traceback":"..."}   then exit 3
                         {"event":"bind_error","pid":P,"error":"..."}   then exit 4
      [--status-stdout]  the same line on stdout instead, after the prefix "zoo-dev-status: "
                         (every OS has stdout; fd 3 is a unix idea). stdout stays open
      [--lifeline]       stdin is a pipe from the parent: a line "stop" stops the worker as
                         SIGTERM does; EOF ends it at once (the parent is gone)
      [--preload-file F] import the modules listed in F (one a line) before anything else
      [--hold]           then wait for a line "go" on stdin before importing the app (a spare)

Environment: ZOO_DEV_TOKEN, when set, is a secret every request must carry as its ZOO_DEV_TOKEN
param (compared in constant time); any other request is answered 403 without running the app and
logged on stderr. The variable is removed from os.environ and the param from the WSGI environ, so
the app and the processes it starts never see it. It guards a TCP port against other local users.

Signals: SIGTERM or SIGINT stop accepting, let in-flight requests finish (up to 10 s) and exit 0;
a second signal exits at once. SIGUSR1 prints every thread's stack to stderr (not on Windows). The
unix socket file is removed on exit.

Requests: one at a time per connection (FCGI_MPXS_CONNS=0), FCGI_KEEP_CONN honoured,
FCGI_GET_VALUES answered (FCGI_MAX_CONNS = --max-conns, FCGI_MAX_REQS = --threads),
FCGI_ABORT_REQUEST or a closed connection stops the app at its next read of the body or its
next chunk; a request without a body runs on the connection's reader thread, so it sees a closed
connection at its next chunk and an ABORT_REQUEST only once it ended. The request body streams into
wsgi.input through a bounded buffer; each WSGI chunk is sent as soon as it is produced;
wsgi.errors lines go back as FCGI_STDERR records of the request. An exception in the app before
its response started gives a 500: for Accept: text/html an exception page (type and message, the
app's frames with their source, library frames folded, this file's frames never), else one text
line; the worker's stderr gets the traceback as one block whose first line is the app's FILE:LINE.
After the headers were sent an exception just ends the response.

Django: when the app is Django's handler, DEBUG is on and django.contrib.staticfiles is installed,
static files are served as runserver does. An import failure names the interpreter.
"""

import argparse
import faulthandler
import hmac
import importlib
import json
import os
import selectors
import signal
import socket
import stat
import struct
import sys
import threading
import time
import traceback
from collections import deque
from urllib.parse import unquote_to_bytes

# Record types and constants of FastCGI 1.0.
BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR, DATA = range(1, 9)
GET_VALUES, GET_VALUES_RESULT, UNKNOWN_TYPE = 9, 10, 11
RESPONDER, KEEP_CONN = 1, 1
REQUEST_COMPLETE, CANT_MPX_CONN, OVERLOADED, UNKNOWN_ROLE = 0, 1, 2, 3
HEADER = struct.Struct("!BBHHBx")
LENGTH = struct.Struct("!I")    # a long name or value length (high bit set)
LONG = 0x7FFFFFFF                # its value bits
MAX_CHUNK = 65528          # largest content length that needs no padding (a multiple of 8)
INPUT_LIMIT = 256 * 1024   # bytes of request body buffered between the reader and the app
PARAMS_LIMIT = 1 << 20     # a bigger PARAMS stream closes the connection
DRAIN_SECONDS = 10.0       # how long SIGTERM waits for in-flight requests
LINGER_SECONDS = 5.0       # how long a closing connection discards a body the app did not read
TOKEN_NAME = "ZOO_DEV_TOKEN"    # the secret's environment variable and FastCGI param
STATUS_PREFIX = b"zoo-dev-status: "


def log(msg, stream=None):
    """Write one line of the worker's own news: to stderr, or to stream (note() uses stdout)."""
    stream = stream or sys.stderr
    try:
        stream.write("zoo-worker[%d]: %s\n" % (os.getpid(), msg))
        stream.flush()
    except Exception:
        pass


def note(msg):
    """Write one line of routine news (not an error) to the worker's stdout."""
    log(msg, sys.stdout)


def record(rtype, req_id, content=b""):
    """Encode one record, padded to a multiple of 8 bytes."""
    pad = -len(content) & 7
    return HEADER.pack(1, rtype, req_id, len(content), pad) + content + b"\0" * pad


def stream_records(rtype, req_id, data):
    """Encode data as records of at most MAX_CHUNK bytes (no empty record)."""
    if len(data) <= MAX_CHUNK:
        return record(rtype, req_id, bytes(data))
    view = memoryview(data)
    return b"".join(record(rtype, req_id, bytes(view[i:i + MAX_CHUNK]))
                    for i in range(0, len(view), MAX_CHUNK))


def end_request(req_id, app_status=0, proto=REQUEST_COMPLETE):
    return record(END_REQUEST, req_id, struct.pack("!IB3x", app_status, proto))


def encode_pairs(pairs):
    out = bytearray()
    for name, value in pairs:
        for n in (len(name), len(value)):
            out += bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)
        out += name + value
    return bytes(out)


def decode_params(data):
    """Decode FastCGI name-value pairs into a dict of native strings (latin-1, as PEP 3333
    asks). The whole buffer is decoded once: latin-1 maps each byte to one character, so
    the byte offsets of the lengths are the offsets of the strings too."""
    data = bytes(data)
    text = data.decode("latin-1")
    params, pos, end = {}, 0, len(data)
    length = LENGTH.unpack_from
    try:
        while pos < end:
            # A length is one byte, or four with the high bit set. Written out twice on purpose:
            # a helper or a conditional tuple costs 1.5 µs more on a browser's 19 params.
            n = data[pos]
            if n < 128:
                pos += 1
            else:
                n, pos = length(data, pos)[0] & LONG, pos + 4
            v = data[pos]
            if v < 128:
                pos += 1
            else:
                v, pos = length(data, pos)[0] & LONG, pos + 4
            mid, pos = pos + n, pos + n + v
            if pos > end:
                raise ValueError("truncated name-value pair")
            params[text[mid - n:mid]] = text[mid:pos]
    except (IndexError, struct.error):
        raise ValueError("truncated name-value pair") from None
    return params


class ClientGone(OSError):
    """The web server went away or aborted the request."""


class Input:
    """wsgi.input: the request body, fed by the connection's reader through a bounded buffer.

    Reads never block past the end of the body (the empty STDIN record); read() with no size
    returns the rest. An aborted request raises ClientGone from every read.
    """

    def __init__(self):
        self._buf = bytearray()
        self._cond = threading.Condition(threading.Lock())
        self._eof = False
        self._gone = False    # aborted or finished: reads fail, feeds are dropped

    # The reader's side.
    def feed(self, data):
        with self._cond:
            while len(self._buf) >= INPUT_LIMIT and not self._gone:
                self._cond.wait()
            if not self._gone and not self._eof:
                self._buf += data
                self._cond.notify_all()

    @property
    def complete(self):
        """True once the whole body arrived (the empty STDIN record)."""
        return self._eof

    def finish(self):
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def close(self):
        """Drop the buffer and release a blocked feeder (request over or aborted)."""
        with self._cond:
            self._gone = True
            self._buf = bytearray()
            self._cond.notify_all()

    # The app's side.
    def _take(self, limit, line=False):
        """Up to limit bytes (or one line) once any are buffered; b"" at the end of the body."""
        with self._cond:
            while not self._buf and not self._eof and not self._gone:
                self._cond.wait()
            if self._gone:
                raise ClientGone("request aborted")
            n = len(self._buf) if limit < 0 else min(limit, len(self._buf))
            if line:
                nl = self._buf.find(b"\n", 0, n)
                if nl >= 0:
                    n = nl + 1
            chunk = bytes(self._buf[:n])
            del self._buf[:n]
            self._cond.notify_all()
            return chunk

    def read(self, size=-1):
        size = -1 if size is None else size
        parts = []
        while size != 0:
            chunk = self._take(size)
            if not chunk:
                break
            parts.append(chunk)
            if size > 0:
                size -= len(chunk)
        return b"".join(parts)

    def readline(self, size=-1):
        size = -1 if size is None else size
        parts = []
        while size != 0:
            chunk = self._take(size, line=True)
            if not chunk:
                break
            parts.append(chunk)
            if chunk.endswith(b"\n"):
                break
            if size > 0:
                size -= len(chunk)
        return b"".join(parts)

    def readlines(self, hint=-1):
        lines, total = [], 0
        for line in self:
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line


class NoInput:
    """wsgi.input of a request without a body: always at its end. One object serves every
    such request, so the common GET builds no buffer, lock or condition."""

    complete = True

    def read(self, size=-1):
        return b""

    def readline(self, size=-1):
        return b""

    def readlines(self, hint=-1):
        return []

    def __iter__(self):
        return iter(())

    def finish(self):
        pass

    def close(self):
        pass


NO_INPUT = NoInput()


class Errors:
    """wsgi.errors: text sent as FCGI_STDERR records of the request, one flush per line."""

    def __init__(self, conn, req_id):
        self._conn, self._id = conn, req_id
        self._pending = ""
        self._lock = threading.Lock()
        self.closed = False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("wsgi.errors.write() takes str, not %s" % type(text).__name__)
        with self._lock:
            self._pending += text
            cut = self._pending.rfind("\n") + 1
            if cut:
                self._send(self._pending[:cut])
                self._pending = self._pending[cut:]
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        with self._lock:
            if self._pending:
                self._send(self._pending)
                self._pending = ""

    def close(self):
        """End the request's stderr; later writes go to the worker's own stderr."""
        self.flush()
        self.closed = True

    def _send(self, text):
        if self.closed:
            sys.stderr.write(text)
            return
        data = text.encode("utf-8", "backslashreplace")
        try:
            self._conn.send(stream_records(STDERR, self._id, data))
        except OSError:
            sys.stderr.write(text)


class FileWrapper:
    """wsgi.file_wrapper: iterate a file-like object in blocks; close() closes it."""

    def __init__(self, filelike, blksize=65536):
        self.filelike, self.blksize = filelike, blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration


class Request:
    """One FastCGI request on a connection: its params, its body and whether it was aborted."""

    def __init__(self, req_id, keep_conn):
        self.id, self.keep_conn = req_id, keep_conn
        self.params = bytearray()
        self.cgi = None       # the params as native strings, once they all arrived
        self.bad = None       # why they could not be decoded
        self.started = False
        self.aborted = False
        self.input = NO_INPUT    # an Input once a body is coming

    def abort(self):
        self.aborted = True
        self.input.close()

    def params_done(self):
        try:
            self.cgi = decode_params(self.params)
        except ValueError as err:
            self.cgi, self.bad = {}, ValueError("malformed FastCGI params: %s" % err)
        self.started = True

    def bodiless(self):
        """True when the params say there is no body: CONTENT_LENGTH 0, or no length and no
        Transfer-Encoding (a streamed body of unknown length)."""
        cgi = self.cgi
        length = cgi.get("CONTENT_LENGTH", cgi.get("HTTP_CONTENT_LENGTH", "")).strip()
        return length == "0" or (not length and "HTTP_TRANSFER_ENCODING" not in cgi)


def make_environ(req, multithread):
    """The WSGI environ of a request: its PARAMS as latin-1 native strings, plus wsgi.* keys."""
    if req.bad:
        raise req.bad
    env = req.cgi
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):   # some clients send them as headers too
        moved = env.pop("HTTP_" + key, None)
        if moved is not None and key not in env:
            env[key] = moved
    env.pop("HTTP_PROXY", None)                       # httpoxy
    fix_paths(env)
    env.setdefault("REQUEST_METHOD", "GET")
    env.setdefault("QUERY_STRING", "")
    env.setdefault("SERVER_NAME", "localhost")
    env.setdefault("SERVER_PORT", "80")
    env.setdefault("SERVER_PROTOCOL", "HTTP/1.1")
    https = env.get("HTTPS", "").lower() in ("on", "1", "yes") or env.get("REQUEST_SCHEME") == "https"
    env.update({
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https" if https else "http",
        "wsgi.input": req.input,
        "wsgi.errors": req.errors,
        "wsgi.multithread": multithread,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": FileWrapper,
        "wsgi.input_terminated": True,
    })
    return env


def fix_paths(env):
    """Set SCRIPT_NAME and PATH_INFO when the web server did not (nginx's stock fastcgi_params
    send SCRIPT_NAME = the whole path and no PATH_INFO): derive them from REQUEST_URI."""
    script = env.get("SCRIPT_NAME", "")
    uri = env.get("REQUEST_URI") or env.get("DOCUMENT_URI")
    if not env.get("PATH_INFO") and uri:
        path = unquote_to_bytes(uri.encode("latin-1").split(b"?", 1)[0]).decode("latin-1")
        mount = script.rstrip("/")
        if not script or script == path:
            env["SCRIPT_NAME"], env["PATH_INFO"] = "", path
        elif "PATH_INFO" not in env and path.startswith(mount + "/"):
            env["SCRIPT_NAME"], env["PATH_INFO"] = mount, path[len(mount):]
    if "PATH_INFO" not in env:
        env["PATH_INFO"] = "" if script else "/"
    env.setdefault("SCRIPT_NAME", "")


class Response:
    """start_response, write() and the STDOUT stream of one request."""

    def __init__(self, conn, req):
        self.conn, self.req = conn, req
        self.status = self.headers = None
        self.sent = False
        self.pending = []    # records held back to go out with END_REQUEST
        self.left = -1       # body bytes the Content-Length header still promises; -1 without one

    def start_response(self, status, headers, exc_info=None):
        if exc_info:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response() called twice without exc_info")
        check_status(status, headers)
        self.status, self.headers = status, list(headers)
        self.left = -1
        for name, value in self.headers:
            if len(name) == 14 and name.lower() == "content-length":
                value = value.strip()
                self.left = int(value) if value.isdigit() else -1
        return self.write

    def head(self):
        lines = ["Status: %s\r\n" % self.status]
        lines += ["%s: %s\r\n" % pair for pair in self.headers]
        lines.append("\r\n")
        return "".join(lines).encode("latin-1")

    def write(self, data, hold=False):
        """Send a chunk of the body (the headers go with the first non-empty one)."""
        if type(data) is not bytes:
            if not isinstance(data, (bytearray, memoryview)):
                raise TypeError("WSGI body chunks must be bytes, not %s" % type(data).__name__)
            data = bytes(data)
        if self.status is None:
            raise AssertionError("write() or body before start_response()")
        if self.req.aborted:
            raise ClientGone("request aborted")
        if not data:
            return
        if self.left >= 0:
            self.left -= len(data)
        if not self.sent:
            data = self.head() + data
            self.sent = True
        out = stream_records(STDOUT, self.req.id, data)
        if hold or self.left == 0:
            # The chunk that completes a body of known length goes out with END_REQUEST:
            # one write, and one read for the web server. Nothing may follow it, so
            # holding it delays no streaming.
            self.pending.append(out)
        elif self.pending:    # more than the length promised: keep the order
            self.pending.append(out)
            self.conn.send(b"".join(self.pending))
            self.pending = []
        else:
            self.conn.send(out)

    def finish(self):
        """Send the headers if the body was empty; an app that never started is an error."""
        if not self.sent:
            if self.status is None:
                raise AssertionError("the application returned without calling start_response()")
            self.pending.append(stream_records(STDOUT, self.req.id, self.head()))
            self.sent = True

    def fail(self, answer):
        """Answer 500 with answer, (content type, body), when nothing was sent yet;
        otherwise the response just ends."""
        self.pending = []
        if not self.sent:
            ctype, body = answer
            head = ("Status: 500 Internal Server Error\r\nContent-Type: %s\r\nCache-Control: no-store"
                    "\r\nContent-Length: %d\r\n\r\n" % (ctype, len(body))).encode("latin-1")
            self.pending.append(stream_records(STDOUT, self.req.id, head + body))
            self.sent = True


def check_status(status, headers):
    """Reject what would corrupt the CGI response: bad types, a bad status, CR or LF in headers."""
    if type(status) is not str or len(status) < 4 or not status[:3].isdigit() or status[3] != " ":
        raise ValueError("bad WSGI status %r" % (status,))
    if type(headers) is not list:
        raise TypeError("WSGI headers must be a list, not %s" % type(headers).__name__)
    for pair in headers:
        if type(pair) is not tuple or len(pair) != 2 or \
                type(pair[0]) is not str or type(pair[1]) is not str:
            raise TypeError("WSGI header %r is not a (str, str) tuple" % (pair,))
        text = pair[0] + pair[1]
        if "\r" in text or "\n" in text or ":" in pair[0]:
            raise ValueError("bad WSGI header %r" % (pair,))
        text.encode("latin-1")
    (status).encode("latin-1")


class Connection:
    """One web-server connection: a reader thread takes records in, the app thread runs the app.

    A request with a body goes to the app thread: the reader feeds STDIN into the request's
    bounded wsgi.input and notices ABORT_REQUEST or a closed connection while the app runs. A
    request without a body (most of them) runs on the reader itself, which saves a thread switch;
    a closed connection then shows when the response is written. Requests are served one at a
    time, at most --threads of them at once in the whole worker.
    """

    def __init__(self, server, sock):
        self.server, self.sock = server, sock
        self.rfile = sock.makefile("rb", buffering=65536)
        self.wlock = threading.Lock()
        self.lock = threading.Lock()    # guards req and closing
        self.req = None                 # the request since BEGIN_REQUEST until its END_REQUEST
        self.closing = False
        self.broken = False
        self.unread = False             # a request body was not received to its end
        self.ready = deque()
        self.ready_cond = threading.Condition(threading.Lock())

    def send(self, data):
        with self.wlock:
            if self.broken:
                raise ClientGone("connection closed")
            try:
                self.sock.sendall(data)
            except OSError as err:
                self.broken = True
                self.abort_current()
                raise ClientGone("web server went away: %s" % err) from err

    def abort_current(self):
        req = self.req
        if req is not None:
            req.abort()

    def close_if_idle(self):
        """Close a kept connection that waits for its next request (used by SIGTERM)."""
        with self.lock:
            self.closing = True
            if self.req is None:
                self.shutdown()

    def shutdown(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def serve(self):
        reader = threading.Thread(target=self.read_loop, name="fcgi-reader", daemon=True)
        reader.start()
        try:
            while True:
                req = self.next_request()
                if req is None:
                    break
                with self.server.slots:
                    more = self.handle(req)
                if not more or self.closing:
                    break
        finally:
            self.linger(reader)
            self.shutdown()
            reader.join()
            self.rfile.close()
            self.sock.close()

    def linger(self, reader):
        """Before closing with a body still coming, send our FIN and let the reader discard the
        rest until the web server closes: closing with unread bytes resets the connection, and a
        reset can destroy the response before the web server read it."""
        if not self.unread or self.broken:
            return
        with self.lock:
            self.closing = True
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return
        reader.join(LINGER_SECONDS)

    def next_request(self):
        with self.ready_cond:
            while not self.ready:
                self.ready_cond.wait()
            return self.ready.popleft()

    def push(self, item):
        with self.ready_cond:
            self.ready.append(item)
            self.ready_cond.notify()

    # The reader thread.
    def read_loop(self):
        try:
            while True:
                head = self.rfile.read(8)
                if len(head) < 8:
                    break
                _, rtype, req_id, clen, plen = HEADER.unpack(head)
                body = self.rfile.read(clen + plen)
                if len(body) < clen + plen:
                    break
                if not self.dispatch(rtype, req_id, body[:clen] if plen else body):
                    break
        except (OSError, ValueError) as err:
            if not self.closing:
                log("connection dropped: %s" % err)
        finally:
            with self.lock:
                self.closing = True
                self.abort_current()
            self.push(None)

    def dispatch(self, rtype, req_id, content):
        """Act on one record; false when the connection is done."""
        req = self.req
        if req_id == 0:
            self.management(rtype, content)
        elif rtype == BEGIN_REQUEST:
            self.begin(req_id, content)
        elif req is None or req.id != req_id:
            pass    # the rest of a finished request, or a stray id
        elif rtype == PARAMS and not req.started:
            if content:
                req.params += content
                if len(req.params) > PARAMS_LIMIT:
                    raise ValueError("PARAMS over %d bytes" % PARAMS_LIMIT)
                return True
            req.params_done()
            if not req.bodiless():
                if req.input is NO_INPUT:
                    req.input = Input()
                self.push(req)    # the app thread runs it while this thread feeds the body
                return True
            req.input.finish()    # no body: run it here, without a switch to the app thread
            with self.server.slots:
                more = self.handle(req)
            return more and not self.closing
        elif rtype == STDIN:
            if req.input is NO_INPUT:    # a body before the end of PARAMS
                req.input = Input()
            if content:
                req.input.feed(content)
            else:
                req.input.finish()
        elif rtype == ABORT_REQUEST:
            self.abort(req)
        return True

    def management(self, rtype, content):
        if rtype != GET_VALUES:
            self.send(record(UNKNOWN_TYPE, 0, bytes([rtype]) + b"\0" * 7))
            return
        known = {"FCGI_MAX_CONNS": self.server.max_conns, "FCGI_MAX_REQS": self.server.threads,
                 "FCGI_MPXS_CONNS": 0}
        answer = [(name.encode("latin-1"), str(known[name]).encode()) for name in decode_params(content)
                  if name in known]
        self.send(record(GET_VALUES_RESULT, 0, encode_pairs(answer)))

    def begin(self, req_id, content):
        role, flags = struct.unpack_from("!HB", content)
        with self.lock:
            if self.req is not None:
                self.send(end_request(req_id, 0, CANT_MPX_CONN))
            elif role != RESPONDER:
                self.send(end_request(req_id, 0, UNKNOWN_ROLE))
            elif not self.closing:
                req = Request(req_id, bool(flags & KEEP_CONN))
                req.errors = Errors(self, req_id)
                self.req = req

    def abort(self, req):
        if req.started:
            req.abort()    # the app thread sees it, closes the iterable and ends the request
            return
        with self.lock:
            self.req = None
        self.send(end_request(req.id))

    # The connection thread.
    def handle(self, req):
        """Run the app for one request; true when the connection may serve another."""
        resp = Response(self, req)
        if req.aborted:    # while it waited for a free thread
            return self.end(req, resp)
        if not self.server.admits(req):
            return self.end(req, refuse(resp))
        result = None
        try:
            environ = make_environ(req, self.server.threads > 1)
            result = self.server.app(environ, resp.start_response)
            if type(result) in (list, tuple):
                for chunk in result:
                    resp.write(chunk, hold=True)
            else:
                for chunk in result:
                    resp.write(chunk)
                    if req.aborted:
                        break
            resp.finish()
        except ClientGone:
            pass
        except BaseException as err:
            if not (req.aborted or self.broken):
                try:
                    report = ErrorReport(err, req.cgi or {})
                    write_block(report.log_text())
                    answer = report.answer()
                except Exception:    # an exception whose str() fails, say: the plain answer
                    log("exception in the application at %s:\n%s"
                        % (environ_path(req), traceback.format_exc().rstrip()))
                    answer = ("text/plain; charset=utf-8", b"500 Internal Server Error\n")
                resp.fail(answer)
        finally:
            close_iterable(result)
        return self.end(req, resp)

    def end(self, req, resp):
        req.errors.close()
        self.unread = not req.input.complete
        req.input.close()
        with self.lock:
            self.req = None
        if self.broken:
            return False
        resp.pending.append(record(STDOUT, req.id))
        resp.pending.append(end_request(req.id))
        try:
            self.send(b"".join(resp.pending))
        except ClientGone:
            return False
        return req.keep_conn and not self.server.stopping


def environ_path(req):
    return (req.cgi or {}).get("REQUEST_URI", "?")


def close_iterable(result):
    """Call the iterable's close(), whatever happened; its exception is logged, not raised."""
    close = getattr(result, "close", None)
    if close is None:
        return
    try:
        close()
    except BaseException:
        log("exception in close() of the application's iterable:\n%s"
            % traceback.format_exc().rstrip())


# The exception page: what a developer sees when the app raised before it started its
# response. Only the worker has the traceback and the source, so the page is made here.

CONTEXT_LINES = 3    # source lines shown before and after a failing line

PAGE_CSS = (
    "body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}"
    "header{background:#1d2330;color:#fff;padding:12px 24px;font-weight:600}"
    "header span{color:#f0a0a0;font-weight:400;margin-left:8px}"
    "main{max-width:1000px;margin:24px auto;padding:0 24px}"
    "h1{font-size:22px;margin:0 0 4px;color:#b03030}h1 .msg{color:#1d2330;font-weight:500}"
    ".req{color:#4b5563;margin:0 0 16px}.frame{margin:14px 0}"
    ".loc{font:13px ui-monospace,monospace;color:#374151}.loc b{color:#1d2330}"
    "pre{background:#1d2330;color:#e6e6e6;padding:10px 14px;border-radius:6px;overflow:auto;"
    "font-size:13px;margin:4px 0;white-space:pre}pre .hit{background:#7f1d1d;color:#fff;display:inline-block;width:100%}"
    "details{color:#6b7280;font-size:13px;margin:8px 0}summary{cursor:pointer}"
    "footer{color:#6b7280;font-size:13px;margin-top:24px}")


def interpreter():
    """The running Python, as failures name it: version and path."""
    return "Python %s at %s" % (sys.version.split()[0], sys.executable)


def missing_module_hint(err):
    """A line for an import that failed because a module is not installed here."""
    if not isinstance(err, ModuleNotFoundError):
        return ""
    name = (err.name or "").split(".")[0] or "the module"
    return ("%s is not installed for %s; install it there (%s -m pip install %s), or create a "
            "virtualenv in the project (.venv) with it, or pick the interpreter with --python"
            % (name, interpreter(), sys.executable, name))


def write_block(text):
    """Write a multi-line report to stderr in one write, so it stays one block."""
    try:
        sys.stderr.write(text if text.endswith("\n") else text + "\n")
        sys.stderr.flush()
    except Exception:
        pass


class Frame:
    """One frame of a traceback, sorted into the app's code or a library's."""

    def __init__(self, filename, lineno, name, root, libs):
        self.filename, self.lineno, self.name = filename, lineno, name
        path = os.path.abspath(filename)
        self.app = path.startswith(root) and not any(path.startswith(p) for p in libs) \
            and "site-packages" not in path and "dist-packages" not in path
        self.shown = os.path.relpath(path, root) if self.app else filename

    def source(self):
        """The lines around the failing one: (number, text, is_the_failing_line)."""
        import linecache
        lo = max(1, self.lineno - CONTEXT_LINES)
        out = []
        for n in range(lo, self.lineno + CONTEXT_LINES + 1):
            line = linecache.getline(self.filename, n)
            if not line and n > self.lineno:
                break
            out.append((n, line.rstrip("\n"), n == self.lineno))
        return out


class ErrorReport:
    """An exception the app raised while serving a request: the block for the log, and
    the answer (an HTML page for a browser, one text line for other clients)."""

    root = None    # the app's folder (--root); its files are the app's code

    def __init__(self, err, cgi):
        self.err, self.cgi = err, cgi
        me = os.path.abspath(__file__)
        root = os.path.join(ErrorReport.root or os.getcwd(), "")
        libs = {os.path.abspath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        self.frames = [Frame(fs.filename, fs.lineno, fs.name, root, libs)
                       for fs in traceback.extract_tb(err.__traceback__)
                       if os.path.abspath(fs.filename) != me]
        app = [f for f in self.frames if f.app]
        self.where = (app or self.frames or [None])[-1]

    def line(self):
        """TypeName: message"""
        text = str(self.err)
        name = type(self.err).__name__
        return "%s: %s" % (name, text) if text else name

    def earlier(self):
        """A line naming the exception this one was raised from or while handling."""
        err = self.err
        if err.__cause__ is not None:
            return "Raised from %s: %s" % (type(err.__cause__).__name__, err.__cause__)
        if err.__context__ is not None and not err.__suppress_context__:
            return "Raised while handling %s: %s" % (type(err.__context__).__name__, err.__context__)
        return ""

    def request_line(self):
        c = self.cgi
        return "%s %s" % (c.get("REQUEST_METHOD", "?"), c.get("REQUEST_URI", "?"))

    def log_text(self):
        """FILE:LINE: Type: message in METHOD PATH, then the traceback without the worker's frames."""
        at = "%s:%d: " % (self.where.shown, self.where.lineno) if self.where else ""
        lines = ["%s%s in %s" % (at, self.line(), self.request_line())]
        lines += ["  %s:%d in %s" % (f.shown, f.lineno, f.name) for f in self.frames]
        hint = missing_module_hint(self.err)
        if hint:
            lines.append("  " + hint)
        return "\n".join(lines)

    def answer(self):
        """(content type, body) for the 500 response."""
        if "text/html" not in self.cgi.get("HTTP_ACCEPT", ""):
            text = "500 Internal Server Error\n%s\n" % self.line()
            return "text/plain; charset=utf-8", text.encode("utf-8", "replace")
        return "text/html; charset=utf-8", self.html().encode("utf-8", "replace")

    def html(self):
        import html
        e = html.escape
        c = self.cgi
        out = ['<!doctype html><html lang="en"><head><meta charset="utf-8">',
               '<meta name="viewport" content="width=device-width, initial-scale=1">',
               "<title>500 %s · zoo-dev</title><style>%s</style></head><body>"
               % (e(type(self.err).__name__), PAGE_CSS),
               '<header>zoo-dev<span>the app raised an exception</span></header><main>',
               '<h1 id="zoo-exception"><span class="type">%s</span>'
               '<span class="msg">%s</span></h1>'
               % (e(type(self.err).__name__), e(": " + str(self.err)) if str(self.err) else ""),
               '<p class="req">%s <b>%s</b>%s · worker pid %d · %s</p>'
               % (e(c.get("REQUEST_METHOD", "?")), e(c.get("SCRIPT_NAME", "") + c.get("PATH_INFO", "")),
                  e("?" + c["QUERY_STRING"]) if c.get("QUERY_STRING") else "", os.getpid(),
                  e(interpreter()))]
        hint = missing_module_hint(self.err)
        if hint:
            out.append("<p>%s</p>" % e(hint))
        earlier = self.earlier()
        if earlier:
            out.append('<p class="req">%s</p>' % e(earlier))
        folded = []

        def fold():
            if folded:
                out.append("<details><summary>%d library frame%s</summary><pre>%s</pre></details>"
                           % (len(folded), "" if len(folded) == 1 else "s",
                              "\n".join(e("%s:%d in %s" % (f.shown, f.lineno, f.name)) for f in folded)))
                del folded[:]
        for f in self.frames:
            if not f.app:
                folded.append(f)
                continue
            fold()
            src = "".join('<span class="%s">%5d  %s</span>\n' % ("hit" if hit else "line", n, e(text))
                          for n, text, hit in f.source())
            out.append('<div class="frame app"><div class="loc"><b>%s:%d</b> in %s</div><pre>%s</pre></div>'
                       % (e(f.shown), f.lineno, e(f.name), src))
        fold()
        out.append("<footer>Answered by zoo-dev's worker: the app raised before it started "
                   "its response. Fix the code and save: zoo-dev reloads it.</footer></main></body></html>")
        return "".join(out)


def wrap_django_static(app):
    """Serve static files under DEBUG as Django's runserver does, when the app is Django's
    WSGI handler and django.contrib.staticfiles is installed."""
    if not type(app).__module__.startswith("django."):
        return app
    try:
        from django.conf import settings
        if settings.DEBUG and "django.contrib.staticfiles" in settings.INSTALLED_APPS:
            from django.contrib.staticfiles.handlers import StaticFilesHandler
            return StaticFilesHandler(app)
    except Exception as err:
        log("static files: %s" % err)
    return app


class Server:
    """Accepts connections while fewer than `max_conns` are open and runs the app for at most
    `threads` requests at once (`slots`); drains on SIGTERM."""

    def __init__(self, app, sock, threads, max_conns, unix_path, token=b""):
        self.app, self.sock, self.unix_path = app, sock, unix_path
        self.threads, self.max_conns = threads, max_conns
        self.token = token
        self.slots = threading.BoundedSemaphore(threads)
        self.stopping = False
        self.cond = threading.Condition()
        self.conns = set()
        # A socket pair, not a pipe: Windows' select() takes sockets only.
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)

    def wake(self):
        try:
            self.wake_w.send(b"x")
        except OSError:
            pass

    def on_signal(self, signum, frame):
        if self.stopping:
            self.remove_socket()
            os._exit(1)
        self.stop()

    def stop(self):
        """Stop accepting and drain, as the first SIGTERM does (the lifeline's "stop")."""
        self.stopping = True
        self.wake()

    def admits(self, req):
        """Whether the request may run the app: always without a token, else only with the
        right ZOO_DEV_TOKEN param. The param is taken out of the environ either way."""
        given = req.cgi.pop(TOKEN_NAME, None) if req.cgi else None
        if not self.token:
            return True
        if given is not None and hmac.compare_digest(given.encode("latin-1"), self.token):
            return True
        log("refused a request for %s: %s param %s" % (
            environ_path(req), TOKEN_NAME, "missing" if given is None else "wrong"))
        return False

    def serve_forever(self):
        self.sock.setblocking(False)
        sel = selectors.DefaultSelector()
        sel.register(self.wake_r, selectors.EVENT_READ)
        listening = False
        while not self.stopping:
            with self.cond:
                want = len(self.conns) < self.max_conns
            if want != listening:
                if want:
                    sel.register(self.sock, selectors.EVENT_READ)
                else:
                    sel.unregister(self.sock)
                listening = want
            for key, _ in sel.select():
                if key.fileobj is self.wake_r:
                    drain_socket(self.wake_r)
                elif not self.stopping:
                    self.accept()
        sel.close()

    def accept(self):
        try:
            sock, _ = self.sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as err:
            log("accept: %s" % err)
            return
        sock.setblocking(True)
        if sock.family != getattr(socket, "AF_UNIX", None):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Connection(self, sock)
        with self.cond:
            self.conns.add(conn)
        threading.Thread(target=self.run, args=(conn,), name="fcgi-conn", daemon=True).start()

    def run(self, conn):
        try:
            conn.serve()
        except BaseException:
            log("connection thread failed:\n%s" % traceback.format_exc().rstrip())
        finally:
            with self.cond:
                self.conns.discard(conn)
                self.cond.notify_all()
            self.wake()

    def drain(self):
        """Stop listening, close idle connections, wait for in-flight requests; true if all ended."""
        self.sock.close()
        self.remove_socket()
        with self.cond:
            conns = list(self.conns)
        busy = sum(1 for c in conns if c.req is not None)
        note("stopping: %d request(s) in flight" % busy)
        for conn in conns:
            conn.close_if_idle()
        deadline = time.monotonic() + DRAIN_SECONDS
        with self.cond:
            while self.conns and time.monotonic() < deadline:
                self.cond.wait(deadline - time.monotonic())
            return not self.conns

    def remove_socket(self):
        if self.unix_path:
            try:
                os.unlink(self.unix_path)
            except OSError:
                pass


def drain_socket(sock):
    try:
        while sock.recv(512):
            pass
    except OSError:
        pass


def refuse(resp):
    """Answer 403 for a request that did not carry the worker's token."""
    body = b"Forbidden: this worker serves only the zoo-dev that started it.\n"
    resp.start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8"),
                                          ("Content-Length", str(len(body)))])
    resp.write(body, hold=True)
    return resp


def listen(bind):
    """Open the listening socket for unix:/path or tcp:HOST:PORT; returns (sock, name, path)."""
    kind, _, addr = bind.partition(":")
    if kind == "unix" and addr:
        path = os.path.abspath(addr)
        try:
            if stat.S_ISSOCK(os.lstat(path).st_mode):
                os.unlink(path)    # a stale socket of a dead worker
        except FileNotFoundError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
        sock.listen(128)
        return sock, "unix:" + path, path
    if kind == "tcp" and addr:
        host, _, port = addr.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):
            # Windows: SO_REUSEADDR there would let another user's socket bind the same port
            # and take the connections, token and all.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, int(port)))
        sock.listen(128)
        shown = "[%s]" % host if family == socket.AF_INET6 else host
        return sock, "tcp:%s:%d" % (shown, sock.getsockname()[1]), None
    raise ValueError("bad --bind %r: want unix:/path or tcp:HOST:PORT" % bind)


def load_app(args):
    """Import the WSGI callable named by --app or --django. --app is module:attr, or a dotted
    name whose module is its longest importable prefix (as wfastcgi reads WSGI_HANDLER); a name
    ending in "()" is called once to get the next object: module:create_app() (an app factory),
    app.wsgi_app(), mod.get_handler()."""
    if args.django:
        os.environ["DJANGO_SETTINGS_MODULE"] = args.django
        from django.core.wsgi import get_wsgi_application
        return wrap_django_static(get_wsgi_application())
    spec = args.app
    module, sep, attr = spec.partition(":")
    if sep:
        obj, names = importlib.import_module(module), attr.split(".")
    else:
        obj, names = import_prefix(spec.split("."), spec)
    for name in names:
        call = name.endswith("()")
        obj = getattr(obj, name[:-2] if call else name)
        if call:
            obj = obj()
    if not callable(obj):
        raise TypeError("%s is not callable (a %s)" % (spec, type(obj).__name__))
    return wrap_django_static(obj)


def import_prefix(parts, spec):
    """Import the longest prefix of parts that is a module; return it and the names after it."""
    last = len(parts) - 1
    for i, part in enumerate(parts):
        if part.endswith("()"):
            last = min(last, i)
    for i in range(last, 0, -1):
        name = ".".join(parts[:i])
        try:
            return importlib.import_module(name), parts[i:]
        except ModuleNotFoundError as e:
            if i == 1 or not (e.name == name or name.startswith(e.name + ".")):
                raise
    raise ValueError("bad --app %r: want module:attr or module.attr" % spec)


class Status:
    """The status line to the parent: on the --status-fd pipe, which is closed after it, or on
    stdout after STATUS_PREFIX (--status-stdout). Sent once."""

    def __init__(self, fd, stdout):
        self.fd, self.prefix = fd, b""
        if stdout:
            self.fd, self.prefix = 1, STATUS_PREFIX
        elif fd is not None:
            os.set_inheritable(fd, False)

    def send(self, **event):
        if self.fd is None:
            return
        event["pid"] = os.getpid()
        line = self.prefix + (json.dumps(event) + "\n").encode("utf-8")
        try:
            if self.fd == 1:
                sys.stdout.flush()    # the app's earlier output comes first
                os.write(1, line)     # one write: never mixed into a line of another thread
            else:
                os.write(self.fd, line)
                os.close(self.fd)
        except OSError as err:
            log("status: %s" % err)
        self.fd = None


def app_traceback(err):
    """The traceback of an app that failed to import, from the app's own frames: the
    worker's and importlib's frames before them only hide the line to fix."""
    me = os.path.abspath(__file__)
    tb = err.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if not (os.path.abspath(name) == me or name.startswith("<frozen importlib")
                or os.path.basename(os.path.dirname(name)) == "importlib"):
            break
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(err), err, tb))
    hint = missing_module_hint(err)    # before the traceback: its last line stays the exception
    return "%s could not import the app:\n%s%s" % (interpreter(), hint + "\n" if hint else "", text)


def preload(path):
    """Import the libraries a previous worker of this app used, so that a reload
    only has to import the app's own code. A module that fails is skipped."""
    try:
        with open(path, encoding="utf-8") as f:
            names = [line.strip() for line in f if line.strip()]
    except OSError as err:
        log("preload: %s" % err)
        return
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            pass


class Lifeline:
    """stdin, a pipe from the parent, read by one thread from the start: "go" releases a held
    spare, "stop" stops the server as SIGTERM does (or exits at once when there is no server
    yet: nothing is in flight), EOF exits at once. Every OS has it: it is how the parent stops
    a worker on Windows, and how a worker notices its parent died where no parent-death signal
    exists (macOS)."""

    def __init__(self):
        self.go = threading.Event()
        self.lock = threading.Lock()
        self.server = None
        self.stopped = False
        threading.Thread(target=self.read, name="lifeline", daemon=True).start()

    def attach(self, server):
        """From now on "stop" drains server; a "stop" that came before is applied now."""
        with self.lock:
            self.server = server
            if self.stopped:
                server.stop()

    def read(self):
        buf = b""
        while True:
            try:
                data = os.read(0, 4096)
            except InterruptedError:
                continue
            except OSError:
                data = b""
            if not data:
                self.exit()
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.command(line.strip())

    def command(self, line):
        if line == b"go":
            self.go.set()
        elif line == b"stop":
            with self.lock:
                self.stopped = True
                if self.server is None:
                    self.exit()
                self.server.stop()

    def exit(self):
        server = self.server
        if server is not None:
            server.remove_socket()
        os._exit(0)


def library_modules(root):
    """The modules loaded now that are not the app's own code: the standard library
    and installed packages (site-packages, also inside the project), for preloading."""
    prefixes = {os.path.abspath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    root = os.path.abspath(root) + os.sep
    me = os.path.abspath(__file__)
    names = []
    for name, mod in list(sys.modules.items()):
        f = getattr(mod, "__file__", None)
        if name == "__main__" or not isinstance(f, str):
            continue
        f = os.path.abspath(f)
        parts = f.split(os.sep)
        library = "site-packages" in parts or "dist-packages" in parts or any(f.startswith(p) for p in prefixes)
        if f != me and (library or not f.startswith(root)):
            names.append(name)
    return names


def parse_args(argv):
    p = argparse.ArgumentParser(prog="worker.py", description="zoo-dev FastCGI WSGI worker")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--app", help="the WSGI callable: module:attr or module.attr")
    what.add_argument("--django", metavar="SETTINGS", help="serve this Django settings module")
    p.add_argument("--root", help="the app's folder: sys.path[0] and the working directory")
    p.add_argument("--bind", required=True, help="unix:/path/to/sock or tcp:127.0.0.1:PORT")
    p.add_argument("--threads", type=int, default=4, help="requests served at once")
    p.add_argument("--max-conns", type=int, default=64,
                   help="connections open at once, idle kept ones included")
    p.add_argument("--status-fd", type=int, help="pipe fd for the ready/import_error line")
    p.add_argument("--status-stdout", action="store_true",
                   help="write the ready/import_error line on stdout, prefixed 'zoo-dev-status: '")
    p.add_argument("--lifeline", action="store_true",
                   help="stdin is a pipe from the parent: 'stop' drains, EOF exits")
    p.add_argument("--preload-file", help="import the modules listed in this file (one a line) first")
    p.add_argument("--hold", action="store_true",
                   help="after preloading, wait for a line 'go' on stdin before importing the app")
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error("--threads must be at least 1")
    if args.max_conns < args.threads:
        p.error("--max-conns must be at least --threads")
    return args


def main(argv=None):
    args = parse_args(argv)
    token = os.environ.pop(TOKEN_NAME, "").encode("latin-1")    # before the app can see it
    status = Status(args.status_fd, args.status_stdout)
    lifeline = Lifeline() if args.lifeline or args.hold else None
    bind = args.bind
    if bind.startswith("unix:"):
        bind = "unix:" + os.path.abspath(bind[5:])    # before chdir
    root = os.path.abspath(args.root or os.getcwd())
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        sys.path[0] = root
    else:
        sys.path.insert(0, root)
    os.chdir(root)
    ErrorReport.root = root
    if args.preload_file:
        preload(args.preload_file)
    if args.hold:
        lifeline.go.wait()
    try:
        app = load_app(args)
    except BaseException as err:
        tb = app_traceback(err)
        sys.stderr.write(tb)
        status.send(event="import_error", traceback=tb)
        flush_and_exit(3)
    try:
        sock, name, unix_path = listen(bind)
    except (OSError, ValueError) as err:
        log("bind %s: %s" % (bind, err))
        status.send(event="bind_error", error="bind %s: %s" % (bind, err))
        flush_and_exit(4)
    server = Server(app, sock, args.threads, args.max_conns, unix_path, token)
    signal.signal(signal.SIGTERM, server.on_signal)
    signal.signal(signal.SIGINT, server.on_signal)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)    # kill -USR1: dump every stack
    if lifeline is not None:
        lifeline.attach(server)
    status.send(event="ready", bind=name, modules=library_modules(root))
    try:
        server.serve_forever()
    finally:
        clean = server.drain()
    if not clean:
        log("gave up waiting for in-flight requests after %.0f s" % DRAIN_SECONDS)
    try:
        import atexit
        atexit._run_exitfuncs()
    except Exception:
        pass
    flush_and_exit(0)


def flush_and_exit(code):
    """Exit now, without waiting for threads the app may have left running."""
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            pass
    os._exit(code)


if __name__ == "__main__":
    main()
