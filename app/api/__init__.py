"""The HTTP API: upload meetings, follow their progress, approve bookings, chat, metrics (FastAPI).

``create_app(settings)`` (:mod:`app.api.main`) builds the app from one router per resource
(:mod:`app.api.routes`), typed dependencies (:mod:`app.api.deps`), the error model (:mod:`app.api.errors`),
auth (:mod:`app.api.security`) and the upload limit (:mod:`app.api.limits`); ``serve(settings)`` runs it.
"""

from app.api.main import create_app, serve
from app.api.security import check_bind, is_loopback

__all__ = ["check_bind", "create_app", "is_loopback", "serve"]
