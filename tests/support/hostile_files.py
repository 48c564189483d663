"""Helpers that build hostile upload files at test time (no tests here, no blobs in the repo).

Forged files are written the way torch.save writes them: a zip of stored entries with a protocol-2
pickle whose tensors are `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` over
persistent ids ("storage", torch.<X>Storage, key, "cpu", numel). Here the pickle's sizes and the
records in the zip are whatever the test says, so a 1 KB file can declare a 16 TB tensor.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import zipfile
from dataclasses import dataclass

import torch

CHUNK = 16 * 2**20


@dataclass
class Storage:
    type_name: str  # "FloatStorage", ...
    key: str
    numel: int  # what the pickle declares


@dataclass
class Tensor:
    storage: Storage
    size: tuple[int, ...]
    stride: tuple[int, ...]
    offset: int = 0

    def __reduce__(self):
        args = (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict())
        return torch._utils._rebuild_tensor_v2, args  # noqa: SLF001 - what torch.save writes


class RunsCode:
    """Unpickled, this would run a command: the classic malicious pickle."""

    def __reduce__(self):
        return os.system, ("echo pwned",)


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", getattr(torch, obj.type_name), obj.key, "cpu", obj.numel)
        return None


def forged_pickle(obj) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def torch_zip(pickled: bytes, records: dict, deflated: dict | None = None) -> bytes:
    """A torch.save-style zip: archive/data.pkl, the records under archive/data/ (bytes), and
    `deflated` records (key -> number of zero bytes) written compressed, streamed in chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", pickled)
        archive.writestr("archive/byteorder", "little")
        for key, data in records.items():
            archive.writestr(f"archive/data/{key}", data)
        for key, zeros in (deflated or {}).items():
            info = zipfile.ZipInfo(f"archive/data/{key}")
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                chunk = bytes(CHUNK)
                for start in range(0, zeros, CHUNK):
                    member.write(chunk[: min(CHUNK, zeros - start)])
        archive.writestr("archive/version", "3\n")
    return buffer.getvalue()


def saved(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def lstm_parts() -> tuple[dict, dict]:
    """A real LSTM(3, 4) state_dict as forged Tensors, and their storage records."""
    torch.manual_seed(0)
    entries, records = {}, {}
    for index, (name, value) in enumerate(torch.nn.LSTM(3, 4).state_dict().items()):
        key = str(index)
        records[key] = value.numpy().tobytes()
        storage = Storage("FloatStorage", key, value.numel())
        entries[name] = Tensor(storage, tuple(value.shape), tuple(value.stride()))
    return entries, records


def with_extra(extra: Tensor, records: dict | None = None, deflated: dict | None = None) -> bytes:
    """An LSTM(3, 4) state_dict plus one forged tensor "extra"."""
    entries, real = lstm_parts()
    entries["extra"] = extra
    return torch_zip(forged_pickle(entries), {**real, **(records or {})}, deflated)


HOSTILE = (
    "deflated 300M-element tensor",
    "zero-stride 4e12 elements",
    "3 GB storage",
    "storage larger than its record",
    "sparse tensor",
    "meta tensor",
    "quantised tensor",
    "zero-width tensors",
    "integer weights",
    "too many entries",
    "huge directory",
    "zip bomb",
    "truncated zip",
    "path traversal entry",
    "entries in two folders",
    "duplicate entry",
    "pickle with a global",
    "legacy pickle",
)


def _with_entry(data: bytes, name: str, content: bytes) -> bytes:
    """A copy of a zip with one more stored entry, named as given (zipfile keeps odd names)."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name), content)
    return buffer.getvalue()


def hostile_files() -> dict[str, tuple[bytes, str]]:
    """name -> (file bytes, a phrase the refusal must contain). The deflate one takes a few s."""
    good = saved(torch.nn.LSTM(3, 4).state_dict())
    quantised = torch.quantize_per_tensor(torch.zeros(16, 4), 0.1, 0, torch.qint8)
    lstm = torch.nn.LSTM(3, 4).state_dict()
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        archive.writestr("archive/data.pkl", forged_pickle({}))
        for index in range(5000):
            archive.writestr(f"archive/data/{index}", b"")
    long_names = io.BytesIO()  # few entries, but a central directory of ~0.5 MB
    with zipfile.ZipFile(long_names, "w") as archive:
        archive.writestr("archive/data.pkl", forged_pickle({}))
        for index in range(500):
            archive.writestr(f"archive/{index:0>1000}", b"")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("archive/data.pkl", forged_pickle({}))
        with archive.open("archive/data/0", "w") as member:
            for _ in range(40):
                member.write(bytes(CHUNK))  # 640 MB of zeros in well under 1 MB
    return {
        "deflated 300M-element tensor": (
            with_extra(
                Tensor(Storage("FloatStorage", "99", 300_000_000), (300_000_000,), (1,)),
                deflated={"99": 1_200_000_000},
            ),
            "compressed",
        ),
        "zero-stride 4e12 elements": (
            with_extra(
                Tensor(Storage("FloatStorage", "99", 1), (2_000_000, 2_000_000), (0, 0)),
                records={"99": bytes(4)},
            ),
            "zero-stride",
        ),
        "3 GB storage": (
            with_extra(
                Tensor(Storage("FloatStorage", "99", 750_000_000), (750_000_000,), (1,)),
                records={"99": bytes(16)},
            ),
            "750,000,000 numbers",
        ),
        "storage larger than its record": (
            with_extra(
                Tensor(Storage("FloatStorage", "99", 1000), (1000,), (1,)),
                records={"99": bytes(16)},
            ),
            "forged",
        ),
        "sparse tensor": (saved({**lstm, "weight_hh_l0": torch.eye(16, 4).to_sparse()}), "sparse"),
        "meta tensor": (saved({**lstm, "weight_hh_l0": torch.zeros(16, 4, device="meta")}), "meta"),
        "quantised tensor": (saved({**lstm, "weight_hh_l0": quantised}), "quantised"),
        "zero-width tensors": (
            saved({"weight_ih_l0": torch.zeros(0, 3), "weight_hh_l0": torch.zeros(0, 0)}),
            "never empty",
        ),
        "integer weights": (saved({**lstm, "weight_hh_l0": torch.zeros(16, 4).int()}), "int32"),
        "too many entries": (many.getvalue(), "5,001 entries"),
        "huge directory": (long_names.getvalue(), "directory is"),
        "zip bomb": (bomb.getvalue(), "compressed"),
        "truncated zip": (good[: len(good) // 2], "not a complete zip"),
        "path traversal entry": (
            _with_entry(good, "archive/../../home/user/.bashrc", b"echo pwned"),
            "does not write",
        ),
        "entries in two folders": (_with_entry(good, "other/data/7", bytes(4)), "one folder"),
        "duplicate entry": (_with_entry(good, "archive/data/0", bytes(64)), "twice"),
        "pickle with a global": (
            torch_zip(forged_pickle({"weight_ih_l0": RunsCode()}), {}),
            "Python objects",
        ),
        "legacy pickle": (pickle.dumps({"weight_ih_l0": RunsCode()}), "plain Python pickle"),
    }
