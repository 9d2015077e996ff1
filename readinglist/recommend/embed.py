"""Sentence vectors from WordLlama, whose wheel carries its 256-d weights and tokenizer.

WordLlama's own ``WordLlama.load()`` looks for the tokenizer in a folder the wheel does not
have (``tokenizer/`` instead of the shipped ``tokenizers/``) and then downloads it from the
Hub. So the files are opened here, from the installed package, and nothing is ever fetched.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

DIM = 256
_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"


def _package_dir() -> Path | None:
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent


def available() -> bool:
    """True when WordLlama is installed with its weights (the ``recommend`` extra)."""
    root = _package_dir()
    return root is not None and (root / _WEIGHTS).is_file() and (root / _TOKENIZER).is_file()


@lru_cache(maxsize=1)
def _model() -> Any:
    from safetensors import safe_open
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    root = _package_dir()
    assert root is not None
    tokenizer = Tokenizer.from_file(str(root / _TOKENIZER))
    with safe_open(str(root / _WEIGHTS), framework="np", device="cpu") as f:
        table = f.get_tensor("embedding.weight")
    return WordLlamaInference(table, tokenizer)


def embed(texts: list[str], batch: int = 512) -> npt.NDArray[np.float16]:
    """Unit-length 256-d vectors (float16, as stored) for ``texts``."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIM), dtype=np.float16)
    model = _model()
    out = [
        np.asarray(model.embed(texts[i : i + batch], norm=True), dtype=np.float32)
        for i in range(0, len(texts), batch)
    ]
    vecs = np.vstack(out)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: npt.NDArray[np.float16] = (vecs / norms).astype(np.float16)
    return result
