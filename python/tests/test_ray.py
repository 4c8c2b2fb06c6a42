"""Ray Data on a local cluster: read_binary_files over the bundled photos plus a corrupt file,
map_batches with pixfuse.ray.Preprocessor on an actor pool; every row is bit-identical to the
in-process result, and the corrupt row is marked with an error naming its path.

Needs ray[data] (cmake/install-deps.sh --python installs it); in CI a missing Ray fails the test
rather than skipping it.
"""

from __future__ import annotations

import os
import pickle
import shutil

import numpy as np
import pytest

# No network, checked with strace (every connect() goes to 127.0.0.1): usage statistics off;
# Ray local-only, so the node is 127.0.0.1 and no public address is probed for the node's IP;
# HTTP through a closed local port, because Ray's head still asks cloud metadata servers
# (169.254.169.254) what it runs on when statistics are off.
os.environ.update({"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
                   "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
                   "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
                   "no_proxy": "localhost,127.0.0.1", "NO_PROXY": "localhost,127.0.0.1"})

import pixfuse  # noqa: E402
import pixfuse.ray  # noqa: E402
from conftest import assert_bit_exact  # noqa: E402

if os.environ.get("CI"):
    import ray  # noqa: E402  (CI installs it: never skip there)
    import ray.data  # noqa: E402
else:
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")


@pytest.fixture(scope="module")
def cluster():
    # 2 logical CPUs: the read tasks and two actors of 0.5 CPU each fit (actors of 1 CPU would
    # leave the read task none and the pipeline would wait forever).
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=256 << 20, logging_level="warning",
             log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


@pytest.fixture()
def folder(tmp_path, photos):
    for p in photos:
        shutil.copy(p, tmp_path / p.name)
    (tmp_path / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"this is not a JPEG" * 10)
    return tmp_path


def test_preprocessor_pickles_and_runs_in_process(photos):
    pre = pixfuse.ray.Preprocessor(pixfuse.presets.imagenet(), column="data", threads=1)
    back = pickle.loads(pickle.dumps(pre))
    assert back.recipe == pre.recipe and back.column == "data" and back.threads == 1
    batch = {"data": np.array([p.read_bytes() for p in photos[:2]] + [b"junk"], dtype=object),
             "path": np.array([str(p) for p in photos[:2]] + ["junk.jpg"]), "label": np.arange(3)}
    out = back(batch)
    assert set(out) == {"data", "path", "label", "tensor", "ok", "error"}
    assert out["tensor"].shape == (3, 3, 224, 224) and out["ok"].tolist() == [True, True, False]
    assert out["error"][0] is None and "junk.jpg" in out["error"][2]
    assert out["label"] is batch["label"], "other columns pass through"
    with pytest.raises(KeyError, match="column 'bytes' not in the batch"):
        pixfuse.ray.Preprocessor(pixfuse.presets.imagenet())({"data": batch["data"]})


def test_preprocessor_decode_options(photos):
    # fast_decode / region_decode as preprocess() takes them, kept through pickling; a bad
    # mode fails when the class is built, not in an actor.
    recipe = pixfuse.presets.imagenet()
    pre = pickle.loads(pickle.dumps(pixfuse.ray.Preprocessor(recipe, column="data", threads=1, fast_decode="pil",
                                                             region_decode=False)))
    assert pre.fast_decode == "pil" and pre.region_decode is False
    data = [p.read_bytes() for p in photos[:3]]
    out = pre({"data": np.array(data, dtype=object)})
    assert np.array_equal(out["tensor"], pixfuse.preprocess(data, recipe, fast_decode="pil").array)
    with pytest.raises(ValueError, match="fast_decode: expected False, True or 'pil', got 'yes'"):
        pixfuse.ray.Preprocessor(recipe, fast_decode="yes")


def test_map_batches_on_an_actor_pool(cluster, folder, expected):
    recipe = pixfuse.presets.imagenet()
    ds = ray.data.read_binary_files(str(folder), include_paths=True)
    ds = ds.map_batches(pixfuse.ray.Preprocessor, fn_constructor_args=(recipe,), batch_size=2,
                        compute=ray.data.ActorPoolStrategy(size=2), num_cpus=0.5)
    rows = {os.path.basename(r["path"]): r for r in ds.take_all()}
    assert sorted(rows) == sorted(p.name for p in folder.iterdir())

    names = sorted(n for n in rows if n != "corrupt.jpg")
    local = pixfuse.preprocess([str(folder / n) for n in names], recipe)
    for k, name in enumerate(names):
        row = rows[name]
        assert row["ok"] and row["error"] is None, row["error"]
        tensor = np.asarray(row["tensor"])
        assert_bit_exact(tensor, local.array[k], f"{name}: Ray vs in-process")
        assert_bit_exact(tensor, expected[f"imagenet/{name}"], f"{name}: Ray vs Pillow + torchvision")

    bad = rows["corrupt.jpg"]
    assert not bad["ok"]
    assert str(folder / "corrupt.jpg") in bad["error"] or bad["path"] in bad["error"], bad["error"]
    assert not np.asarray(bad["tensor"]).any()
