"""``application`` for uwsgi/gunicorn:
``gunicorn 'mistral_clone.api.wsgi:application'``. The config file comes from
MISTRAL_CLONE_CONFIG (default: none, the embedded defaults)."""

import os

from mistral_clone import config
from mistral_clone.api import app as api_app
from mistral_clone.db import migration

_files = [f for f in os.environ.get("MISTRAL_CLONE_CONFIG", "").split(",")
          if f]
config.parse_args([], default_config_files=_files)
if not config.CONF.database.connection:
    migration.upgrade()
application = api_app.setup_app()
