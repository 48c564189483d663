"""Your own model: a good state_dict drives every page; a wrong file gets a message and changes
nothing; a hostile file (one that declares more than it holds) is refused from what it declares,
with the server's peak memory measured."""

from __future__ import annotations

import io
import json
import os
import pickle
import re
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest
import torch

import rnnviz
from explorer.app.upload import MAX_UPLOAD_BYTES, UploadError, read_model
from tests.support.app_support import ROOT, assert_clean, charts, heatmaps, open_app, texts
from tests.support.hostile_files import HOSTILE, forged_pickle, hostile_files, lstm_parts, torch_zip


def saved(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def lstm_file(hidden: int = 5, layers: int = 1) -> tuple[bytes, dict]:
    torch.manual_seed(0)
    rnn = torch.nn.LSTM(input_size=3, hidden_size=hidden, num_layers=layers)
    return saved(rnn.state_dict()), rnn.state_dict()


def upload(at, name: str, data: bytes):
    at.get("file_uploader")[0].upload(name, data).run()
    return at


def test_an_uploaded_lstm_drives_the_pages():
    data, state_dict = lstm_file(hidden=5)
    at = upload(open_app("model"), "my-lstm.pt", data)
    assert_clean(at)
    assert any("LSTM, H=5, D=3" in s for s in texts(at, "success"))
    assert at.sidebar.selectbox(key="cell").value == "lstm"
    assert at.sidebar.selectbox(key="cell").disabled
    assert at.sidebar.number_input(key="hidden").value == 5
    assert any("your uploaded model (LSTM, H=5" in c for c in texts(at, "caption"))

    from streamlit.navigation.page import calc_hash

    at._page_hash = calc_hash("states")  # noqa: SLF001
    at.run()
    assert_clean(at)
    h_map = np.asarray(heatmaps(at)[0]["z"])
    expected = rnnviz.unroll("John lives in Salt Lake City", state_dict=state_dict).h
    np.testing.assert_allclose(h_map, expected[:, 0, 0, :].T, rtol=1e-9, atol=1e-12)

    at._page_hash = calc_hash("compare")  # noqa: SLF001
    at.run()
    assert_clean(at)
    assert any("random weights" in i for i in texts(at, "info"))

    at._page_hash = calc_hash("model")  # noqa: SLF001
    at.run()
    at.button(key="forget").click().run()
    assert "own_model" not in at.session_state
    assert not at.sidebar.selectbox(key="cell").disabled


def test_a_whole_models_dict_with_one_rnn_inside_is_accepted():
    torch.manual_seed(1)
    gru = torch.nn.GRU(input_size=4, hidden_size=6)
    whole = {f"encoder.rnn.{k}": v for k, v in gru.state_dict().items()}
    whole["head.weight"] = torch.zeros(2, 6)
    at = upload(open_app("model"), "model.pth", saved(whole))
    assert_clean(at)
    assert at.session_state["own_model"]["config"]["cell"] == "gru"


class NotAModel:
    pass


BAD_FILES = {
    "garbage bytes": (b"\x00\x01garbage" * 100, "not a file saved by torch.save"),
    "empty file": (b"", "empty"),
    "a plain pickle": (pickle.dumps({"x": NotAModel()}), "plain Python pickle"),
    "a corrupt zip": (b"PK\x03\x04" + b"\x00" * 64, "not a complete zip"),
    "a pickled module": (saved(torch.nn.Linear(2, 2)), "Python objects"),
    "a list": (saved([torch.zeros(2)]), "not a state_dict"),
    "non-tensors": (saved({"a": 1, "b": "two"}), "not a tensor"),
    "wrong shapes": (
        saved({"weight_ih_l0": torch.zeros(4, 3), "weight_hh_l0": torch.zeros(5, 5)}),
        "weight_hh_l0",
    ),
    "too big for the explorer": (saved(torch.nn.RNN(2, 300).state_dict()), "300"),
    "over the size cap": (b"\x00" * (MAX_UPLOAD_BYTES + 1), "20 MB"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_wrong_file_is_refused_and_the_previous_model_stays(name):
    good, _ = lstm_file(hidden=4)
    at = upload(open_app("model", query={"seed": "5"}), "good.pt", good)
    assert at.session_state["own_model"]["config"]["hidden_size"] == 4
    data, phrase = BAD_FILES[name]
    at.get("file_uploader")[0].clear()
    at = upload(at, "bad.pt", data)
    assert not at.exception
    errors = texts(at, "error")
    assert errors and phrase in errors[0], errors
    assert at.session_state["own_model"]["config"]["hidden_size"] == 4
    assert at.session_state["seed"] == 5
    assert any("still in use" in c for c in texts(at, "caption"))


def test_a_wrong_file_without_a_previous_model_keeps_random_weights():
    at = upload(open_app("model", query={"cell": "gru"}), "x.pt", b"not torch")
    assert not at.exception and texts(at, "error")
    assert "own_model" not in at.session_state
    assert at.session_state["cell"] == "gru"
    assert not charts(at)


# --- Hostile files: refused from what they declare, before anything is allocated -------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Every hostile file (built once: the deflated one takes a few seconds), also on disk."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch deprecates quantised tensors
        files = hostile_files()
    assert tuple(files) == HOSTILE  # the parametrised tests below see every one
    folder = tmp_path_factory.mktemp("hostile")
    for index, (data, _) in enumerate(files.values()):
        (folder / f"{index}.pt").write_bytes(data)
    return files, folder


def test_a_forged_file_in_torch_format_loads_like_torch_save():
    """The forger writes what torch.save writes: the hostile files differ only where they lie."""
    entries, records = lstm_parts()
    data = torch_zip(forged_pickle(entries), records)
    torch.manual_seed(0)
    expected = torch.nn.LSTM(3, 4).state_dict()
    loaded = torch.load(io.BytesIO(data), weights_only=True)
    assert all(torch.equal(loaded[k], expected[k]) for k in expected)
    assert read_model(data, "forged.pt")["summary"] == "LSTM, H=4, D=3, 1 layer(s)"


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_is_refused_with_its_reason(hostile, name):
    data, phrase = hostile[0][name]
    with pytest.raises(UploadError, match=re.escape(phrase)):
        read_model(data, "hostile.pt")


def test_the_deflated_file_is_small_and_declares_300m_elements(hostile):
    data, _ = hostile[0]["deflated 300M-element tensor"]
    assert len(data) < 1.5 * 2**20
    member = zipfile.ZipFile(io.BytesIO(data)).getinfo("archive/data/99")
    assert member.file_size == 1_200_000_000 and member.compress_type == zipfile.ZIP_DEFLATED


RSS_PROBE = """
import json, resource, sys, warnings
from pathlib import Path
from explorer.app.upload import UploadError, read_model
warnings.simplefilter("ignore")
read_model(Path(sys.argv[1]).read_bytes(), "good.pt")  # warm: imports, the probe unroll
def rss():
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize()
resting = rss()
try:
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to now
    reset = True
except OSError:
    reset = False
refused = {}
for path in sys.argv[2:]:
    try:
        read_model(Path(path).read_bytes(), "hostile.pt")
        refused[path] = None
    except UploadError as exc:
        refused[path] = str(exc)
if reset:
    status = Path("/proc/self/status").read_text()
    peak = int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1]) * 1024
else:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"resting": resting, "peak": peak, "refused": refused}))
"""


def test_refusing_hostile_files_keeps_peak_memory_under_twice_resting(hostile, tmp_path):
    files, folder = hostile
    good = tmp_path / "good.pt"
    good.write_bytes(lstm_file(hidden=4)[0])
    paths = [str(folder / f"{index}.pt") for index in range(len(files))]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, str(good), *paths],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for path, (name, (_, phrase)) in zip(paths, files.items(), strict=True):
        assert result["refused"][path] and phrase in result["refused"][path], name
    assert result["peak"] < 2 * result["resting"], result


@pytest.mark.parametrize("name", HOSTILE)
def test_the_page_refuses_a_hostile_file_and_keeps_the_previous_model(hostile, name):
    good, _ = lstm_file(hidden=4)
    at = upload(open_app("model"), "good.pt", good)
    data, phrase = hostile[0][name]
    at.get("file_uploader")[0].clear()
    at = upload(at, "hostile.pt", data)
    assert not at.exception
    errors = texts(at, "error")
    assert errors and phrase in errors[0], errors
    assert at.session_state["own_model"]["config"]["hidden_size"] == 4
    assert any("still in use" in c for c in texts(at, "caption"))
