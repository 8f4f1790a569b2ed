/**
 * `wg agent-acp`: the ACP client's process, launched by the `acp` backend: one session with
 * one ACP agent, its events printed as JSON lines. Hidden from `wg --help`: people choose
 * the backend (`acp:opencode`), not this command.
 */
import { Command } from 'commander';

export function register(program: Command): void {
  const command = new Command('agent-acp')
    .description('run one ACP session as the acp backend describes it in a spec file, printing events as JSON lines')
    .requiredOption('--spec <path>', 'the session spec (acp.json beside the prompt)')
    .action(async (flags: { spec: string }) => {
      const { runAcpAgent } = await import('../../acp/main.js');
      process.exitCode = await runAcpAgent(flags.spec);
    });
  program.addCommand(command, { hidden: true });
}
