"""`rnnviz serve`: a classroom server. N Streamlit worker processes of the explorer behind HAProxy
(websockets, cookie-sticky sessions, health checks, redispatch), kept alive by a supervisor.

    python -m rnnviz.serve --workers 2 --port 8600     # or `rnnviz serve ...`

Layout: workers.py (how one worker is started), haproxy.py (the balancer's config and binary),
supervisor.py (start, watch, restart, stop everything), cli.py (flags, `register(subparsers)`).
"""
