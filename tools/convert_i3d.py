#!/usr/bin/python3
"""Convert a pytorch-i3d checkpoint (rgb_imagenet.pt, flow_imagenet.pt: state dicts of the
public port's InceptionI3d) to safetensors for mmboost's I3D encoders (model.pretrained).

    /usr/bin/python3 tools/convert_i3d.py rgb_imagenet.pt weights/rgb_imagenet.safetensors
    /usr/bin/python3 tools/convert_i3d.py flow_imagenet.pt weights/flow_imagenet.safetensors

Names are kept as they are (mmboost's I3D uses the port's names), a "module." prefix left by
DataParallel is dropped, floating tensors are stored as float32, and integer entries
(BatchNorm's num_batches_tracked) are left out. The classifier `logits.*` is kept: the loader
reports it as unexpected, which shows the names were read. The output is written atomically.
Needs only PyTorch (Debian: apt-get install python3-torch).
"""
import json
import os
import struct
import sys

import torch


def read_state_dict(path):
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise SystemExit(f"{path}: expected a state dict, got {type(obj).__name__}")
    return {(k[len("module."):] if k.startswith("module.") else k): v for k, v in obj.items()}


def write_safetensors(path, tensors, metadata):
    header, blobs, at = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [at, at + len(data)]}
        blobs.append(data)
        at += len(data)
    head = json.dumps(header).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
    os.replace(tmp, path)


def convert(src, dst):
    state = read_state_dict(src)
    kept = {k: v for k, v in state.items() if torch.is_tensor(v) and v.is_floating_point()}
    dropped = sorted(set(state) - set(kept))
    write_safetensors(dst, kept, {"source": os.path.basename(src), "converter": "tools/convert_i3d.py"})
    params = sum(v.numel() for v in kept.values())
    print(f"{dst}: {len(kept)} tensors ({params} values) from {src}; left out {len(dropped)} "
          f"non-float entries{' (e.g. ' + dropped[0] + ')' if dropped else ''}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: convert_i3d.py IN.pt OUT.safetensors")
    convert(sys.argv[1], sys.argv[2])
