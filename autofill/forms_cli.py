"""`autofill forms`: validate, load, list, export, coverage, suggest."""

from __future__ import annotations

import json
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from autofill.cli_database import open_database

if TYPE_CHECKING:
    from autofill.config import Settings
    from forms.errors import FormError

# The engine, the forms and registries are imported by the commands that use them, so that
# `autofill --help` stays quick.

app = typer.Typer(
    help="Form schemas: validate, load, list, export, coverage, suggest.", rich_markup_mode=None
)
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
    import orjson

    from forms.errors import InvalidFormSchema

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
    from forms.errors import FormError
    from forms.validation import compile_schema

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
async def _services(*, create: bool, settings: Settings | None = None) -> Any:
    from forms.service import FormStore
    from registries.cache import MemoryCache
    from registries.database import make_reader
    from registries.service import RegistryService

    settings, engine = open_database(create=create, settings=settings)
    reader = make_reader(settings.database_url)
    registry = RegistryService(engine=engine, reader=reader, cache=MemoryCache(max_items=10_000))
    try:
        yield FormStore(engine), registry
    finally:
        await reader.close()
        engine.dispose()


def _run(coro: Any) -> Any:
    import asyncio

    from forms.errors import FormError
    from registries.errors import RegistryError

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

    from forms.catalog import load_catalog

    async def go() -> list[tuple[str, int, bool]]:
        async with _services(create=True) as (store, _):
            return await load_catalog(store, directory)

    for form_id, version, created in _run(go()):
        out.print(f"{form_id}: version {version} {'registered' if created else 'unchanged'}")


@app.command("list")
def list_forms(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The forms in the database with their latest version."""

    async def go() -> list[Any]:
        async with _services(create=False) as (store, _):
            return await store.list_all()

    summaries = [stored.summary() for stored in _run(go())]
    if as_json:
        typer.echo(json.dumps(summaries, ensure_ascii=False, indent=2, default=str))
        return
    # The id is what one copies: never cut (the title wraps instead).
    table = Table()
    table.add_column("id", no_wrap=True, min_width=max([2, *(len(s["id"]) for s in summaries)]))
    table.add_column("version", no_wrap=True)
    table.add_column("retired", no_wrap=True)
    table.add_column("title", overflow="fold")
    for s in summaries:
        table.add_row(s["id"], str(s["latest_version"]), "yes" if s["retired"] else "", s["title"])
    out.print(table)


@app.command("export")
def export(form_id: str, version: Annotated[int | None, typer.Option(min=1)] = None) -> None:
    """Print a stored schema as JSON (the latest version unless --version)."""

    async def go() -> Any:
        async with _services(create=False) as (store, _):
            return await store.get(form_id, version)

    stored = _run(go())
    sys.stdout.write(json.dumps(stored.document, ensure_ascii=False, indent=2) + "\n")


@app.command("suggest")
def suggest(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    limit: Annotated[int, typer.Option(min=1, max=10)] = 3,
) -> None:
    """Propose registry attributes for the fields of FILE that have no prefill mapping."""
    from forms.errors import FormError
    from forms.suggest import suggest_mappings

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
    settings: Settings | None, citizen: str, business: str, directory: Path | None = None
) -> list[dict[str, Any]]:
    """Prefill every catalog form for personas; one row per form with its coverage."""
    from autofill.prefill.service import PrefillRequest, PrefillService
    from forms.catalog import load_catalog, read_catalog
    from seed.personas import persona

    async def go() -> list[dict[str, Any]]:
        rows = []
        async with _services(create=False, settings=settings) as (store, registry):
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
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """For each catalog form and persona, how many fields prefill fills."""
    rows = coverage_rows(None, citizen, business)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
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
    table = Table()
    table.add_column("form", no_wrap=True, min_width=max([4, *(len(r["form"]) for r in rows)]))
    table.add_column("personas", overflow="fold")
    for column in ("filled", "fields", "share", "mapped"):
        table.add_column(column, no_wrap=True, justify="right")
    for r in rows:
        who = ", ".join(f"{k}={v}" for k, v in r["personas"].items())
        table.add_row(
            r["form"], who, str(r["filled"]), str(r["total"]), f"{r['ratio']:.0%}", str(r["mapped"])
        )
    out.print(table)
