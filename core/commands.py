"""The flask CLI of core: users and API tokens, and the RQ worker."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from core import queue, service
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


@click.command("worker")
@click.argument("queues", nargs=-1, type=click.Choice(queue.QUEUES))
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked work horse for each.")
@click.option("--with-scheduler/--without-scheduler", default=True, show_default=True,
              help="Also move scheduled jobs (waves, retries) into their queues when they fall due.")
@with_appcontext
def worker_command(queues, burst, simple, with_scheduler):
    """Run an RQ worker inside this app on QUEUES (default: all of them, urgent first)."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it jobs run inside the web process.")
    worker_class = queue.AppSimpleWorker if simple else queue.AppWorker
    worker = worker_class(list(queues or queue.QUEUES), connection=queue.worker_connection(app), app=app)
    worker.work(burst=burst, with_scheduler=with_scheduler, logging_level="INFO")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(worker_command)
