/**
 * The `shell` backend: runs the task's own `exec` command with `sh -c` in the agent's
 * working directory. It takes no prompt (the command is the whole instruction) and gets
 * no stdin, so a command that tries to read one sees end of file instead of hanging.
 */
import { ConfigError } from '../errors.js';
import { progressFromLine } from './lines.js';
import type { Backend, LaunchSpec, OutputParser, RunContext } from './types.js';

export const shellBackend: Backend = {
  name: 'shell',
  usesPrompt: false,
  sandbox: 'process',

  launch(context: RunContext): LaunchSpec {
    const { task } = context;
    if (task.exec === undefined || task.exec.trim() === '') {
      throw new ConfigError(
        `task ${task.id} has no exec command, and the shell backend only runs a task's exec`,
        `give it one (wg edit ${task.id} --exec "<command>") or choose an agent backend (wg edit ${task.id} --backend <name>)`,
      );
    }
    return { file: 'sh', args: ['-c', task.exec], cwd: context.workdir, env: { ...context.env } };
  },

  permissions(): string[] {
    return ["anything the task's exec command does, as you (it gets no prompt)"];
  },

  parser(): OutputParser {
    return { line: (text) => progressFromLine(text) };
  },
};
