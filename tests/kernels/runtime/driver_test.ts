import { deepEqual, equal, match, notEqual } from "node:assert/strict";
import { gpuTest } from "../../_helpers.ts";
import {
  cpuModel,
  type DriverIdentity,
  driverLibraries,
  driverRelease,
  mesaRelease,
  preferVulkan,
  type SystemView,
  vulkanInstalled,
} from "../../../kernels/runtime/driver.ts";
import { adapterKey } from "../../../kernels/variants/autotune.ts";

const MAPS = [
  "55d0c0a00000-55d0c0a21000 r--p 00000000 08:01 131 /usr/bin/deno",
  "7f10a0000000-7f10a0400000 r--p 00000000 08:01 901 /usr/lib/x86_64-linux-gnu/libvulkan_lvp.so",
  "7f10a0400000-7f10a0800000 r-xp 00400000 08:01 901 /usr/lib/x86_64-linux-gnu/libvulkan_lvp.so",
  "7f10a1000000-7f10a1100000 r-xp 00000000 08:01 902 /usr/lib/x86_64-linux-gnu/libvulkan.so.1.3.239",
  "7f10a2000000-7f10a2100000 r-xp 00000000 08:01 903 /usr/lib/x86_64-linux-gnu/dri/swrast_dri.so",
  "7f10a3000000-7f10a3100000 r-xp 00000000 08:01 904 /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.550.54.14",
  "7f10a4000000-7f10a4100000 r-xp 00000000 08:01 905 /usr/lib/x86_64-linux-gnu/libgallium-25.0.7.so",
  "7f10a5000000-7f10a5100000 r-xp 00000000 08:01 906 /usr/lib/x86_64-linux-gnu/libc.so.6",
  "7f10a5200000-7f10a5300000 r-xp 00000000 08:01 907 /usr/lib/x86_64-linux-gnu/libvulkan_radeon.so (deleted)",
  "7f10a6000000-7f10a6100000 rw-p 00000000 00:00 0 ",
  "7ffd1000000-7ffd1021000 rw-p 00000000 00:00 0 [stack]",
].join("\n");

Deno.test("driverLibraries picks the driver libraries of a memory map, each once, sorted", () => {
  deepEqual(driverLibraries(MAPS), [
    "/usr/lib/x86_64-linux-gnu/dri/swrast_dri.so",
    "/usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.550.54.14",
    "/usr/lib/x86_64-linux-gnu/libgallium-25.0.7.so",
    "/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so",
    "/usr/lib/x86_64-linux-gnu/libvulkan_radeon.so", // upgraded on disk since it was loaded
  ]); // not the Vulkan loader, libc, anonymous maps or the stack
  deepEqual(driverLibraries(""), []);
});

Deno.test("mesaRelease finds the first versioned Mesa string in a library's bytes", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  equal(mesaRelease(bytes("\0Mesa is here\0Mesa 22.3.6 (LLVM 15.0.6)\0")), "Mesa 22.3.6");
  equal(mesaRelease(bytes("x\0Mesa 25.0.7-2~bpo12+1\0Mesa 1.0")), "Mesa 25.0.7-2~bpo12+1");
  equal(mesaRelease(bytes("no release here, Mesa x")), null);
});

Deno.test("driverRelease names NVIDIA's library on an NVIDIA adapter and never throws", () => {
  const paths = driverLibraries(MAPS);
  equal(driverRelease(paths, true), "libGLX_nvidia.so.550.54.14");
  // Mesa's libraries exist only in the map: unreadable files give no release, not an error
  const missing = ["/nonexistent/dir/libvulkan_lvp.so"];
  equal(driverRelease(missing, false), "");
  equal(driverRelease([], false), "");
});

Deno.test("adapterKey changes with the driver libraries, and with the CPU for a software adapter", () => {
  const info = (fallback: boolean) =>
    ({
      vendor: "65541",
      architecture: "",
      device: "0",
      description: "llvmpipe (LLVM 15.0.6, 256 bits)",
      isFallbackAdapter: fallback,
    }) as GPUAdapterInfo;
  const driver = (libraries: string[], cpu = "AMD EPYC x2"): DriverIdentity => ({
    paths: libraries.map((l) => l.split(":")[0]),
    libraries,
    cpu,
  });
  const old = driver(["/usr/lib/libvulkan_lvp.so:6918024:1780583149000"]);
  const upgraded = driver(["/usr/lib/libvulkan_lvp.so:10547016:1752669423000"]);
  const key = adapterKey(info(true), old);
  match(
    key,
    /^65541\|\|0\|llvmpipe \(LLVM 15\.0\.6, 256 bits\)\|driver [0-9a-f]{8}\|AMD EPYC x2$/,
  );
  equal(adapterKey(info(true), old), key, "the same driver gives the same key");
  notEqual(adapterKey(info(true), upgraded), key, "a driver update is a new adapter");
  notEqual(adapterKey(info(true), driver(old.libraries, "Intel Xeon x2")), key);
  // a real GPU's key leaves out the processor; without /proc the key is the adapter info alone
  equal(
    adapterKey(info(false), driver(old.libraries, "Intel Xeon x2")).endsWith("x2"),
    false,
  );
  equal(
    adapterKey(info(false), driver([], "")),
    "65541||0|llvmpipe (LLVM 15.0.6, 256 bits)",
  );
});

gpuTest("the live adapter's driver libraries are found and named in adapterName", (gpu) => {
  if (Deno.build.os !== "linux") return; // /proc/self/maps is Linux's
  if (gpu.driver.libraries.length === 0) throw new Error("no driver library in /proc/self/maps");
  match(cpuModel(), / x\d+/);
  if (/llvmpipe/.test(gpu.adapterInfo.description)) {
    match(gpu.driverRelease, /^Mesa \d+\.\d+/);
    match(gpu.adapterName, / \/ Mesa \d+\.\d+/);
  }
});

/** A file system and environment for vulkanInstalled: `files` are the paths that exist. */
function view(files: string[], env: Record<string, string> = {}): SystemView {
  return {
    env: (name) => env[name],
    exists: (path) => files.includes(path),
    list: (dir) => files.filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1)),
  };
}

Deno.test("vulkanInstalled wants a driver manifest and the loader library", () => {
  const icd = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";
  const loader = "/usr/lib/x86_64-linux-gnu/libvulkan.so.1";
  equal(vulkanInstalled(view([icd, loader])), true);
  equal(vulkanInstalled(view([icd])), false, "no loader: WebGPU's Vulkan backend cannot start");
  equal(vulkanInstalled(view([loader])), false, "no driver manifest");
  equal(vulkanInstalled(view(["/usr/share/vulkan/icd.d/readme.txt", loader])), false);
  // the GPU machine's way (bench/device_run.sh): a manifest named by VK_DRIVER_FILES, a loader
  // unpacked where LD_LIBRARY_PATH points
  const carried = view(["/opt/vk/libvulkan.so.1"], {
    VK_DRIVER_FILES: "/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json",
    LD_LIBRARY_PATH: "/opt/x:/opt/vk",
  });
  equal(vulkanInstalled(carried), true);
});

Deno.test("preferVulkan asks for Vulkan alone only when it is installed and the user chose nothing", () => {
  const icd = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";
  const loader = "/usr/lib/x86_64-linux-gnu/libvulkan.so.1";
  const calls: string[] = [];
  const set = (v: string) => void calls.push(v);
  const linux = Deno.build.os === "linux";
  equal(preferVulkan(view([icd, loader]), set), linux);
  deepEqual(calls, linux ? ["vulkan"] : []);
  calls.length = 0;
  equal(preferVulkan(view([icd, loader], { DENO_WEBGPU_BACKEND: "gl" }), set), false);
  equal(preferVulkan(view([]), set), false, "no Vulkan: the GL fallback stays");
  // an NVIDIA GPU whose Vulkan manifest is missing: only GL reaches it, so both backends stay
  const gpuNode = "/dev/nvidia0";
  equal(preferVulkan(view([icd, loader, gpuNode]), set), false);
  deepEqual(calls, []);
  const nvidiaIcd = "/usr/share/vulkan/icd.d/nvidia_icd.json";
  equal(preferVulkan(view([icd, nvidiaIcd, loader, gpuNode]), set), linux);
  const named = { VK_DRIVER_FILES: "/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json" };
  equal(preferVulkan(view([loader, gpuNode], named), set), linux, "the GPU machine's layout");
  deepEqual(calls, linux ? ["vulkan", "vulkan"] : []);
  equal(preferVulkan(view([icd, loader, "/dev/dxg"]), set), false, "WSL's GPU without dzn");
  const dzn = "/usr/share/vulkan/icd.d/dzn_icd.x86_64.json";
  equal(preferVulkan(view([icd, dzn, loader, "/dev/dxg"]), set), linux);
});

Deno.test("a Gpu made where Vulkan is installed loads no GL driver beside it", async () => {
  if (Deno.build.os !== "linux" || !vulkanInstalled()) return; // the GL fallback is all there is
  const code = `import { Gpu } from ${
    JSON.stringify(new URL("../../../kernels/runtime/gpu.ts", import.meta.url).href)
  };
const gpu = await Gpu.create();
const maps = Deno.readTextFileSync("/proc/self/maps");
console.log(JSON.stringify({ backend: Deno.env.get("DENO_WEBGPU_BACKEND"), egl: /libEGL_mesa|_dri\\.so/.test(maps), name: gpu.adapterName }));`;
  const env = { ...Deno.env.toObject() };
  delete env.DENO_WEBGPU_BACKEND;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const seen = JSON.parse(new TextDecoder().decode(out.stdout));
  deepEqual({ backend: seen.backend, egl: seen.egl }, { backend: "vulkan", egl: false }, seen.name);
});
