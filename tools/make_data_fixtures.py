#!/usr/bin/python3
"""PyTorch/torchvision reference fixtures for the data kernels.

    /usr/bin/python3 tools/make_data_fixtures.py tests/fixtures   (Debian: python3-torch,
    python3-torchvision, pocketsphinx-testdata)

- stft_speech: one second of real speech (pocketsphinx-testdata's LibriVox clip, 16 kHz) and its
  librosa-style log-magnitude STFT from torch.stft in float64: n_fft 512, hop 353, periodic
  Hann window, centred with reflect padding, log(|S| + 1e-7).
- resized_crop: an 8-bit image (as float in [0, 1]) and torchvision's resized_crop (bilinear, antialias=True, the
  tensor twin of PIL's resize) for several boxes and output sizes, flips included.
"""
import os
import sys
import wave
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"
make_fixtures.OUT = OUT
CLIP = "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0930.wav"


def stft_case():
    with wave.open(CLIP) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1, "expected 16-bit mono"
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    x = torch.from_numpy(pcm[rate // 2: rate // 2 + rate].astype(np.float64) / 32768.0)
    spec = torch.stft(x, n_fft=512, hop_length=353, window=torch.hann_window(512, periodic=True, dtype=torch.float64),
                      center=True, pad_mode="reflect", return_complex=True)
    logmag = torch.log(spec.abs() + 1e-7)
    make_fixtures.save("stft_speech", {"x": x, "logmag": logmag, "magnitude": spec.abs()}, {"rate": rate})


def crop_case():
    import torchvision.transforms.functional as TF
    torch.manual_seed(8)
    img = torch.randint(0, 256, (3, 37, 53)).double() / 255  # u8 values, as decoded JPEGs
    out = {"image": img}
    boxes = [(0, 0, 37, 53, 24, 24, False), (5, 7, 20, 31, 16, 16, True), (3, 2, 10, 12, 25, 29, False),
             (10, 20, 27, 33, 8, 8, True)]
    for i, (top, left, h, w, oh, ow, flip) in enumerate(boxes):
        r = TF.resized_crop(img, top, left, h, w, [oh, ow], interpolation=TF.InterpolationMode.BILINEAR, antialias=True)
        if flip:
            r = TF.hflip(r)
        out[f"crop{i}"] = r
        out[f"box{i}"] = torch.tensor([top, left, h, w, oh, ow, int(flip)], dtype=torch.float64)
    make_fixtures.save("resized_crop", out)


if __name__ == "__main__":
    stft_case()
    crop_case()
    print("data fixtures written to", OUT, "with torch", torch.__version__)
