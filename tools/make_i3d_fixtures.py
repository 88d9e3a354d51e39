#!/usr/bin/python3
"""PyTorch reference fixtures for the 3-D kernels, the I3D encoder and three-modality AUG.

    /usr/bin/python3 tools/make_i3d_fixtures.py tests/fixtures
    /usr/bin/python3 tools/make_i3d_fixtures.py DIR --full   # the real-size I3D, not committed

- conv3d_same_*: conv3d with TensorFlow "same" padding (F.pad then conv, as the I3D port):
  y, dx, dw for a given dy.
- i3d_mixed: one Inception block (Mixed_3b's layout at width 16, i.e. channels / 4) in
  training mode: output, input gradient, parameter gradients, updated BN running statistics.
- i3d_w8_weights + i3d_features_w8: a whole I3D (every block, channels / 8) with random weights
  and BN statistics, saved as a .pt state dict and converted by tools/convert_i3d.py (the
  converter and name mapping under test), and its eval-mode features on an input both sides
  compute from a formula (so the fixture stays small): x[i] = sin(0.7 i) cos(0.013 i).
- train_aug3: two AUG iterations over three modalities (3, 2 and 1 channels, as RGB, flow and
  depth) with 1, 2 and 1 classifiers, lambda 0.2, computed in float64 like
  make_train_fixtures.py. The encoders are the tiny width-4 ResNet18s of that script (the
  step's logic does not depend on the encoder; I3D is checked by the fixtures above, and
  three width-8 I3Ds would make an 8 MB fixture).
"""
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_train_fixtures as mtf  # noqa: E402  (sets make_fixtures.OUT from argv)
import convert_i3d  # noqa: E402
from i3d_torch import I3D, Mixed, same_pad  # noqa: E402

OUT = mtf.OUT
save = mtf.save
torch.use_deterministic_algorithms(True)


def conv3d_same_case(name, x_shape, w_shape, stride):
    torch.manual_seed(7)
    x = torch.randn(*x_shape, requires_grad=True)
    w = torch.randn(*w_shape, requires_grad=True)
    y = F.conv3d(F.pad(x, same_pad(x.shape[2:], w_shape[2:], stride)), w, stride=stride)
    dy = torch.randn_like(y)
    y.backward(dy)
    save(name, {"x": x, "w": w, "y": y, "dy": dy, "dx": x.grad, "dw": w.grad},
         {"stride": ",".join(map(str, stride))})


def randomize_bn(module, gen_seed):
    g = torch.Generator().manual_seed(gen_seed)
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm3d):
            C = m.num_features
            m.weight.data = 1 + 0.2 * torch.randn(C, generator=g)
            m.bias.data = 0.1 * torch.randn(C, generator=g)
            m.running_mean.data = 0.1 * torch.randn(C, generator=g)
            m.running_var.data = 0.5 + torch.rand(C, generator=g)


def mixed_case():
    torch.manual_seed(8)
    cin, outs = 48, [16, 24, 32, 4, 8, 8]  # Mixed_3b at width 16
    block = Mixed(cin, outs)
    randomize_bn(block, 1)
    x = torch.randn(2, cin, 3, 6, 5, requires_grad=True)
    out = {"x": x.detach().clone()}
    out.update({"init." + k: v.detach().clone() for k, v in block.state_dict().items() if "num_batches" not in k})
    y = block(x)
    dy = torch.randn_like(y)
    y.backward(dy)
    out.update({"y": y, "dy": dy, "dx": x.grad})
    out.update({"grad." + k: p.grad for k, p in block.named_parameters()})
    out.update({"final." + k: v for k, v in block.state_dict().items() if "running" in k})
    save("i3d_mixed", out, {"channels": ",".join(map(str, [cin] + outs))})


def formula_input(shape):
    i = np.arange(int(np.prod(shape)), dtype=np.float64)
    return torch.from_numpy((np.sin(0.7 * i) * np.cos(0.013 * i)).astype(np.float32)).reshape(shape)


def features_case(width=8):
    torch.manual_seed(9)
    net = I3D(3, width=width)
    randomize_bn(net, 2)
    net.eval()
    with tempfile.TemporaryDirectory() as tmp:
        pt = os.path.join(tmp, "rgb_random.pt")
        torch.save(net.state_dict(), pt)
        convert_i3d.convert(pt, os.path.join(OUT, f"i3d_w{width}_weights.safetensors"))
    shape = (2, 3, 80, 48, 48)
    with torch.no_grad():
        feats = net(formula_input(shape))
    save(f"i3d_features_w{width}", {"features": feats}, {"input": ",".join(map(str, shape)), "width": width})


def aug3_case(iterations=2, lam=0.2, B=4, T=2, S=64, K=5, W=4, hidden=16):
    torch.manual_seed(10)
    channels = [3, 2, 1]
    enc = [mtf.ResNet18(c, W) for c in channels]
    D = 8 * W
    cls = [[mtf.linear(D, hidden)], [mtf.linear(D, hidden), mtf.linear(D, hidden)], [mtf.linear(D, hidden)]]
    head = mtf.linear(hidden, K)
    named = [(f"enc{m}.", e) for m, e in enumerate(enc)] + [("head.", head)]
    named += [(f"cls{m}.{t}.", lay) for m in range(3) for t, lay in enumerate(cls[m])]
    for _, mod in named:
        mod.double()
    opt = torch.optim.SGD([p for _, mod in named for p in mod.parameters()], **mtf.SGD)
    torch.manual_seed(11)
    inputs = [torch.randn(B, T, c, S, S).double() for c in channels]  # [B, T, C, H, W]
    labels = torch.tensor([1, 3, 0, 3])
    y = F.one_hot(labels, K).double()
    out = {f"input{m}": x for m, x in enumerate(inputs)}
    out["labels"] = y
    out.update({"init." + k: v for k, v in mtf.state(named).items()})
    mtf.aug_iterations(lambda: [mtf.encode(e, x.reshape(B * T, *x.shape[2:]), T) for e, x in zip(enc, inputs)],
                       cls, head, opt, labels, y, lam, iterations, out)
    out.update({"final." + k: v for k, v in mtf.state(named).items()})
    out.update({"final." + k: v for k, v in mtf.momenta(opt, named).items()})
    save("train_aug3", out, {"lambda": lam, "iterations": iterations, "width": W, "hidden": hidden,
                             "classes": K, "frames": T, "counts": "1,2,1", **mtf.SGD})


if __name__ == "__main__":
    if "--full" in sys.argv:  # the real-size I3D (48 MB of weights: not committed; see the README)
        features_case(64)
        sys.exit(0)
    conv3d_same_case("conv3d_same_7x7x7_s2", (2, 3, 7, 9, 8), (4, 3, 7, 7, 7), (2, 2, 2))
    conv3d_same_case("conv3d_same_3x3x3_s1", (1, 5, 4, 6, 5), (6, 5, 3, 3, 3), (1, 1, 1))
    mixed_case()
    features_case()
    aug3_case()
