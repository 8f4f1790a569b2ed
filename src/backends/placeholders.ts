/**
 * `{name}` placeholders in a configured argv. Only `{identifier}` is a placeholder, so
 * JSON or code in an argument (`{"a": 1}`, `() => {}`) passes through untouched; write
 * `{{name}}` for a literal `{name}`. An unknown name is an error rather than being left
 * in place: a typo like `{promt_file}` would otherwise reach the agent as literal text.
 */
import { ConfigError } from '../errors.js';

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `text` with every placeholder replaced; `where` names the setting in the error message. */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>, where: string): string {
  return text.replace(PLACEHOLDER, (_match, escaped: string | undefined, name: string | undefined) => {
    if (escaped !== undefined) return `{${escaped}}`;
    const value = Object.hasOwn(values, name!) ? values[name!] : undefined;
    if (value === undefined) {
      const known = Object.keys(values)
        .map((key) => `{${key}}`)
        .join(', ');
      throw new ConfigError(
        `${where}: unknown placeholder {${name}} (known: ${known})`,
        'write {{name}} for a literal {name}',
      );
    }
    return value;
  });
}
