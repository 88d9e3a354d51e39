/**
 * A one-node SLURM cluster on localhost for the job-array test: munged (when none runs), then
 * slurmctld and slurmd from Debian's `slurm-wlm` with a config of their own under a temporary
 * folder (their own ports, state and logs; nothing under /etc changes). It needs root (slurmd
 * runs the jobs as their user and munged reads the root-owned key); without root or the binaries
 * `startSlurm` says why and the caller skips.
 */
import { join } from "node:path";

/** A started cluster: the environment its clients need, and how to stop it. */
export interface LocalSlurm {
  /** SLURM_CONF for sbatch, squeue, scancel and the tasks. */
  env: Record<string, string>;
  /** Stop the daemons and remove the folder. */
  stop(): Promise<void>;
}

const has = (name: string) =>
  new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "null" }).outputSync()
    .success;

/** Why a local cluster cannot start here, or null when it can. */
export function slurmUnavailable(): string | null {
  if (Deno.uid() !== 0) {
    return "not root (slurmd and munged need it; ./mmb test installs them as root)";
  }
  const missing = ["slurmctld", "slurmd", "sbatch", "squeue", "scancel", "munged"].filter((n) =>
    !has(n)
  );
  return missing.length ? `missing ${missing.join(", ")} (Debian: slurm-wlm munge)` : null;
}

async function sh(cmd: string, env: Record<string, string> = {}): Promise<string> {
  const r = await new Deno.Command("sh", {
    args: ["-c", cmd],
    env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  if (!r.success) throw new Error(`${cmd}: ${text}`);
  return text;
}

/** Start the cluster (see the header): one node, this host's CPUs, partition `debug`. */
export async function startSlurm(): Promise<LocalSlurm> {
  const dir = await Deno.makeTempDir({ prefix: "mmboost-slurm-" });
  const host = Deno.hostname().split(".")[0], cpus = navigator.hardwareConcurrency;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const conf = join(dir, "slurm.conf");
  for (const d of ["state", "spool"]) await Deno.mkdir(join(dir, d));
  await Deno.writeTextFile(
    conf,
    [
      "ClusterName=mmboosttest",
      `SlurmctldHost=${host}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      "CredType=cred/munge",
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "SchedulerType=sched/backfill",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core",
      "ReturnToService=2",
      "MpiDefault=none",
      "JobCompType=jobcomp/none",
      "AccountingStorageType=accounting_storage/none",
      "JobAcctGatherType=jobacct_gather/none",
      "KillWait=5",
      "MinJobAge=2",
      `NodeName=${host} CPUs=${cpus} State=UNKNOWN`,
      "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
      "",
    ].join("\n"),
  );
  const env = { SLURM_CONF: conf };
  // munge: the key comes with Debian's package; one daemon serves every cluster on the host
  if (!(await sh("pgrep -x munged || true")).trim()) {
    await sh("mkdir -p /run/munge /var/log/munge && munged --force");
  }
  await sh(`slurmctld -f ${conf} && slurmd -f ${conf}`, env);
  const stop = async () => {
    for (const pid of ["slurmd.pid", "slurmctld.pid"]) {
      await sh(`kill $(cat ${join(dir, pid)}) 2>/dev/null || true`);
    }
    await new Promise((r) => setTimeout(r, 500));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  for (let t = 0; t < 150; t++) { // up to 30 s for the node to report idle
    const state = await sh("sinfo -h -o %T", env).catch(() => "");
    if (/idle/.test(state)) return { env, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  const logs = await sh(`tail -n 20 ${dir}/slurmctld.log ${dir}/slurmd.log`).catch(() => "");
  await stop();
  throw new Error(`the local SLURM node never became idle:\n${logs}`);
}
