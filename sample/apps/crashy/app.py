"""A small app for zoo-dev's end-to-end tests.

Routes:
  /          "hello from crashy" and the worker's pid
  /crash     the worker exits at once (os._exit), as a segfaulting extension would
  /stderr    writes a line to stderr and answers "logged"
  /print     prints a line to stdout and answers "printed"
"""
import os
import sys


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/crash":
        sys.stderr.write("crashy: about to crash\n")
        sys.stderr.flush()
        os._exit(7)
    if path == "/stderr":
        sys.stderr.write("crashy: an error line for the log\n")
        body = b"logged"
    elif path == "/print":
        print("crashy: a printed line")
        body = b"printed"
    else:
        body = ("hello from crashy pid=%d" % os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
