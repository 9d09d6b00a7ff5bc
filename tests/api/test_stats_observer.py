"""The statistics observer on real prefill traffic (seeded registry, backend under test)."""

from __future__ import annotations

from seed.personas import persona

CITIZENS = ["typical_adult", "spouse", "minor", "elderly_old_cmnd", "temporary_address"]
COMPANY = persona("two_representatives").identifier


def prefill(client, form_id: str, subjects: dict[str, str]):
    return client.post(
        f"/v1/forms/{form_id}/prefill", json={"subjects": subjects, "purpose": "thống kê"}
    )


def report(client, **params) -> dict:
    r = client.get("/v1/stats/coverage", params=params)
    assert r.status_code == 200, r.text
    return r.json()


class TestObserver:
    def test_counts_every_prefill_with_its_coverage_and_sources(self, seeded_client) -> None:
        responses = [
            prefill(seeded_client, "ct01", {"applicant": persona(k).identifier}) for k in CITIZENS
        ]
        responses.append(prefill(seeded_client, "business-change", {"company": COMPANY}))
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        bodies = [r.json() for r in responses]

        body = report(seeded_client)
        totals = body["totals"]
        assert totals["prefills"] == len(bodies)
        assert totals["fields_filled"] == sum(b["coverage"]["filled"] for b in bodies)
        assert totals["fields_total"] == sum(b["coverage"]["total"] for b in bodies)
        assert totals["citizen_filled"] + totals["business_filled"] == totals["fields_filled"]
        business_fields = sum(
            1
            for b in bodies
            for f in b["fields"].values()
            if f["status"] == "filled" and f["source"]["registry"] == "business"
        )
        assert business_fields > 0
        assert totals["business_filled"] == business_fields
        forms = {f["form_id"]: f for f in body["forms"]}
        assert forms["ct01"]["prefills"] == len(CITIZENS)
        assert forms["ct01"]["uses_business_registry"] is False
        assert forms["business-change"]["uses_business_registry"] is True
        citizen, business = body["indicators"]
        assert citizen["numerator"] == totals["fields_filled"]
        assert citizen["denominator"] == totals["fields_total"]
        assert (business["numerator"], business["denominator"], business["value"]) == (1, 2, 0.5)
        assert business["met"] is True

    def test_failed_prefills_are_not_counted(self, seeded_client) -> None:
        assert prefill(seeded_client, "ct01", {"applicant": "001099000001"}).status_code == 404
        assert prefill(seeded_client, "ct01", {"applicant": "12"}).status_code == 422
        assert report(seeded_client)["totals"]["prefills"] == 0

    def test_the_form_filter_keeps_one_form(self, seeded_client) -> None:
        prefill(seeded_client, "ct01", {"applicant": persona("typical_adult").identifier})
        prefill(seeded_client, "business-change", {"company": COMPANY})
        body = report(seeded_client, form="business-change")
        assert [f["form_id"] for f in body["forms"]] == ["business-change"]
        assert body["totals"]["prefills"] == 1
