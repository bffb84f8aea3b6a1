"""A one-file Django project (settings, URLs and views) for `--django djsite` (needs Django).

Routes: /hello -> "django ok"; /u/<name> -> "hello <name>"; POST /form -> the field "a".
"""

from django.http import HttpResponse
from django.urls import path

SECRET_KEY = "test-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = __name__
INSTALLED_APPS = []
MIDDLEWARE = []
USE_TZ = True


def hello(request):
    return HttpResponse("django ok")


def user(request, name):
    return HttpResponse("hello " + name)


def form(request):
    return HttpResponse(request.POST.get("a", ""))


urlpatterns = [path("hello", hello), path("u/<str:name>", user), path("form", form)]
