"""Prefill cross-checked against the lookup API over many seeded records: for each catalog
form, every persona plus 150 records drawn at random (per form) from the shared test
registry (300 generated citizens, 40 businesses), so the forms together cover nearly all:

* every filled value equals the mapped attribute, read here independently from
  `GET /v1/citizens/{id}` / `GET /v1/businesses/{code}` and following the form's subject
  chain here, then passed through the field's transforms;
* a field is missing exactly when that attribute has no value, unavailable only when a
  chained record is absent;
* no value of an attribute the form does not map (phone, e-mail, old ID number, household
  number, the identifiers of chained people…) appears anywhere in the response bytes.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from autofill.stats.tally import tally_of
from forms.catalog import read_catalog
from forms.paths import resolve, split
from forms.transforms import TRANSFORMS, bind
from seed import PERSONAS

CATALOG = {d["id"]: d for d in read_catalog()}
# Attributes whose values must never appear in a response unless the form maps them.
GUARDED = {
    "citizen": [
        "phone",
        "email",
        "old_id_number",
        "household.id",
        "personal_id",
        "id_card.issued_on",
        "other_names",
    ],
    "business": ["phone", "email", "website", "enterprise_code", "short_name", "foreign_name"],
}
SAMPLE = 150  # random records per form besides the personas (each form draws its own)
_STEP = re.compile(r"^([a-z_0-9]+)(?:\[(\d+)\])?$")


def read(doc: Any, path: str) -> Any:
    """Independent reader: dotted path, optional [i], a list without index maps."""
    value = doc
    parts = path.split(".")
    for i, part in enumerate(parts):
        name, index = _STEP.match(part).groups()  # type: ignore[union-attr]
        if not isinstance(value, dict):
            return None
        value = value.get(name)
        if isinstance(value, list):
            if index is not None:
                value = value[int(index)] if int(index) < len(value) else None
            else:
                rest = ".".join(parts[i + 1 :])
                return [read(v, rest) if rest else v for v in value]
    return value


class Oracle:
    """Records through the lookup API, cached."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.cache: dict[tuple[str, str], Any] = {}

    def get(self, registry: str, key: str) -> dict[str, Any] | None:
        if (registry, key) not in self.cache:
            path = "citizens" if registry == "citizen" else "businesses"
            r = self.client.get(f"/v1/{path}/{key}")
            assert r.status_code in (200, 404), r.text
            self.cache[(registry, key)] = r.json() if r.status_code == 200 else None
        return self.cache[(registry, key)]


def registry_of(form: dict[str, Any], name: str) -> str:
    subject = form["subjects"][name]
    if subject.get("registry"):
        return subject["registry"]
    path = subject["from"].split(".", 1)[1]
    last = path.rsplit(".", 1)[-1].split("[")[0]
    return "citizen" if last in ("personal_id", "head_personal_id") else "business"


def expected_records(form: dict[str, Any], roots: dict[str, str], oracle: Oracle):  # type: ignore[no-untyped-def]
    """Each subject's record (None when absent) and whether its absence is 'unavailable'."""
    docs: dict[str, Any] = {n: oracle.get(registry_of(form, n), k) for n, k in roots.items()}
    unavailable: dict[str, bool] = {}
    pending = [n for n, s in form["subjects"].items() if "from" in s]
    while pending:
        for name in list(pending):
            parent, path = form["subjects"][name]["from"].split(".", 1)
            if parent in docs:
                pending.remove(name)
                key = read(docs[parent], path) if docs[parent] else None
                docs[name] = oracle.get(registry_of(form, name), key) if key else None
                unavailable[name] = (bool(key) and docs[name] is None) or unavailable.get(
                    parent, False
                )
    return docs, unavailable


def transformed(registry: str, attribute: str, value: Any, steps: list[Any]) -> Any:
    vtype = resolve(registry, "", split(attribute)).type
    for step in steps:
        name, args = (step, {}) if isinstance(step, str) else (step["name"], step.get("args", {}))
        t = TRANSFORMS[name]
        value = bind(t, args, vtype)(value)
        vtype = t.output(vtype)
    return value


def expected_value(form: dict[str, Any], field: dict[str, Any], docs: dict[str, Any]) -> Any:
    subject, attribute = field["prefill"]["from"].split(".", 1)
    registry = registry_of(form, subject)
    value = read(docs[subject], attribute)
    value = transformed(registry, attribute, value, field["prefill"].get("transform", []))
    if field["type"] != "list":
        return value
    if not value:
        return None
    rows = []
    for item in value:
        row = {}
        for c in field["columns"]:
            if "from" not in c:
                row[c["key"]] = None
                continue
            cell = item if c["from"] == "." else read(item, c["from"])
            path = attribute if c["from"] == "." else f"{attribute}.{c['from']}"
            row[c["key"]] = transformed(
                registry, re.sub(r"\[\d+\]", "", path), cell, c.get("transform", [])
            )
        rows.append(row)
    return rows


def unmapped_values(form: dict[str, Any], docs: dict[str, Any], body: bytes) -> list[str]:
    """Distinctive values of attributes the form does not map that leaked into `body`."""
    mapped = {f["prefill"]["from"] for f in form["fields"] if "prefill" in f}
    # Values that legitimately go out: every mapped attribute and each record's updated_at.
    allowed = " ".join(
        json.dumps(read(docs[m.split(".", 1)[0]], m.split(".", 1)[1]), ensure_ascii=False)
        for m in mapped
        if docs.get(m.split(".", 1)[0])
    ) + " ".join(str(d.get("updated_at")) for d in docs.values() if d)
    leaks = []
    for name, doc in docs.items():
        if doc is None:
            continue
        for attribute in GUARDED[registry_of(form, name)]:
            if f"{name}.{attribute}" in mapped:
                continue
            value = read(doc, attribute)
            for v in value if isinstance(value, list) else [value]:
                distinctive = isinstance(v, str) and len(v) >= 6 and v not in allowed
                if distinctive and v.encode() in body:
                    leaks.append(f"{name}.{attribute}={v}")
    return leaks


def cases(form: dict[str, Any], citizens: list[str], businesses: list[str], rng: random.Random):  # type: ignore[no-untyped-def]
    """Root-subject combinations for a form over the seeded records."""
    roots = [n for n, s in form["subjects"].items() if "from" not in s]
    main = roots[0]
    pool = citizens if registry_of(form, main) == "citizen" else businesses
    personas = [p.identifier for p in PERSONAS if p.identifier in pool]
    others = sorted(set(pool) - set(personas))
    sample = personas + rng.sample(others, min(SAMPLE, len(others)))
    for key in dict.fromkeys(sample):
        combo = {main: key}
        for other in roots[1:]:
            if form["subjects"][other].get("optional") and rng.random() < 0.5:
                continue
            others = citizens if registry_of(form, other) == "citizen" else businesses
            combo[other] = key if others is pool and rng.random() < 0.3 else rng.choice(others)
        yield combo


@pytest.mark.parametrize("form_id", sorted(CATALOG))
def test_prefill_matches_the_registry(seeded_client, form_id: str) -> None:
    client = seeded_client
    form = CATALOG[form_id]
    oracle = Oracle(client)
    citizens = [i for i in _ids(client, "citizens")]
    businesses = [i for i in _ids(client, "businesses")]
    assert {p.identifier for p in PERSONAS if p.registry == "citizen"} <= set(citizens)
    rng = random.Random(form_id)
    checked = filled = 0
    pairs: list[tuple[Any, Any]] = []

    async def count_twice(context: Any, result: Any) -> None:
        # The statistics' counts, as the engine made them while filling and by a walk
        # over the envelopes it returned.
        walked = {"fields": dict(result.fields), "coverage": result.coverage}
        pairs.append((tally_of(context, result), tally_of(context, walked)))
        # Likewise the locked values the submission token vouches for.
        locked = {
            key: env["value"]
            for key, env in result.fields.items()
            if env["status"] == "filled" and env["locked"]
        }
        pairs.append((result.locked, locked))

    engine = client.app.state.services.prefill
    observers = engine.observers
    engine.observers = (*observers, count_twice)
    try:
        for roots in cases(form, citizens, businesses, rng):
            checked, filled = _check_case(client, form, form_id, roots, oracle, checked, filled)
    finally:
        engine.observers = observers
    assert checked > 100 and filled > 50, (checked, filled)
    assert len(pairs) > 10 and all(a == b for a, b in pairs), pairs[:3]
    _check_memo(client, oracle)


def _check_case(  # type: ignore[no-untyped-def]
    client, form, form_id: str, roots, oracle, checked: int, filled: int
) -> tuple[int, int]:
    """One prefill against the oracle; the running counts of fields checked and filled."""
    r = client.post(
        f"/v1/forms/{form_id}/prefill",
        json={"subjects": roots, "purpose": "Kiểm tra đối chiếu"},
    )
    assert r.status_code == 200, (roots, r.text)
    body = r.json()
    docs, unavailable = expected_records(form, roots, oracle)
    for field in form["fields"]:
        env = body["fields"][field["key"]]
        if "prefill" not in field:
            assert env["status"] == "not_applicable"
            continue
        subject = field["prefill"]["from"].split(".", 1)[0]
        if subject not in roots and "from" not in form["subjects"][subject]:
            assert env["status"] == "not_applicable", (roots, field["key"])
        elif docs.get(subject) is None:
            want = "unavailable" if unavailable.get(subject) else "missing"
            assert env["status"] == want, (roots, field["key"], env)
        else:
            value = expected_value(form, field, docs)
            if value in (None, "", []):
                assert env["status"] == "missing", (roots, field["key"], env)
            else:
                assert env == {**env, "status": "filled", "value": value}, (roots, field)
                assert env["source"]["registry"] == registry_of(form, subject)
                filled += 1
        checked += 1
    leaks = unmapped_values(form, docs, r.content)
    assert not leaks, (form_id, roots, leaks)
    return checked, filled


def _check_memo(client: Any, oracle: Any) -> None:
    memory = getattr(client.app.state.services.cache, "memory", None)
    if memory is not None:  # SQLite: the parsed records prefill shares between requests ...
        kept = 0
        for (registry, key), doc in oracle.cache.items():
            shared = memory.peek(f"{registry}:{key}")
            if doc is not None and shared is not None:
                assert shared.doc == doc, (registry, key)  # ... are still as stored
                kept += 1
        assert kept > 50, kept


def _ids(client: Any, collection: str) -> list[str]:
    key = "personal_id" if collection == "citizens" else "enterprise_code"
    out, cursor = [], None
    while True:
        r = client.get(
            f"/v1/{collection}", params={"limit": 500, **({"cursor": cursor} if cursor else {})}
        )
        page = r.json()
        out += [d[key] for d in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return out
