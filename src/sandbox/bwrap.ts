/**
 * The bubblewrap sandbox an agent runs in (`[run] sandbox = "bwrap"`): the whole file system
 * read-only, then writable again only where the attempt works (its worktree, or its working
 * directory), the graph folder its `wg` commands write, and a private, empty temp folder; the
 * network off unless asked for. Pure: the folders come from the caller, and bwrap's `-try`
 * binds skip a source that does not exist, so nothing here looks at the disk.
 */
import { isAbsolute, relative } from 'node:path';

/** The file a sandboxed process writes (in its run directory) once bwrap has started it. */
export const SANDBOX_MARKER = 'sandbox-started';

export interface SandboxPlan {
  /** Where the attempt may write: its worktree, or (without isolation) its working directory. */
  tree: string;
  /** The `.workgraph` folder: the agent's `wg log`, `wg artifact`... write the graph there. */
  workgraphDir: string;
  /** Folders that stay readable when they lie under a temp folder (wg's install, node's, the project). */
  keep: readonly string[];
  /** Temp folders (`/tmp`, `$TMPDIR`): each replaced by an empty, private, writable one. */
  temp: readonly string[];
  /** Whether the network stays on (`[run] sandbox_network`). */
  network: boolean;
}

export type Mount = { kind: 'ro' | 'rw' | 'tmpfs'; path: string };

const inside = (path: string, folder: string) => {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * The mounts, in the order bwrap must make them: private temp folders first, then the binds,
 * each folder before the folders inside it (a bind of a folder would uncover what was bound
 * inside it before). Writable: the graph folder and the attempt's tree. Read-only again inside
 * the graph folder: every attempt's worktree but this one, and the settings (`sandbox = "none"`
 * among them). Readable again: what a private temp folder would hide (wg's install, the project).
 */
export function sandboxMounts(plan: SandboxPlan): Mount[] {
  const writable = [plan.tree, plan.workgraphDir];
  const hidden = (path: string) =>
    plan.temp.some((temp) => inside(path, temp)) && !writable.some((folder) => inside(path, folder));
  const binds: Mount[] = [
    ...plan.keep.filter(hidden).map((path): Mount => ({ kind: 'ro', path })),
    { kind: 'rw', path: plan.workgraphDir },
    { kind: 'ro', path: `${plan.workgraphDir}/worktrees` },
    { kind: 'ro', path: `${plan.workgraphDir}/config.toml` },
    { kind: 'rw', path: plan.tree },
  ];
  const depth = (mount: Mount) => mount.path.split('/').filter(Boolean).length;
  const ordered = binds
    .map((mount, index) => ({ mount, index }))
    .sort((a, b) => depth(a.mount) - depth(b.mount) || a.index - b.index)
    .map(({ mount }) => mount);
  return [...plan.temp.map((path): Mount => ({ kind: 'tmpfs', path })), ...ordered];
}

/** bwrap's options for the plan, up to and including `--`. */
export function bwrapOptions(plan: SandboxPlan, cwd: string): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  for (const mount of sandboxMounts(plan)) {
    if (mount.kind === 'tmpfs') args.push('--tmpfs', mount.path);
    else if (mount.kind === 'rw') args.push('--bind', mount.path, mount.path);
    else args.push('--ro-bind-try', mount.path, mount.path);
  }
  if (!plan.network) args.push('--unshare-net');
  // Its own process ids: when bwrap goes (the runner's stop reaches it), everything inside goes with it.
  args.push('--unshare-pid', '--unshare-ipc', '--die-with-parent', '--chdir', cwd, '--');
  return args;
}

/**
 * A process as bwrap runs it: `sh` inside first leaves the marker file (so a run that never
 * started is told from an agent that failed), then becomes the program.
 */
export function sandboxed(
  program: { file: string; args: readonly string[]; cwd: string },
  plan: SandboxPlan,
  marker: string,
): { file: string; args: string[] } {
  return {
    file: 'bwrap',
    args: [
      ...bwrapOptions(plan, program.cwd),
      '/bin/sh',
      '-c',
      ': > "$0" && exec "$@"',
      marker,
      program.file,
      ...program.args,
    ],
  };
}
