/**
 * Review from the page (issue 21 §3), in Debian's chromium against the built `wg serve`: a
 * result pending validation shows in the inbox with its command, its task page shows the
 * diff, and the page's approve button lands it on the target branch through real git.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeProject, script } from '../support/fake.js';
import { git, initRepo } from '../support/git.js';
import { tempProject, type Project } from '../support/wg.js';
import { openBrowser, strayRequests, type Browser } from './browser.js';
import { serve, type Served } from './support.js';

let project: Project | undefined;
let served: Served | undefined;
let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  await served?.stop();
  [browser, served, project] = [undefined, undefined, undefined];
});

describe('wg serve in a browser: review', () => {
  it('approves a pending result from the page: the task is done and its result is on main', async () => {
    project = await tempProject();
    await initRepo(project.dir);
    await project.ok([
      'add',
      'Say hello',
      '--id',
      'hello',
      '--validation',
      'external',
      '--exec',
      'echo "hello from the agent" > hello.txt',
    ]);
    const run = await project.wg(['run', '--no-wait']);
    expect(run.exitCode, run.stderr).toBe(3);
    expect((await project.show('hello')).status).toBe('pending-validation');
    const start = await git(project.dir, 'rev-parse', 'main');

    served = await serve(project.dir, ['--allow-actions']);
    browser = await openBrowser();
    const page = await browser.context.newPage();
    await page.goto(served.url);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });

    await page.click('#nav-inbox');
    const item = page.locator('.inbox-item[data-kind="pending-validation"][data-task="hello"]');
    await item.waitFor({ timeout: 10_000 });
    expect(await item.locator('.inbox-command').textContent()).toBe(
      'wg diff hello, then wg approve hello or wg reject hello --reason TEXT',
    );
    await item.locator('a').click();
    await page.waitForSelector('.task[data-task-id="hello"] #review[data-attempt="1"]', { timeout: 10_000 });
    await page.waitForSelector('#diff-patch', { timeout: 10_000 });
    expect(await page.locator('#diff-files li').allTextContents()).toEqual(['A hello.txt +1 −0']);
    expect(await page.locator('#diff-patch .diff-add').allTextContents()).toContain('+hello from the agent\n');
    // Nothing has landed yet.
    expect(await git(project.dir, 'rev-parse', 'main')).toBe(start);

    await page.fill('#approve-comment', 'looks right');
    await page.click('button[data-action="approve"]');
    await page.waitForSelector('#task-status[data-status="done"]', { timeout: 30_000 });
    expect(await git(project.dir, 'show', 'main:hello.txt')).toBe('hello from the agent');
    expect(await git(project.dir, 'log', '--format=%s', 'main')).toBe('Say hello\ninitial');
    expect(await project.show('hello')).toMatchObject({ status: 'done' });
    expect(await page.locator('#review').count()).toBe(0);

    // The inbox no longer lists it.
    await page.click('#nav-inbox');
    await page.waitForSelector('#inbox-empty', { timeout: 10_000 });
    expect(strayRequests(browser.requests, served.port)).toEqual([]);
  }, 120_000);

  it("rejects with a line comment and answers a question from the page's forms", async () => {
    project = await fakeProject();
    await initRepo(project.dir);
    await project.ok([
      'add',
      'Write calc',
      '--id',
      'calc',
      '--validation',
      'external',
      '--prompt',
      script([{ write: { path: 'calc.js', content: 'const add = (a, b) => a - b;\n' } }]),
    ]);
    await project.ok([
      'add',
      'Paint banner',
      '--id',
      'banner',
      '--max-retries',
      '0',
      '--prompt',
      script([{ wg: ['ask', '$TASK', 'Which colour?'] }, { exit: 0 }]),
    ]);
    await project.wg(['run', '--no-wait']);
    expect((await project.show('calc')).status).toBe('pending-validation');
    expect((await project.show('banner')).status).toBe('waiting');

    served = await serve(project.dir, ['--allow-actions']);
    browser = await openBrowser();
    const page = await browser.context.newPage();
    await page.goto(served.url);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });

    await page.evaluate(() => (location.hash = '#/task/calc'));
    await page.waitForSelector('#diff-patch', { timeout: 10_000 });
    // A reject without a reason is not sent.
    await page.click('button[data-action="reject"]');
    expect((await project.show('calc')).status).toBe('pending-validation');
    await page.fill('#reject-reason', 'add subtracts');
    await page.fill('#reject-comments', 'calc.js:1: this should be a + b');
    await page.click('button[data-action="reject"]');
    await page.waitForSelector('#task-status[data-status="open"]', { timeout: 10_000 });
    const rejected = await project.json<{
      review: { verdict: string; reason: string; comments: Array<{ path: string; line: number; text: string }> };
    }>(['show', 'calc']);
    expect(rejected.review).toMatchObject({
      verdict: 'reject',
      reason: 'add subtracts',
      comments: [{ path: 'calc.js', line: 1, text: 'this should be a + b' }],
    });

    await page.evaluate(() => (location.hash = '#/task/banner'));
    await page.waitForSelector('#question[data-kind="question"]', { timeout: 10_000 });
    expect(await page.textContent('#question-text')).toBe('Which colour?');
    await page.fill('#answer-text', 'Dark blue');
    await page.click('button[data-action="answer"]');
    await page.waitForSelector('.task[data-task-id="banner"] #task-status[data-status="open"]', { timeout: 10_000 });
    expect((await project.show('banner')).question?.answer).toMatchObject({ text: 'Dark blue' });
    expect(strayRequests(browser.requests, served.port)).toEqual([]);
  }, 120_000);
});
