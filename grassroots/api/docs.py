"""The API's interactive documentation (Swagger UI) at ``/api/docs/``.

Outside DEBUG it is for signed-in users only (anyone else is sent to the sign-in page); the
OpenAPI schema at ``/api/schema/`` stays public. The page follows the app's Content-Security-
Policy: drf-spectacular's "split" view serves its script as a file instead of inline, and our
template leaves out the package's inline ``<style>``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularSwaggerSplitView

_swagger = SpectacularSwaggerSplitView.as_view(
    url_name="api:schema", template_name="api/swagger_ui.html"
)


def api_docs(request, *args, **kwargs):
    if not settings.DEBUG and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _swagger(request, *args, **kwargs)
