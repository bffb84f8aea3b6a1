"""A WSGI app that answers with the names in its process environment and in the request's
environ, one JSON object: what an app could find of the worker's secret."""

import json
import os


def application(environ, start_response):
    body = json.dumps({"os": sorted(os.environ), "environ": sorted(environ)}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
