"""gunicorn settings, read from the working directory: ``gunicorn wsgi:app``.

Workers, bind address and timeouts keep gunicorn's own defaults and variables
(``WEB_CONCURRENCY``, ``PORT``, ``GUNICORN_CMD_ARGS``, or flags such as ``-w 2 -b 0.0.0.0:8000``).
"""

import os

from contest.ops.logs import gunicorn_logconfig

# gunicorn's own lines (boot, worker exits, timeouts) in the site's format, JSON in production;
# no access log of its own, since the app logs every request once, with its request id.
logconfig_dict = gunicorn_logconfig(os.environ)
