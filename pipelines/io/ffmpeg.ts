/** ffmpeg as a subprocess, for the prepare steps (frames from videos) and test fixtures. */

/** Run ffmpeg; a clear error when it is not installed. */
export async function ffmpeg(args: string[]): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("ffmpeg", {
      args: ["-hide_banner", "-loglevel", "error", "-y", ...args],
      stdout: "null",
      stderr: "piped",
    }).output();
  } catch {
    throw new Error("ffmpeg not found: install it (Debian: apt-get install ffmpeg)");
  }
  if (!out.success) {
    throw new Error(
      `ffmpeg ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim().split("\n").pop()}`,
    );
  }
}
