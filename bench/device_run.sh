#!/usr/bin/env bash
# One prepared run on a GPU machine that reaches no registry (see bench/README.md):
# unpacks the carried Deno binary (.gpu/deno.xz), npm cache (.gpu/denodir.tar.xz) and Vulkan
# loader packages (.gl/*.deb), then runs the step bench (with PyTorch beside it, then again
# profiled), the kernel bench and the test suite on the GPU's adapter, in that order (the step is
# the bar that waits for a GPU, so it comes first; each part has its own timeout, STEP_TIMEOUT,
# BENCH_TIMEOUT, TEST_TIMEOUT). RUN picks parts (default "tests kernels step"; "ab" adds the step
# with one submit per step and with one-workgroup batch norm, to weigh both; "i3d" adds
# NVGesture's three-I3D step).
# Logs and JSON go to $OUT (default ./out).
set -uo pipefail
OUT="${OUT:-$PWD/out}"
mkdir -p "$OUT" /tmp/mmb
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
xz -dc .gpu/deno.xz > /tmp/mmb/deno && chmod +x /tmp/mmb/deno
mkdir -p /tmp/mmb/denodir && tar -C /tmp/mmb/denodir -xJf .gpu/denodir.tar.xz
export DENO_DIR=/tmp/mmb/denodir PATH="/tmp/mmb:$PATH" XDG_RUNTIME_DIR=/tmp/mmb
export MMBOOST_AUTOTUNE="$OUT/autotune.json" # the measured variant choices come back too
if [ ! -e /usr/share/vulkan/icd.d/nvidia_icd.json ] && [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
deno eval 'const a = await navigator.gpu.requestAdapter(); const i = a?.info; console.log(JSON.stringify({ description: i?.description, vendor: i?.vendor, architecture: i?.architecture, device: i?.device }), [...(a?.features ?? [])].join(","))' 2>&1 | tee "$OUT/adapter.txt"
set -o pipefail
RUN="${RUN:-tests kernels step}"
clean() { sed 's/\x1b\[[0-9;]*m//g' | grep -v '^ *[0-9]*: <unknown>'; }
STEP="--batch ${STEP_BATCH:-64} --width 64 --audio 257x188 --visual 3x224x224 --iters 3"
if [[ $RUN == *step* ]]; then
  timeout "${STEP_TIMEOUT:-180}" deno run -A --cached-only bench/step.ts $STEP 2>&1 | clean | tee "$OUT/step.log"
  timeout "${STEP_TIMEOUT:-180}" deno run -A --cached-only bench/step.ts $STEP --profile --python none 2>&1 | clean | tee "$OUT/step_profile.log"
fi
if [[ $RUN == *ab* ]]; then # A/B: the step with one submit per step, then with one-workgroup batch norm
  MMBOOST_FLUSH_EVERY=0 timeout "${STEP_TIMEOUT:-180}" deno run -A --cached-only bench/step.ts $STEP --python none 2>&1 | clean | tee "$OUT/step_flush0.log"
  MMBOOST_EXCLUDE=batchnorm_split timeout "${STEP_TIMEOUT:-180}" deno run -A --cached-only bench/step.ts $STEP --python none 2>&1 | clean | tee "$OUT/step_nobnsplit.log"
fi
if [[ $RUN == *kernels* ]]; then
  timeout "${BENCH_TIMEOUT:-200}" deno run -A --cached-only bench/kernels.ts ${BENCH_ARGS:---families tiled,wide,winograd_f4_tiled,winograd_f4_wide,winograd_f6_wide} --json "$OUT/bench.json" 2>&1 | clean | tee "$OUT/bench.log"
fi
if [[ $RUN == *tests* ]]; then
  timeout "${TEST_TIMEOUT:-240}" deno test -A --cached-only tests/kernels tests/pipelines/train 2>&1 | clean | tee "$OUT/tests.log" | tail -n 40
fi
if [[ $RUN == *i3d* ]]; then # NVGesture's step: three I3Ds, batch 2, 64 frames at 224
  I3D="--model i3d --batch 2 --frames ${I3D_FRAMES:-64} --size 224 --iters 3"
  timeout "${STEP_TIMEOUT:-240}" deno run -A --cached-only bench/step.ts $I3D 2>&1 | clean | tee "$OUT/step_i3d.log"
fi
