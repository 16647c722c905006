"""HTTP security headers and the content security policy."""
from extensions import talisman

# Pages load only what the product serves itself; map tiles may come from OpenStreetMap.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:", "https://*.tile.openstreetmap.org"],
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_app(app) -> None:
    https = app.config["PUBLIC_BASE_URL"].startswith("https")
    talisman.init_app(
        app,
        force_https=False,  # TLS ends at the proxy; PUBLIC_BASE_URL says whether it is there
        strict_transport_security=https,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
    )
