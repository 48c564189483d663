"""Your own model: a good state_dict drives every page; a wrong file gets a message and changes
nothing."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest
import torch

import rnnviz
from explorer.app.upload import MAX_UPLOAD_BYTES
from tests.support.app_support import assert_clean, charts, heatmaps, open_app, texts


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
    "a plain pickle": (pickle.dumps({"x": NotAModel()}), "Python objects"),
    "a corrupt zip": (b"PK\x03\x04" + b"\x00" * 64, "not a file saved by torch.save"),
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
