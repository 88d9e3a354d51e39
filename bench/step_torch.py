#!/usr/bin/env python3
"""PyTorch twin of bench/step.ts: the same AUG training step (two ResNet18 encoders, or with
--model i3d three I3Ds for RGB, flow and depth; one classifier each sharing a head,
per-modality loss/backward/SGD step), timed the same way.

    python3 bench/step_torch.py --batch 16 --width 64 --audio 257x188 --visual 3x112x112 --iters 5
    python3 bench/step_torch.py --model i3d --batch 2 --frames 64 --size 224
    python3 bench/step_torch.py --threads 2   # CPU threads (default: PyTorch's own choice)

Prints one JSON line: {"device", "step_ms" (median), "samples_per_s", "piped_ms" (the mean of
--iters steps run back to back with one wait at the end)}. On CUDA, TF32 is off so
the comparison is fp32 to fp32.
"""
import argparse
import json
import os
import sys
import time
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from make_train_fixtures import ResNet18, encode, linear  # noqa: E402
from i3d_torch import I3D  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--batch", type=int, default=16)
p.add_argument("--width", type=int, default=64)
p.add_argument("--audio", default="257x188")
p.add_argument("--visual", default="3x112x112")
p.add_argument("--iters", type=int, default=5)
p.add_argument("--classes", type=int, default=0)
p.add_argument("--model", default="resnet18")
p.add_argument("--frames", type=int, default=64)
p.add_argument("--size", type=int, default=224)
p.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
a = p.parse_args()
if a.threads > 0:
    torch.set_num_threads(a.threads)
i3d = a.model == "i3d"
K = a.classes or (25 if i3d else 6)
dev = "cuda" if torch.cuda.is_available() else "cpu"
if dev == "cuda":
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
torch.manual_seed(0)
fh, fw = map(int, a.audio.split("x"))
vc, vh, vw = map(int, a.visual.split("x"))
if i3d:
    enc = [I3D(c, a.width, logits=False).to(dev) for c in (3, 2, 1)]
    D = enc[0].features
    inputs = [torch.randn(a.batch, c, a.frames, a.size, a.size, device=dev) for c in (3, 2, 1)]
else:
    enc = [ResNet18(1, a.width).to(dev), ResNet18(vc, a.width).to(dev)]
    D = 8 * a.width
    inputs = [torch.randn(a.batch, 1, fh, fw, device=dev), torch.randn(a.batch, vc, vh, vw, device=dev)]
cls = [linear(D, 256).to(dev) for _ in enc]
head = linear(256, K).to(dev)
opt = torch.optim.SGD([q for m in enc + cls + [head] for q in m.parameters()], lr=0.01, momentum=0.9, weight_decay=1e-4)
y = F.one_hot(torch.arange(a.batch, device=dev) % K, K).float()


def step():
    opt.zero_grad(set_to_none=True)
    feats = [e(x) if i3d else encode(e, x, 1) for e, x in zip(enc, inputs)]
    for m in range(len(enc)):
        loss = F.cross_entropy(head(F.relu(cls[m](feats[m]))), y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)


def sync():
    if dev == "cuda":
        torch.cuda.synchronize()


step()
sync()
times = []
for _ in range(a.iters):
    t = time.perf_counter()
    step()
    sync()
    times.append(time.perf_counter() - t)
times.sort()
ms = 1000 * times[len(times) // 2]
# steps back to back, one wait at the end (as a training loop runs them)
t = time.perf_counter()
for _ in range(a.iters):
    step()
sync()
piped = 1000 * (time.perf_counter() - t) / a.iters
name = torch.cuda.get_device_name() if dev == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
print(json.dumps({"device": name, "torch": torch.__version__, "step_ms": ms, "samples_per_s": a.batch / ms * 1000, "piped_ms": piped}))
