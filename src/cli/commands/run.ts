import { join } from 'node:path';
import type { Command } from 'commander';
import { resolveRun } from '../../config/run-settings.js';
import type { DryRunPlan } from '../../runner/dry-run.js';
import type { LaunchOptions } from '../../runner/prepare.js';
import type { RunOptions, RunSummary } from '../../runner/run.js';
import { packagePath } from '../../system/package-root.js';
import { openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';
import { addSettingFlags, settingOverrides } from '../setting-flags.js';

/** The flags that are not settings; the others (`--parallel`, ...) come from the settings table. */
interface Flags extends Record<string, unknown> {
  trajectory?: boolean;
  actor?: string;
  backend?: string;
  model?: string;
  failFast?: boolean;
  wait?: boolean;
  dryRun?: boolean;
  json?: boolean;
  allowOutside?: boolean;
  target?: string;
}

/** The folder of this installation's `wg` executables, for agents' PATH. */
function wgBinDir(): string {
  return packagePath('bin');
}

function printPlan(plan: DryRunPlan): void {
  if (plan.steps.length === 0) print('Nothing is ready to run.');
  for (const step of plan.steps) {
    print(colors.bold(`── wave ${step.wave}: ${step.task} ${colors.dim(`(${step.title})`)}`));
    print(
      `actor:    ${step.actor}${step.after ? `, trajectory step after ${step.after}` : ''} (attempt ${step.attempt})`,
    );
    for (const reason of step.errors ?? []) print(colors.red(`would fail: ${reason}`));
    if (step.backend !== undefined) print(`backend:  ${step.backend}${step.model ? `, model ${step.model}` : ''}`);
    if (step.file !== undefined)
      print(`argv:     ${[step.file, ...(step.args ?? [])].map((arg) => JSON.stringify(arg)).join(' ')}`);
    if (step.cwd !== undefined) print(`cwd:      ${step.cwd}`);
    if (step.worktree)
      print(
        `worktree: ${step.worktree.path} (branch ${step.worktree.branch} from ${step.worktree.target} at ${step.worktree.base.slice(0, 12)}${step.wave > 1 ? ', or wherever its upstream work has landed by then' : ''})`,
      );
    const [firstPermission, ...otherPermissions] = step.permissions ?? [];
    if (firstPermission)
      print(`may:      ${[firstPermission, ...otherPermissions.map((line) => `          ${line}`)].join('\n')}`);
    if (step.stdin) print(`stdin:    ${step.stdin}`);
    if (step.env !== undefined) {
      print(
        `env:      ${step.envPassed?.join(' ') || 'nothing'} from wg's environment (values in --json, secrets masked), plus`,
      );
      for (const [name, value] of Object.entries(step.addedEnv ?? {})) print(`          ${name}=${value}`);
      if (step.envWithheld?.length) print(`withheld: ${step.envWithheld.join(' ')}`);
    }
    if (step.prompt !== undefined) {
      print(
        colors.dim(
          `prompt (~${step.promptTokens} tokens${step.omitted?.length ? `; ${step.omitted.join('; ')}` : ''}${step.backend === undefined ? '; as an agent backend would get it' : ''}):`,
        ),
      );
      print(
        step.prompt
          .trimEnd()
          .split('\n')
          .map((line) => `  │ ${line}`)
          .join('\n'),
      );
    }
    print();
  }
  for (const item of plan.unassignable) print(colors.yellow(`unassignable: ${item.task}: ${item.reasons.join('; ')}`));
  if (plan.overBudget.length > 0)
    print(colors.yellow(`the budget would keep these from starting: ${plan.overBudget.join(', ')}`));
  if (plan.neverReady.length > 0) print(colors.yellow(`never ready in this plan: ${plan.neverReady.join(', ')}`));
  const failing = plan.steps.filter((step) => step.error !== undefined).length;
  if (plan.wouldFail)
    print(
      colors.red(
        `${failing} launch${failing === 1 ? '' : 'es'} would fail${plan.unassignable.length > 0 ? `, ${plan.unassignable.length} task${plan.unassignable.length === 1 ? '' : 's'} no actor may take` : ''}: wg run would not finish as planned`,
      ),
    );
}

function printSummary(summary: RunSummary, dir: string): void {
  print();
  const seconds = (summary.elapsedMs / 1000).toFixed(1);
  const reopened = summary.reopened.length > 0 ? `${summary.reopened.length} reopened, ` : '';
  print(
    colors.bold(
      `Run ${summary.interrupted ? `interrupted after ${seconds}s` : `finished in ${seconds}s`}: ${summary.done.length} done, ${reopened}${summary.failed.length} failed, ${summary.blocked.length} blocked, ${summary.unassignable.length} unassignable`,
    ),
  );
  if (summary.doneElsewhere.length > 0) {
    const ids = summary.doneElsewhere;
    print(
      `${colors.green('done elsewhere')} ${ids.length} task${ids.length === 1 ? '' : 's'} finished by another runner (or by hand) during this run, not by this one: ${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', …' : ''}`,
    );
  }
  for (const item of summary.recovered)
    print(`${colors.yellow('recovered')} ${item.task}: ${item.reason} (${item.status})`);
  for (const item of summary.failed) print(`${colors.red('failed')}   ${item.id}: ${item.reason}`);
  for (const item of summary.blocked)
    print(`${colors.yellow('blocked')}  ${item.id}: waits for ${item.waitingFor.join(', ')}`);
  for (const item of summary.unassignable) print(`${colors.yellow('no actor')} ${item.id}: ${item.reasons.join('; ')}`);
  for (const item of summary.pendingValidation)
    print(
      `${colors.magenta('review')}   ${item.id}: waits for wg approve ${item.id} or wg reject ${item.id} --reason TEXT (wg diff ${item.id} shows it)${item.waitedOnBy.length > 0 ? `; ${item.waitedOnBy.join(', ')} wait${item.waitedOnBy.length === 1 ? 's' : ''} on it` : ''}`,
    );
  for (const item of summary.waiting)
    print(`${colors.yellow('waiting')}  ${item.id}: ${item.for} (next: ${item.next})`);
  for (const item of summary.held)
    print(
      `${colors.yellow('held')}     ${item.id}: ${item.status} (a status of the Rust wg: its tools move it on, or wg done / wg abandon)`,
    );
  if (summary.writeFailure)
    print(
      colors.red(
        `stopped: writing the graph failed (${summary.writeFailure}); the graph on disk holds every change up to the last complete write`,
      ),
    );
  if (summary.interrupted) {
    const list = `${summary.reopened.slice(0, 8).join(', ')}${summary.reopened.length > 8 ? ', …' : ''}`;
    print(
      colors.yellow(
        summary.reopened.length > 0
          ? `interrupted: running agents were stopped; reopened, the interruption counting no attempt: ${list}; wg run starts them again`
          : 'interrupted: no agent was running',
      ),
    );
  }
  if (summary.spentUsd > 0) {
    const by = (totals: Record<string, number>) =>
      Object.entries(totals)
        .sort((a, b) => b[1] - a[1])
        .map(([key, usd]) => `${key} $${usd.toFixed(2)}`)
        .join(', ');
    print(
      `spent: $${summary.spentUsd.toFixed(2)} (by backend: ${by(summary.spentBy.backend)}; by model: ${by(summary.spentBy.model)}); wg cost shows it by task`,
    );
  }
  if (summary.budget) {
    const { limitUsd, spentUsd, stopped, notStarted } = summary.budget;
    const line = `budget: $${spentUsd.toFixed(2)} of $${limitUsd.toFixed(2)} spent, $${Math.max(0, limitUsd - spentUsd).toFixed(2)} left`;
    print(
      stopped
        ? colors.yellow(
            `${line}; the budget stopped the run${notStarted.length > 0 ? `: ${notStarted.length} task${notStarted.length === 1 ? '' : 's'} not started stay open (${notStarted.slice(0, 8).join(', ')}${notStarted.length > 8 ? ', …' : ''})` : ''}`,
          )
        : line,
    );
  }
  const example = summary.failed[0]?.id ?? summary.done.at(-1);
  if (example)
    print(
      colors.dim(
        `next: wg show ${example} · wg log ${example} · ${join(dir, 'runs', example)}/${summary.failed[0] ? ` · wg retry ${example} (--reset starts its count over)` : ''}`,
      ),
    );
}

export function register(program: Command): void {
  const command = program
    .command('run')
    .description(
      'run the whole graph (or one task) with agents: plan, claim, launch, record, until nothing is runnable',
    )
    .argument('[task]', 'run only this task (it must be ready)')
    .option('--trajectory', 'with a task: walk its context-coherent trajectory')
    .option('--actor <id>', 'run as this actor only')
    .option('--backend <name>', 'use this backend for every task (shell, command, or a [backends.NAME])')
    .option('--model <name>', 'use this model for every task')
    .option('--fail-fast', 'stop everything at the first task that fails for good')
    .option(
      '--no-wait',
      `when only results pending review are left, end the run (listing what waits on whom; exit 3 when nothing but reviews is unfinished) instead of waiting for wg approve / wg reject`,
    )
    .option('--allow-outside', 'let a working_dir lead outside the project')
    .option('--target <branch>', 'the branch results land on (default: the branch checked out now)');
  // --parallel, --timeout, ...: every setting the table gives a flag.
  addSettingFlags(command)
    .option(
      '--dry-run',
      'build and print every prompt, argv, cwd, worktree and env in the order the run would start them; launch nothing, write nothing; exit 1 if a launch would fail',
    )
    .option('--json', 'print events as NDJSON (with --dry-run: the plan as JSON)')
    .action(async (taskId: string | undefined, flags: Flags) => {
      const workspace = await openWorkspace(command, { longLived: true });
      // Their start-up (a Node process each) overlaps ours instead of delaying the first agent.
      if (!flags.dryRun) (await import('../../process/helper.js')).startSpawners();
      const { config, settings } = resolveRun(await workspace.config(), settingOverrides(flags));
      const launch: LaunchOptions = {
        root: workspace.root,
        workgraphDir: workspace.dir,
        config,
        wgBinDir: wgBinDir(),
        backend: flags.backend,
        model: flags.model,
        allowOutside: flags.allowOutside ?? false,
        baseEnv: process.env,
      };
      const options: RunOptions = {
        ...settings,
        only: taskId,
        trajectory: flags.trajectory ?? false,
        actor: flags.actor,
        failFast: flags.failFast ?? false,
        waitForReviews: flags.wait ?? true,
        llmReview: async (taskId, apply, signal) => {
          const { reviewWithLlm } = await import('../../review/llm.js');
          return reviewWithLlm({ launch, apply, signal, graceMs: settings.graceMs }, taskId);
        },
      };

      const { preflight } = await import('../../runner/preflight.js');
      preflight(await workspace.store.load(), workspace.root, { allowOutside: launch.allowOutside });
      // Refused before anything is claimed when every run together spent the day's budget (the runner checks it again).
      if (!flags.dryRun && options.budgetUsdPerDay !== undefined) {
        const { dayBudgetLeft } = await import('../../runner/budget.js');
        dayBudgetLeft(await workspace.store.load(), options.budgetUsdPerDay, new Date());
      }
      // A backend that cannot launch is refused before any task is claimed, failed or given a worktree.
      if (!flags.dryRun)
        (await import('../../doctor/launch.js')).assertLaunchable(await workspace.store.load(), launch, {
          only: taskId,
          actor: flags.actor,
          contextLimit: options.contextLimit,
        });
      const { chooseIsolation } = await import('../../worktree/choose.js');
      const isolated = await chooseIsolation(workspace.root, workspace.dir, config, {
        mode: config.run.isolation,
        target: flags.target,
        dryRun: flags.dryRun ?? false,
      });
      if (config.run.upstream_changes === 'whole')
        launch.wholeFiles = '`upstream_changes = "whole"` under [run] in config.toml';
      else if (isolated.upstreamChanges) launch.upstreamChanges = isolated.upstreamChanges;
      else
        launch.wholeFiles =
          'these runs are not isolated in git worktrees, so wg has no record of what each task changed';
      if (flags.dryRun) {
        const { planDryRun } = await import('../../runner/dry-run.js');
        const plan = planDryRun(await workspace.store.load(), launch, { ...options, preview: isolated.preview });
        if (isolated.notice && !flags.json) print(colors.dim(`note: ${isolated.notice}`));
        if (flags.json) printJson(plan);
        else printPlan(plan);
        // Everything is printed first; then the exit code says whether the run would launch everything.
        if (plan.wouldFail) process.exitCode = 1;
        return;
      }

      const { Runner } = await import('../../runner/run.js');
      const { waiveGrace } = await import('../../process/terminate.js');
      const reporters = await import('../run-reporters.js');
      const { RunRecordReporter } = await import('../../runner/run-record.js');
      const shown = flags.json
        ? new reporters.JsonReporter()
        : process.stdout.isTTY
          ? new reporters.LiveReporter((await import('log-update')).default)
          : new reporters.LineReporter();
      const recordReporter = new RunRecordReporter(workspace.dir, shown, {
        budgetUsd: options.budgetUsd,
        parallel: options.parallel,
      });
      const { NotifyReporter } = await import('../../notify/notifier.js');
      const { parseDuration } = await import('../../graph/duration.js');
      const reporter = new NotifyReporter(workspace.dir, recordReporter, {
        command: config.notify.command,
        webhook: config.notify.webhook,
        debounceMs: parseDuration(config.notify.debounce),
        longPauseMs: parseDuration(config.notify.long_pause),
      });
      const interrupt = new AbortController();
      // First Ctrl-C: stop cleanly (SIGTERM to running trees, SIGKILL after the grace, reopen their
      // tasks). Second: the same without the grace, so it ends at once and still reopens them.
      // Third: exit now; the next wg run recovers what was running (counting an attempt).
      // `on`, not `once`: during a graph write, write-file-atomic's signal-exit handler re-raises
      // any signal that has no other listener left, which killed wg before it could clean up.
      let signals = 0;
      const stopOnSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          reporter.event({
            type: 'notice',
            message: `stopping: running agents get SIGTERM (SIGKILL after ${options.graceMs / 1000}s) and their tasks are reopened; again to kill them at once`,
          });
          return interrupt.abort();
        }
        if (signals > 2) process.exit(signal === 'SIGINT' ? 130 : 143);
        waiveGrace();
        reporter.event({
          type: 'notice',
          message:
            'stopping now: running agents are killed without their grace period; once more exits at once, leaving their tasks for the next wg run to recover',
        });
      };
      process.on('SIGINT', stopOnSignal);
      process.on('SIGTERM', stopOnSignal);
      if (isolated.notice) reporter.event({ type: 'notice', message: isolated.notice });
      const summary = await new Runner(
        workspace.store,
        launch,
        options,
        reporter,
        interrupt.signal,
        isolated.isolation,
      ).run();
      if (summary.budget?.stopped) recordReporter.budgetStop(summary.budget);
      reporter.finished(summary);
      reporter.close();
      if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
      else printSummary(summary, workspace.dir);
      process.exitCode = summary.interrupted ? 130 : summary.exitCode;
      // The last messages (the run's end) go out before wg exits; each is capped at 10 s.
      await reporter.settled();
    });
  examples(
    command,
    'wg run',
    'wg run --dry-run',
    'wg run build-api --trajectory --actor alice',
    'wg run --parallel 8 --timeout 30m --fail-fast',
  );
}
