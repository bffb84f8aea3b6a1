"""WSGI apps reached through calls, as wfastcgi's WSGI_HANDLER names them: factory.create_app()."""

from testapp import application


def create_app():
    return application


class Site:
    wsgi = staticmethod(application)


def site():
    return Site()
