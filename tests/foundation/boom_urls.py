"""The site's addresses plus one page that fails, to see the 500 page a user gets (tests only)."""

from django.urls import path

from jiceng.urls import handler400, handler403, handler404, handler500
from jiceng.urls import urlpatterns as site


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *site]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
