"""What the service's own HTML pages share (e-ID login, consent): the security headers and
the Jinja environment over `autofill/templates` (the portal's look, `base.html`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def page_headers(*, form_targets: tuple[str, ...] = ()) -> dict[str, str]:
    """Strict headers for a page; `form_targets` are origins its forms may end up at (a
    form posted here that redirects to a portal: Chromium applies `form-action` to it)."""
    targets = " ".join(("'self'", *form_targets))
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"form-action {targets}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


@cache
def environment() -> jinja2.Environment:
    """The pages' Jinja environment (autoescaped, strict)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
