"""Your own model: read an uploaded torch nn.RNN/LSTM/GRU state_dict safely, or say what is wrong.

Before torch.load sees the file, `upload_archive.inspect_archive` checks the zip's entries and
every size its pickle declares against the 20 MB cap (a 1 KB file can declare a 16 TB tensor).
torch.load then runs with weights_only=True (no code in the file can run) and map_location="cpu".
The result is kept in this session's st.session_state only, never in a shared cache.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import warnings

import torch

import rnnviz
from explorer.app import budget
from explorer.app.controls import MAX_HIDDEN, MAX_INPUT, MAX_LAYERS
from explorer.app.upload_archive import ArchiveError, inspect_archive
from rnnviz.models import rnn_entries
from rnnviz.names import CELL_TITLES

MAX_UPLOAD_MB = 20
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
PROBE_TEXT = "John lives in Salt Lake City"
NOT_TORCH = (
    "This is not a file saved by torch.save. Save the weights with "
    "torch.save(rnn.state_dict(), 'rnn.pt') and upload that .pt file."
)
LEGACY = (
    "This is a plain Python pickle (or torch's legacy format), whose sizes cannot be checked "
    "before loading, so it is not loaded for safety. Load it in Python and save it again with "
    "torch.save(rnn.state_dict(), 'rnn.pt') (the default zip format)."
)


class UploadError(rnnviz.RnnvizError):
    """The uploaded file is not a usable RNN state_dict; the message says what to do."""


def read_model(data: bytes, name: str) -> dict:
    """The session's record of an uploaded model: name, digest, state_dict, config, summary."""
    if not data:
        raise UploadError(
            "The file is empty. Save one with torch.save(rnn.state_dict(), 'rnn.pt')."
        )
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"The file is {len(data) / 2**20:.1f} MB; the explorer takes up to {MAX_UPLOAD_MB} MB. "
            "Use the Python API (rnnviz.unroll(text, state_dict=...)) for bigger models."
        )
    state_dict = rnn_entries(_load(data))  # a whole model's dict: its one RNN's own entries
    info = rnnviz.infer_config(state_dict)
    _check_caps(info)
    config = {k: info[k] for k in ("cell", "hidden_size", "input_size", "num_layers")}
    config["bidirectional"] = bool(info["bidirectional"])
    record = {
        "name": name,
        "digest": hashlib.sha256(data).hexdigest(),
        "state_dict": state_dict,
        "config": config,
        "summary": _summary(name, config),
    }
    _probe(state_dict)
    return record


def _load(data: bytes) -> dict:
    # torch.save writes a zip archive; the legacy format (and any plain pickle) starts with 0x80.
    if data.startswith(b"\x80"):
        raise UploadError(LEGACY)
    if not data.startswith(b"PK\x03\x04"):
        raise UploadError(NOT_TORCH)
    try:
        inspect_archive(data, MAX_UPLOAD_BYTES)  # every declared size fits before anything is read
    except ArchiveError as exc:
        raise UploadError(str(exc)) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except pickle.UnpicklingError:
        raise UploadError(
            "This file holds Python objects besides tensors (a whole pickled model?), which are "
            "not loaded for safety. Save only the weights: torch.save(rnn.state_dict(), 'rnn.pt')."
        ) from None
    except Exception:  # noqa: BLE001 - any unreadable file gets the same advice
        raise UploadError(NOT_TORCH) from None
    if not isinstance(loaded, dict):
        raise UploadError(
            f"The file holds a {type(loaded).__name__}, not a state_dict (a dict of tensors)."
        )
    # A file cannot carry an autograd graph: saved nn.Parameters are just their numbers here.
    return {
        k: v.detach() if isinstance(v, torch.Tensor) and v.requires_grad else v
        for k, v in loaded.items()
    }


def _check_caps(info: dict) -> None:
    limits = (("hidden_size", MAX_HIDDEN), ("input_size", MAX_INPUT), ("num_layers", MAX_LAYERS))
    for field_name, cap in limits:
        if info[field_name] > cap:
            raise UploadError(
                f"The model's {field_name} is {info[field_name]}; the explorer shows up to {cap}. "
                "Use the Python API (rnnviz.unroll(text, state_dict=...)) for bigger models."
            )
    budget.check(info, PROBE_TEXT)  # the explorer's limit on the per-step Jacobian size


def _probe(state_dict: dict) -> None:
    """Run a short sentence through the model now, so a file that cannot run is refused here
    (and the previous settings stay) rather than breaking every page afterwards."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rnnviz.unroll(PROBE_TEXT, state_dict=state_dict)


def _summary(name: str, config: dict) -> str:
    cell = CELL_TITLES[config["cell"]]
    layout = f"{config['num_layers']} layer(s)" + (
        ", bidirectional" if config["bidirectional"] else ""
    )
    return f"{cell}, H={config['hidden_size']}, D={config['input_size']}, {layout}"
