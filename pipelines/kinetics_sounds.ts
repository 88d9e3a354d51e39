/**
 * Kinetics-Sounds: `deno task train:ks --data DIR [--config configs/kinetics_sounds.json] ...`
 * DIR holds annotations/, {train,test}_wav/ and {train,test}_img/Image-01-FPS/.
 */
import { RUN_OPTIONS, runFromCli } from "./cli.ts";
import { kineticsSoundsEntry } from "./entries.ts";
import { command } from "./command.ts";

await command(import.meta.url, RUN_OPTIONS);

await runFromCli(kineticsSoundsEntry);
Deno.exit(0);
