"""Drive the citizen's login through the mock e-ID over HTTP, as a browser would."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page's form."""
    return {name: value.replace("&amp;", "&") for name, value in HIDDEN.findall(html)}


def query_of(location: str) -> dict[str, str]:
    """A redirect's query parameters."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def start_login(client: TestClient, return_to: str = "/") -> str:
    """Follow /citizen/login to the e-ID's login page; its HTML."""
    r = client.get("/citizen/login", params={"return_to": return_to}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert page.status_code == 200, page.text
    return page.text


def eid_login(
    client: TestClient, personal_id: str, *, level: str = "2", return_to: str = "/"
) -> str:
    """Log in as `personal_id`; the local path the service sent the browser back to."""
    page = start_login(client, return_to)
    r = client.post(
        "/eid/authorize",
        data={**hidden_fields(page), "personal_id": personal_id, "level": level},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    back = client.get(r.headers["location"], follow_redirects=False)
    assert back.status_code == 303, back.text
    return back.headers["location"]
