/**
 * `{{name}}` placeholders (spaces inside the braces allowed). A placeholder nobody fills
 * is an error rather than an empty string: a typo in a project's override would
 * otherwise silently drop a section of every prompt. Substitution is one pass, so a
 * value that itself contains `{{...}}` (an inlined file) is left as it is.
 */
import { TemplateError } from '../errors.js';
import type { Template } from './types.js';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The distinct placeholder names a template uses, in order of first use. */
export function placeholdersOf(template: Template): string[] {
  return [...new Set([...template.text.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

export function renderTemplate(template: Template, vars: Record<string, string>): string {
  const unknown = placeholdersOf(template).find((name) => !Object.hasOwn(vars, name));
  if (unknown !== undefined) {
    throw new TemplateError(
      `prompt template ${template.source}: unknown placeholder {{${unknown}}}`,
      `known placeholders: ${Object.keys(vars).join(', ')}`,
    );
  }
  return template.text.replace(PLACEHOLDER, (_match, name: string) => vars[name]!);
}
