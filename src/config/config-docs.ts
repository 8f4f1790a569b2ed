/**
 * The tables of docs/configuration.md, made from the settings table. The page's prose is
 * written by hand; each `<!-- settings:NAME -->` … `<!-- /settings -->` block in it is
 * replaced by the table of that section (`npm run docs:config`). A unit test fails when
 * the page differs from what this makes of it.
 */
import { tomlValue } from './config-template.js';
import { SETTINGS, type Section, type SectionName, type Setting } from './settings.js';

const BLOCK = /(<!-- settings:([a-z]+) -->\n)[\s\S]*?(<!-- \/settings -->)/g;

/** A table cell: one line, and a `|` of the text cannot end the cell. */
const cell = (text: string) => text.replaceAll('|', '\\|').replace(/\s+/g, ' ');

function defaultCell(entry: Setting): string {
  if (entry.required) return '(required)';
  if (entry.default !== undefined) return `\`${tomlValue(entry.default)}\``;
  return entry.unset === undefined ? '–' : `– (${entry.unset})`;
}

/** A section's block: its doc, an example table for a per-name table, and a row per key. */
export function sectionDoc(section: Section): string {
  const entries = Object.entries(section.settings);
  const flags = entries.some(([, entry]) => entry.flag !== undefined);
  const lines: string[] = [];
  if (section.doc) lines.push(section.doc, '');
  if (section.exampleName !== undefined) {
    const examples = entries.filter(([, entry]) => entry.example !== undefined);
    lines.push(
      '```toml',
      section.table.replace(/"?[A-Z]+"?\]$/, `${section.exampleName}]`),
      ...examples.map(([key, entry]) => `${key} = ${tomlValue(entry.example)}`),
      '```',
      '',
    );
  }
  lines.push(flags ? '| key | default | `wg run` flag | meaning |' : '| key | default | meaning |');
  lines.push(flags ? '|---|---|---|---|' : '|---|---|---|');
  for (const [key, entry] of entries) {
    const flag = entry.flag ? `\`${entry.flag.name}\`` : '';
    const cells = [`\`${key}\``, defaultCell(entry), ...(flags ? [flag] : []), entry.doc];
    lines.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** The page with every settings block made again from the table; throws on a block naming no section. */
export function configurationDoc(page: string): string {
  return page.replace(BLOCK, (_, open: string, name: string, close: string) => {
    if (!Object.hasOwn(SETTINGS, name)) throw new Error(`docs/configuration.md: no settings section "${name}"`);
    return `${open}${sectionDoc(SETTINGS[name as SectionName])}${close}`;
  });
}
