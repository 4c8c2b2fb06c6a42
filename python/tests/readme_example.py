"""The README's three-line Python example on the bundled photos, checked bit-exact against the
tensors Pillow + torchvision give (fixtures/expected.npz); CI runs it against `pip install .`.

    python python/tests/readme_example.py examples/data
"""

import sys
from pathlib import Path

import numpy as np

import pixfuse

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/data")
paths = sorted(str(p) for p in folder.iterdir() if p.suffix in (".jpg", ".png"))

# --- the README's example ---
batch = pixfuse.preprocess(paths, pixfuse.presets.imagenet())
tensor = batch.array  # (5, 3, 224, 224) float32, no copy
# ---

with np.load(Path(__file__).parent / "fixtures" / "expected.npz") as expected:
    for row, path in zip(tensor, paths):
        wanted = expected[f"imagenet/{Path(path).name}"]
        if not np.array_equal(row.view(np.uint32), wanted.view(np.uint32)):
            sys.exit(f"readme_example: {path}: differs from torchvision's tensor")
print(f"readme_example: {len(paths)} tensors bit-exact with Pillow + torchvision "
      f"(pixfuse {pixfuse.__version__} from {Path(pixfuse.__file__).parent}, target {pixfuse.active_target()})")
