"""Where the explorer app is and the Streamlit settings it runs with, for `rnnviz ui` and every
`rnnviz serve` worker: found inside the installed package, never relative to a checkout."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from rnnviz.errors import RnnvizError

# What .streamlit/config.toml says, for runs that do not read it (why each: see that file).
STREAMLIT_SETTINGS = (
    ("server.maxUploadSize", "20"),  # MB; uploads are one RNN's state_dict
    ("server.runOnSave", "false"),
    ("server.showEmailPrompt", "false"),  # the first-run prompt would wait on stdin
    ("browser.gatherUsageStats", "false"),
    ("client.toolbarMode", "minimal"),  # no "Deploy" button in front of a lecture hall
    ("client.showErrorDetails", "none"),
    ("theme.base", "light"),
)


def app_script() -> Path:
    """explorer/main.py inside the installed explorer package (`rnnviz ui` and `rnnviz serve`)."""
    spec = importlib.util.find_spec("explorer")  # finds the package without importing it
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise RnnvizError("the explorer package is not installed: pip install rnnviz (or -e .).")
    package = Path(locations[0]).resolve()
    if (package / "main.py").is_file():
        return package / "main.py"
    raise RnnvizError(f"{package / 'main.py'} not found: reinstall rnnviz.")
