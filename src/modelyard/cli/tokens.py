"""``modelyard tokens``: administrators issue, list and revoke API tokens."""

from __future__ import annotations

from pathlib import Path

import typer

from modelyard.cli.common import DataDirOption, load_settings, unit_of_work
from modelyard.core.identity import service

app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)


@app.command("create")
def create(
    email: str = typer.Argument(..., help="the user the token acts as"),
    description: str | None = typer.Option(None, help="what the token is for"),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Issue a token; it is printed once and stored only as a hash."""
    with unit_of_work(load_settings(data_dir)) as session:
        issued = service.issue_token(session, email, description=description)
    typer.echo(f"Token id {issued.id} for {issued.user_email}:")
    typer.echo(f"Token {issued.token}")


@app.command("revoke")
def revoke(
    token: str = typer.Argument(..., help="the token id, or the token itself"),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Revoke a token; requests with it are refused from now on."""
    with unit_of_work(load_settings(data_dir)) as session:
        revoked = service.revoke_token(session, token)
    typer.echo(f"Revoked token {revoked.id} ({revoked.prefix}…) of {revoked.user_email}.")


@app.command("list")
def list_(
    email: str | None = typer.Option(None, help="only the tokens of this user"),
    data_dir: Path | None = DataDirOption,
) -> None:
    """List tokens (never their secrets)."""
    with unit_of_work(load_settings(data_dir)) as session:
        tokens = service.list_tokens(session, email)
    for row in tokens:
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
        typer.echo(f"{row.id}  {row.prefix}…  {row.user_email}  {state}  {row.description or ''}")
