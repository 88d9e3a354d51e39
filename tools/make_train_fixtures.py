#!/usr/bin/python3
"""PyTorch reference fixtures for the trainer: AUG iterations and a naive-joint iteration on a
tiny two-modality model with the reference's structure (ResNet18 trunks at width 4, audio 1
channel, video 3 channels with 2 frames folded into the batch, Layer1 512->256 shrunk to
32->16, one shared head to 3 classes).

    /usr/bin/python3 tools/make_train_fixtures.py tests/fixtures

The optimizer follows the reference training loop under PyTorch >= 2 semantics: one SGD over
all parameters, gradients set to None between the modality steps, so each step updates only
the parameters that received a gradient (audio encoder + audio classifiers + shared head,
then the video ones + shared head). Names follow mmboost's: enc{m}.<torchvision name>,
cls{m}.{t}.weight/bias, head.weight/bias; naive: fc.w{m}, fc.bias.

Parameters are initialised in float32 (so the stored initial values are exact for a float32
implementation), then the whole computation runs in float64 and the results are stored
rounded to float32: the reference is the exact result, not one more float32 rounding path.
"""
import os
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402

torch.use_deterministic_algorithms(True)
OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"
make_fixtures.OUT = OUT
save = make_fixtures.save
WIDTH, HIDDEN, K, B, T = 4, 16, 3, 4, 2
SGD = dict(lr=0.01, momentum=0.9, weight_decay=1e-4)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


class ResNet18(nn.Module):
    """BasicBlock [2,2,2,2], conv1 7x7/2 without bias, BN, maxpool 3x3/2, no avgpool/fc."""

    def __init__(self, cin, w):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, w, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        chans = [w, 2 * w, 4 * w, 8 * w]
        prev = w
        for i, c in enumerate(chans):
            stride = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}", nn.Sequential(Block(prev, c, stride), Block(c, c, 1)))
            prev = c
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        for i in range(4):
            x = getattr(self, f"layer{i + 1}")(x)
        return x


def encode(net, x, frames):
    v = net(x)
    _, C, H, W = v.shape
    return v.view(-1, frames, C, H, W).mean(dim=(1, 3, 4))


def linear(i, o):
    lin = nn.Linear(i, o)
    nn.init.xavier_normal_(lin.weight)
    nn.init.constant_(lin.bias, 0)
    return lin


def batch():
    torch.manual_seed(100)
    audio = torch.randn(B, 1, 64, 64).double()
    video = torch.randn(B * T, 3, 64, 64).double()
    labels = torch.tensor([0, 2, 1, 2])
    return audio, video, labels


def held_batch(seed, labels):
    """A second batch (a held-out one) from `seed`, with one-hot `labels`."""
    torch.manual_seed(seed)
    audio = torch.randn(B, 1, 64, 64).double()
    video = torch.randn(B * T, 3, 64, 64).double()
    return audio, video, F.one_hot(torch.tensor(labels), K).double()


def state(prefix_modules, with_buffers=True):
    out = {}
    for prefix, mod in prefix_modules:
        for n, p in mod.named_parameters():
            out[prefix + n] = p.detach().clone()
        if with_buffers:
            for n, b in mod.named_buffers():
                if "running" in n:
                    out[prefix + n] = b.detach().clone()
    return out


def momenta(opt, prefix_modules):
    out = {}
    for prefix, mod in prefix_modules:
        for n, p in mod.named_parameters():
            st = opt.state.get(p, {})
            if "momentum_buffer" in st:
                out["momentum." + prefix + n] = st["momentum_buffer"].clone()
    return out


def fc_blocks(prefix, fc, D, opt=None):
    """The fused classifier as mmboost stores it: fc.w0 (audio block), fc.w1, fc.bias; with
    `opt`, its momentum buffers under the same names."""
    if opt is None:
        w, b = fc.weight.detach(), fc.bias.detach()
        return {f"{prefix}fc.w0": w[:, :D].clone(), f"{prefix}fc.w1": w[:, D:].clone(), f"{prefix}fc.bias": b.clone()}
    buf = opt.state[fc.weight]["momentum_buffer"]
    return {f"{prefix}momentum.fc.w0": buf[:, :D].clone(), f"{prefix}momentum.fc.w1": buf[:, D:].clone(),
            f"{prefix}momentum.fc.bias": opt.state[fc.bias]["momentum_buffer"].clone()}


def aug_iterations(features, cls, head, opt, labels, y, lam, iterations, out):
    """The reference loop: per iteration, forward every encoder (`features()`), then for each
    modality in turn its boosting loss, backward, SGD step on what got a gradient; records each
    modality's loss and confident score in `out`."""
    for it in range(iterations):
        opt.zero_grad(set_to_none=True)
        feats = features()
        for m in range(len(cls)):
            z = [head(F.relu(lay(feats[m]))) for lay in cls[m]]
            z_all = sum(z)
            if len(z) == 1:
                loss = F.cross_entropy(z_all, y)
            else:
                z_pre = sum(z[:-1])
                target = y - lam * y * torch.softmax(z_pre.detach(), 1)
                loss = F.cross_entropy(z_all, y) + F.cross_entropy(z_pre, y) + F.cross_entropy(z[-1], target)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            out[f"loss.{it}.{m}"] = loss.detach().reshape(1)
            score = torch.softmax(z_all.detach(), 1)[torch.arange(len(labels)), labels].sum()
            out[f"score.{it}.{m}"] = score.reshape(1)


def aug_case(name, extra_video_layers, lam=0.5, iterations=2):
    torch.manual_seed(0)
    enc = [ResNet18(1, WIDTH), ResNet18(3, WIDTH)]
    cls = [[linear(8 * WIDTH, HIDDEN)], [linear(8 * WIDTH, HIDDEN)]]
    for _ in range(extra_video_layers):
        cls[1].append(linear(8 * WIDTH, HIDDEN))  # trainable new classifiers (the paper's)
    head = linear(HIDDEN, K)
    named = [("enc0.", enc[0]), ("enc1.", enc[1]), ("head.", head)]
    named += [(f"cls{m}.{t}.", l) for m in range(2) for t, l in enumerate(cls[m])]
    for _, mod in named:
        mod.double()
    params = [p for _, mod in named for p in mod.parameters()]
    opt = torch.optim.SGD(params, **SGD)
    audio, video, labels = batch()
    y = F.one_hot(labels, K).double()
    out = {"audio": audio, "video": video, "labels": y}
    out.update({"init." + k: v for k, v in state(named).items()})
    aug_iterations(lambda: [encode(enc[0], audio, 1), encode(enc[1], video, T)], cls, head, opt,
                   labels, y, lam, iterations, out)
    out.update({"final." + k: v for k, v in state(named).items()})
    out.update({"final." + k: v for k, v in momenta(opt, named).items()})
    save(name, out, {"lambda": lam, "iterations": iterations, "width": WIDTH, "hidden": HIDDEN,
                     "classes": K, "frames": T, **SGD})


def naive_case(iterations=2):
    torch.manual_seed(1)
    enc = [ResNet18(1, WIDTH), ResNet18(3, WIDTH)]
    fc = linear(16 * WIDTH, K)  # on the concatenated features
    for mod in enc + [fc]:
        mod.double()
    params = list(enc[0].parameters()) + list(enc[1].parameters()) + list(fc.parameters())
    opt = torch.optim.SGD(params, **SGD)
    audio, video, labels = batch()
    y = F.one_hot(labels, K).double()
    named = [("enc0.", enc[0]), ("enc1.", enc[1])]
    out = {"audio": audio, "video": video, "labels": y}
    out.update({"init." + k: v for k, v in state(named).items()})
    D = 8 * WIDTH
    out.update(fc_blocks("init.", fc, D))
    for it in range(iterations):
        opt.zero_grad(set_to_none=True)
        feats = torch.cat([encode(enc[0], audio, 1), encode(enc[1], video, T)], 1)
        loss = F.cross_entropy(fc(feats), y)
        loss.backward()
        opt.step()
        out[f"loss.{it}"] = loss.detach().reshape(1)
    out.update({"final." + k: v for k, v in state(named).items()})
    out.update({"final." + k: v for k, v in momenta(opt, named).items()})
    out.update(fc_blocks("final.", fc, D))
    out.update(fc_blocks("final.", fc, D, opt))
    save("train_naive", out, {"iterations": iterations, "width": WIDTH, "classes": K, "frames": T, **SGD})


def ogm_case(name, alpha, swapped, conv_only, iterations=2):
    """OGM without GE (its noise comes from a counter in mmboost, not PyTorch's stream): after the
    joint loss's backward, the coefficients of Eq. 10 from each modality's share of the fused
    logits scale the dominant encoder's gradients. `swapped`: the reference code's scores (each
    from the other modality's weight block); `conv_only`: only the 4-D gradients, as the code."""
    torch.manual_seed(2)
    enc = [ResNet18(1, WIDTH), ResNet18(3, WIDTH)]
    fc = linear(16 * WIDTH, K)
    for mod in enc + [fc]:
        mod.double()
    params = list(enc[0].parameters()) + list(enc[1].parameters()) + list(fc.parameters())
    opt = torch.optim.SGD(params, **SGD)
    audio, video, labels = batch()
    y = F.one_hot(labels, K).double()
    named = [("enc0.", enc[0]), ("enc1.", enc[1])]
    D = 8 * WIDTH
    out = {"audio": audio, "video": video, "labels": y}
    out.update({"init." + k: v for k, v in state(named).items()})
    out.update(fc_blocks("init.", fc, D))
    for it in range(iterations):
        opt.zero_grad(set_to_none=True)
        a, v = encode(enc[0], audio, 1), encode(enc[1], video, T)
        loss = F.cross_entropy(fc(torch.cat([a, v], 1)), y)
        loss.backward()
        wa, wv = fc.weight[:, :D], fc.weight[:, D:]
        if swapped:
            wa, wv = wv, wa
        with torch.no_grad():
            out_a = a @ wa.t() + fc.bias / 2
            out_v = v @ wv.t() + fc.bias / 2
            idx = torch.arange(len(labels))
            score_a = torch.softmax(out_a, 1)[idx, labels].sum()
            score_v = torch.softmax(out_v, 1)[idx, labels].sum()
            rho = score_v / score_a
            if rho > 1:
                k_a, k_v = 1.0, 1 - torch.tanh(alpha * rho)
            else:
                k_a, k_v = 1 - torch.tanh(alpha / rho), 1.0
            for net, k in ((enc[0], k_a), (enc[1], k_v)):
                for p in net.parameters():
                    if not conv_only or p.grad.dim() == 4:
                        p.grad *= k
        opt.step()
        out[f"loss.{it}"] = loss.detach().reshape(1)
        out[f"coefficients.{it}"] = torch.tensor([float(k_a), float(k_v), float(rho)]).double()
    out.update({"final." + k: v for k, v in state(named).items()})
    out.update({"final." + k: v for k, v in momenta(opt, named).items()})
    out.update(fc_blocks("final.", fc, D))
    out.update(fc_blocks("final.", fc, D, opt))
    save(name, out, {"iterations": iterations, "width": WIDTH, "classes": K, "frames": T,
                     "alpha": alpha, "swapped": int(swapped), "conv_only": int(conv_only), **SGD})


def mmpareto_case(name, gamma=1.5, iterations=2):
    """MMPareto: the fused loss plus one unimodal loss per modality (a head each); per encoder the
    two gradients by the Pareto rule (equal weights when their cosine is positive, else the
    two-point min-norm solution), rescaled per parameter tensor to the summed gradient's norm
    when larger, times gamma; heads and the fused classifier take the summed losses' gradients."""
    torch.manual_seed(3)
    enc = [ResNet18(1, WIDTH), ResNet18(3, WIDTH)]
    D = 8 * WIDTH
    fc = linear(2 * D, K)
    heads = [linear(D, K), linear(D, K)]
    for mod in enc + [fc] + heads:
        mod.double()
    params = [p for mod in enc + [fc] + heads for p in mod.parameters()]
    opt = torch.optim.SGD(params, **SGD)
    audio, video, labels = batch()
    y = F.one_hot(labels, K).double()
    named = [("enc0.", enc[0]), ("enc1.", enc[1]), ("head0.", heads[0]), ("head1.", heads[1])]
    out = {"audio": audio, "video": video, "labels": y}
    out.update({"init." + k: v for k, v in state(named).items()})
    out.update(fc_blocks("init.", fc, D))

    def grads(net):
        return [p.grad.detach().clone() for p in net.parameters()]

    for it in range(iterations):
        opt.zero_grad(set_to_none=True)
        a, v = encode(enc[0], audio, 1), encode(enc[1], video, T)
        loss_mm = F.cross_entropy(fc(torch.cat([a, v], 1)), y)
        uni = [F.cross_entropy(heads[0](a), y), F.cross_entropy(heads[1](v), y)]
        loss_mm.backward(retain_graph=True)
        g_mm = [grads(e) for e in enc]
        opt.zero_grad(set_to_none=True)
        uni[0].backward(retain_graph=True)
        uni[1].backward(retain_graph=True)
        g_uni = [grads(e) for e in enc]
        opt.zero_grad(set_to_none=True)
        (loss_mm + uni[0] + uni[1]).backward()
        for m, net in enumerate(enc):
            flat_mm = torch.cat([g.flatten() for g in g_mm[m]])
            flat_u = torch.cat([g.flatten() for g in g_uni[m]])
            aa, ab, bb = flat_mm @ flat_mm, flat_mm @ flat_u, flat_u @ flat_u
            if F.cosine_similarity(flat_mm, flat_u, dim=0) > 0:
                k0 = 0.5
            elif ab >= aa:
                k0 = 0.999
            elif ab >= bb:
                k0 = 0.001
            else:
                k0 = float(-(ab - bb) / (aa + bb - 2 * ab))
            k1 = 1 - k0
            for p, gm, gu in zip(net.parameters(), g_mm[m], g_uni[m]):
                total = torch.norm(p.grad)
                new = 2 * k0 * gm + 2 * k1 * gu
                ratio = total / torch.norm(new)
                p.grad = (ratio * new * gamma) if ratio > 1 else (new * gamma)
            out[f"weights.{it}.{m}"] = torch.tensor([k0, k1]).double()
        opt.step()
        out[f"loss.{it}"] = torch.stack([loss_mm.detach(), uni[0].detach(), uni[1].detach()])
    out.update({"final." + k: v for k, v in state(named).items()})
    out.update({"final." + k: v for k, v in momenta(opt, named).items()})
    out.update(fc_blocks("final.", fc, D))
    out.update(fc_blocks("final.", fc, D, opt))
    save(name, out, {"iterations": iterations, "width": WIDTH, "classes": K, "frames": T,
                     "gamma": gamma, **SGD})


def mla_case(name, iterations=2):
    """MLA: per iteration both encoders forward, then per modality its loss through the shared
    head, backward, and (from the run's second modality step on) the head weight's gradient g
    changed to g + g P^T after the projector's recursive least-squares step on that modality's
    batch-mean feature (alpha = 0.1^(batch / batches + 1)), then an SGD step on what got a
    gradient (the encoder and the head)."""
    torch.manual_seed(4)
    enc = [ResNet18(1, WIDTH), ResNet18(3, WIDTH)]
    D = 8 * WIDTH
    head = linear(D, K)
    for mod in enc + [head]:
        mod.double()
    params = [p for mod in enc + [head] for p in mod.parameters()]
    opt = torch.optim.SGD(params, **SGD)
    audio, video, labels = batch()
    y = F.one_hot(labels, K).double()
    named = [("enc0.", enc[0]), ("enc1.", enc[1]), ("head.", head)]
    P = torch.eye(D).double()
    out = {"audio": audio, "video": video, "labels": y}
    out.update({"init." + k: v for k, v in state(named).items()})
    out["init.mla.projector"] = P.clone()
    count = 0
    for it in range(iterations):
        opt.zero_grad(set_to_none=True)
        feats = [encode(enc[0], audio, 1), encode(enc[1], video, T)]
        for m in range(2):
            loss = F.cross_entropy(head(feats[m]), y)
            loss.backward()
            if count != 0:
                alpha = 0.1 ** (it / iterations + 1)
                with torch.no_grad():
                    r = feats[m].detach().mean(0, keepdim=True)
                    k = P @ r.t()
                    P = P - (k @ k.t()) / (alpha + r @ k)
                    P = P / torch.norm(P, p="fro")
                    head.weight.grad += head.weight.grad @ P.t()
            opt.step()
            opt.zero_grad(set_to_none=True)
            count += 1
            out[f"loss.{it}.{m}"] = loss.detach().reshape(1)
    out.update({"final." + k: v for k, v in state(named).items()})
    out.update({"final." + k: v for k, v in momenta(opt, named).items()})
    out["final.mla.projector"] = P.clone()
    save(name, out, {"iterations": iterations, "width": WIDTH, "classes": K, "frames": T, **SGD})


def reconboost_case(name, w1=5.0, w2=1.0, fresh=False):
    """ReconBoost with one-step phases: stage s trains modality s mod 2 alone with the
    reconcilement loss -w1 mean_k(y log p) + w2 mean_k(y q log p) (q: softmax of the other
    trained learners' summed logits, detached, from a forward in training mode; uniform when
    none is trained), then one step of global rectification (CE on the summed logits of the
    learners trained so far). Steps: s0 phase 1, s0 phase 2, s1 phase 1, s1 phase 2, s2 phase 1.
    One SGD over everything, gradients set to None between steps; `fresh`: a new SGD for each
    phase (the authors' code), so every step here starts from zero momentum."""
    torch.manual_seed(5)
    enc = [ResNet18(1, WIDTH), ResNet18(3, WIDTH)]
    D = 8 * WIDTH
    heads = [linear(D, K), linear(D, K)]
    for mod in enc + heads:
        mod.double()
    params = [p for mod in enc + heads for p in mod.parameters()]
    opt = torch.optim.SGD(params, **SGD)
    audio, video, labels = batch()
    inputs = [(audio, 1), (video, T)]
    y = F.one_hot(labels, K).double()
    named = [("enc0.", enc[0]), ("enc1.", enc[1]), ("head0.", heads[0]), ("head1.", heads[1])]
    out = {"audio": audio, "video": video, "labels": y}
    out.update({"init." + k: v for k, v in state(named).items()})

    def learner(u):
        x, frames = inputs[u]
        return heads[u](encode(enc[u], x, frames))

    steps = [(0, False), (0, True), (1, False), (1, True), (2, False)]
    for i, (stage, rectify) in enumerate(steps):
        if fresh:
            opt = torch.optim.SGD(params, **SGD)
        opt.zero_grad(set_to_none=True)
        m = stage % 2
        trained = list(range(min(stage, 2)))
        if not rectify:
            others = [u for u in trained if u != m]
            with torch.no_grad():
                z_others = sum(learner(u) for u in others) if others else torch.zeros(B, K).double()
            logp = learner(m).log_softmax(1)
            q = z_others.softmax(1)
            loss = (-w1 * (y * logp).mean(-1) + w2 * (y * q * logp).mean(-1)).mean()
        else:
            members = sorted(set(trained + [m]))
            loss = F.cross_entropy(sum(learner(u) for u in members), y)
        loss.backward()
        opt.step()
        out[f"loss.{i}"] = loss.detach().reshape(1)
    out.update({"final." + k: v for k, v in state(named).items()})
    out.update({"final." + k: v for k, v in momenta(opt, named).items()})
    save(name, out, {"steps": len(steps), "width": WIDTH, "classes": K, "frames": T,
                     "w1": w1, "w2": w2, "fresh": int(fresh), **SGD})


def pmr_case(name, alpha=0.6, mu=0.01, momentum=0.2, iterations=2):
    """PMR: prototypes = class means of the encoders' features in evaluation mode (one batch:
    the epoch's first tenth); per step CE(fused) + alpha beta CE(s_a) + alpha lambda CE(s_v)
    - mu lambda H_a - mu beta H_v with s_u = -cdist(f_u, c_u), rho = sum softmax(s_a)[y] /
    sum softmax(s_v)[y] (beta, lambda as constants), H the batch-summed entropy of softmax(s);
    then the next epoch's prototypes, mixed with the old by momentum."""
    torch.manual_seed(6)
    enc = [ResNet18(1, WIDTH), ResNet18(3, WIDTH)]
    D = 8 * WIDTH
    fc = linear(2 * D, K)
    for mod in enc + [fc]:
        mod.double()
    params = [p for mod in enc + [fc] for p in mod.parameters()]
    opt = torch.optim.SGD(params, **SGD)
    audio, video, labels = batch()
    y = F.one_hot(labels, K).double()
    named = [("enc0.", enc[0]), ("enc1.", enc[1])]
    out = {"audio": audio, "video": video, "labels": y}
    out.update({"init." + k: v for k, v in state(named).items()})
    out.update(fc_blocks("init.", fc, D))

    def prototypes(old):
        for e in enc:
            e.eval()
        with torch.no_grad():
            feats = [encode(enc[0], audio, 1), encode(enc[1], video, T)]
            new = [y.t() @ f / y.sum(0).unsqueeze(1) for f in feats]
        for e in enc:
            e.train()
        return new if old is None else [(1 - momentum) * n + momentum * o for n, o in zip(new, old)]

    def entropy(s):
        return -(s.softmax(1) * s.log_softmax(1)).sum(1).sum()

    protos = prototypes(None)
    for m in range(2):
        out[f"init.pmr.prototypes{m}"] = torch.zeros(K, D).double()
        out[f"prototypes.0.{m}"] = protos[m].clone()
    for it in range(iterations):
        opt.zero_grad(set_to_none=True)
        a, v = encode(enc[0], audio, 1), encode(enc[1], video, T)
        loss = F.cross_entropy(fc(torch.cat([a, v], 1)), y)
        sa, sv = -torch.cdist(a, protos[0]), -torch.cdist(v, protos[1])
        score = [(s.softmax(1) * y).sum().item() for s in (sa, sv)]
        rho = score[0] / score[1]
        beta, lam = (0.0, min(max(rho - 1, 0), 1)) if rho >= 1 else (min(max(1 / rho - 1, 0), 1), 0.0)
        total = (loss + alpha * beta * F.cross_entropy(sa, y) + alpha * lam * F.cross_entropy(sv, y)
                 - mu * lam * entropy(sa) - mu * beta * entropy(sv))
        total.backward()
        opt.step()
        out[f"loss.{it}"] = loss.detach().reshape(1)
        out[f"coefficients.{it}"] = torch.tensor([alpha * beta, alpha * lam, -mu * lam, -mu * beta]).double()
    protos = prototypes(protos)
    for m in range(2):
        out[f"prototypes.1.{m}"] = protos[m].clone()
    out.update({"final." + k: v for k, v in state(named).items()})
    out.update({"final." + k: v for k, v in momenta(opt, named).items()})
    out.update(fc_blocks("final.", fc, D))
    out.update(fc_blocks("final.", fc, D, opt))
    for m in range(2):
        out[f"final.pmr.prototypes{m}"] = protos[m].clone()
    save(name, out, {"iterations": iterations, "width": WIDTH, "classes": K, "frames": T,
                     "alpha": alpha, "mu": mu, "proto_momentum": momentum, **SGD})


def joint_with_held(seed, held_seed, held_labels):
    """Two encoders and the fused classifier from `seed` (float64), the fixture's batch and a
    held-out one, and the output dict with both batches and the initial state."""
    torch.manual_seed(seed)
    enc = [ResNet18(1, WIDTH), ResNet18(3, WIDTH)]
    D = 8 * WIDTH
    fc = linear(2 * D, K)
    for mod in enc + [fc]:
        mod.double()
    audio, video, labels = batch()
    held_audio, held_video, yh = held_batch(held_seed, held_labels)
    y = F.one_hot(labels, K).double()
    named = [("enc0.", enc[0]), ("enc1.", enc[1])]
    out = {"audio": audio, "video": video, "labels": y,
           "held_audio": held_audio, "held_video": held_video, "held_labels": yh}
    out.update({"init." + k: v for k, v in state(named).items()})
    out.update(fc_blocks("init.", fc, D))
    return enc, fc, D, audio, video, y, yh, held_audio, held_video, named, out


def gblend_case(name, super_epochs=2, iterations=2):
    """G-Blending: per head (each modality's share x_m W_m^T + b/2 of the fused logits, then the
    fused logits) a copy of the model with a fresh SGD trains that head's CE for `super_epochs`
    epochs of one batch (A); after the first and the last, the mean training loss (as trained)
    and the held-out loss on batch V (evaluation mode); weight |G| / O^2 normalised with
    G = L_V(last) - L_V(first), O = (L_V - L_T)(last) - (L_V - L_T)(first). Then two main steps on
    A with sum_m w_m CE(share_m) + w_f CE(fused)."""
    import copy
    # seed 7 puts one pre-activation 9e-7 from the ReLU kink: float32 flips it
    enc, fc, D, audio, video, y, yh, held_audio, held_video, named, out = joint_with_held(
        8, 101, [1, 0, 2, 1])
    out["init.gblend.weights"] = torch.full((3,), 1 / 3).double()

    def heads(e, f, a_in, v_in):
        a, v = encode(e[0], a_in, 1), encode(e[1], v_in, T)
        W, b = f.weight, f.bias
        return [a @ W[:, :D].t() + b / 2, v @ W[:, D:].t() + b / 2, f(torch.cat([a, v], 1))]

    raw = []
    for k in range(3):
        e2, f2 = copy.deepcopy(enc), copy.deepcopy(fc)
        opt = torch.optim.SGD([p for mod in e2 + [f2] for p in mod.parameters()], **SGD)
        measured = []
        for ep in range(super_epochs):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(heads(e2, f2, audio, video)[k], y)
            loss.backward()
            opt.step()
            if ep == 0 or ep == super_epochs - 1:
                for mod in e2:
                    mod.eval()
                with torch.no_grad():
                    held = F.cross_entropy(heads(e2, f2, held_audio, held_video)[k], yh)
                for mod in e2:
                    mod.train()
                measured.append((loss.item(), held.item()))
        (t0, v0), (t1, v1) = measured[0], measured[-1]
        out[f"head_losses.{k}"] = torch.tensor([t0, v0, t1, v1]).double()
        o = (v1 - t1) - (v0 - t0)
        raw.append(abs(v1 - v0) / (o * o))
    w = [r / sum(raw) for r in raw]
    out["weights"] = torch.tensor(w).double()
    params = [p for mod in enc + [fc] for p in mod.parameters()]
    opt = torch.optim.SGD(params, **SGD)
    for it in range(iterations):
        opt.zero_grad(set_to_none=True)
        z = heads(enc, fc, audio, video)
        losses = [F.cross_entropy(zk, y) for zk in z]
        sum(wk * lk for wk, lk in zip(w, losses)).backward()
        opt.step()
        out[f"loss.{it}"] = losses[2].detach().reshape(1)
    out.update({"final." + k: v for k, v in state(named).items()})
    out.update({"final." + k: v for k, v in momenta(opt, named).items()})
    out.update(fc_blocks("final.", fc, D))
    out.update(fc_blocks("final.", fc, D, opt))
    out["final.gblend.weights"] = torch.tensor(w).double()
    save(name, out, {"iterations": iterations, "super_epochs": super_epochs, "width": WIDTH,
                     "classes": K, "frames": T, **SGD})


def lfm_case(name, a1=0.3, lr_alpha=0.01, iterations=2):
    """LFM (BalanceBenchmark's): on a held batch in training mode, a1 -= lr_alpha * mean(H v)
    over the first parameter tensor, H the Hessian of a0 CE + a1 A (A the alignment
    0.5 (KL(m||p) + KL(m||q)) of the two modalities' shares of the fused logits, as F.kl_div
    computes it; one pair) and v = grad CE, by double backward; clamp to [0.05, 0.95],
    a0 = 1 - a1. Then two steps on batch A with 2 (a0 CE + a1 A)."""
    enc, fc, D, audio, video, y, yh, held_audio, held_video, named, out = joint_with_held(
        9, 102, [2, 0, 1, 1])
    params = [p for mod in enc + [fc] for p in mod.parameters()]
    alpha = [1 - a1, a1]
    out["init.lfm.alpha"] = torch.tensor(alpha).double()
    out["init.lfm.coefficients"] = torch.tensor([2 * alpha[0], 2 * alpha[1], alpha[0], alpha[1]]).double()

    def losses(a_in, v_in, t):
        a, v = encode(enc[0], a_in, 1), encode(enc[1], v_in, T)
        W, b = fc.weight, fc.bias
        za, zv = a @ W[:, :D].t() + b / 2, v @ W[:, D:].t() + b / 2
        ce = F.cross_entropy(fc(torch.cat([a, v], 1)), t)
        p, q = za.softmax(-1), zv.softmax(-1)
        m = 0.5 * p + 0.5 * q
        align = 0.5 * (F.kl_div(p.log(), m, reduction="batchmean") + F.kl_div(q.log(), m, reduction="batchmean"))
        return ce, align

    ce, align = losses(held_audio, held_video, yh)
    total = alpha[0] * ce + alpha[1] * align
    theta = torch.autograd.grad(total, params, create_graph=True)
    cls = torch.autograd.grad(ce, params, retain_graph=True, create_graph=True)
    hvp = torch.autograd.grad(theta, params, grad_outputs=cls, retain_graph=True)
    g = hvp[0].mean().item()
    new_a1 = max(0.05, min(0.95, alpha[1] - lr_alpha * g))
    alpha = [1 - new_a1, new_a1]
    out["alpha_gradient"] = torch.tensor([g]).double()
    out["alpha"] = torch.tensor(alpha).double()
    opt = torch.optim.SGD(params, **SGD)
    for it in range(iterations):
        opt.zero_grad(set_to_none=True)
        ce, align = losses(audio, video, y)
        (2 * (alpha[0] * ce + alpha[1] * align)).backward()
        opt.step()
        out[f"loss.{it}"] = torch.stack([ce.detach(), align.detach()])
    out.update({"final." + k: v for k, v in state(named).items()})
    out.update({"final." + k: v for k, v in momenta(opt, named).items()})
    out.update(fc_blocks("final.", fc, D))
    out.update(fc_blocks("final.", fc, D, opt))
    out["final.lfm.alpha"] = torch.tensor(alpha).double()
    out["final.lfm.coefficients"] = torch.tensor([2 * alpha[0], 2 * alpha[1], alpha[0], alpha[1]]).double()
    save(name, out, {"iterations": iterations, "a1": a1, "lr_alpha": lr_alpha, "width": WIDTH,
                     "classes": K, "frames": T, **SGD})


if __name__ == "__main__":
    aug_case("train_aug_1x1", 0)
    aug_case("train_aug_1x2", 1)
    naive_case()
    ogm_case("train_ogm", 0.8, False, False)
    ogm_case("train_ogm_code", 0.8, True, True)
    mmpareto_case("train_mmpareto")
    mla_case("train_mla")
    reconboost_case("train_reconboost")
    reconboost_case("train_reconboost_fresh", fresh=True)
    pmr_case("train_pmr")
    gblend_case("train_gblend")
    lfm_case("train_lfm")
    print("train fixtures written to", OUT)
