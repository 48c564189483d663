"""Look inside an uploaded torch.save file before torch.load touches it: the zip's entries and what
its pickle declares, so nothing the file claims (sizes, strides, storages) can make the server
allocate more than the upload cap.

torch.save writes a zip of *stored* (uncompressed) entries: `<name>/data.pkl` (the pickle of the
object, tensors as persistent ids naming a storage record), `<name>/data/<key>` (the raw storages)
and a few small records. The pickle is read by a restricted Unpickler whose globals are stand-ins:
nothing of torch runs and no number is read; each tensor becomes a TensorSpec (storage, offset,
size, stride) that is checked against the storage record that really is in the zip.
"""

from __future__ import annotations

import collections
import io
import math
import pickle
import re
import struct
import zipfile
from dataclasses import dataclass

import rnnviz

MAX_ENTRIES = 512  # an 8-layer bidirectional LSTM has 64 tensors
MAX_PICKLE_BYTES = 1024 * 1024  # the pickle of such a state_dict is a few KB
# zipfile makes one object per central-directory entry: bound the directory before it reads it.
MAX_DIRECTORY_BYTES = 100 * 1024  # torch's entries take ~70 bytes each
MAX_DIMS = 8
# Names torch.save writes, under one top-level folder.
_NAME = re.compile(
    r"[A-Za-z0-9_.\-]{1,100}/(data\.pkl|byteorder|version|\.format_version|\.storage_alignment"
    r"|\.data/version|\.data/serialization_id|data/[0-9]{1,9})"
)
# torch.<X>Storage -> (dtype name, bytes per element); only the first four are weights.
STORAGES = {
    "FloatStorage": ("float32", 4),
    "DoubleStorage": ("float64", 8),
    "HalfStorage": ("float16", 2),
    "BFloat16Storage": ("bfloat16", 2),
    "LongStorage": ("int64", 8),
    "IntStorage": ("int32", 4),
    "ShortStorage": ("int16", 2),
    "CharStorage": ("int8", 1),
    "ByteStorage": ("uint8", 1),
    "BoolStorage": ("bool", 1),
    "ComplexFloatStorage": ("complex64", 8),
    "ComplexDoubleStorage": ("complex128", 16),
}
FLOAT_DTYPES = ("float32", "float64", "float16", "bfloat16")
# torch._utils rebuilders of tensors the explorer cannot use, and why.
REFUSED = {
    "_rebuild_sparse_tensor": "a sparse tensor: save t.to_dense()",
    "_rebuild_sparse_csr": "a sparse tensor: save t.to_dense()",
    "_rebuild_meta_tensor_no_storage": "a tensor on the meta device (no numbers): save real weights",
    "_rebuild_qtensor": "a quantised tensor: save t.dequantize()",
    "_rebuild_wrapper_subclass": "a tensor subclass: save plain tensors",
    "_rebuild_device_tensor_from_numpy": "a tensor built from numpy: save plain tensors",
    "_rebuild_nested_tensor": "a nested tensor: save plain tensors",
}


class ArchiveError(rnnviz.RnnvizError):
    """The file is not a torch.save archive the explorer may load; the message says why."""


@dataclass(frozen=True)
class StorageSpec:
    key: str  # the record's name under data/
    dtype: str
    itemsize: int
    numel: int  # elements the pickle declares


@dataclass(frozen=True)
class TensorSpec:
    storage: StorageSpec
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def inspect_archive(data: bytes, cap_bytes: int) -> None:
    """Raise ArchiveError unless `data` is a torch.save zip whose every declared size fits."""
    _check_directory(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ArchiveError(
            "The file is not a complete zip archive (truncated, or not made by torch.save). Save "
            "the weights again with torch.save(rnn.state_dict(), 'rnn.pt')."
        ) from None
    records = _check_entries(entries, len(data), cap_bytes)
    pickles = [name for name in records if name.endswith("/data.pkl")]
    if len(pickles) != 1:
        raise ArchiveError("The archive has no data.pkl (or several): not a torch.save file.")
    folder = pickles[0][: -len("data.pkl")]
    if any(not name.startswith(folder) for name in records):
        raise ArchiveError("The archive's entries are not in one folder: not a torch.save file.")
    if records[pickles[0]].file_size > MAX_PICKLE_BYTES:
        raise ArchiveError(
            f"The file's pickle is {records[pickles[0]].file_size:,} bytes; a state_dict's is a "
            f"few KB (up to {MAX_PICKLE_BYTES:,} accepted)."
        )
    try:
        pickled = archive.read(pickles[0])
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ArchiveError("The archive's data.pkl cannot be read (corrupt file).") from None
    loaded, tensors = _read_pickle(pickled)
    names = {id(v): k for k, v in loaded.items()} if isinstance(loaded, dict) else {}
    for spec in tensors:
        _check_tensor(spec, names.get(id(spec), "a nested tensor"), records, folder, cap_bytes)


def _check_directory(data: bytes) -> None:
    """The entry count and central-directory size from the zip's end records (zip64's too, which
    torch.save writes), checked before zipfile builds an object per entry."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return  # no end record: zipfile says the file is not a complete zip
    count, size = struct.unpack_from("<HL", data, end + 10)
    locator = end - 20
    if (count == 0xFFFF or size == 0xFFFFFFFF) and data[locator : locator + 4] == b"PK\x06\x07":
        (record,) = struct.unpack_from("<Q", data, locator + 8)
        if data[record : record + 4] == b"PK\x06\x06" and record + 56 <= len(data):
            count, size = struct.unpack_from("<QQ", data, record + 32)
    if count > MAX_ENTRIES:
        raise ArchiveError(
            f"The archive has {count:,} entries; a state_dict has a few dozen "
            f"(up to {MAX_ENTRIES} accepted)."
        )
    if size > MAX_DIRECTORY_BYTES:
        raise ArchiveError(
            f"The archive's directory is {size:,} bytes; torch.save's takes a few KB "
            f"(up to {MAX_DIRECTORY_BYTES:,} accepted)."
        )


def _check_entries(entries, file_size: int, cap_bytes: int) -> dict[str, zipfile.ZipInfo]:
    if len(entries) > MAX_ENTRIES:
        raise ArchiveError(
            f"The archive has {len(entries):,} entries; a state_dict has a few dozen "
            f"(up to {MAX_ENTRIES} accepted)."
        )
    records, total = {}, 0
    for info in entries:
        name = info.filename
        if name in records:
            raise ArchiveError(f"The archive holds {name[:60]!r} twice: not a torch.save file.")
        if not _NAME.fullmatch(name):
            raise ArchiveError(
                f"The archive holds an entry torch.save does not write ({name[:60]!r}): "
                "not a torch.save file."
            )
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise ArchiveError(
                f"The archive's entry {name[:60]!r} is compressed; torch.save stores entries "
                "uncompressed. Save the file with torch.save directly (do not re-zip it)."
            )
        if info.flag_bits & 0x1:
            raise ArchiveError("The archive is encrypted: save it again with torch.save.")
        if info.header_offset + info.compress_size > file_size:
            raise ArchiveError("The archive declares entries past its end (truncated file).")
        total += info.file_size
        records[name] = info
    if total > cap_bytes:
        raise ArchiveError(
            f"The archive unpacks to {total / 2**20:,.1f} MB; the explorer takes up to "
            f"{cap_bytes / 2**20:.0f} MB."
        )
    return records


class _Unpickler(pickle.Unpickler):
    """Reads torch.save's pickle with stand-ins for its globals; anything else is refused."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self.tensors: list[TensorSpec] = []

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch" and name in STORAGES:
            return _StorageType(name)
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return self._rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch._utils" and name in REFUSED:
            raise ArchiveError(f"The file holds {REFUSED[name]}.")
        raise ArchiveError(
            f"This file holds Python objects besides tensors ({module[:40]}.{name[:40]}), which "
            "are not loaded for safety. Save only the weights: "
            "torch.save(rnn.state_dict(), 'rnn.pt')."
        )

    def persistent_load(self, pid):
        if (
            not isinstance(pid, tuple)
            or len(pid) != 5
            or pid[0] != "storage"
            or not isinstance(pid[1], _StorageType)
            or not isinstance(pid[2], str)
            or not isinstance(pid[4], int)
            or pid[4] < 0
        ):
            raise ArchiveError(
                "The file's pickle names a storage in a form torch.save never writes."
            )
        dtype, itemsize = STORAGES[pid[1].name]
        return StorageSpec(key=pid[2], dtype=dtype, itemsize=itemsize, numel=pid[4])

    def _rebuild_tensor(self, storage, offset, size, stride, *_rest):
        if (
            not isinstance(storage, StorageSpec)
            or not _is_int(offset)
            or not _int_tuple(size)
            or not _int_tuple(stride)
        ):
            raise ArchiveError(
                "The file's pickle describes a tensor in a form torch.save never writes."
            )
        spec = TensorSpec(storage, offset, tuple(size), tuple(stride))
        self.tensors.append(spec)
        return spec


@dataclass(frozen=True)
class _StorageType:
    name: str


def _rebuild_parameter(data, *_rest):
    return data  # nn.Parameter(tensor): the tensor is what is checked


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_tuple(value) -> bool:
    return isinstance(value, tuple) and len(value) <= MAX_DIMS and all(map(_is_int, value))


def _read_pickle(data: bytes):
    reader = _Unpickler(data)
    try:
        loaded = reader.load()
    except ArchiveError:
        raise
    except Exception:  # noqa: BLE001 - any malformed pickle gets the same advice
        raise ArchiveError(
            "The file's pickle is malformed (truncated or not written by torch.save)."
        ) from None
    return loaded, reader.tensors


def _check_tensor(spec: TensorSpec, name, records: dict, folder: str, cap_bytes: int) -> None:
    label = repr(name[:60]) if isinstance(name, str) else "a tensor"
    storage = spec.storage
    if storage.dtype not in FLOAT_DTYPES:
        raise ArchiveError(
            f"{label} holds {storage.dtype} numbers; RNN weights are floating-point "
            "(float16, bfloat16, float32 or float64)."
        )
    if len(spec.size) != len(spec.stride):
        raise ArchiveError(
            f"{label} declares {len(spec.size)} sizes but {len(spec.stride)} strides."
        )
    if any(n <= 0 for n in spec.size):
        raise ArchiveError(f"{label} has shape {spec.size}: RNN weights are never empty.")
    if any(s <= 0 for s in spec.stride) or spec.offset < 0:
        raise ArchiveError(
            f"{label} declares shape {spec.size} over strides {spec.stride}: a zero-stride "
            "(expanded) tensor. Save t.contiguous() instead."
        )
    elements = math.prod(spec.size)
    if elements * storage.itemsize > cap_bytes:
        raise ArchiveError(
            f"{label} declares {elements:,} numbers, more than the {cap_bytes / 2**20:.0f} MB "
            "upload cap holds."
        )
    last = spec.offset + sum((n - 1) * s for n, s in zip(spec.size, spec.stride, strict=True))
    if last >= storage.numel:
        raise ArchiveError(f"{label} reaches past the end of its storage (a corrupt file).")
    record = records.get(f"{folder}data/{storage.key}")
    if record is None or record.file_size != storage.numel * storage.itemsize:
        declared = storage.numel * storage.itemsize
        raise ArchiveError(
            f"{label}'s storage declares {declared:,} bytes but the archive holds "
            f"{0 if record is None else record.file_size:,}: a corrupt or forged file."
        )
