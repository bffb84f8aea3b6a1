"""A small WSGI app served by zoo-dev (WSGI_APP = wsgi.application).

It uses the standard library only: a page with the request's details, the
environment zoo-dev set for the app, and a form that stores notes in the
SQLite file deploy.py prepares. Edit this file and save: zoo-dev reloads it.
"""
import html
import os
import sqlite3
import sys
from urllib.parse import parse_qs

HERE = os.path.dirname(os.path.abspath(__file__))
DB = os.path.join(HERE, "data", "notes.sqlite3")
ZOO_VARS = (
    "WSGI_APP", "PYTHONPATH", "DEPLOY_FILE", "DEPLOY_LOG", "ERROR_LOG_DIR",
    "WATCH_FILE_CHANGES_MASK", "APPL_PHYSICAL_PATH", "APPL_VIRTUAL_PATH",
)
REQUEST_KEYS = (
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "REQUEST_URI",
    "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR",
    "wsgi.url_scheme", "wsgi.multithread", "wsgi.multiprocess",
)


def application(environ, start_response):
    """The WSGI callable: GET shows the page, POST adds a note."""
    if environ["REQUEST_METHOD"] == "POST":
        return add_note(environ, start_response)
    if environ.get("PATH_INFO", "/") not in ("", "/"):
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"not found\n"]
    body = page(environ).encode("utf-8")
    start_response("200 OK", [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
    ])
    return [body]


def add_note(environ, start_response):
    """Store the posted note, then redirect back to the page (POST/redirect/GET)."""
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    form = parse_qs(environ["wsgi.input"].read(size).decode("utf-8", "replace"))
    text = (form.get("text") or [""])[0].strip()
    if text:
        with sqlite3.connect(DB) as db:
            db.execute("INSERT INTO notes (text) VALUES (?)", (text[:500],))
        print("note added:", text[:60], file=environ["wsgi.errors"])
    start_response("303 See Other", [
        ("Location", environ.get("SCRIPT_NAME", "") + "/"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ])
    return [b"see the notes page\n"]


def notes():
    """The latest notes, or None when deploy.py has not prepared the database."""
    if not os.path.exists(DB):
        return None
    with sqlite3.connect(DB) as db:
        return db.execute("SELECT text, created FROM notes ORDER BY id DESC LIMIT 20").fetchall()


def table(rows):
    cells = "".join(
        "<tr><th>%s</th><td>%s</td></tr>" % (html.escape(k), html.escape(str(v)))
        for k, v in rows
    )
    return "<table>%s</table>" % cells


def page(environ):
    request = [(k, environ.get(k, "")) for k in REQUEST_KEYS]
    headers = sorted((k[5:].replace("_", "-").title(), v)
                     for k, v in environ.items() if k.startswith("HTTP_"))
    zoo = [(k, os.environ[k]) for k in ZOO_VARS if k in os.environ]
    zoo += sorted((k, v) for k, v in os.environ.items() if k.startswith("ZOO_"))
    saved = notes()
    if saved is None:
        note_list = "<p><em>No database yet: deploy.py creates data/notes.sqlite3.</em></p>"
    else:
        note_list = "<ul>%s</ul>" % "".join(
            "<li>%s <small>%s</small></li>" % (html.escape(t), html.escape(c)) for t, c in saved)
    return TEMPLATE % {
        "python": html.escape(sys.version.split()[0]),
        "pid": os.getpid(),
        "action": html.escape(environ.get("SCRIPT_NAME", "") + "/"),
        "notes": note_list,
        "request": table(request),
        "headers": table(headers),
        "zoo": table(zoo) if zoo else "<p><em>none set</em></p>",
    }


TEMPLATE = """<!doctype html>
<html><head><meta charset="utf-8"><title>zoo-dev starter</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 50em; margin: 2em auto; padding: 0 1em; }
table { border-collapse: collapse; width: 100%%; }
th, td { text-align: left; vertical-align: top; padding: .2em .6em; border-bottom: 1px solid #ddd; }
th { width: 14em; font-weight: 600; } td { font-family: ui-monospace, monospace; word-break: break-all; }
</style></head>
<body>
<h1>It works</h1>
<p>Served by zoo-dev with Python %(python)s, worker pid %(pid)s. Edit wsgi.py and save to reload.</p>
<h2>Notes</h2>
<form method="post" action="%(action)s">
<input name="text" placeholder="write a note" autofocus> <button>Add</button>
</form>
%(notes)s
<h2>Request</h2>
%(request)s
<h2>Headers</h2>
%(headers)s
<h2>Set by zoo-dev</h2>
%(zoo)s
</body></html>
"""
