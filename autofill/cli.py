"""The `autofill` command: seed, forms, keys, signing, audit (main.py adds `serve`)."""

from __future__ import annotations

import typer

from autofill.forms_cli import app as forms_app
from autofill.keys_cli import app as keys_app
from autofill.seed_cli import seed_app
from autofill.signing_cli import audit_app, signing_app

app = typer.Typer(
    help="Autofill: prefill for Vietnamese online service forms.", no_args_is_help=True
)


@app.callback()
def main() -> None:
    """Autofill: prefill for Vietnamese online service forms."""


# Sub-commands: each feature adds its Typer app here.
app.add_typer(seed_app, name="seed")
app.add_typer(forms_app, name="forms")
app.add_typer(keys_app, name="keys")
app.add_typer(signing_app, name="signing")
app.add_typer(audit_app, name="audit")
