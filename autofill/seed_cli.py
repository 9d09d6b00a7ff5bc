"""`autofill seed`: fill the mock registries, and show the personas catalog.

The seeder itself (`seed/`) knows nothing of settings or migrations; this command reads
`AUTOFILL_DATABASE_URL`, migrates, then seeds.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from autofill.cli_database import open_database

if TYPE_CHECKING:
    from seed import SeedReport

seed_app = typer.Typer(
    help="Seed the mock registries with personas and generated records.",
    invoke_without_command=True,
    rich_markup_mode=None,
)
console = Console()

CitizensOpt = typer.Option(3_000, "--citizens", "-c", min=0, help="generated citizens")
BusinessesOpt = typer.Option(300, "--businesses", "-b", min=0, help="generated businesses")
SeedOpt = typer.Option(0, "--seed", "-s", help="random seed: same seed, same registry")
ResetOpt = typer.Option(False, "--reset", help="empty the registry first")


def run_seed(citizens: int, businesses: int, seed: int, reset: bool) -> SeedReport:
    """Migrate the configured database, seed it and print what was written."""
    from autofill.caching import clear_record_caches
    from seed import RegistryNotEmpty, seed_registry

    settings, engine = open_database(create=True)
    engine.dispose()
    try:
        report = seed_registry(
            settings.database_url,
            citizens=citizens,
            businesses=businesses,
            seed=seed,
            reset=reset,
            progress=True,
        )
    except RegistryNotEmpty as exc:
        console.print(f"[red]{exc.detail}[/red] (add --reset)")
        raise typer.Exit(1) from exc
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if clear_record_caches(settings):
        console.print("running workers' record caches emptied")
    console.print(_figures(report))
    return report


# The tables of each registry, for the per-registry rates.
_REGISTRIES = {
    "citizens": ("citizens", "households", "citizen_search"),
    "businesses": (
        "businesses",
        "business_representatives",
        "business_owners",
        "business_lines",
        "business_search",
    ),
}


def _figures(report: SeedReport) -> Table:
    """Rows per table and per registry, insert rates, and the whole run's rate."""
    table = Table(title=f"Seeded with seed {report.seed} in {report.seconds:.1f} s")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("insert s", justify="right")
    table.add_column("insert rows/s", justify="right")

    def rate(rows: int, seconds: float) -> str:
        return f"{rows / seconds:,.0f}" if seconds else ""

    for name, count in report.counts.items():
        spent = report.write_seconds.get(name, 0.0)
        table.add_row(name, f"{count:,}", f"{spent:.1f}", rate(count, spent))
    for registry, names in _REGISTRIES.items():
        rows = sum(report.counts.get(n, 0) for n in names)
        spent = sum(report.write_seconds.get(n, 0.0) for n in names)
        table.add_row(f"{registry} registry", f"{rows:,}", f"{spent:.1f}", rate(rows, spent))
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in report.commit_seconds.items())
    table.add_row(
        "total (wall)",
        f"{report.rows:,}",
        f"{report.seconds:.1f}",
        rate(report.rows, report.seconds),
    )
    table.caption = (
        f"after the load: {steps}; derived indexes {report.index_seconds:.1f} s; "
        f"waited for generation {report.wait_seconds:.1f} s; "
        f"writer peak RSS {report.load_peak_rss_mib:,.0f} MiB"
    )
    return table


@seed_app.callback()
def seed_main(
    ctx: typer.Context,
    citizens: int = CitizensOpt,
    businesses: int = BusinessesOpt,
    seed: int = SeedOpt,
    reset: bool = ResetOpt,
) -> None:
    """Seed the registry: `autofill seed --citizens N --businesses M --seed S [--reset]`."""
    if ctx.invoked_subcommand is None:
        run_seed(citizens, businesses, seed, reset)


@seed_app.command("run")
def seed_run(
    citizens: int = CitizensOpt,
    businesses: int = BusinessesOpt,
    seed: int = SeedOpt,
    reset: bool = ResetOpt,
) -> None:
    """Seed the registry (same as `autofill seed` with options)."""
    run_seed(citizens, businesses, seed, reset)


@seed_app.command("personas")
def seed_personas(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print the catalog of named personas present in every seeded registry."""
    from seed import PERSONAS

    if as_json:
        rows = [
            {
                "key": p.key,
                "registry": p.registry,
                "identifier": p.identifier,
                "name": p.name,
                "covers": p.covers,
            }
            for p in PERSONAS
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="Personas (present in every seed, fixed identifiers)")
    # Keys and identifiers are what one copies: never cut (the other columns wrap).
    table.add_column("key", no_wrap=True, min_width=max(len(p.key) for p in PERSONAS))
    table.add_column("registry")
    table.add_column("identifier", no_wrap=True, min_width=max(len(p.identifier) for p in PERSONAS))
    for column in ("name", "edge case"):
        table.add_column(column, overflow="fold")
    for p in PERSONAS:
        table.add_row(p.key, p.registry, p.identifier, p.name, p.covers)
    console.print(table)
