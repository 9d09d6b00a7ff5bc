"""`GET /metrics`: Prometheus text with per-route requests, prefills, audit batches, cache,
and refusals; never a personal ID in a label."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families

from tests import records
from tests.api.keyring import bearer, create_key


def _samples(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    r = client.get("/metrics", headers={"Authorization": ""})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def test_metrics_count_routes_prefills_audit_and_refusals(client) -> None:
    records.put_family(client)
    for _ in range(2):
        r = client.post(
            "/v1/forms/ct01/prefill",
            json={"subjects": {"applicant": records.FATHER}, "purpose": "Kiểm tra"},
        )
        assert r.status_code == 200
    assert client.get(f"/v1/citizens/{records.MOTHER}").status_code == 200
    assert client.get(f"/v1/citizens/{records.NO_SUCH_CITIZEN}").status_code == 404
    _, secret = create_key(client, "registry:read", rate_limit=1)
    for _ in range(2):
        client.get(f"/v1/citizens/{records.MOTHER}", headers=bearer(secret))

    samples = _samples(client)
    route = (("method", "GET"), ("route", "/v1/citizens/{personal_id}"))
    assert samples[("autofill_http_requests_total", (*route, ("status", "200")))] >= 1
    assert samples[("autofill_http_requests_total", (*route, ("status", "404")))] == 1
    assert samples[("autofill_http_requests_total", (*route, ("status", "429")))] == 1
    assert samples[("autofill_http_request_seconds_count", route)] == 4
    assert samples[("autofill_prefills_total", (("form", "ct01"),))] == 2
    assert samples[("autofill_prefill_coverage_count", (("form", "ct01"),))] == 2
    assert samples[("autofill_audit_batch_entries_count", ())] >= 3
    assert samples[("autofill_audit_commit_seconds_count", ())] >= 3
    assert samples[("autofill_rate_limited_total", (("reason", "budget"),))] == 1
    assert ("autofill_record_cache_lookups_total", (("result", "hit"),)) in samples

    # Labels hold route templates and form ids only: no personal ID, tax code or key.
    text = client.get("/metrics").text
    for identifier in (records.FATHER, records.MOTHER, records.NO_SUCH_CITIZEN, secret):
        assert identifier not in text
    labels = set(re.findall(r'="([^"]*)"', text))
    assert not any(re.search(r"\d{9}", label) for label in labels), labels


def test_unmatched_paths_share_one_label(client) -> None:
    client.get("/no/such/001089000001")
    samples = _samples(client)
    labels = (("method", "GET"), ("route", "unmatched"), ("status", "404"))
    assert samples[("autofill_http_requests_total", labels)] == 1


def test_unknown_methods_share_one_label(client) -> None:
    for method in ("FROB", "XYZZY"):
        client.request(method, "/v1/citizens")
    samples = _samples(client)
    assert not any("FROB" in str(key) for key in samples)
    assert (
        sum(
            v
            for (name, labels), v in samples.items()
            if name == "autofill_http_requests_total" and ("method", "OTHER") in labels
        )
        == 2
    )
