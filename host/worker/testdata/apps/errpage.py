"""An app factory whose app raises in the app's own code, below a library-like helper."""
import json


def lookup(key):
    table = {"a": 1}
    return table[key]  # the failing line


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no words")


def create_app():
    def application(environ, start_response):
        if environ["PATH_INFO"] == "/ok":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"made by the factory"]
        if environ["PATH_INFO"] == "/unprintable":
            raise Unprintable()
        if environ["PATH_INFO"] == "/chained":
            try:
                lookup("zz")
            except KeyError as err:
                raise ValueError("wrapped") from err
        # a library frame (json) on the way to the app's own failing line
        return json.loads('"x"', object_hook=None) and [lookup(environ["QUERY_STRING"])]
    return application
