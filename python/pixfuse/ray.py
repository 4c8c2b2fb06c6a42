"""A callable class for Ray Data's map_batches: preprocessing on an actor pool.

    import ray, pixfuse, pixfuse.ray
    ds = ray.data.read_binary_files("s3://bucket/images/", include_paths=True)
    ds = ds.map_batches(pixfuse.ray.Preprocessor, fn_constructor_args=(pixfuse.presets.imagenet(),),
                        batch_size=64, compute=ray.data.ActorPoolStrategy(size=4), num_cpus=2)

map_batches gets the class and its arguments: each actor builds one Preprocessor, whose plan
cache then lives as long as the actor. (An instance works too, as a stateless function.)

Each batch comes back with every column it had, plus "tensor" ((N, C, H, W), one row per
input, zeros where an image failed), "ok" (bool) and "error" (None, or the reason naming the
file). One bad file never kills an actor. threads=None uses the CPUs Ray assigned to the
actor (num_cpus), so actors x threads stays within the cluster's CPUs. fast_decode and
region_decode are preprocess()'s.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Union

import numpy as np

from . import Recipe, _decode_mode, _run, available_cpus

__all__ = ["Preprocessor"]


def _assigned_cpus() -> int:
    try:
        import ray

        if ray.is_initialized():
            cpus = ray.get_runtime_context().get_assigned_resources().get("CPU")
            if cpus:
                return max(1, int(round(cpus)))
    except Exception:  # noqa: BLE001 - outside Ray, or an older Ray: the process's CPUs
        pass
    return available_cpus()


class Preprocessor:
    """Ray Data map_batches callable: batch[column] (encoded bytes, paths or arrays) -> batch + "tensor",
    "ok", "error". Errors name the row's "path" column when the batch has one."""

    def __init__(self, recipe: Recipe, column: str = "bytes", threads: Optional[int] = None, *,
                 fast_decode: Union[bool, str] = False, region_decode: bool = True) -> None:
        if not isinstance(recipe, Recipe):
            raise TypeError(f"recipe: expected a pixfuse.Recipe, got {type(recipe).__name__}")
        _decode_mode(fast_decode)  # a bad value fails here, not in every actor's first batch
        self.recipe = recipe
        self.column = column
        self.threads = threads
        self.fast_decode = fast_decode
        self.region_decode = region_decode

    def __call__(self, batch: Dict[str, Any]) -> Dict[str, Any]:
        if self.column not in batch:
            raise KeyError(f"pixfuse.ray.Preprocessor: column {self.column!r} not in the batch "
                           f"(columns: {sorted(batch)})")
        data = batch[self.column]
        n = len(data)
        out = dict(batch)
        if n == 0:
            out["tensor"] = np.zeros((0,), np.float32)
            out["ok"] = np.zeros(0, bool)
            out["error"] = np.array([], dtype=object)
            return out
        paths = batch.get("path")
        names = None
        if paths is not None and len(paths) == n and self.column != "path":
            names = [str(p) for p in paths]
        threads = self.threads if self.threads is not None else _assigned_cpus()
        result = _run(list(data), self.recipe, threads, "mark", self.fast_decode, names=names,
                      region_decode=self.region_decode)
        out["tensor"] = result.array
        out["ok"] = result.ok
        out["error"] = np.array([None if e is None else e.message for e in result.errors], dtype=object)
        return out

    def __repr__(self) -> str:
        return (f"pixfuse.ray.Preprocessor({self.recipe!r}, column={self.column!r}, threads={self.threads!r}, "
                f"fast_decode={self.fast_decode!r}, region_decode={self.region_decode!r})")
