#!/usr/bin/python3
"""PyTorch reference fixtures for the compute-layer tests.

Run once where PyTorch is installed (Debian: apt-get install python3-torch; use /usr/bin/python3):
    /usr/bin/python3 tools/make_fixtures.py tests/fixtures
Each case is a small safetensors file of float32 tensors (inputs, outputs, gradients) written
without the safetensors package (the format is an 8-byte header length, a JSON header and raw
little-endian data). Seeds are fixed, so a rerun writes identical files on the same build.
"""
import json, struct, sys, os
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)
torch.use_deterministic_algorithms(True)
OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"


def save(name, tensors, meta=None):
    header, blobs, at = {"__metadata__": {k: str(v) for k, v in (meta or {}).items()}}, [], 0
    for k, t in tensors.items():
        a = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [at, at + len(a)]}
        blobs.append(a)
        at += len(a)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def conv_case(name, B, Ci, H, W, Co, K, S, P):
    torch.manual_seed(1)
    x = torch.randn(B, Ci, H, W, requires_grad=True)
    w = torch.randn(Co, Ci, K, K, requires_grad=True)
    y = F.conv2d(x, w, stride=S, padding=P)
    dy = torch.randn_like(y)
    y.backward(dy)
    save(name, {"x": x, "w": w, "y": y, "dy": dy, "dx": x.grad, "dw": w.grad},
         {"stride": S, "padding": P})


def batchnorm_case():
    torch.manual_seed(2)
    bn = nn.BatchNorm2d(5)
    with torch.no_grad():
        bn.weight.copy_(torch.randn(5))
        bn.bias.copy_(torch.randn(5))
        bn.running_mean.copy_(torch.randn(5))
        bn.running_var.copy_(torch.rand(5) + 0.5)
    rm0, rv0 = bn.running_mean.clone(), bn.running_var.clone()
    x = (torch.randn(4, 5, 6, 7) * 3 + 2).requires_grad_(True)
    y = bn(x)
    dy = torch.randn_like(y)
    y.backward(dy)
    bn.eval()
    y_eval = bn(x.detach())
    save("batchnorm", {"x": x, "gamma": bn.weight, "beta": bn.bias, "running_mean0": rm0,
                       "running_var0": rv0, "y": y, "dy": dy, "dx": x.grad,
                       "dgamma": bn.weight.grad, "dbeta": bn.bias.grad,
                       "running_mean": bn.running_mean, "running_var": bn.running_var,
                       "y_eval": y_eval})


def linear_case():
    torch.manual_seed(3)
    lin = nn.Linear(7, 3)
    x = torch.randn(5, 7, requires_grad=True)
    y = lin(x)
    dy = torch.randn_like(y)
    y.backward(dy)
    save("linear", {"x": x, "w": lin.weight, "b": lin.bias, "y": y, "dy": dy, "dx": x.grad,
                    "dw": lin.weight.grad, "db": lin.bias.grad})


def cross_entropy_case():
    torch.manual_seed(4)
    z = (torch.randn(6, 5) * 3).requires_grad_(True)
    y = torch.tensor([0, 3, 2, 4, 1, 3])
    onehot = F.one_hot(y, 5).float()
    # the boosting residual target: y - 0.5 * y * softmax(z_pre), rows sum to < 1
    q = onehot - 0.5 * onehot * torch.softmax(torch.randn(6, 5), 1)
    loss = torch.mean(torch.sum(-q * F.log_softmax(z, 1), 1))
    loss.backward()
    save("cross_entropy", {"z": z, "q": q, "loss": loss.reshape(1), "dz": z.grad,
                           "softmax": torch.softmax(z.detach(), 1)})


def sgd_case():
    torch.manual_seed(5)
    w = torch.randn(10, requires_grad=True)
    w0 = w.detach().clone()
    opt = torch.optim.SGD([w], lr=0.01, momentum=0.9, weight_decay=1e-4)
    grads = [torch.randn(10), torch.randn(10)]
    out = {"w0": w0, "g1": grads[0], "g2": grads[1]}
    for i, g in enumerate(grads):
        w.grad = g.clone()
        opt.step()
        out[f"w{i + 1}"] = w.detach().clone()
        out[f"buf{i + 1}"] = opt.state[w]["momentum_buffer"].clone()
    save("sgd", out, {"lr": 0.01, "momentum": 0.9, "weight_decay": 1e-4})


def pool_case():
    torch.manual_seed(6)
    x = torch.randn(2, 3, 9, 8, requires_grad=True)
    y = F.max_pool2d(x, 3, 2, 1)
    dy = torch.randn_like(y)
    y.backward(dy)
    xv = torch.randn(6, 4, 3, 5, requires_grad=True)  # (B*T, C, H, W) with B = 2, T = 3
    yv = xv.reshape(2, 3, 4, 3, 5).permute(0, 2, 1, 3, 4).mean(dim=(2, 3, 4))
    dyv = torch.randn_like(yv)
    yv.backward(dyv)
    save("pool", {"x": x, "y": y, "dy": dy, "dx": x.grad, "xv": xv, "yv": yv, "dyv": dyv,
                  "dxv": xv.grad})


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock (the reference's), with a 1x1 conv + BN downsample."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down_conv = nn.Conv2d(cin, cout, 1, stride, bias=False)
        self.down_bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.down_bn(self.down_conv(x)))


def block_case():
    torch.manual_seed(7)
    block = BasicBlock(4, 8, 2)
    with torch.no_grad():
        for m in block.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape) * 0.1)
    x = torch.randn(2, 4, 10, 9, requires_grad=True)
    y = block(x)
    dy = torch.randn_like(y)
    y.backward(dy)
    out = {"x": x, "y": y, "dy": dy, "dx": x.grad}
    for name, p in block.named_parameters():
        out[name] = p
        out["grad." + name] = p.grad
    for name, b in block.named_buffers():
        if "running" in name:
            out[name] = b
    save("basic_block", out)


if __name__ == "__main__":
    conv_case("conv2d_3x3_s2", 2, 3, 9, 11, 5, 3, 2, 1)
    conv_case("conv2d_7x7_s2", 2, 3, 16, 15, 4, 7, 2, 3)
    conv_case("conv2d_1x1_s2", 3, 6, 7, 7, 5, 1, 2, 0)
    batchnorm_case()
    linear_case()
    cross_entropy_case()
    sgd_case()
    pool_case()
    block_case()
    print("fixtures written to", OUT, "with torch", torch.__version__)
