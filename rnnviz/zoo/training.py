"""Train one zoo model (`train_one`): seeded, one thread, torch's fused modules in float32, then ship.

One function per trial so a distributed runner can submit them (see `rnnviz.zoo.train`, the CLI).
It writes `<name>.pt` (a flat state_dict of float32 tensors: `embedding`, `rnn.*`, `head.*`) and
`<name>.json` (featuriser or vocabulary, labels, held-out metrics, how it was trained).
"""

from __future__ import annotations

import json
import math
import platform
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnviz.zoo import charlm_data, tagger_data
from rnnviz.zoo.features import WordFeaturizer, char_ids
from rnnviz.zoo.registry import TAGS, ModelSpec, spec

MODELS_DIR = Path(__file__).resolve().parent / "models"
_RNN = {"elman": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _rnn(s: ModelSpec) -> nn.Module:
    return _RNN[s.cell](s.input_size, s.hidden_size, bidirectional=s.bidirectional)


def train_one(name: str, seed: int = 0, out_dir: str | None = None, **options) -> dict:
    """Train the zoo model `name` with `seed` (options override its spec.train); ship it to out_dir
    (default: the package's models/). Returns its held-out metrics, the seconds it took and `path`."""
    s = spec(name)
    opts = {**s.train, **options}
    torch.manual_seed(seed)
    random.seed(seed)
    torch.set_num_threads(int(opts.pop("threads", 1)))
    start = time.perf_counter()
    trainer = _train_tagger if s.kind == "tagger" else _train_charlm
    state, meta, metrics = trainer(s, seed, opts)
    seconds = time.perf_counter() - start
    out = Path(out_dir) if out_dir else MODELS_DIR
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.pt"
    torch.save({k: v.detach().to(torch.float32).contiguous() for k, v in state.items()}, path)
    meta.update(
        name=name,
        kind=s.kind,
        cell=s.cell,
        hidden_size=s.hidden_size,
        input_size=s.input_size,
        bidirectional=s.bidirectional,
        metrics=metrics,
        training={
            "seed": seed,
            "options": opts,
            "seconds": round(seconds, 1),
            "command": f"python -m rnnviz.zoo.train --only {name}",
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    )
    (out / f"{name}.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
    return {"name": name, "seed": seed, "seconds": round(seconds, 1), "path": str(path), **metrics}


def train_trial(trial: dict) -> dict:
    """`train_one(**trial)` in the shape `rnnviz.distributed.run_trials` calls (one dict)."""
    return train_one(**trial)


def _schedule(opt, steps: int, lr: float):
    """Cosine decay to a tenth of the rate: steady late steps without tuning a schedule per cell."""
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(k, steps) / steps))
    )


# ---- taggers -------------------------------------------------------------------------------------


def _tagger_vocab(train) -> tuple[str, ...]:
    """Lowercase words seen at least 3 times, mostly outside names and places (the filler)."""
    outside, inside = Counter(), Counter()
    for tokens, tags in train:
        for word, tag in zip(tokens, tags, strict=True):
            (outside if tag == "O" else inside)[word.lower()] += 1
    return tuple(sorted(w for w, n in outside.items() if n >= 3 and n >= 2 * inside[w]))


class _TaggerNet(nn.Module):
    def __init__(self, s: ModelSpec, featurizer: WordFeaturizer):
        super().__init__()
        self.bag = nn.EmbeddingBag(featurizer.size, s.input_size, mode="sum")
        self.rnn = _rnn(s)
        self.head = nn.Linear(2 * s.hidden_size, len(TAGS))

    def forward(self, ids, offsets, weights, lengths):
        x = self.bag(ids, offsets, per_sample_weights=weights)  # (sum T, D)
        rows = torch.split(x, lengths)
        padded = nn.utils.rnn.pad_sequence(list(rows))  # (T_max, B, D)
        packed = pack_padded_sequence(padded, torch.tensor(lengths), enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out)  # (T_max, B, 2H)
        return self.head(out)


def _tag_batch(net, featurizer, batch, forget: float = 0.0, rng=None):
    ids, offsets, weights = featurizer.batch([tokens for tokens, _ in batch], forget, rng)
    lengths = [len(tokens) for tokens, _ in batch]
    logits = net(ids, offsets, weights, lengths)
    gold = nn.utils.rnn.pad_sequence(
        [torch.tensor([TAGS.index(t) for t in tags]) for _, tags in batch], padding_value=-100
    )
    return logits, gold


def _tagger_accuracy(net, featurizer, data) -> dict:
    net.eval()
    right = total = ent_right = ent_total = 0
    with torch.no_grad():
        for k in range(0, len(data), 256):
            logits, gold = _tag_batch(net, featurizer, data[k : k + 256])
            pred = logits.argmax(-1)
            mask = gold != -100
            right += int((pred == gold)[mask].sum())
            total += int(mask.sum())
            ent = mask & (gold != 0)
            ent_right += int((pred == gold)[ent].sum())
            ent_total += int(ent.sum())
    net.train()
    return {"token_accuracy": right / total, "entity_token_accuracy": ent_right / ent_total}


def _train_tagger(s: ModelSpec, seed: int, opts: dict):
    train = tagger_data.sentences(int(opts["sentences"]), seed)
    held_out = tagger_data.sentences(2000, seed + 1000, held_out=True)
    featurizer = WordFeaturizer(_tagger_vocab(train))
    net = _TaggerNet(s, featurizer)
    steps, batch, lr = int(opts["steps"]), int(opts["batch"]), float(opts["lr"])
    forget = float(opts.get("forget", 0.0))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = _schedule(opt, steps, lr)
    rng = random.Random(seed)
    for _ in range(steps):
        logits, gold = _tag_batch(net, featurizer, rng.sample(train, batch), forget, rng)
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(TAGS)), gold.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
    metrics = {
        f"held_out_{k}": round(v, 4) for k, v in _tagger_accuracy(net, featurizer, held_out).items()
    }
    metrics["held_out_sentences"] = len(held_out)
    state = {"embedding": net.bag.weight, **_prefixed(net)}
    meta = {"labels": list(TAGS), "featurizer": featurizer.to_json()}
    return state, meta, metrics


def _prefixed(net) -> dict:
    state = {f"rnn.{k}": v for k, v in net.rnn.state_dict().items()}
    state.update({f"head.{k}": v for k, v in net.head.state_dict().items()})
    return state


# ---- character language models -------------------------------------------------------------------


class _CharNet(nn.Module):
    def __init__(self, s: ModelSpec, vocab_size: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, s.input_size)
        self.rnn = _rnn(s)
        self.head = nn.Linear(s.hidden_size, vocab_size)

    def forward(self, ids, state=None):
        out, state = self.rnn(self.embed(ids), state)
        return self.head(out), state, out


def _bits_per_char(net, ids: np.ndarray, streams: int = 16, chunk: int = 256) -> float:
    """Held-out bits per character, reading the text as `streams` contiguous pieces, state carried."""
    net.eval()
    usable = (len(ids) - 1) // streams * streams
    x = torch.tensor(ids[:usable].reshape(streams, -1).T.copy())
    y = torch.tensor(ids[1 : usable + 1].reshape(streams, -1).T.copy())
    total, state = 0.0, None
    with torch.no_grad():
        for k in range(0, x.shape[0], chunk):
            logits, state, _ = net(x[k : k + chunk], state)
            total += float(
                nn.functional.cross_entropy(
                    logits.flatten(0, 1), y[k : k + chunk].flatten(), reduction="sum"
                )
            )
    net.train()
    return total / y.numel() / math.log(2)


def _train_charlm(s: ModelSpec, seed: int, opts: dict):
    text = charlm_data.read_text(charlm_data.source_files(held_out=False))
    held_text = charlm_data.read_text(charlm_data.source_files(held_out=True))
    vocab = tuple(charlm_data.build_vocab(text))
    ids = np.asarray(char_ids(vocab, text), dtype=np.int64)
    held = np.asarray(
        char_ids(vocab, held_text[: int(opts.get("eval_chars", 200_000))]), dtype=np.int64
    )
    net = _CharNet(s, len(vocab))
    steps, batch, seq_len = int(opts["steps"]), int(opts["batch"]), int(opts["seq_len"])
    lr = float(opts["lr"])
    tar = float(opts.get("tar", 0.0))
    tv = float(opts.get("tv", 0.0))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = _schedule(opt, steps, lr)
    # Stateful truncated backprop (as Karpathy's char-rnn): B streams read the text on, each chunk
    # starting from the state the last one left, so the state learns to carry what the text is
    # inside of (a docstring, a bracket) past one chunk, and reading long texts stays in range.
    gen = np.random.default_rng(seed)
    position = gen.integers(0, len(ids), size=batch)
    windows = np.arange(seq_len + 1)
    state = None
    for step in range(steps):
        if step % 1000 == 0:
            print(f"{s.name}: step {step}/{steps}", file=sys.stderr, flush=True)
        chunk = torch.from_numpy(ids[(position[None, :] + windows[:, None]) % len(ids)])
        position = (position + seq_len) % len(ids)
        logits, state, out = net(chunk[:-1], state)
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        loss = nn.functional.cross_entropy(logits.flatten(0, 1), chunk[1:].flatten())
        # Each penalty takes its own difference, as the shipped weights were trained: a shared node
        # could sum the gradients in another order, and retraining might no longer match bit for bit.
        if tar:  # temporal activation regularisation (Merity et al. 2017): h moves only if it must
            loss = loss + tar * (out[1:] - out[:-1]).pow(2).mean()
        if tv:  # total variation (L1 of the same steps): a unit moves in few, sharp jumps
            loss = loss + tv * (out[1:] - out[:-1]).abs().mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
    metrics = {
        "held_out_bits_per_char": round(_bits_per_char(net, held), 4),
        "held_out_chars": int(len(held)),
        "train_chars": int(len(ids)),
        "held_out_files": [p.name for p in charlm_data.source_files(held_out=True)],
    }
    state = {"embedding": net.embed.weight, **_prefixed(net)}
    return state, {"labels": list(vocab)}, metrics
