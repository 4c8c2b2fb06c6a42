#!/usr/bin/env python3
"""GPU peers on the CUDA benchmark's workloads: torchvision's v2 functional transforms on CUDA
tensors (what a PyTorch user writes), CV-CUDA (PyPI cvcuda-cu13) and NVIDIA DALI (PyPI
nvidia-dali-cuda130), each reported as images/s, or "missing: <reason>" when the package
does not import or there is no GPU.

  imagenet: 64 u8 RGB photos (the sizes cuda_bench uses), resize shorter side 256
            (bilinear, antialiased), center crop 224, normalise, NCHW f32
  seeds:    32 f32 512x512x3 -> 224x224 bilinear, normalise, NCHW f32

torchvision's and CV-CUDA's inputs are already on the GPU (compare with cuda_bench's "device" line); DALI is
fed host arrays, so its time includes the upload (compare with cuda_bench's "host" line).
Wall-clock timing after a warm-up, synchronised. Run: python3 bench/cuda/peers_gpu.py [--iters N]
"""
import argparse
import sys
import time

MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
STD = [0.229 * 255, 0.224 * 255, 0.225 * 255]
PHOTOS = [(1600, 1067), (1280, 960), (1024, 768), (1600, 1200), (800, 600), (1200, 1600), (640, 480), (1500, 1000)]


def photo_sizes():
    return [PHOTOS[i % len(PHOTOS)] for i in range(64)]


def report(peer, workload, n, seconds):
    print(f"{peer:11s} {workload:9s} {n:4d} images  {seconds * 1e3:8.3f} ms/batch  {n / seconds:10.0f} img/s")


def timed(fn, iters, sync):
    fn()
    sync()
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    sync()
    return (time.perf_counter() - t0) / iters


def torch_on_gpu(peer, *modules):
    """(torch, [modules]) imported with a CUDA device present, or None once the peer's line
    says why it is missing."""
    try:
        import importlib

        modules = [importlib.import_module(m) for m in modules]
        import torch
        if not torch.cuda.is_available():
            raise RuntimeError("torch sees no CUDA device")
        return torch, modules
    except Exception as e:  # noqa: BLE001 - any import or driver failure means "missing"
        print(f"{peer:11s} missing: {e}")
        return None


def bench_torchvision(iters):
    got = torch_on_gpu("torchvision", "torchvision.transforms.v2.functional")
    if got is None:
        return
    torch, (F,) = got
    dev = torch.device("cuda")
    mean = [m / 255 for m in MEAN]
    std = [s / 255 for s in STD]
    # imagenet: mixed sizes, so one image at a time (CHW uint8 on the GPU), as the classic
    # transform runs per sample: Resize(256, antialias) -> CenterCrop(224) -> float -> Normalize
    imgs = [torch.randint(0, 256, (3, h, w), dtype=torch.uint8, device=dev) for (w, h) in photo_sizes()]

    def imagenet():
        out = torch.empty(len(imgs), 3, 224, 224, device=dev)
        for i, im in enumerate(imgs):
            r = F.resize(im, [256], interpolation=F.InterpolationMode.BILINEAR, antialias=True)
            c = F.center_crop(r, [224, 224])
            out[i] = F.normalize(F.to_dtype(c, torch.float32, scale=True), mean, std)
        return out

    report("torchvision", "imagenet", len(imgs), timed(imagenet, iters, torch.cuda.synchronize))
    seeds_in = torch.rand(32, 3, 512, 512, device=dev) * 255  # NCHW: torchvision's layout

    def seeds():
        r = F.resize(seeds_in, [224, 224], interpolation=F.InterpolationMode.BILINEAR, antialias=True)
        return F.normalize(r, MEAN, STD)

    report("torchvision", "seeds", 32, timed(seeds, iters, torch.cuda.synchronize))


def bench_cvcuda(iters):
    got = torch_on_gpu("cvcuda", "cvcuda")
    if got is None:
        return
    torch, (cvcuda,) = got
    dev = torch.device("cuda")
    mean = torch.tensor(MEAN, device=dev).reshape(1, 1, 1, 3)
    std = torch.tensor(STD, device=dev).reshape(1, 1, 1, 3)
    mean_t = cvcuda.as_tensor(mean, "NHWC")
    std_t = cvcuda.as_tensor(std, "NHWC")
    # imagenet: mixed sizes -> one image at a time through the varshape-free API
    imgs = [torch.randint(0, 256, (h, w, 3), dtype=torch.uint8, device=dev) for (w, h) in photo_sizes()]

    def imagenet():
        outs = []
        for im in imgs:
            h, w = im.shape[:2]
            s = 256 / min(h, w)
            nh, nw = (256, int(w * s)) if h < w else (int(h * s), 256)
            t = cvcuda.as_tensor(im.unsqueeze(0), "NHWC")
            r = cvcuda.resize(t, (1, nh, nw, 3), cvcuda.Interp.LINEAR)
            y0, x0 = (nh - 224) // 2, (nw - 224) // 2
            c = cvcuda.customcrop(r, cvcuda.RectI(x0, y0, 224, 224))
            f = cvcuda.convertto(c, cvcuda.Type.F32)
            n = cvcuda.normalize(f, base=mean_t, scale=std_t, flags=cvcuda.NormalizeFlags.SCALE_IS_STDDEV)
            outs.append(cvcuda.reformat(n, "NCHW"))
        return outs

    report("cvcuda", "imagenet", len(imgs), timed(imagenet, iters, torch.cuda.synchronize))
    seeds_in = cvcuda.as_tensor(torch.rand(32, 512, 512, 3, device=dev) * 255, "NHWC")

    def seeds():
        r = cvcuda.resize(seeds_in, (32, 224, 224, 3), cvcuda.Interp.LINEAR)
        n = cvcuda.normalize(r, base=mean_t, scale=std_t, flags=cvcuda.NormalizeFlags.SCALE_IS_STDDEV)
        return cvcuda.reformat(n, "NCHW")

    report("cvcuda", "seeds", 32, timed(seeds, iters, torch.cuda.synchronize))


def bench_dali(iters):
    try:
        import numpy as np
        from nvidia.dali import fn, pipeline_def, types
    except Exception as e:  # noqa: BLE001
        print(f"{'dali':11s} missing: {e}")
        return

    def run(name, make_batch, build):
        try:
            batch = make_batch()
            pipe = build(len(batch))
            pipe.build()
            pipe.feed_input("img", batch)
            pipe.run()
            t0 = time.perf_counter()
            for _ in range(iters):
                pipe.feed_input("img", batch)
                pipe.run()
            report("dali", name, len(batch), (time.perf_counter() - t0) / iters)
        except Exception as e:  # noqa: BLE001 - no GPU / driver
            print(f"{'dali':11s} missing ({name}): {e}")

    rng = np.random.default_rng(1)

    def imagenet_pipe(n):
        @pipeline_def(batch_size=n, num_threads=2, device_id=0)
        def p():
            img = fn.external_source(name="img", device="gpu", layout="HWC")
            img = fn.resize(img, resize_shorter=256, interp_type=types.INTERP_LINEAR, antialias=True)
            return fn.crop_mirror_normalize(img, crop=(224, 224), mean=MEAN, std=STD, output_layout="CHW",
                                            dtype=types.FLOAT)
        return p()

    def seeds_pipe(n):
        @pipeline_def(batch_size=n, num_threads=2, device_id=0)
        def p():
            img = fn.external_source(name="img", device="gpu", layout="HWC")
            img = fn.resize(img, size=(224, 224), interp_type=types.INTERP_LINEAR, antialias=True)
            return fn.crop_mirror_normalize(img, mean=MEAN, std=STD, output_layout="CHW", dtype=types.FLOAT)
        return p()

    run("imagenet", lambda: [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for (w, h) in photo_sizes()], imagenet_pipe)
    run("seeds", lambda: [(rng.random((512, 512, 3), dtype=np.float32) * 255) for _ in range(32)], seeds_pipe)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iters", type=int, default=20)
    args = ap.parse_args()
    bench_torchvision(args.iters)
    bench_cvcuda(args.iters)
    bench_dali(args.iters)
    return 0


if __name__ == "__main__":
    sys.exit(main())
