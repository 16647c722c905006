"""The flask CLI: users, API tokens and demo data."""
import time

import click
from flask import Flask
from flask.cli import AppGroup

from core import service
from core.audit import set_actor
from core.models import ROLES, User
from extensions import db

users_cli = AppGroup("users", help="Create and list users, issue API tokens.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--franchise-id", type=int, default=None, help="Omit for head office.")
@click.option("--locale", type=click.Choice(["en", "ru"]), default="en")
@click.password_option()
def create_user_command(email, name, role, franchise_id, locale, password):
    """Create a user who can log in."""
    set_actor(None, label="cli")
    try:
        user = service.create_user(email, name, password, role, franchise_id, locale)
    except service.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.email} ({user.role}), id {user.id}.")


@users_cli.command("list")
def list_users_command():
    """List users with their role and franchise."""
    for user in db.session.scalars(db.select(User).order_by(User.id)):
        where = f"franchise {user.franchise_id}" if user.franchise_id else "head office"
        click.echo(f"{user.id:>5}  {user.email:<32} {user.role:<11} {where}")


@users_cli.command("token")
@click.argument("email", required=False)
@click.option("--name", default="cli", help="What the token is for.")
@click.option("--expires-days", type=int, default=None, help="Stop working after this many days (default: never).")
@click.option("--revoke", "revoke", metavar="ID_OR_PREFIX", default=None, help="Revoke this token instead.")
def token_command(email, name, expires_days, revoke):
    """Print a new API token for the user with EMAIL (shown once), or revoke one with --revoke."""
    set_actor(None, label="cli")
    if (email is None) == (revoke is None):
        raise click.UsageError("Give either EMAIL (to issue a token) or --revoke ID_OR_PREFIX.")
    try:
        if revoke is not None:
            token = service.find_token(revoke)
            service.revoke_token(token)
            click.echo(f"Revoked token {token.id} ({token.prefix}, {token.name}) of {token.user.email}.")
            return
        user = service.find_user(email)
        if user is None or not user.is_active:
            raise click.ClickException(f"No active user {email}.")
        click.echo(service.issue_token(user, name, expires_days))
    except service.UserError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("demo")
@click.option("--workers", default=2000, show_default=True, type=click.IntRange(0, 1_000_000))
@click.option("--franchises", default=12, show_default=True, type=click.IntRange(1, 1000))
@click.option("--clients", default=40, show_default=True, type=click.IntRange(0, 100_000))
@click.option("--seed", default=42, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when demo data is already there.")
def demo_command(workers, franchises, clients, seed, if_empty):
    """Generate a plausible network: regions, franchises, users, workers, clients, sites."""
    from core import demo

    set_actor(None, label="demo")
    if if_empty and demo.has_demo_data():
        click.echo("Demo data already present.")
        return
    started = time.perf_counter()
    try:
        counts = demo.generate(workers=workers, franchises=franchises, clients=clients, seed=seed, echo=click.echo)
    except demo.DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    click.echo(f"Demo data in {time.perf_counter() - started:.1f} s: {summary}.")
    click.echo(f"Logins (password {demo.DEMO_PASSWORD}):")
    for email, role, _where in demo.DEMO_USERS:
        click.echo(f"  {role:<11} {email}")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
