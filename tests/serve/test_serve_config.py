"""`rnnviz serve` without starting anything: the HAProxy config (stickiness, health checks,
redispatch, websockets), the worker command line, the flags' messages, the guidance lookup."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.app import guidance
from rnnviz.errors import RnnvizError
from rnnviz.serve import haproxy
from rnnviz.serve.cli import main
from rnnviz.serve.supervisor import backoff
from rnnviz.serve.workers import STREAMLIT_OPTIONS, app_script, worker_command

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = [haproxy.Backend("w1", "127.0.0.1", 8601), haproxy.Backend("w2", "127.0.0.1", 8602)]


def test_config_pins_sessions_by_cookie_and_checks_health():
    text = haproxy.config("127.0.0.1", 8600, BACKENDS)
    assert "bind 127.0.0.1:8600" in text
    assert f"cookie {haproxy.COOKIE} insert indirect nocache" in text
    assert "option httpchk GET /_stcore/health" in text
    assert "option redispatch" in text
    assert "timeout tunnel 1h" in text  # idle websockets stay open
    assert "timeout check 10s" in text and "fall 3" in text  # busy is not dead
    assert "server w1 127.0.0.1:8601 cookie w1" in text
    assert "server w2 127.0.0.1:8602 cookie w2" in text
    assert "balance source" not in text  # one NAT address must still spread


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed")
def test_haproxy_accepts_the_config(tmp_path):
    text = haproxy.config("127.0.0.1", 8600, BACKENDS, admin_socket=tmp_path / "admin.sock")
    assert f"stats socket {tmp_path / 'admin.sock'} mode 600 level admin" in text
    path = haproxy.write_config(tmp_path, text)
    binary = haproxy.find_haproxy()
    check = subprocess.run(haproxy.check_command(binary, path), capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_backend_flag_is_parsed_or_refused():
    assert haproxy.parse_backend("10.0.0.5:8601", 1) == haproxy.Backend("r1", "10.0.0.5", 8601)
    assert haproxy.parse_backend("[::1]:9000", 2) == haproxy.Backend("r2", "::1", 9000)
    for bad in ("10.0.0.5", "host:port", ":8601", "h:70000", "a b:1"):
        with pytest.raises(RnnvizError, match="--backend"):
            haproxy.parse_backend(bad, 1)


def test_worker_command_spells_out_every_option():
    command = worker_command(8601)
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(command[4]) == app_script() == ROOT / "explorer" / "main.py"
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert options["--server.address"] == "127.0.0.1"
    assert options["--server.port"] == "8601"
    for name, value in STREAMLIT_OPTIONS.items():
        assert options[f"--{name}"] == value
    assert options["--server.maxUploadSize"] == "20"
    assert options["--client.showErrorDetails"] == "none"


def test_backoff_grows_and_is_capped():
    assert [backoff(n) for n in range(1, 8)] == [0, 1, 2, 4, 8, 16, 30]
    assert backoff(50) == 30


def run_cli(*args: str) -> tuple[int, str]:
    process = subprocess.run(
        [sys.executable, "-m", "rnnviz.serve", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    return process.returncode, process.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--workers", "-1"], "--workers must be between 0 and 64"),
        (["--port", "70000"], "--port must be between 1 and"),
        (["--workers", "0"], "--workers 0 needs at least one --backend"),
        (["--backend", "nowhere"], "--backend 'nowhere' is not HOST:PORT"),
        (["--no-balancer", "--backend", "h:1"], "--backend needs the balancer"),
        (["--host", " "], "--host ' ' is not an address"),
        (["--host", "0.0.0.0#x"], "--host '0.0.0.0#x' is not an address"),  # a comment in the cfg
        (["--worker-host", "127.0.0.1#"], "--worker-host '127.0.0.1#' is not an address"),
        (["--haproxy", "/nonexistent/haproxy"], "apt-get install -y haproxy"),
    ],
)
def test_bad_flags_say_one_line_and_exit_2(args, said):
    code, stderr = run_cli(*args)
    assert code == 2
    assert said in stderr
    assert stderr.startswith("rnnviz serve: error: ") and stderr.count("\n") == 1
    assert "Traceback" not in stderr


def test_missing_haproxy_says_how_to_install(monkeypatch, capsys):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(haproxy.os, "access", lambda *_: False)
    assert main(["--workers", "1"]) == 2
    assert capsys.readouterr().err.strip() == (f"rnnviz serve: error: {haproxy.INSTALL_HINT}")


def test_print_config_for_a_balancer_on_another_machine(capsys):
    argv = ["--workers", "0", "--backend", "10.0.0.5:8601", "--backend", "10.0.0.6:8601"]
    assert main([*argv, "--host", "0.0.0.0", "--port", "80", "--print-config"]) == 0
    text = capsys.readouterr().out
    assert "bind 0.0.0.0:80" in text
    assert "server r1 10.0.0.5:8601 cookie r1" in text
    assert "server r2 10.0.0.6:8601 cookie r2" in text


def test_guidance_is_read_through_importlib_resources_in_a_checkout():
    folder = guidance.assets_folder()
    names = sorted(p.stem for p in (ROOT / "assets").glob("*.md"))
    assert names
    for name in names:
        assert folder.joinpath(f"{name}.md").read_text(encoding="utf-8") == (
            ROOT / "assets" / f"{name}.md"
        ).read_text(encoding="utf-8")
