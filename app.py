"""The application factory: a table of contents of register_* steps."""
import gc
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import INSTANCE_DIR, Config


def create_app(config_object=Config) -> Flask:
    """Build the Artel application with config_object's settings."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=True)
    app.config.from_object(config_object)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    register_models()
    register_converters(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_periodic_tasks()
    if app.config["GC_FREEZE"]:
        # The app's modules, mappers and templates live as long as the process: moved out of the cycle
        # collector's reach, they are not walked again by every full collection a request sets off (a
        # page of head office's dashboard spent a fifth of its time there).
        gc.freeze()
    return app


def register_models() -> None:
    """Import every domain's models, so that cross-domain foreign keys always resolve."""
    import clients.models  # noqa: F401
    import core.models  # noqa: F401
    import dispatch.models  # noqa: F401
    import franchise.models  # noqa: F401
    import leads.models  # noqa: F401
    import orders.models  # noqa: F401
    import orders.tally  # noqa: F401  (counts an order's tally again whenever its marks are flushed)
    import playbook.models  # noqa: F401
    import ratings.models  # noqa: F401
    import royalty.models  # noqa: F401
    import workers.models  # noqa: F401


def register_periodic_tasks() -> None:
    """Import the modules whose tasks run every tick beside the job worker (core.queue.every_tick)."""
    import core.outbox  # noqa: F401  (the relay)
    import dispatch.sweep  # noqa: F401  (reminders, alerts, and work a killed job left undone)
    import leads.jobs  # noqa: F401  (leads whose branch let the SLA run out go on to the next)


def register_converters(app: Flask) -> None:
    from core.fields import IdConverter

    app.url_map.converters["int"] = IdConverter  # ids beyond PostgreSQL's integer are a 404, never a 500


def register_extensions(app: Flask) -> None:
    from core import i18n, openapi, queue, security
    from extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "core.login"
    login_manager.login_message = i18n.lazy_gettext("Please log in to see this page.")
    csrf.init_app(app)
    i18n.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    openapi.init_app(app)
    queue.init_app(app)


def register_blueprints(app: Flask) -> None:
    import clients.routes  # noqa: F401  (routes attach themselves to the blueprints)
    import core.routes  # noqa: F401
    import dispatch.routes  # noqa: F401
    import franchise.routes  # noqa: F401
    import leads.api  # noqa: F401
    import leads.routes  # noqa: F401
    import orders.routes  # noqa: F401
    import playbook.routes  # noqa: F401
    import ratings.routes  # noqa: F401
    import royalty.routes  # noqa: F401
    import workers.api  # noqa: F401
    import workers.routes  # noqa: F401
    from clients import bp as clients_bp
    from core import api_bp as core_api_bp
    from core import bp as core_bp
    from dispatch import bp as dispatch_bp
    from dispatch import sms_bp
    from extensions import api, csrf
    from franchise import api_bp as franchise_api_bp
    from franchise import bp as franchise_bp
    from leads import api_bp as leads_api_bp
    from leads import bp as leads_bp
    from leads import voice_bp
    from orders import api_bp as orders_api_bp
    from orders import bp as orders_bp
    from playbook import bp as playbook_bp
    from ratings import bp as ratings_bp
    from royalty import bp as royalty_bp
    from workers import api_bp as workers_api_bp
    from workers import bp as workers_bp

    for bp in (core_bp, franchise_bp, workers_bp, clients_bp, orders_bp, ratings_bp, leads_bp, royalty_bp, playbook_bp,
               sms_bp, voice_bp, dispatch_bp):
        app.register_blueprint(bp)
    csrf.exempt(sms_bp)  # Twilio signs these requests; there is no session to forge
    csrf.exempt(voice_bp)
    csrf.exempt("leads.routes.web_form")  # the public web form is posted from other sites, with no session to forge
    for bp in (core_api_bp, franchise_api_bp, workers_api_bp, orders_api_bp, leads_api_bp):
        csrf.exempt(bp)  # bearer tokens, never cookies: nothing to forge (core.auth.api_requires: 401 before input)
        api.register_blueprint(bp, url_prefix="/api/v1" + (bp.url_prefix or ""))


def register_request_hooks(app: Flask) -> None:
    from flask import g

    from core.auth import bind_request_identity

    app.before_request(bind_request_identity)

    @app.teardown_request
    def _forget_identity(exc=None):
        for key in ("tenant_scope", "audit_actor_id", "audit_actor_label", "api_token", "_login_user", "all_skills"):
            g.pop(key, None)


def register_errorhandlers(app: Flask) -> None:
    from core.errors import init_app

    init_app(app)


def register_template_helpers(app: Flask) -> None:
    from core.templating import init_app

    init_app(app)
    if app.config["TEMPLATE_BYTECODE_CACHE"]:
        # Each process compiles a template the first time it renders it (head office's dashboard: 140 ms of its
        # first view); Jinja keeps the compiled code on disk, keyed by the template's source, so a new process
        # loads it instead. An edited template compiles again.
        from jinja2 import FileSystemBytecodeCache

        cache_dir = Path(app.config["TEMPLATE_BYTECODE_CACHE"])
        cache_dir.mkdir(parents=True, exist_ok=True)
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(cache_dir))


def register_commands(app: Flask) -> None:
    from core import commands
    from demo import commands as demo_commands
    from royalty import commands as royalty_commands

    commands.register(app)
    demo_commands.register(app)
    royalty_commands.register(app)
