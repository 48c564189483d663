"""CLI input and output that cannot hurt: `--text-file` refuses devices, FIFOs, folders and huge
files at once; stdout that cannot take the result (ASCII-only, a full disk) ends in one line and a
non-zero status; a reader that leaves (`| head`) ends quietly with status 0. Real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnnviz.cli.textfile import MAX_TEXT_BYTES

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "rnnviz"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


def run_cli(*args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("capture_output", True)
    return subprocess.run([*CLI, *args], text=True, timeout=timeout, env=ENV, **kwargs)


def assert_one_line_error(run: subprocess.CompletedProcess, status: int, phrase: str) -> None:
    assert run.returncode == status, run.stderr
    assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1, run.stderr
    assert phrase in run.stderr, run.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_without_reading_it():
    assert_one_line_error(run_cli("trace", "--text-file", "/dev/zero"), 2, "is a device")


def test_a_fifo_with_no_writer_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # Opening it for reading would wait for a writer forever; the timeout would catch a hang.
    assert_one_line_error(run_cli("trace", "--text-file", str(fifo), timeout=30), 2, "is a FIFO")


def test_a_folder_is_refused(tmp_path):
    assert_one_line_error(run_cli("trace", "--text-file", str(tmp_path)), 2, "is a folder")


def test_a_huge_sparse_file_is_refused_without_reading_it(tmp_path):
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as handle:
        handle.truncate(50 * 1024**3)  # 50 GB on paper, nothing on disk
    run = run_cli("trace", "--text-file", str(huge), timeout=30)
    assert_one_line_error(run, 2, "is larger than 10 MB, the limit")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_stdin_is_cut_at_the_cap():
    with open("/dev/zero", "rb") as zeros:
        run = run_cli("trace", "--text-file", "-", stdin=zeros, timeout=60)
    assert_one_line_error(run, 2, "stdin is larger than 10 MB, the limit")


def test_a_file_at_the_cap_is_read_and_one_byte_more_is_not(tmp_path, capsys):
    """The cap is exact: cap bytes are text (here refused later for its token count), cap + 1 not."""
    from rnnviz.cli import main

    at_cap = tmp_path / "at_cap.txt"
    at_cap.write_bytes(b"a " * (MAX_TEXT_BYTES // 2))
    assert main(["trace", "--text-file", str(at_cap)]) == 2
    assert "5,242,880 tokens, more than --max-tokens=10,000" in capsys.readouterr().err
    over = tmp_path / "over.txt"
    over.write_bytes(b"a " * (MAX_TEXT_BYTES // 2) + b"a")
    assert main(["trace", "--text-file", str(over)]) == 2
    assert "larger than 10 MB" in capsys.readouterr().err


def test_not_utf8_and_unreadable_files_say_so(tmp_path, capsys):
    from rnnviz.cli import main

    latin = tmp_path / "latin1.txt"
    latin.write_bytes("café".encode("latin-1"))
    assert main(["trace", "--text-file", str(latin)]) == 2
    assert "is not UTF-8 text" in capsys.readouterr().err


def test_ascii_only_stdout_with_non_ascii_tokens_ends_in_one_line():
    env = {**ENV, "PYTHONIOENCODING": "ascii"}
    for output in (["--format", "csv"], [], ["--graph", "cell"]):
        run = subprocess.run([*CLI, "trace", "--text", "naïve café 東京", *output],
                             capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
        assert_one_line_error(run, 1, "stdout's encoding (ascii) cannot write")
        assert run.stdout == ""  # nothing half-written
    plain = subprocess.run([*CLI, "trace", "--text", "plain words", "--format", "csv"],
                           capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
    assert plain.returncode == 0 and plain.stdout.startswith("t,token,")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_ends_in_one_line_and_status_1():
    with open("/dev/full", "w") as full:
        run = run_cli("trace", "--text", "John lives in Salt Lake City", stdout=full,
                      stderr=subprocess.PIPE, capture_output=False)  # fmt: skip
    assert run.returncode == 1
    assert run.stderr == "rnnviz trace: error: cannot write to stdout (No space left on device).\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    ("args", "prog"),
    [(["--help"], "rnnviz"), (["--version"], "rnnviz"), (["lab", "--help"], "rnnviz lab")],
)
def test_help_to_a_full_disk_is_an_error_too(args, prog):
    """argparse prints help and --version itself and exits 0; the write failed, so: 1 and a line."""
    with open("/dev/full", "w") as full:
        run = run_cli(*args, stdout=full, stderr=subprocess.PIPE, capture_output=False)
    assert run.returncode == 1
    assert run.stderr == f"{prog}: error: cannot write to stdout (No space left on device).\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["trace", "--text", ""], ["trace", "--hiden-size", "3"]])
def test_bad_input_keeps_status_2_when_stderr_cannot_be_written(args):
    """The one-line error cannot be written; the status still says bad input, no traceback."""
    with open("/dev/full", "w") as full:
        run = run_cli(*args, stdout=subprocess.PIPE, stderr=full, capture_output=False)
    assert run.returncode == 2 and run.stdout == ""


def test_a_reader_that_leaves_early_is_not_an_error():
    """`rnnviz trace ... | head -1`: the rest of the output meets a closed pipe; status 0, quiet."""
    words = " ".join(f"w{i}" for i in range(3000))
    process = subprocess.Popen([*CLI, "trace", "--text", words, "--table", "states", "--format",
                                "csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)  # fmt: skip
    first = process.stdout.readline()
    process.stdout.close()  # the reader leaves with megabytes still to come
    _, err = process.communicate(timeout=120)
    assert first.startswith(b"t,token,layer")
    assert process.returncode == 0 and err == b""
