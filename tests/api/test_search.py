"""Name search over the seeded registry, through the HTTP API (runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from registries.search.evaluation import BUSINESS_KINDS, CITIZEN_KINDS, equivalent, make_queries
from seed import persona
from tests.keys import bearer, install

PROBLEM = "application/problem+json"
PER_KIND = 10


def _all(client: Any, path: str) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 500} | ({"cursor": cursor} if cursor else {})
        page = client.get(path, params=params).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


@pytest.fixture
def citizens(seeded_client) -> list[tuple[str, str, int]]:
    """(personal ID, name, birth year) of every seeded citizen."""
    return [
        (c["personal_id"], c["full_name"], int(c["birth_date"][:4]))
        for c in _all(seeded_client, "/v1/citizens")
    ]


@pytest.fixture
def businesses(seeded_client) -> list[tuple[str, str, None]]:
    """(code, name, None) of every seeded business."""
    return [(b["enterprise_code"], b["name"], None) for b in _all(seeded_client, "/v1/businesses")]


def _rank(found: list[dict[str, Any]], query: Any, id_field: str, name_field: str) -> int | None:
    return next(
        (
            i
            for i, item in enumerate(found)
            if item[id_field] == query.expected_id or equivalent(query, item[name_field])
        ),
        None,
    )


def _kinds(queries: list[Any]) -> set[str]:
    """Kinds with at least three queries each."""
    counts: dict[str, int] = {}
    for q in queries:
        counts[q.kind] = counts.get(q.kind, 0) + 1
    return {kind for kind, n in counts.items() if n >= 3}


def _search(client: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


class TestCitizenSearch:
    def test_name_and_birth_year_find_the_record_first(self, seeded_client, citizens) -> None:
        queries = make_queries("citizen", citizens, per_kind=PER_KIND, with_birth_year=True)
        assert _kinds(queries) == set(CITIZEN_KINDS)
        missed = []
        for q in queries:
            found = _search(seeded_client, "/v1/citizens", name=q.name, birth_year=q.birth_year)
            assert all(item["birth_date"].startswith(str(q.birth_year)) for item in found)
            if _rank(found, q, "personal_id", "full_name") != 0:
                missed.append((q.kind, q.name, q.expected_name, found[:2]))
        assert missed == []

    def test_name_alone_finds_the_record_in_the_top_ten(self, seeded_client, citizens) -> None:
        queries = make_queries("citizen", citizens, per_kind=PER_KIND, seed=5)
        assert _kinds(queries) == set(CITIZEN_KINDS)
        missed = []
        for q in queries:
            found = _search(seeded_client, "/v1/citizens", name=q.name)
            if _rank(found, q, "personal_id", "full_name") is None:
                missed.append((q.kind, q.name, q.expected_name, found[:2]))
        assert missed == []

    def test_answer_shape_and_order(self, seeded_client) -> None:
        adult = persona("typical_adult")
        r = seeded_client.get("/v1/citizens", params={"name": "nguyen van an", "limit": 5})
        assert r.status_code == 200
        body = r.json()
        assert body["query"]["normalized"] == "nguyen van an"
        items = body["items"]
        assert 1 <= len(items) <= 5
        assert set(items[0]) == {
            "personal_id",
            "full_name",
            "birth_date",
            "province_code",
            "province_name",
            "score",
            "matched",
        }
        scores = [i["score"] for i in items]
        assert scores == sorted(scores, reverse=True)
        namesakes = {i["personal_id"] for i in items if i["full_name"] == "Nguyễn Văn An"}
        assert {adult.identifier, persona("namesake").identifier} <= namesakes
        assert items[0]["matched"] == {"surname": "accents", "middle": "accents", "given": "exact"}

    def test_matched_parts_name_the_mistakes(self, seeded_client) -> None:
        adult = persona("typical_adult")
        year = int(seeded_client.get(f"/v1/citizens/{adult.identifier}").json()["birth_date"][:4])
        found = _search(seeded_client, "/v1/citizens", name="Nguyễn An", birth_year=year)
        top = next(i for i in found if i["personal_id"] == adult.identifier)
        assert top["matched"] == {
            "surname": "exact",
            "middle": "missing",
            "given": "exact",
            "birth_year": "exact",
        }

    def test_old_and_new_tone_placement_find_each_other(self, seeded_client) -> None:
        hoa = persona("old_style_tone")
        for spelling in ("Lê Thị Hoà", "Lê Thị Hòa", "LÊ THỊ HÒA"):
            found = _search(seeded_client, "/v1/citizens", name=spelling)
            assert found[0]["personal_id"] == hoa.identifier
            assert found[0]["full_name"] == "Lê Thị Hoà"  # the stored spelling is kept
            assert found[0]["matched"]["given"] == "exact"

    def test_look_alike_and_invisible_characters(self, seeded_client) -> None:
        spouse = persona("spouse")
        year = int(seeded_client.get(f"/v1/citizens/{spouse.identifier}").json()["birth_date"][:4])
        name = "Tr\u200bần  Thị\u00a0Bình"
        found = _search(seeded_client, "/v1/citizens", name=name, birth_year=year)
        assert found[0]["personal_id"] == spouse.identifier
        assert found[0]["score"] == 1.0
        nfd = unicodedata.normalize("NFD", "Trần Thị Bình")
        assert _search(seeded_client, "/v1/citizens", name=nfd, birth_year=year)[0] == found[0]

    def test_birth_date_and_province_filters(self, seeded_client, citizens) -> None:
        pid = citizens[17][0]
        doc = seeded_client.get(f"/v1/citizens/{pid}").json()
        province = (doc.get("permanent_address") or doc["current_address"])["province_code"]
        found = _search(
            seeded_client,
            "/v1/citizens",
            name=doc["full_name"],
            birth_date=doc["birth_date"],
            province=province,
        )
        assert found[0]["personal_id"] == pid
        assert all(i["birth_date"] == doc["birth_date"] for i in found)
        assert all(i["province_code"] == province for i in found)
        assert found[0]["matched"]["birth_date"] == found[0]["matched"]["province"] == "exact"
        other = next(p for p in ("01", "79", "48") if p != province)
        elsewhere = _search(seeded_client, "/v1/citizens", name=doc["full_name"], province=other)
        assert pid not in {i["personal_id"] for i in elsewhere}
        assert all(i["province_code"] == other for i in elsewhere)

    def test_limit(self, seeded_client) -> None:
        assert len(_search(seeded_client, "/v1/citizens", name="Nguyễn", limit=3)) == 3
        assert len(_search(seeded_client, "/v1/citizens", name="Nguyễn Thị")) == 10

    def test_without_a_name_the_route_still_lists(self, seeded_client) -> None:
        page = seeded_client.get("/v1/citizens", params={"limit": 2}).json()
        assert len(page["items"]) == 2
        assert "household" in page["items"][0] or "birth_place" in page["items"][0]


class TestIndexFollowsEdits:
    def test_renamed_citizen_is_found_by_the_new_name_only(self, seeded_client) -> None:
        pid = persona("expired_card").identifier
        r = seeded_client.patch(f"/v1/citizens/{pid}", json={"full_name": "Lê Thị Quế Chi"})
        assert r.status_code == 200
        new = _search(seeded_client, "/v1/citizens", name="le thi que chi")
        assert new[0]["personal_id"] == pid
        assert new[0]["full_name"] == "Lê Thị Quế Chi"
        old = _search(seeded_client, "/v1/citizens", name="Lê Thị Mai")
        assert old[0]["personal_id"] != pid
        mine = [i for i in old if i["personal_id"] == pid]  # may remain a weak "Lê Thị" match
        assert all(i["full_name"] == "Lê Thị Quế Chi" and i["score"] < 0.9 for i in mine)

    def test_typo_of_a_new_word_finds_it_at_once(self, seeded_client) -> None:
        pid = persona("expired_card").identifier
        seeded_client.patch(f"/v1/citizens/{pid}", json={"full_name": "Lê Thị Xuyếnh"})
        found = _search(seeded_client, "/v1/citizens", name="Le Thi Xuyenk")
        assert found[0]["personal_id"] == pid

    def test_deleted_business_leaves_the_search(self, seeded_client) -> None:
        code = persona("dissolved_enterprise").identifier
        name = seeded_client.get(f"/v1/businesses/{code}").json()["name"]
        assert code in {
            i["enterprise_code"] for i in _search(seeded_client, "/v1/businesses", name=name)
        }
        assert seeded_client.delete(f"/v1/businesses/{code}").status_code == 204
        assert code not in {
            i["enterprise_code"] for i in _search(seeded_client, "/v1/businesses", name=name)
        }

    def test_put_business_is_searchable_by_its_new_name(self, seeded_client) -> None:
        code = persona("private_enterprise").identifier
        doc = seeded_client.get(f"/v1/businesses/{code}").json()
        doc["name"] = "DOANH NGHIỆP TƯ NHÂN QUẾ LÂM VIÊN"
        assert seeded_client.put(f"/v1/businesses/{code}", json=doc).status_code == 200
        found = _search(seeded_client, "/v1/businesses", name="dntn que lam vien")
        assert found[0]["enterprise_code"] == code
        assert found[0]["matched"] == {"name": "accents", "legal_form": "exact"}


class TestBusinessSearch:
    def test_each_mistake_finds_the_enterprise_first(self, seeded_client, businesses) -> None:
        queries = make_queries("business", businesses, per_kind=PER_KIND)
        assert _kinds(queries) == set(BUSINESS_KINDS)
        missed = []
        for q in queries:
            found = _search(seeded_client, "/v1/businesses", name=q.name)
            if _rank(found, q, "enterprise_code", "name") != 0:
                missed.append((q.kind, q.name, q.expected_name, found[:2]))
        assert missed == []

    def test_legal_form_is_weighted_down(self, seeded_client) -> None:
        sao_mai = persona("two_representatives")
        found = _search(seeded_client, "/v1/businesses", name="cty tnhh cong nghe sao mai")
        assert found[0]["enterprise_code"] == sao_mai.identifier  # a joint-stock company
        assert found[0]["matched"] == {"name": "accents", "legal_form": "different"}
        assert found[0]["legal_form"] == "joint_stock"
        assert set(found[0]) == {
            "enterprise_code",
            "name",
            "legal_form",
            "status",
            "province_code",
            "province_name",
            "score",
            "matched",
        }

    def test_long_branch_name_without_accents(self, seeded_client) -> None:
        branch = persona("branch")
        query = "chi nhanh cty cp cong nghe sao mai tai thanh pho ho chi minh"
        found = _search(seeded_client, "/v1/businesses", name=query)
        assert found[0]["enterprise_code"] == branch.identifier
        assert found[0]["matched"] == {"name": "accents", "legal_form": "exact"}

    def test_query_echo_names_the_legal_form(self, seeded_client) -> None:
        body = seeded_client.get("/v1/businesses", params={"name": "CTCP Sao Mai"}).json()
        assert body["query"]["legal_form"] == "joint_stock"
        assert body["query"]["distinctive"] == "sao mai"

    def test_province_filter(self, seeded_client, businesses) -> None:
        code = businesses[3][0]
        doc = seeded_client.get(f"/v1/businesses/{code}").json()
        province = doc["head_office"]["province_code"]
        found = _search(seeded_client, "/v1/businesses", name=doc["name"], province=province)
        assert found[0]["enterprise_code"] == code
        assert all(i["province_code"] == province for i in found)


class TestBadQueries:
    @pytest.mark.parametrize(
        ("params", "pointer", "code"),
        [
            ({"name": "...!?"}, "/name", "no_letters"),
            ({"name": ""}, "/name", "string_too_short"),
            ({"name": "a" * 201}, "/name", "string_too_long"),
            ({"name": "An", "birth_year": 1800}, "/birth_year", "greater_than_equal"),
            ({"name": "An", "birth_year": 2099}, "/birth_year", "less_than_equal"),
            (
                {"name": "An", "birth_date": "1990-02-30"},
                "/birth_date",
                "date_from_datetime_parsing",
            ),
            (
                {"name": "An", "birth_date": "1990-01-01", "birth_year": 1991},
                "/birth_year",
                "contradiction",
            ),
            ({"name": "An", "province": "99"}, "/province", "unknown_province"),
            ({"name": "An", "province": "Hà Nội"}, "/province", "string_pattern_mismatch"),
            ({"name": "An", "limit": 51}, "/limit", "out_of_range"),
            ({"name": "An", "cursor": "001089012345"}, "/cursor", "not_a_listing"),
            ({"birth_year": 1990}, "/birth_year", "needs_name"),
            ({"province": "01"}, "/province", "needs_name"),
        ],
    )
    def test_is_422_with_a_pointer(self, client, params, pointer, code) -> None:
        r = client.get("/v1/citizens", params=params)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == PROBLEM
        errors = r.json()["errors"]
        assert errors[0]["pointer"] == pointer
        assert errors[0]["code"] == code

    def test_business_name_without_letters_is_422(self, client) -> None:
        r = client.get("/v1/businesses", params={"name": "--"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["pointer"] == "/name"

    def test_search_needs_registry_read(self, client) -> None:
        r = client.get("/v1/citizens", params={"name": "An"}, headers={"Authorization": ""})
        assert r.status_code == 401
        install(client, {"forms-writer-0123456789": ({"forms:write"}, None)})
        r = client.get(
            "/v1/businesses", params={"name": "Sao Mai"}, headers=bearer("forms-writer-0123456789")
        )
        assert r.status_code == 403
        install(client, {"registry-reader-0123456": ({"registry:read"}, None)})
        r = client.get(
            "/v1/citizens", params={"name": "An"}, headers=bearer("registry-reader-0123456")
        )
        assert r.status_code == 200


class TestNoLetters:
    @pytest.mark.parametrize(
        ("path", "name", "hint"),
        [
            ("/v1/citizens", "001085004512", "this looks like a personal ID: GET /v1/citizens/"),
            ("/v1/citizens", "1985", "add birth_year=1985"),
            ("/v1/businesses", "0100109106", "this looks like a tax code: GET /v1/businesses/"),
            ("/v1/businesses", "0100.109.106", "this looks like a tax code"),
            ("/v1/citizens", "--", "at least one letter"),
        ],
    )
    def test_a_name_without_letters_is_422_with_a_hint(self, client, path, name, hint) -> None:
        r = client.get(path, params={"name": name})
        assert r.status_code == 422
        body = r.json()
        assert hint in body["detail"]
        assert body["errors"] == [
            {"pointer": "/name", "detail": body["detail"], "code": "no_letters"}
        ]

    def test_a_name_with_a_letter_and_digits_is_searched(self, client) -> None:
        assert client.get("/v1/businesses", params={"name": "3M"}).status_code == 200
