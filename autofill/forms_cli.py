"""`autofill forms`: validate, load, list, export, coverage, suggest."""

from __future__ import annotations

import asyncio
import json
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from autofill.config import Settings
from autofill.database import migrate
from autofill.prefill.service import PrefillRequest, PrefillService
from forms.catalog import load_catalog, read_catalog
from forms.errors import FormError, InvalidFormSchema
from forms.service import FormStore
from forms.suggest import suggest_mappings
from forms.validation import compile_schema
from registries.cache import MemoryCache
from registries.database import make_engine, make_reader
from registries.errors import RegistryError
from registries.service import RegistryService

app = typer.Typer(help="Form schemas: validate, load, list, export, coverage, suggest.")
out = Console()
err = Console(stderr=True)
Files = Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)]

# Which persona stands in each root subject for `coverage` (DOMAIN personas from `seed`).
DEFAULT_PERSONAS = {"citizen": "typical_adult", "business": "two_representatives"}
COVERAGE_CASES: dict[str, dict[str, str]] = {
    "birth-registration": {"requester": "spouse", "mother": "spouse"},
    "household-business-registration": {"owner": "spouse"},
    "marriage-registration": {"applicant": "typical_adult", "partner": "spouse"},
    "tax-registration-05-dk-tct": {"taxpayer": "typical_adult", "agent": "two_representatives"},
    "branch-registration": {"company": "two_representatives", "head": "typical_adult"},
}


def _read(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidFormSchema(f"{path}: not JSON ({exc})") from None


def _print_problems(where: str, exc: FormError) -> None:
    err.print(f"[red]✗ {where}[/red]: {exc.detail}")
    for p in exc.problems:
        hint = f"  (did you mean: {p.suggestion})" if p.suggestion else ""
        err.print(f"    {p.pointer or '/'}  {p.detail}{hint}")


@app.command("validate")
def validate(files: Files) -> None:
    """Check schema files; every problem with its JSON pointer and a suggestion."""
    failed = 0
    for path in files:
        try:
            form = compile_schema(_read(path))
        except FormError as exc:
            _print_problems(str(path), exc)
            failed += 1
            continue
        out.print(
            f"[green]✓ {path}[/green]: {form.id}, {len(form.fields)} fields, "
            f"{form.mapped} prefilled"
        )
    raise typer.Exit(1 if failed else 0)


@asynccontextmanager
async def _services(settings: Settings) -> Any:
    engine = make_engine(settings.database_url)
    migrate(engine)
    reader = make_reader(settings.database_url)
    registry = RegistryService(engine=engine, reader=reader, cache=MemoryCache(max_items=10_000))
    try:
        yield FormStore(engine), registry
    finally:
        await reader.close()
        engine.dispose()


def _run(coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    except (FormError, RegistryError) as exc:
        _print_problems("error", exc)  # type: ignore[arg-type]
        raise typer.Exit(1) from None


@app.command("load")
def load(
    directory: Annotated[Path | None, typer.Argument(file_okay=False, exists=True)] = None,
) -> None:
    """Register every schema of a folder (default: the shipped catalog) in the database."""

    async def go() -> list[tuple[str, int, bool]]:
        async with _services(Settings()) as (store, _):
            return await load_catalog(store, directory)

    for form_id, version, created in _run(go()):
        out.print(f"{form_id}: version {version} {'registered' if created else 'unchanged'}")


@app.command("list")
def list_forms() -> None:
    """The forms in the database with their latest version."""

    async def go() -> list[Any]:
        async with _services(Settings()) as (store, _):
            return await store.list_all()

    table = Table("id", "version", "retired", "title")
    for stored in _run(go()):
        s = stored.summary()
        table.add_row(s["id"], str(s["latest_version"]), "yes" if s["retired"] else "", s["title"])
    out.print(table)


@app.command("export")
def export(form_id: str, version: Annotated[int | None, typer.Option(min=1)] = None) -> None:
    """Print a stored schema as JSON (the latest version unless --version)."""

    async def go() -> Any:
        async with _services(Settings()) as (store, _):
            return await store.get(form_id, version)

    stored = _run(go())
    sys.stdout.write(json.dumps(stored.document, ensure_ascii=False, indent=2) + "\n")


@app.command("suggest")
def suggest(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    limit: Annotated[int, typer.Option(min=1, max=10)] = 3,
) -> None:
    """Propose registry attributes for the fields of FILE that have no prefill mapping."""
    try:
        found = suggest_mappings(_read(file), limit=limit)
    except FormError as exc:
        _print_problems(str(file), exc)
        raise typer.Exit(1) from None
    table = Table("field", "label", "suggested from", "score", "transform")
    for f in found["fields"]:
        for i, c in enumerate(f["candidates"] or [{"from": "—", "score": "", "transform": []}]):
            table.add_row(
                f["key"] if i == 0 else "",
                f["label"] if i == 0 else "",
                c["from"],
                str(c["score"]),
                ", ".join(c["transform"]),
            )
    out.print(table)


def coverage_rows(
    settings: Settings, citizen: str, business: str, directory: Path | None = None
) -> list[dict[str, Any]]:
    """Prefill every catalog form for personas; one row per form with its coverage."""
    from seed.personas import persona

    async def go() -> list[dict[str, Any]]:
        rows = []
        async with _services(settings) as (store, registry):
            await load_catalog(store, directory)
            engine = PrefillService(store, registry, releases=None)
            for document in read_catalog(directory):
                form = await store.compiled(document["id"])
                chosen = {"citizen": citizen, "business": business}
                cases = COVERAGE_CASES.get(form.id, {})
                subjects = {
                    name: cases.get(name, chosen[form.subjects[name].registry])
                    for name in form.roots
                    if name in cases or not form.subjects[name].optional
                }
                ids = {name: persona(key).identifier for name, key in subjects.items()}
                request = PrefillRequest.model_validate(
                    {"subjects": ids, "purpose": "coverage report"}
                )
                coverage = await engine.coverage(form.id, request)
                rows.append(
                    {"form": form.id, "title": form.schema.title, "personas": subjects, **coverage}
                )
        return rows

    return _run(go())


@app.command("coverage")
def coverage(
    citizen: Annotated[str, typer.Option(help="citizen persona")] = DEFAULT_PERSONAS["citizen"],
    business: Annotated[str, typer.Option(help="business persona")] = DEFAULT_PERSONAS["business"],
    markdown: Annotated[bool, typer.Option(help="print a Markdown table")] = False,
) -> None:
    """For each catalog form and persona, how many fields prefill fills."""
    rows = coverage_rows(Settings(), citizen, business)
    if markdown:
        print("| form | personas | filled / fields | share of the form | filled / mapped |")
        print("|---|---|---|---|---|")
        for r in rows:
            who = ", ".join(f"{k}={v}" for k, v in r["personas"].items())
            print(
                f"| `{r['form']}` {r['title']} | {who} | {r['filled']} / {r['total']} | "
                f"{r['ratio']:.0%} | {r['filled']} / {r['mapped']} |"
            )
        return
    table = Table("form", "personas", "filled", "fields", "share", "mapped")
    for r in rows:
        who = ", ".join(f"{k}={v}" for k, v in r["personas"].items())
        table.add_row(
            r["form"], who, str(r["filled"]), str(r["total"]), f"{r['ratio']:.0%}", str(r["mapped"])
        )
    out.print(table)
