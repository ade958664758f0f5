"""The CSRF cookie's name, shared by the app factory and the sign-in pages."""
from __future__ import annotations

#: Litestar's CSRFConfig (double-submit, HMAC-signed token) uses this cookie; forms carry
#: the same token in `_csrf_token`, htmx requests in the `x-csrftoken` header.
CSRF_COOKIE = "relais_csrf"
