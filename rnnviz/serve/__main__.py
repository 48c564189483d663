"""`python -m rnnviz.serve --workers 2 --port 8600`: the same as `rnnviz serve`."""

import sys

from rnnviz.serve.cli import main

sys.exit(main())
