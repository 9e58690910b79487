"""Saving and loading the detection model in the data directory (one file, replaced atomically).

The file is a pickle written by this installation's own `countermark detect retrain`; it is trusted
local state like the database, never something accepted from a user.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

from countermark.core.context import AppContext
from countermark.core.errors import NotFound
from countermark.detect.engine import FORMAT, DetectionModel

CACHE = "detect:model"


def model_path(data_dir: Path) -> Path:
    """Where the current detection model lives: <data_dir>/detect/model.pkl."""
    return Path(data_dir) / "detect" / "model.pkl"


def save_model(model: DetectionModel, path: Path) -> None:
    """Write the model next to its final place and move it there, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as handle:
        pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary = Path(handle.name)
    os.replace(temporary, path)


def load_model(path: Path) -> DetectionModel:
    """The saved model; NotFound with what to run when there is none."""
    if not path.exists():
        raise NotFound.of("no detection model yet: train one with `countermark detect retrain`")
    with path.open("rb") as handle:
        model = pickle.load(handle)
    if not isinstance(model, DetectionModel) or getattr(model, "format", None) != FORMAT:
        raise NotFound.of(
            "the saved detection model is from another version: run `countermark detect retrain`"
        )
    return model


def current_model(ctx: AppContext) -> DetectionModel:
    """The context's model, loaded once and kept until `forget_model`."""
    return ctx.cached(CACHE, lambda: load_model(model_path(ctx.settings.data_dir)))


def forget_model(ctx: AppContext) -> None:
    """Drop the loaded model (after a retrain) so the next request reads the new one."""
    ctx.forget(CACHE)
