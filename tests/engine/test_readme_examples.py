"""README.md's examples, run: every ```python block in order in one namespace, compared with the
output block shown after it and with the values its comments claim; every shell example of the
CLI section, compared with its shown output. An example whose output changes fails here.

The rules (and `<!-- no-run -->`) are in tests/support/readme_examples.py; they read any README, so
examples added later are checked without touching this file.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.readme_examples import (
    NO_CLAIM,
    compare_text,
    inline_literal,
    parse_blocks,
    python_blocks,
    run_python,
    shell_examples,
)

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI_SECTION = "CLI"
PYTHON = python_blocks(README)
SHELL = shell_examples(README, CLI_SECTION)


@pytest.fixture(scope="module")
def namespace(tmp_path_factory):
    """One namespace for all python blocks, as a reader running them in one session has; run in a
    scratch folder, so files an example writes do not land in the checkout."""
    import torch

    before, cwd = torch.get_num_threads(), os.getcwd()
    os.chdir(tmp_path_factory.mktemp("readme-python"))
    try:
        yield {"__name__": "__readme__"}
    finally:
        os.chdir(cwd)
        torch.set_num_threads(before)


@pytest.mark.parametrize("index", range(len(PYTHON)), ids=[b.where for b in PYTHON])
def test_python_example(index, namespace):
    block = PYTHON[index]
    shown = run_python(block, namespace)
    if block.output is not None:
        compare_text(shown, block.output.text, block.where)


@pytest.fixture(scope="module")
def shell_dir(tmp_path_factory):
    """A scratch folder whose PATH has `rnnviz` = this checkout's `python -m rnnviz`."""
    folder = tmp_path_factory.mktemp("readme-shell")
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    script = bin_dir / "rnnviz"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m rnnviz "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
    }
    return folder, env


@pytest.mark.parametrize("index", range(len(SHELL)), ids=[f"README.md:{e.line}" for e in SHELL])
def test_cli_shell_example(index, shell_dir):
    example = SHELL[index]
    folder, env = shell_dir
    run = subprocess.run(["bash", "-c", "set -o pipefail\n" + example.command], cwd=folder,
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=300)  # fmt: skip
    where = f"README.md:{example.line}: $ {example.command}"
    if example.output is None:
        assert run.returncode == 0, f"{where}\n{run.stdout[-2000:]}"
    else:
        compare_text(run.stdout, example.output, where)


def test_the_readme_has_examples_of_each_kind():
    """The harness found something to check (a parsing slip would make every test vacuous)."""
    assert len(PYTHON) >= 3 and sum(b.output is not None for b in PYTHON) >= 2
    assert any(e.output for e in SHELL) and any(e.output is None for e in SHELL)


SAMPLE = """## API

```python
x = 1.23456
x  # 1.2346 (rounded)
[x, 2]
```

```
[1.235, 2]
```

<!-- no-run -->
```python
raise SystemExit("must not run")
```

## CLI

```
$ echo 3.14159
3.142
```
"""


def test_the_harness_fails_when_an_output_changes():
    blocks = python_blocks(SAMPLE)
    assert len(blocks) == 1 and blocks[0].output is not None  # the no-run block is left out
    shown = run_python(blocks[0], {})
    compare_text(shown, blocks[0].output.text, "sample")  # as written: passes
    with pytest.raises(AssertionError, match="shows '1.234'"):
        compare_text(shown, "[1.234, 2]", "sample")
    with pytest.raises(AssertionError, match="shown"):
        compare_text(shown, "[1.235, 2, 3]", "sample")
    with pytest.raises(AssertionError, match="the comment says 1.2345"):
        run_python(parse_blocks(SAMPLE.replace("# 1.2346", "# 1.2345"))[0], {})
    assert inline_literal("x  # 3 layers") is NO_CLAIM and inline_literal("y  # (6, 32): s") == (
        6,
        32,
    )
    (example,) = shell_examples(SAMPLE, "CLI")
    assert example.command == "echo 3.14159" and example.output == "3.142\n"
    with pytest.raises(AssertionError):
        compare_text("3.15\n", example.output, "sample")
