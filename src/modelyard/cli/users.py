"""``modelyard users``: administrators manage user accounts."""

from __future__ import annotations

from pathlib import Path

import typer

from modelyard.cli.common import DataDirOption, load_settings, unit_of_work
from modelyard.core.identity import service
from modelyard.core.identity.schemas import UserCreate

app = typer.Typer(help="Manage users.", no_args_is_help=True)


@app.command("create")
def create(
    email: str = typer.Argument(..., help="the user's email, also their login"),
    admin: bool = typer.Option(False, "--admin", help="make the user a modelyard administrator"),
    name: str | None = typer.Option(None, help="first name"),
    surname: str | None = typer.Option(None, help="surname"),
    token: bool = typer.Option(True, "--token/--no-token", help="also issue an API token"),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Create a user (and print an API token for it, shown once)."""
    with unit_of_work(load_settings(data_dir)) as session:
        user = service.create_user(
            session, UserCreate(email=email, name=name, surname=surname, is_admin=admin)
        )
        issued = (
            service.issue_token(session, user.email, description="users create") if token else None
        )
    typer.echo(f"Created user {user.email} ({user.id}){' as administrator' if admin else ''}.")
    if issued is not None:
        typer.echo(f"Token {issued.token}")
