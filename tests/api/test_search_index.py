"""The search index stays equal to a fresh rebuild through tester edits."""

from __future__ import annotations

from seed import persona
from tests.search_index import snapshot_and_rebuild


def test_edits_keep_the_index_equal_to_a_rebuild(seeded_client, seeded_settings) -> None:
    adult = persona("typical_adult").identifier
    r = seeded_client.patch(f"/v1/citizens/{adult}", json={"full_name": "Nguyễn Văn Ân Điền"})
    assert r.status_code == 200
    widow = persona("widowed").identifier
    r = seeded_client.patch(f"/v1/citizens/{widow}", json={"birth_date": "1959-03-04"})
    assert r.status_code == 200
    code = persona("dissolved_enterprise").identifier
    assert seeded_client.delete(f"/v1/businesses/{code}").status_code == 204
    sme = persona("single_member_llc").identifier
    r = seeded_client.patch(f"/v1/businesses/{sme}", json={"name": "CÔNG TY TNHH MTV HOA SEN VÀNG"})
    assert r.status_code == 200

    incremental, rebuilt = snapshot_and_rebuild(seeded_settings.database_url)
    assert incremental == rebuilt
    names = {r[0]: r[1] for r in rebuilt["citizen_search"]}
    assert names[adult] == "nguyên4 văn ân điên2"
    assert code not in {r[0] for r in rebuilt["business_search"]}
