"""pixfuse.Recipe, pixfuse.stages and pixfuse.presets: composition, the C++ presets' parameters,
the recipe-file JSON format, pickling, and errors that name the argument."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

import pixfuse
from pixfuse import stages as S


@pytest.mark.parametrize("name", ["imagenet", "clip", "yolo"])
def test_python_presets_are_the_cpp_presets(name):
    assert getattr(pixfuse.presets, name)() == pixfuse._pixfuse._preset(name)


def test_preset_parameters():
    r = pixfuse.presets.imagenet(resize=232, crop=224, dtype=np.float16, layout="nhwc")
    stages = json.loads(r.to_json())["stages"]
    assert stages[1] == {"stage": "resize_shorter", "size": 232, "max_size": 0, "filter": "bilinear", "compat": "pil",
                         "antialias": True}
    assert stages[-2:] == [{"stage": "layout", "layout": "nhwc"}, {"stage": "cast", "dtype": "f16"}]
    assert json.loads(pixfuse.presets.yolo(320).to_json())["stages"][1]["width"] == 320


def test_stages_compose():
    a = S.to_rgb() | S.resize(64, 48) | S.nchw()
    b = pixfuse.Recipe([S.to_rgb(), S.resize(64, 48), S.nchw()])
    c = pixfuse.Recipe([S.to_rgb(), pixfuse.Recipe([S.resize(64, 48)]), S.nchw()])
    assert a == b == c and len(a) == 3 and a.stages[1] == S.resize(64, 48)
    assert (a | S.cast("uint8")) == pixfuse.Recipe(a.stages + [S.cast("u8")])
    assert "resize(64, 48, filter='bilinear', compat='pil', antialias=True)" in repr(a)


def test_json_round_trip_and_pickle():
    for r in (pixfuse.presets.imagenet(), pixfuse.presets.clip(), pixfuse.presets.yolo(),
              pixfuse.Recipe([S.crop(1, 2, 30, 40), S.hflip(), S.pad(1, 2, 3, 4, 7.5), S.rescale(0.5),
                              S.letterbox(96, 64, 0.0, scaleup=False, filter="area", compat="opencv", antialias=False),
                              S.normalize(S.over(127.5), 1.0, (0.5, 0.25, 0.125)), S.cast("bfloat16")])):
        text = r.to_json()
        assert json.loads(text)["pixfuse_recipe"] == 1
        assert pixfuse.Recipe.from_json(text) == r
        assert pickle.loads(pickle.dumps(r)) == r
        assert hash(pickle.loads(pickle.dumps(r))) == hash(r)


def test_json_errors_name_the_field():
    text = pixfuse.presets.imagenet().to_json().replace('"bilinear"', '"gauss"')
    with pytest.raises(pixfuse.Error, match=r"stages\[1\]\.filter"):
        pixfuse.Recipe.from_json(text)
    with pytest.raises(pixfuse.Error, match="not valid JSON"):
        pixfuse.Recipe.from_json("{")


@pytest.mark.parametrize("make, needle", [
    (lambda: S.resize(0, 10), "resize width"),
    (lambda: S.resize(10, 10, filter="gauss"), "filter: expected one of"),
    (lambda: S.resize_shorter(256, compat="numpy"), "compat: expected one of pil, torchvision, opencv, jax"),
    (lambda: S.center_crop(-1), "center_crop width"),
    (lambda: S.normalize(1.0, (1, 2, 3, 4, 5)), "normalize mean: expected 1 to 4 values"),
    (lambda: S.normalize(1.0, 0.0, 0.0), "normalize std"),
    (lambda: S.normalize("x"), "scale"),
    (lambda: S.over(0), "over"),
    (lambda: S.cast("float64"), "cast dtype"),
    (lambda: S.layout("chw"), "layout"),
    (lambda: pixfuse.Recipe([S.to_rgb(), "resize"]), "stages[1]"),
    (lambda: pixfuse.presets.imagenet(filter="nope"), "filter"),
])
def test_bad_stage_arguments(make, needle):
    with pytest.raises((ValueError, TypeError)) as info:
        make()
    assert needle in str(info.value)
