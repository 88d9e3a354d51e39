#!/usr/bin/env bash
# device_pack.sh: build, on this machine, what bench/device_run.sh needs on a GPU machine that
# reaches no registry, into the ignored folders that the device tool's `carry` takes along:
#   .gpu/deno.xz          this project's Deno binary, xz-compressed
#   .gpu/denodir.tar.xz   a fresh DENO_DIR holding the npm packages (tfjs, jax-js, ...) and the
#                         compiled modules of the benches and of the tests device_run.sh runs
#   .gl/*.deb             the Vulkan loader (and GL/EGL loaders), for a machine without them
# then checks that the working tree and these fit the 64 MiB that may travel. Rebuilds only what
# is missing (FORCE=1 rebuilds all). Afterwards, on the device tool:
#   run  carry [".gpu", ".gl"]  command "RUN='step kernels' bash bench/device_run.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=$((64 * 1024 * 1024))
DENO=$(readlink -f "$(./mmb deno-path)")
if [ ! -x "$DENO" ]; then
  echo "device_pack: no Deno binary at '$DENO' (from ./mmb deno-path)" >&2
  exit 1
fi
mkdir -p .gpu .gl
if [ "${FORCE:-0}" = 1 ] || [ ! -s .gpu/deno.xz ]; then
  echo "device_pack: compressing $("$DENO" --version | head -n 1) into .gpu/deno.xz" >&2
  xz -9 -T0 -c "$DENO" > .gpu/deno.xz.tmp && mv .gpu/deno.xz.tmp .gpu/deno.xz
fi
if [ "${FORCE:-0}" = 1 ] || [ ! -s .gpu/denodir.tar.xz ]; then
  echo "device_pack: caching the benches' and tests' dependencies in a fresh DENO_DIR" >&2
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  DENO_DIR="$dir" "$DENO" cache bench/step.ts bench/kernels.ts >&2
  # type-checks and caches the test modules device_run.sh runs (--cached-only there)
  DENO_DIR="$dir" "$DENO" test -A --no-run tests/kernels tests/pipelines/train >&2
  tar -C "$dir" -cf - . | xz -9 -T0 > .gpu/denodir.tar.xz.tmp
  mv .gpu/denodir.tar.xz.tmp .gpu/denodir.tar.xz
fi
if [ "${FORCE:-0}" = 1 ] || ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  echo "device_pack: downloading the loader packages into .gl/" >&2
  lists=$(mktemp -d)
  mkdir -p "$lists/partial"
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
  apt-get "${o[@]}" update -qq >&2
  rm -f .gl/*.deb
  (cd .gl && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 \
    libgles2 >&2)
  rm -rf "$lists"
fi
tree=$(git ls-files -co --exclude-standard -z | xargs -0 du -cb 2>/dev/null | tail -n 1 | cut -f1)
carried=$(du -cb .gpu/deno.xz .gpu/denodir.tar.xz .gl/*.deb | tail -n 1 | cut -f1)
total=$((tree + carried))
mib() { echo "$(($1 / 1024 / 1024)).$(($1 * 10 / 1024 / 1024 % 10)) MiB"; }
echo "device_pack: working tree $(mib "$tree") + carried $(mib "$carried") = $(mib "$total") of 64 MiB"
if [ "$total" -gt "$LIMIT" ]; then
  echo "device_pack: over the 64 MiB that may travel" >&2
  exit 1
fi
