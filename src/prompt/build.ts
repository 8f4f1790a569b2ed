/**
 * Building the prompt text (pure). Sections, in the order of templates/task.md: the
 * task, what to deliver, how it is checked, context from upstream (each dependency's
 * summary, artifacts and its latest attempt's latest log entries, then what the previous
 * trajectory step just did, then the declared inputs), the context files, what was omitted, the working directory and
 * tools, and the protocol.
 *
 * Budget: the fixed parts always go in. File contents are then added in the order they
 * appear: whole if they fit, else their first lines, else only their path. Whatever is
 * cut is named on the "omitted:" line, so the agent knows to read it from disk.
 */
import { normalizeRef } from '../graph/context.js';
import { CHARS_PER_TOKEN } from '../graph/estimate.js';
import type { Upstream } from '../graph/context.js';
import type { Task } from '../graph/schema.js';
import { renderTemplate } from './template.js';
import type { BuiltPrompt, Clash, FileContent, PromptSources, PromptTemplates, RetryBasis } from './types.js';

/** When no context limit is known. */
export const DEFAULT_PROMPT_BUDGET_TOKENS = 100_000;
/** The prompt may fill half the context window: the rest is the agent's room to read, think and write. */
export const PROMPT_BUDGET_SHARE = 0.5;
export const PREVIEW_LINES = 20;
export const PREVIEW_LINE_CHARS = 200;

export function promptBudget(contextLimit: number | undefined): number {
  return contextLimit === undefined
    ? DEFAULT_PROMPT_BUDGET_TOKENS
    : Math.max(1, Math.floor(contextLimit * PROMPT_BUDGET_SHARE));
}

export function tokensOf(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

type Mode = 'full' | 'preview' | 'reference';
type TextContent = Extract<FileContent, { kind: 'text' }>;

/** A text file the budget decides about, as first mentioned. */
interface Slot {
  key: string;
  path: string;
  origin: string;
  content: TextContent;
  /** The fence's info string: `diff` for a change. */
  info: string;
}

function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** A fence longer than any run of backticks in the content, so the content cannot close it. */
function fenced(text: string, info = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text.replace(/\n$/, '')}\n${fence}`;
}

function preview(content: TextContent): { text: string; shown: number; of: string } {
  const lines = content.text
    .split('\n')
    .slice(0, PREVIEW_LINES)
    .map((line) => (line.length > PREVIEW_LINE_CHARS ? `${line.slice(0, PREVIEW_LINE_CHARS - 1)}…` : line));
  const shown = Math.min(PREVIEW_LINES, lineCount(content.text));
  const of = content.complete ? `${lineCount(content.text)} lines` : `a ${content.bytes}-byte file`;
  return { text: lines.join('\n'), shown, of };
}

function fileBlock(path: string, origin: string, content: FileContent, mode: Mode, info = ''): string {
  const heading = `#### \`${path}\` (${origin})`;
  switch (content.kind) {
    case 'binary':
      return `${heading}: binary file (${content.bytes} bytes), not inlined`;
    case 'directory':
      return `${heading}: a directory, not inlined`;
    case 'missing':
      return `${heading}: not found (it may not have been written yet)`;
    case 'unreadable':
      return `${heading}: could not be read (${content.reason})`;
    case 'text':
      if (mode === 'full') return `${heading}\n\n${fenced(content.text, info)}`;
      if (mode === 'preview') {
        const part = preview(content);
        return `${heading}: first ${part.shown} of ${part.of}\n\n${fenced(part.text, info)}`;
      }
      return `${heading}: not inlined (${content.bytes} bytes) to stay within the prompt budget; read it from disk`;
  }
}

/** How a cut file is named on the omitted line; undefined when it is inlined whole. */
function omittedEntry(path: string, content: TextContent, mode: Mode): string | undefined {
  if (mode === 'full') return undefined;
  if (mode === 'reference') return path;
  const part = preview(content);
  return `${path} (first ${part.shown} of ${part.of} shown)`;
}

const bullets = (items: readonly string[]) => items.map((item) => `- ${item}`).join('\n');
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ');

/** Renders the whole prompt for one choice of modes; `onFirstMention` sees each text file once, in order. */
function render(
  sources: PromptSources,
  templates: PromptTemplates,
  budgetTokens: number,
  modes: ReadonlyMap<string, Mode>,
  onFirstMention: (slot: Slot) => void = () => {},
): { text: string; omitted: string[] } {
  const shown = new Set<string>();
  const omitted: string[] = [];
  /** A file, whole as far as the budget allows; `change`: instead, what an upstream commit did to it. */
  const file = (path: string, origin: string, change?: { key: string; patch: string }): string => {
    const key = change?.key ?? normalizeRef(path);
    if (shown.has(key)) return `#### \`${path}\` (${origin}): shown above`;
    shown.add(key);
    const content: FileContent = change
      ? { kind: 'text', text: change.patch, bytes: change.patch.length, complete: true }
      : (sources.files[key] ?? { kind: 'missing' });
    if (content.kind !== 'text') return fileBlock(path, origin, content, 'reference');
    const info = change ? 'diff' : '';
    onFirstMention({ key, path, origin, content, info });
    const mode = modes.get(key) ?? 'reference';
    const entry = omittedEntry(path, content, mode);
    if (entry !== undefined) omitted.push(entry);
    return fileBlock(path, origin, content, mode, info);
  };

  const summary = (dep: Upstream) =>
    dep.summary ? [`Its agent's summary of the work:\n\n${fenced(dep.summary)}`] : [];
  const log = (dep: Upstream, label: string) =>
    dep.log.length === 0
      ? []
      : [
          `${label}:`,
          bullets(dep.log.map((entry) => `${entry.timestamp} ${entry.actor ?? '?'}: ${oneLine(entry.message)}`)),
        ];
  // A file the task names as an input is always given whole: the task says it needs all of it.
  const wantedWhole = (path: string) =>
    (sources.task.inputs ?? []).some((input) => normalizeRef(input) === normalizeRef(path));
  const artifact = (dep: Upstream, path: string): string => {
    const change = sources.changes?.[dep.id]?.[normalizeRef(path)];
    const origin = `artifact of ${dep.id}`;
    if (change?.kind === 'deleted') return `#### \`${path}\` (${origin}): deleted by ${dep.id}`;
    if (change?.kind !== 'modified' || wantedWhole(path)) return file(path, origin);
    const counts = `+${change.additions} -${change.deletions}`;
    return file(
      path,
      `${origin}: what ${dep.id} changed in it, ${counts}, as a diff; the whole file is in your working directory`,
      { key: `${dep.id}\0${normalizeRef(path)}`, patch: change.patch },
    );
  };
  const artifacts = (dep: Upstream) =>
    dep.artifacts.length === 0 ? ['No artifacts registered.'] : dep.artifacts.map((path) => artifact(dep, path));
  // The previous trajectory step is usually also a dependency: it is shown once, with its longer log.
  const previousId = sources.previousStep?.id;
  const dependency = (dep: Upstream): string => {
    if (dep.status === 'missing') return `### \`${dep.id}\`: no such task`;
    const isPrevious = dep.id === previousId;
    const unregistered = dep.deliverables.filter(
      (path) => !dep.artifacts.some((artifact) => normalizeRef(artifact) === normalizeRef(path)),
    );
    // The session already holds what the agent itself just did: say what it was, not all of it again.
    const inSession = isPrevious && sources.sessionContinues === true;
    return [
      `### ${isPrevious ? 'Previous step of your trajectory: ' : ''}\`${dep.id}\`: ${dep.title} (${dep.status})`,
      ...(inSession
        ? [
            `You did this step earlier in this same session${dep.artifacts.length > 0 ? `, and its files (${dep.artifacts.map((path) => `\`${path}\``).join(', ')}) are in your working directory as it landed them` : ''}: they are not repeated here.`,
          ]
        : [...summary(dep), ...artifacts(dep)]),
      ...(unregistered.length > 0
        ? [`Promised but not registered: ${unregistered.map((path) => `\`${path}\``).join(', ')}`]
        : []),
      ...log(dep, isPrevious ? 'What it just did' : 'Latest log entries'),
    ].join('\n\n');
  };
  const inputs = sources.inputs.map((input) => {
    if (input.state === 'available') return `\`${input.input}\`: registered by ${input.from.join(', ')}`;
    if (input.state === 'promised')
      return `\`${input.input}\`: promised by ${input.from.join(', ')}, not registered yet`;
    return `\`${input.input}\`: no upstream task produces it`;
  });
  const anyArtifacts =
    sources.upstream.some((dep) => dep.artifacts.length > 0) || (sources.previousStep?.artifacts.length ?? 0) > 0;
  const upstream = [
    ...(sources.wholeFiles && anyArtifacts
      ? [`Upstream files are shown whole, not as what each task changed: ${sources.wholeFiles}.`]
      : []),
    ...(sources.upstream.length === 0 && !sources.previousStep
      ? ['This task has no dependencies.']
      : sources.upstream.map((dep) => dependency(dep.id === previousId ? sources.previousStep! : dep))),
    ...(sources.previousStep && !sources.upstream.some((dep) => dep.id === previousId)
      ? [dependency(sources.previousStep)]
      : []),
    ...(inputs.length > 0 ? [`### Your declared inputs\n\n${bullets(inputs)}`] : []),
  ].join('\n\n');

  const contextFiles = (sources.task.context_files ?? []).map((path) => file(path, 'context file'));
  const task = sources.task;
  const vars: Record<string, string> = {
    task_id: task.id,
    task_title: task.title,
    task_body: `${task.prompt ?? task.description ?? '(no description)'}${retryNote(task, sources.retry, sources.tree?.target)}${answerNote(task)}`,
    deliverables:
      (task.deliverables ?? []).length === 0
        ? 'None declared.'
        : bullets(task.deliverables!.map((path) => `\`${path}\``)),
    verify: task.verify
      ? `When you exit 0, wg runs this check in the working directory; the task is done only if it passes:\n\n${fenced(task.verify)}`
      : 'No check is declared: make sure the deliverables exist and work before you finish.',
    upstream,
    context_files: contextFiles.length === 0 ? 'None.' : contextFiles.join('\n\n'),
    omitted:
      omitted.length === 0
        ? 'omitted: nothing.'
        : `omitted: ${omitted.length} file${omitted.length === 1 ? '' : 's'} to stay within the ${budgetTokens}-token budget: ${omitted.join(', ')}. Read them from disk if you need them.`,
    environment: [
      `Working directory: \`${sources.workdir}\``,
      `Project root: \`${sources.root}\` (deliverable and artifact paths above are relative to it)`,
      ...(sources.tree
        ? [
            `This attempt has a git worktree of its own: \`${sources.tree.path}\` on branch \`${sources.tree.branch}\`, made from \`${sources.tree.target}\` at ${sources.tree.base.slice(0, 12)} (it holds the landed work of every upstream task). When you succeed, wg commits what you leave uncommitted and lands it on \`${sources.tree.target}\`; nothing lands if you fail.`,
          ]
        : []),
      sources.permissions.length === 0
        ? 'What you may do: whatever your environment allows.'
        : `What you may do without asking:\n\n${bullets(sources.permissions)}`,
    ].join('\n\n'),
    protocol: renderTemplate(templates.protocol, {
      task_id: task.id,
      task_title: task.title,
      workdir: sources.workdir,
      ...Object.fromEntries(Object.entries(sources.protocolTools ?? {}).map(([name, tool]) => [`${name}_tool`, tool])),
    }).trim(),
  };
  return { text: `${renderTemplate(templates.task, vars).trim()}\n`, omitted };
}

/**
 * Chosen modes, upgraded file by file while the running size stays within the budget.
 * The size starts from the prompt with every file cut, and each upgrade adds what its
 * block and its omitted-line entry (with its ", ") change. That is an upper bound: the
 * line's header only gets shorter as fewer files are cut. A file whose content is
 * shorter than the note that replaces it is always inlined: cutting it would not save.
 */
function allocate(sources: PromptSources, templates: PromptTemplates, budgetTokens: number): Map<string, Mode> {
  const slots: Slot[] = [];
  const modes = new Map<string, Mode>();
  let size = render(sources, templates, budgetTokens, modes, (slot) => slots.push(slot)).text.length;
  const budgetChars = budgetTokens * CHARS_PER_TOKEN;
  for (const slot of slots) {
    const cost = (mode: Mode) =>
      fileBlock(slot.path, slot.origin, slot.content, mode, slot.info).length +
      (omittedEntry(slot.path, slot.content, mode)?.length ?? -2) +
      2;
    const reference = cost('reference');
    for (const mode of slot.content.complete ? (['full', 'preview'] as const) : (['preview'] as const)) {
      const delta = cost(mode) - reference;
      if (delta > 0 && size + delta > budgetChars) continue;
      modes.set(slot.key, mode);
      size += delta;
      break;
    }
  }
  return modes;
}

/** A retry is told why the attempt before it failed, so it does not repeat the same mistake blind, and what it starts from. */
function retryNote(task: Task, basis: RetryBasis | undefined, target: string | undefined): string {
  if (!task.failure_reason || !task.retry_count) return '';
  const output = task.failure_output?.trim()
    ? `\n\nWhat the check printed last:\n\n${fenced(task.failure_output)}`
    : '';
  // What a person was told to do about it (see runner/outcome.ts, remedyFor) is not the agent's to do.
  const reason = task.failure_reason.replace(/; not retried[ :].*$/s, '');
  const start = basis ? `\n\n${startNote(basis, target ? `\`${target}\`` : 'the target branch')}` : '';
  const rejected = rejectionNote(task);
  if (rejected) return `\n\n${rejected}${start}\n\nIts log (\`wg log ${task.id}\`) has the details.`;
  return `\n\n**This is a retry.** The previous attempt failed: ${reason}.${output}${start}\n\nIts log (\`wg log ${task.id}\`) has the details.`;
}

/** A reviewer's rejection (`wg reject`): its reason, and each line comment with the lines of the diff it points at. */
function rejectionNote(task: Task): string | undefined {
  const review = task.review;
  if (review?.verdict !== 'reject' || task.failure_reason !== `rejected: ${review.reason ?? ''}`) return undefined;
  const who = review.reviewer === 'llm' ? 'A reviewer agent' : `A reviewer (${review.by})`;
  const comments = (review.comments ?? []).map((comment) => {
    const lines = comment.diff ? `\n\n${fenced(comment.diff, 'diff')}` : ' (a line the change did not touch)';
    return `- \`${comment.path}\` line ${comment.line}: ${comment.text}${lines}`;
  });
  const listed = comments.length > 0 ? `\n\nTheir comments on the change:\n\n${comments.join('\n\n')}` : '';
  return `**This is a retry.** ${who} rejected attempt ${review.attempt}'s result: ${review.reason}.${listed}\n\nAddress the reason and every comment.`;
}

const quoted = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');

/** What the agent asked a person (or which of its calls was refused), and the answer: what this attempt goes on from. */
function answerNote(task: Task): string {
  const question = task.question;
  if (!question?.answer) return '';
  const when = question.attempt ? ` in attempt ${question.attempt}` : '';
  const asked =
    question.kind === 'refusal'
      ? `**A call of yours was refused${when}:**\n\n${quoted(question.text)}`
      : `**You asked a person${when} (\`wg ask\`):**\n\n${quoted(question.text)}`;
  const allowed = question.answer.allow?.length
    ? `\n\nThey allowed this task from now on: ${codeList(question.answer.allow)}.`
    : '';
  return `\n\n${asked}\n\n**${question.answer.by} answered:**\n\n${quoted(question.answer.text)}${allowed}`;
}

const codeList = (paths: readonly string[]) => paths.map((path) => `\`${path}\``).join(', ');

/** What the retry's tree (and session) started from, in the agent's terms. */
function startNote(basis: RetryBasis, target: string): string {
  switch (basis.kind) {
    case 'continued': {
      const onto = basis.onto ? `, brought onto ${target}'s newer head (${basis.onto.slice(0, 12)})` : '';
      const session = basis.session ? 'This is the same session as that attempt: you remember what you did. ' : '';
      return `**You continue attempt ${basis.attempt}'s work**: it is in this worktree as that attempt left it${onto}. ${session}Repair it where the failure above points, rather than starting over.`;
    }
    case 'clean-instead':
      return `This retry starts from a clean tree at ${target}'s head: attempt ${basis.attempt}'s work could not be continued (${basis.why}).`;
    case 'offered-diff': {
      const applied =
        basis.applied.length > 0
          ? ` Its change is applied again (uncommitted) where it still applies: ${codeList(basis.applied)}.`
          : '';
      const left =
        basis.notApplied.length > 0
          ? ` Not applied, since ${target} changed them too: ${codeList(basis.notApplied)}; make your change to them again on top of what is there now.`
          : '';
      const clashes = basis.clashes.map((clash) => clashNote(clash, target));
      return [
        `This retry starts from ${target}'s newest head, with attempt ${basis.attempt}'s work offered again.${applied}${left}`,
        ...clashes,
      ].join('\n\n');
    }
  }
}

function clashNote(clash: Clash, target: string): string {
  const who =
    clash.tasks.length === 0
      ? `changed on ${target} meanwhile`
      : `changed on ${target} meanwhile by ${clash.tasks.map((task) => `task \`${task.id}\` (${task.title}, commit ${task.commit.slice(0, 12)})`).join(' and ')}`;
  return [
    `Conflict in \`${clash.file}\`: ${who}. Their change:`,
    fenced(clash.theirs || '(no change)'),
    "Your previous attempt's change:",
    fenced(clash.ours || '(no change)'),
  ].join('\n\n');
}

export function buildPrompt(sources: PromptSources, templates: PromptTemplates, budgetTokens: number): BuiltPrompt {
  const built = render(sources, templates, budgetTokens, allocate(sources, templates, budgetTokens));
  return { text: built.text, omitted: built.omitted, estimatedTokens: tokensOf(built.text) };
}
