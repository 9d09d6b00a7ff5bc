"""How a JSON answer that carries registry data is sent.

The prefill route and the record-lookup routes answer through `json_answer`: this is the
one place where the answer's media type is negotiated (`Accept: application/jose` for a
signed answer goes here, beside the plain JSON).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

JSON = "application/json"


def json_answer(request: Request, content: bytes, status_code: int = 200) -> Response:
    """The answer as JSON bytes (already serialised from the route's typed model)."""
    return Response(content=content, status_code=status_code, media_type=JSON)
