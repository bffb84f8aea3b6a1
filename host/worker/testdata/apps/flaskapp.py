"""A Flask app served unchanged by the worker (needs Flask; tests skip without it).

Routes: /hello -> "flask ok"; /u/<name> -> "hello <name>" (a unicode path round trip);
POST /form -> the form field "a"; /stream -> "0\n1\n2\n" as a streamed response.
"""

from flask import Flask, Response, request

app = Flask(__name__)


@app.route("/hello")
def hello():
    return "flask ok"


@app.route("/u/<name>")
def user(name):
    return "hello " + name


@app.route("/form", methods=["POST"])
def form():
    return request.form.get("a", "")


@app.route("/stream")
def stream():
    return Response((str(i) + "\n" for i in range(3)), mimetype="text/plain")
