/**
 * Which driver library serves the WebGPU adapter, read from the process's own memory map.
 *
 * WebGPU's adapter info names the device, not the driver release: Mesa 22.3 and 25.0 both report
 * "llvmpipe (LLVM 15.0.6, 256 bits)", yet the same GEMM kernel ran 2x slower on 25.0 here
 * (bench/README.md), and an NVIDIA description stays the same across driver updates. So the
 * autotuner keys its cache by the driver libraries the process has loaded as well (path, size,
 * modification time), and the bench reports name the release where one can be read (Mesa's
 * "Mesa X.Y.Z" string, NVIDIA's version in the library name). Linux only (/proc/self/maps);
 * elsewhere, or without read permission, the identity is empty and only the adapter info counts.
 * Also here: which of WebGPU's backends to start (preferVulkan).
 */
import { Buffer } from "node:buffer";

/** Library names of GPU drivers (Vulkan ICDs, Mesa's GL/gallium drivers, NVIDIA's). */
const DRIVER_LIBRARY =
  /\/(libvulkan_[\w-]+\.so[\w.]*|libGLX_nvidia\.so[\w.]*|libnvidia-glcore\.so[\w.]*|libgallium[\w.-]*\.so[\w.]*|[\w-]+_dri\.so[\w.]*|libEGL_mesa\.so[\w.]*|libGLX_mesa\.so[\w.]*)$/;

/** The driver libraries among the file paths of a /proc/PID/maps text, each once, sorted. */
export function driverLibraries(maps: string): string[] {
  const paths = new Set<string>();
  for (const line of maps.split("\n")) {
    const at = line.indexOf("/");
    if (at < 0) continue;
    const path = line.slice(at).trim().replace(/ \(deleted\)$/, ""); // replaced since loaded
    if (DRIVER_LIBRARY.test(path)) paths.add(path);
  }
  return [...paths].sort();
}

/** The first "Mesa X.Y..." release string in a library's bytes, or null when there is none. */
export function mesaRelease(bytes: Uint8Array): string | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;
  for (let at = buf.indexOf("Mesa "); at >= 0; at = buf.indexOf("Mesa ", at + 5)) {
    if (!isDigit(buf[at + 5])) continue;
    const head = buf.subarray(at, Math.min(at + 64, buf.length)).toString("latin1");
    const m = head.match(/^Mesa \d+\.\d+[\w.~+-]*/);
    if (m) return m[0];
  }
  return null;
}

/** The loaded driver libraries and the processor. */
export interface DriverIdentity {
  /** Paths of the driver libraries (driverLibraries of this process's map). */
  paths: string[];
  /** "path:size:mtime" of each (the path alone where it cannot be read again). */
  libraries: string[];
  /** The processor (cpuModel), which decides a software adapter's speed. */
  cpu: string;
}

/**
 * The driver libraries loaded in this process (call after the adapter is created) and the
 * processor. Never throws: without /proc or permission to read it, the lists are empty.
 */
export function loadedDriver(): DriverIdentity {
  const cpu = cpuModel();
  let maps: string;
  try {
    maps = Deno.readTextFileSync("/proc/self/maps");
  } catch {
    return { paths: [], libraries: [], cpu };
  }
  const paths = driverLibraries(maps);
  const libraries = paths.map((path) => {
    try {
      const s = Deno.statSync(path);
      return `${path}:${s.size}:${s.mtime?.getTime() ?? 0}`;
    } catch {
      return path; // replaced on disk since it was loaded: the path still tells
    }
  });
  return { paths, libraries, cpu };
}

/**
 * The driver's release for reports: NVIDIA's library name ("libGLX_nvidia.so.550.54.14") when
 * `nvidia` (the adapter is NVIDIA's), else the "Mesa X.Y.Z" string of Mesa's software Vulkan
 * driver (or its gallium/DRI library). Empty when unknown.
 */
export function driverRelease(paths: readonly string[], nvidia: boolean): string {
  const names = paths.map((path) => path.slice(path.lastIndexOf("/") + 1));
  if (nvidia) return names.find((n) => /nvidia/.test(n)) ?? "";
  for (const pattern of [/^libvulkan_lvp/, /^libgallium/, /_dri\.so/, /^libvulkan_/]) {
    const k = names.findIndex((n) => pattern.test(n));
    if (k < 0) continue;
    try {
      return mesaRelease(Deno.readFileSync(paths[k])) ?? "";
    } catch {
      return ""; // unreadable
    }
  }
  return "";
}

/**
 * The processor the software adapter runs on ("AMD EPYC x2"): its model name from /proc/cpuinfo
 * and the cores this process may use, and LP_NUM_THREADS when set (llvmpipe's thread count).
 * Empty where /proc/cpuinfo cannot be read.
 */
export function cpuModel(): string {
  let model = "";
  try {
    model = Deno.readTextFileSync("/proc/cpuinfo").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? "";
  } catch {
    return "";
  }
  let threads: string | undefined;
  try {
    threads = Deno.env.get("LP_NUM_THREADS");
  } catch {
    threads = undefined; // no env permission
  }
  return `${model.trim()} x${navigator.hardwareConcurrency}` +
    (threads ? ` LP_NUM_THREADS=${threads}` : "");
}

/** Where the Vulkan loader looks for driver manifests and where Debian installs the loader. */
const ICD_DIRS = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"];
const LOADER_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/lib/x86_64-linux-gnu",
];

/** What vulkanInstalled needs to see: the environment and the file system. */
export interface SystemView {
  env: (name: string) => string | undefined;
  /** Whether a file exists. */
  exists: (path: string) => boolean;
  /** The names in a directory (empty when it cannot be read). */
  list: (dir: string) => string[];
}

const SYSTEM: SystemView = {
  env: (name) => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined;
    }
  },
  exists: (path) => {
    try {
      Deno.statSync(path);
      return true;
    } catch {
      return false;
    }
  },
  list: (dir) => {
    try {
      return [...Deno.readDirSync(dir)].map((e) => e.name);
    } catch {
      return [];
    }
  },
};

/**
 * Whether a Vulkan driver can serve WebGPU here (Linux): a driver manifest (VK_ICD_FILENAMES or
 * VK_DRIVER_FILES, or a .json in the loader's standard directories) and the loader library
 * libvulkan.so.1 (in LD_LIBRARY_PATH or the standard library directories).
 */
export function vulkanInstalled(sys: SystemView = SYSTEM): boolean {
  const manifest = vulkanManifests(sys).length > 0;
  const libDirs = [
    ...(sys.env("LD_LIBRARY_PATH") ?? "").split(":").filter((d) => d),
    ...LOADER_DIRS,
  ];
  return manifest && libDirs.some((dir) => sys.exists(`${dir}/libvulkan.so.1`));
}

/** The Vulkan driver manifests the loader would read (the variables' lists, else the dirs). */
function vulkanManifests(sys: SystemView): string[] {
  const named = [sys.env("VK_ICD_FILENAMES"), sys.env("VK_DRIVER_FILES")]
    .flatMap((v) => (v ?? "").split(":")).filter((f) => f);
  if (named.length) return named;
  return ICD_DIRS.flatMap((dir) =>
    sys.list(dir).filter((name) => name.endsWith(".json")).map((name) => `${dir}/${name}`)
  );
}

/**
 * Whether a GPU is present (its device node) without a Vulkan manifest for it: an NVIDIA GPU
 * without NVIDIA's (containers that mount the GL driver only), or WSL's /dev/dxg without Mesa's
 * D3D12 Vulkan driver (dzn). There only the GL backend reaches the GPU, and Vulkan alone would
 * leave Mesa's software driver.
 */
function gpuOnlyThroughGl(sys: SystemView): boolean {
  const manifests = vulkanManifests(sys);
  const has = (pattern: RegExp) => manifests.some((m) => pattern.test(m));
  return (sys.exists("/dev/nvidia0") && !has(/nvidia/i)) ||
    (sys.exists("/dev/dxg") && !has(/dzn/i));
}

/**
 * Sets DENO_WEBGPU_BACKEND=vulkan before WebGPU starts (call before the process's first
 * requestAdapter) when it is unset and vulkanInstalled: otherwise wgpu also starts its GL
 * backend, which loads Mesa's EGL and DRI libraries beside the Vulkan driver, and with both in
 * one process the process aborted at exit ("double free or corruption") in 4 of 20 runs of
 * tests/kernels/runtime here (2 of 15 even with the device destroyed first), in none of 25 with
 * Vulkan alone. Where no Vulkan driver is installed the GL fallback stays (GL alone aborted in 3
 * of 12), and so does GL beside Vulkan where a GPU has no Vulkan manifest (gpuOnlyThroughGl). Returns whether it set the variable.
 */
export function preferVulkan(
  sys: SystemView = SYSTEM,
  set: (value: string) => void = (v: string): void => Deno.env.set("DENO_WEBGPU_BACKEND", v),
): boolean {
  if (Deno.build.os !== "linux" || sys.env("DENO_WEBGPU_BACKEND") !== undefined) return false;
  if (!vulkanInstalled(sys) || gpuOnlyThroughGl(sys)) return false;
  try {
    set("vulkan");
    return true;
  } catch {
    return false; // no env permission: WebGPU picks its backends itself
  }
}
