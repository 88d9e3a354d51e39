"""A PyTorch I3D with the public pytorch-i3d port's structure and state-dict names, written for
mmboost's fixtures (tools/make_i3d_fixtures.py): Unit3D (conv3d without bias + BatchNorm3d
eps 0.001 momentum 0.01 + ReLU, TensorFlow "same" padding computed from the input size), zero-
padded "same" max pools, the Inception blocks Mixed_3b..Mixed_5c, and the port's `logits` unit.
`width` scales every channel count by width/64 (64 = the real I3D); names do not change.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

MIXED = [
    ("Mixed_3b", [64, 96, 128, 16, 32, 32]),
    ("Mixed_3c", [128, 128, 192, 32, 96, 64]),
    ("Mixed_4b", [192, 96, 208, 16, 48, 64]),
    ("Mixed_4c", [160, 112, 224, 24, 64, 64]),
    ("Mixed_4d", [128, 128, 256, 24, 64, 64]),
    ("Mixed_4e", [112, 144, 288, 32, 64, 64]),
    ("Mixed_4f", [256, 160, 320, 32, 128, 128]),
    ("Mixed_5b", [256, 160, 320, 32, 128, 128]),
    ("Mixed_5c", [384, 192, 384, 48, 128, 128]),
]
POOL_BEFORE = {"Mixed_3b": ("MaxPool3d_3a_3x3", (1, 3, 3), (1, 2, 2)),
               "Mixed_4b": ("MaxPool3d_4a_3x3", (3, 3, 3), (2, 2, 2)),
               "Mixed_5b": ("MaxPool3d_5a_2x2", (2, 2, 2), (2, 2, 2))}


def same_pad(size, kernel, stride):
    """F.pad argument (last dimension first) for TensorFlow "same" padding."""
    pads = []
    for n, k, s in zip(size, kernel, stride):
        total = max(k - s, 0) if n % s == 0 else max(k - n % s, 0)
        pads.append((total // 2, total - total // 2))
    return [v for p in reversed(pads) for v in p]


class Unit3D(nn.Module):
    def __init__(self, cin, cout, kernel=(1, 1, 1), stride=(1, 1, 1), bn=True, relu=True, bias=False):
        super().__init__()
        self.kernel, self.stride, self.relu = kernel, stride, relu
        self.conv3d = nn.Conv3d(cin, cout, kernel, stride, padding=0, bias=bias)
        self.bn = nn.BatchNorm3d(cout, eps=0.001, momentum=0.01) if bn else None

    def forward(self, x):
        x = self.conv3d(F.pad(x, same_pad(x.shape[2:], self.kernel, self.stride)))
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.relu else x


class MaxPoolSame(nn.Module):
    def __init__(self, kernel, stride):
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x):
        return F.max_pool3d(F.pad(x, same_pad(x.shape[2:], self.kernel, self.stride)), self.kernel, self.stride)


class Mixed(nn.Module):
    def __init__(self, cin, o):
        super().__init__()
        self.b0 = Unit3D(cin, o[0])
        self.b1a = Unit3D(cin, o[1])
        self.b1b = Unit3D(o[1], o[2], (3, 3, 3))
        self.b2a = Unit3D(cin, o[3])
        self.b2b = Unit3D(o[3], o[4], (3, 3, 3))
        self.b3a = MaxPoolSame((3, 3, 3), (1, 1, 1))
        self.b3b = Unit3D(cin, o[5])

    def forward(self, x):
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), self.b3b(self.b3a(x))], 1)


class I3D(nn.Module):
    def __init__(self, in_channels, width=64, classes=400, logits=True):
        super().__init__()
        ch = lambda c: c * width // 64  # noqa: E731
        self.order = []

        def add(name, mod):
            self.add_module(name, mod)
            self.order.append(name)
        add("Conv3d_1a_7x7", Unit3D(in_channels, ch(64), (7, 7, 7), (2, 2, 2)))
        add("MaxPool3d_2a_3x3", MaxPoolSame((1, 3, 3), (1, 2, 2)))
        add("Conv3d_2b_1x1", Unit3D(ch(64), ch(64)))
        add("Conv3d_2c_3x3", Unit3D(ch(64), ch(192), (3, 3, 3)))
        cin = ch(192)
        for name, raw in MIXED:
            if name in POOL_BEFORE:
                pool, k, s = POOL_BEFORE[name]
                add(pool, MaxPoolSame(k, s))
            o = [ch(c) for c in raw]
            add(name, Mixed(cin, o))
            cin = o[0] + o[2] + o[4] + o[5]
        self.features = cin
        if logits:
            self.logits = Unit3D(cin, classes, bn=False, relu=False, bias=True)

    def trunk(self, x):
        for name in self.order:
            x = getattr(self, name)(x)
        return x

    def forward(self, x):
        """x [B, C, T, H, W] -> [B, D]: AvgPool3d((8, 7, 7), stride 1) as the reference (the
        window clipped to smaller maps), then the mean over the pooled positions (mmboost's
        documented choice for maps larger than 8x7x7)."""
        h = self.trunk(x)
        k = (min(8, h.shape[2]), min(7, h.shape[3]), min(7, h.shape[4]))
        return F.avg_pool3d(h, k, 1).mean(dim=(2, 3, 4))
