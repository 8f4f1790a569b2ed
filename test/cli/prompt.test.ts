import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/wg.js';

describe('packaged prompt templates', () => {
  it('are found from the compiled dist/prompt/ module, where the installed wg runs', async () => {
    const compiled = join(REPO_ROOT, 'dist', 'prompt', 'templates.js');
    expect(existsSync(compiled), 'build first: npx tsc -p .').toBe(true);
    const { loadTemplate, PACKAGED_PROMPTS_DIR } = (await import(
      compiled
    )) as typeof import('../../src/prompt/templates.js');
    expect(PACKAGED_PROMPTS_DIR).toBe(join(REPO_ROOT, 'prompts') + '/');
    for (const name of ['task', 'protocol']) {
      const template = loadTemplate(join(REPO_ROOT, 'no-such-workgraph'), name);
      expect(template.source).toBe(join(REPO_ROOT, 'prompts', `${name}.md`));
      expect(template.text.length).toBeGreaterThan(0);
    }
  });
});
