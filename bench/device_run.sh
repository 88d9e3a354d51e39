#!/usr/bin/env bash
# One prepared run on a GPU machine that reaches no registry (see bench/README.md): unpacks the
# carried Deno binary (.gpu/deno.xz), npm cache (.gpu/denodir.tar.xz) and loader packages
# (.gl/*.deb), all built here by bench/device_pack.sh, then runs the parts RUN names (default
# "step kernels tests"), most important first, within DEADLINE seconds for the whole script:
#   step     the AUG step bench with PyTorch beside it (the bar that waits for a GPU); its
#            autotuning is bounded by MMBOOST_TUNE_BUDGET (default 150 s here), then, after the
#            kernel bench, the same step under --profile
#   kernels  the kernel bench against tfjs WebGPU and jax-js, with the GPU families as columns
#   tests    the kernel and trainer tests on the GPU's adapter
#   ab       the step with one submit per step, then with one-workgroup batch norm
#   i3d      NVGesture's three-I3D step (its tuning bounded by I3D_TUNE_BUDGET, default 60 s)
# Each part gets at most its own cap (STEP_TIMEOUT, BENCH_TIMEOUT, PROFILE_TIMEOUT, TEST_TIMEOUT,
# AB_TIMEOUT, I3D_TIMEOUT) and never more than what is left of DEADLINE; a part with under 20 s
# left is skipped. The default DEADLINE, 480 s, keeps the whole run under 10 minutes with the
# machine's start; where a runner kills commands at a limit, give it DEADLINE + 60 s. Output
# goes to $OUT (default ./out), at most 8 files: summary.txt (GPU, adapter, each part's exit
# status and time), step.log (step, profile and A/B runs), bench.log, bench.json, autotune.json
# (the measured choices; point MMBOOST_AUTOTUNE at a copy to reuse them in a rerun), tests.log,
# i3d.log. STEP_BATCH (default 64) sets the step's batch; a rehearsal on the software adapter:
#   RUN="step kernels" STEP_BATCH=2 BENCH_ARGS="--quick" OUT=/tmp/out bash bench/device_run.sh
set -uo pipefail
START=$SECONDS
DEADLINE="${DEADLINE:-480}"
OUT="${OUT:-$PWD/out}"
mkdir -p "$OUT" /tmp/mmb
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
xz -dc .gpu/deno.xz > /tmp/mmb/deno && chmod +x /tmp/mmb/deno
mkdir -p /tmp/mmb/denodir && tar -C /tmp/mmb/denodir -xJf .gpu/denodir.tar.xz
export DENO_DIR=/tmp/mmb/denodir PATH="/tmp/mmb:$PATH" XDG_RUNTIME_DIR=/tmp/mmb
export MMBOOST_AUTOTUNE="${MMBOOST_AUTOTUNE:-$OUT/autotune.json}" # the choices come back too
if [ "$MMBOOST_AUTOTUNE" != "$OUT/autotune.json" ] && [ -e "$MMBOOST_AUTOTUNE" ]; then
  cp "$MMBOOST_AUTOTUNE" "$OUT/autotune.json" # a rerun's carried choices, extended and returned
  export MMBOOST_AUTOTUNE="$OUT/autotune.json"
fi
if [ ! -e /usr/share/vulkan/icd.d/nvidia_icd.json ] && [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
SUMMARY="$OUT/summary.txt"
RUN="${RUN:-step kernels tests}"
{
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1 || true
  deno eval 'const a = await navigator.gpu.requestAdapter(); const i = a?.info; console.log(JSON.stringify({ description: i?.description, vendor: i?.vendor, architecture: i?.architecture, device: i?.device }), [...(a?.features ?? [])].join(","))' 2>&1
  echo "RUN=$RUN DEADLINE=$DEADLINE s; unpacked in $((SECONDS - START)) s"
} | tee "$SUMMARY"
clean() { sed 's/\x1b\[[0-9;]*m//g' | grep -v '^ *[0-9]*: <unknown>'; }
left() { echo $((DEADLINE - (SECONDS - START))); }
# part NAME CAP LOG COMMAND...: COMMAND under a timeout of CAP or the time left, whichever is
# less, its output appended to $OUT/LOG under a header; its status and time go to the summary.
part() {
  local name=$1 cap=$2 log="$OUT/$3" t rc t0=$SECONDS
  shift 3
  t=$(left)
  [ "$t" -gt "$cap" ] && t=$cap
  if [ "$t" -lt 20 ]; then
    echo "$name: skipped, $(left) s left of DEADLINE=$DEADLINE" | tee -a "$SUMMARY"
    return
  fi
  echo "== $name: $* (limit $t s)" >> "$log"
  timeout "$t" "$@" 2>&1 | clean | tee -a "$log"
  rc=${PIPESTATUS[0]}
  echo "$name: exit $rc$([ "$rc" = 124 ] && echo " (timed out)") in $((SECONDS - t0)) s" | tee -a "$SUMMARY"
}
STEP="bench/step.ts --batch ${STEP_BATCH:-64} --width 64 --audio 257x188 --visual 3x224x224 --iters 3"
LATER_BUDGET=20 # seconds of tuning for the runs after the first (shapes the first did not reach)
if [[ $RUN == *step* ]]; then
  part step "${STEP_TIMEOUT:-240}" step.log \
    env MMBOOST_TUNE_BUDGET="${MMBOOST_TUNE_BUDGET:-150}" deno run -A --cached-only $STEP
fi
if [[ $RUN == *kernels* ]]; then
  part kernels "${BENCH_TIMEOUT:-150}" bench.log deno run -A --cached-only bench/kernels.ts \
    ${BENCH_ARGS:---families tiled,wide,winograd_f4_tiled,winograd_f4_wide,winograd_f6_wide} \
    --json "$OUT/bench.json"
fi
if [[ $RUN == *step* ]]; then
  part profile "${PROFILE_TIMEOUT:-90}" step.log \
    env MMBOOST_TUNE_BUDGET=$LATER_BUDGET deno run -A --cached-only $STEP --profile --python none
fi
if [[ $RUN == *tests* ]]; then
  part tests "${TEST_TIMEOUT:-150}" tests.log \
    deno test -A --cached-only tests/kernels tests/pipelines/train
fi
if [[ $RUN == *ab* ]]; then # the step with one submit per step, then with one-workgroup batch norm
  part ab_flush0 "${AB_TIMEOUT:-90}" step.log env MMBOOST_FLUSH_EVERY=0 \
    MMBOOST_TUNE_BUDGET=$LATER_BUDGET deno run -A --cached-only $STEP --python none
  part ab_nobnsplit "${AB_TIMEOUT:-90}" step.log env MMBOOST_EXCLUDE=batchnorm_split \
    MMBOOST_TUNE_BUDGET=$LATER_BUDGET deno run -A --cached-only $STEP --python none
fi
if [[ $RUN == *i3d* ]]; then # NVGesture's step: three I3Ds, batch 2, 64 frames at 224
  part i3d "${I3D_TIMEOUT:-150}" i3d.log env MMBOOST_TUNE_BUDGET="${I3D_TUNE_BUDGET:-60}" \
    deno run -A --cached-only bench/step.ts --model i3d --batch 2 \
    --frames "${I3D_FRAMES:-64}" --size 224 --iters 3
fi
echo "done in $((SECONDS - START)) s" | tee -a "$SUMMARY"
