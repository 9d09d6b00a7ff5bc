"""FastAPI's own OpenTelemetry hooks stay off: a configured tracer provider gets no span,
so no personal ID in a request path reaches an exporter."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace

from tests.api.keyring import PERSON


class RecordingProvider(trace.TracerProvider):
    """A configured provider (not one of the API's deferred ones) that notes every span."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        provider = self

        class Tracer(trace.NoOpTracer):
            def start_span(self, name: str, *a: Any, **kw: Any) -> trace.Span:
                provider.spans.append({"name": name, **(kw.get("attributes") or {})})
                return super().start_span(name, *a, **kw)

        return Tracer()


@pytest.fixture
def provider(monkeypatch) -> RecordingProvider:
    recording = RecordingProvider()
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: recording)
    return recording


def test_a_bare_fastapi_app_would_export_the_path(provider) -> None:
    """The control: without the setting, FastAPI traces the path with the ID in it."""
    bare = FastAPI()

    @bare.get("/v1/citizens/{pid}")
    def citizen(pid: str) -> dict[str, str]:
        return {}

    with TestClient(bare) as c:
        assert c.get(f"/v1/citizens/{PERSON}").status_code == 200
    assert any(PERSON in str(span.get("url.path")) for span in provider.spans)


def test_the_service_starts_no_span(provider, client) -> None:
    # A valid ID the empty registry does not hold, then one that fails validation.
    assert client.get(f"/v1/citizens/{PERSON}").status_code == 404
    assert client.get("/v1/citizens/00108901234").status_code == 422
    assert provider.spans == []
