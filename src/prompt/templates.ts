/**
 * Finding templates (IO). A project's `.workgraph/prompts/<name>.md` wins over the
 * copy packaged with wg in `prompts/`, so a team can reword the prompt without
 * forking. The packaged folder is `prompts/` in the package root (system/package-root.ts).
 */
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { InvalidInputError, TemplateError } from '../errors.js';
import { packagePath } from '../system/package-root.js';
import type { PromptTemplates, Template } from './types.js';

export const PACKAGED_PROMPTS_DIR = `${packagePath('prompts')}${sep}`;
export const PROJECT_PROMPTS_DIR = 'prompts';

const TEMPLATE_NAME = /^[a-z][a-z0-9-]*$/;

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TemplateError(`cannot read prompt template ${path}: ${(error as Error).message}`);
  }
}

export function loadTemplate(workgraphDir: string, name: string): Template {
  if (!TEMPLATE_NAME.test(name)) throw new InvalidInputError(`invalid template name "${name}"`);
  const override = join(workgraphDir, PROJECT_PROMPTS_DIR, `${name}.md`);
  const overridden = readIfPresent(override);
  if (overridden !== undefined) return { name, source: override, text: overridden };
  const packaged = join(PACKAGED_PROMPTS_DIR, `${name}.md`);
  const text = readIfPresent(packaged);
  if (text === undefined)
    throw new TemplateError(
      `prompt template ${name}.md is missing from ${PACKAGED_PROMPTS_DIR}`,
      'the wg installation is incomplete; reinstall it',
    );
  return { name, source: packaged, text };
}

/** `protocolTools`: the agent is offered the protocol as tools, and its Protocol section (`protocol-tools.md`) names them. */
export function loadPromptTemplates(workgraphDir: string, protocolTools = false): PromptTemplates {
  return {
    task: loadTemplate(workgraphDir, 'task'),
    protocol: loadTemplate(workgraphDir, protocolTools ? 'protocol-tools' : 'protocol'),
  };
}
