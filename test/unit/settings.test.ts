/** The settings table and what is made from it: the schema, the config.toml template, the flags and the docs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { addSettingFlags, flagHelp, settingOverrides } from '../../src/cli/setting-flags.js';
import { parseConfig } from '../../src/config/config.js';
import { configurationDoc } from '../../src/config/config-docs.js';
import { CONFIG_TEMPLATE, configTemplate, tomlValue } from '../../src/config/config-template.js';
import { resolveRun } from '../../src/config/run-settings.js';
import { flaggedSettings, SETTINGS, type Setting } from '../../src/config/settings.js';

const DOCS = join(import.meta.dirname, '..', '..', 'docs', 'configuration.md');

/** The tables with one set of keys (not one table per name, as prices and backends are). */
const SINGLE = ['store', 'defaults', 'run'] as const;

const entries = (section: (typeof SINGLE)[number]) =>
  Object.entries(SETTINGS[section].settings) as Array<[string, Setting]>;

describe('docs/configuration.md', () => {
  it('holds the tables the settings table makes (npm run docs:config writes them)', () => {
    const page = readFileSync(DOCS, 'utf8');
    expect(configurationDoc(page), 'docs/configuration.md is stale: run npm run docs:config').toBe(page);
  });

  it('has a block for every section, and documents every setting', () => {
    const page = readFileSync(DOCS, 'utf8');
    for (const [name, section] of Object.entries(SETTINGS)) {
      expect(page).toContain(`<!-- settings:${name} -->`);
      for (const key of Object.keys(section.settings)) expect(page).toContain(`| \`${key}\` |`);
    }
  });

  it('refuses a block that names no section', () => {
    expect(() => configurationDoc('<!-- settings:nope -->\n<!-- /settings -->')).toThrow(/no settings section "nope"/);
  });
});

describe('the config.toml that wg init writes', () => {
  it('loads as the defaults, as no config.toml at all does', () => {
    expect(parseConfig(parseToml(CONFIG_TEMPLATE))).toEqual(parseConfig({}));
  });

  it('shows every setting of a single table with its default (or an example), and each line loads', () => {
    let uncommented = CONFIG_TEMPLATE;
    for (const section of SINGLE.filter((name) => name !== 'store'))
      for (const [key, entry] of entries(section)) {
        const line = `${key} = ${tomlValue(entry.default ?? entry.example)}`;
        expect(CONFIG_TEMPLATE.split('\n'), `${section}.${key}`).toContain(entry.active ? line : `# ${line}`);
        uncommented = uncommented.replace(`\n# ${line}\n`, `\n${line}\n`);
      }
    const loaded = parseConfig(parseToml(uncommented));
    for (const section of ['defaults', 'run'] as const)
      for (const [key, entry] of entries(section))
        expect((loaded[section] as Record<string, unknown>)[key], `${section}.${key}`).toEqual(
          entry.default ?? entry.example,
        );
  });

  it('writes the backend wg init chose, and [store] when the graph lives in PostgreSQL', () => {
    const text = configTemplate({ backend: 'claude', storeUrl: 'postgres://wg@db:5432/graph' });
    expect(text).toMatch(/^# wg configuration/);
    expect(text).toContain('\n[store]\n# The graph lives in PostgreSQL (WG_STORE_URL overrides this).\nurl = "');
    const loaded = parseConfig(parseToml(text));
    expect(loaded.defaults.backend).toBe('claude');
    expect(loaded.store).toEqual({ url: 'postgres://wg@db:5432/graph', lease_ttl: '60s' });
    expect(CONFIG_TEMPLATE).not.toContain('[store]');
  });

  it('keeps its comment lines within 88 columns, except the hand-written backend examples', () => {
    const generated = CONFIG_TEMPLATE.slice(CONFIG_TEMPLATE.indexOf('[run]'));
    for (const line of generated.split('\n')) expect(line.length, line).toBeLessThanOrEqual(88);
  });
});

describe('the schema made from the table', () => {
  it('gives every default, and says which key is wrong and why', () => {
    const config = parseConfig({});
    for (const section of SINGLE)
      for (const [key, entry] of entries(section))
        expect((config[section] as Record<string, unknown>)[key], `${section}.${key}`).toEqual(entry.default);
    expect(() => parseConfig({ run: { parallel: 0 } })).toThrow(/^config\.toml: run\.parallel: Too small/);
    expect(() => parseConfig({ run: { grace: 'soon' } })).toThrow(
      'config.toml: run.grace: not a duration like 90s, 30m or 2h',
    );
    expect(() => parseConfig({ prices: { m: { input: 1 } } })).toThrow(/^config\.toml: prices\.m\.output: /);
    expect(() => parseConfig({ prices: { m: { input: 1, output: 2, extra: 3 } } })).toThrow(/prices\.m: /);
    expect(parseConfig({ run: { unknown: 1 }, elsewhere: true }).run).toMatchObject({ unknown: 1 });
  });
});

describe('the flags that take a setting’s place', () => {
  it('name the setting and its default in their help', () => {
    const command = addSettingFlags(new Command('run'));
    for (const flagged of flaggedSettings()) {
      const { section, key, setting, flag } = flagged;
      const option = command.options.find((candidate) => candidate.long === flag.name)!;
      expect(option.description).toBe(flagHelp(flagged));
      const shown =
        setting.default === undefined
          ? setting.unset!.replaceAll('`', '')
          : typeof setting.default === 'string'
            ? setting.default
            : JSON.stringify(setting.default);
      expect(option.description, flag.name).toContain(`(${SETTINGS[section].table} ${key}; default: ${shown})`);
    }
  });

  it('go over config.toml, which goes over the defaults, into settings the runner needs no default for', () => {
    const config = parseConfig({
      run: { parallel: 2, grace: '3s', rate_limit_pause: '2m' },
      store: { lease_ttl: '30s' },
    });
    const command = addSettingFlags(new Command('run').exitOverride());
    command.parse(['--parallel', '8', '--stall-timeout', '10m', '--on-permission-denied', 'fail'], { from: 'user' });
    const resolved = resolveRun(config, settingOverrides(command.opts()));
    expect(resolved.settings).toEqual({
      maxSteps: 3,
      parallel: 8,
      maxRetries: 2,
      retryBackoffMs: 1_000,
      timeoutMs: undefined,
      stallMs: 600_000,
      graceMs: 3_000,
      contextLimit: undefined,
      order: 'critical-path',
      budgetUsd: undefined,
      budgetUsdPerDay: undefined,
      budgetWarnPercent: 80,
      expectedCostUsd: 1,
      rateLimitPauseMs: 120_000,
      leaseTtlMs: 30_000,
      validation: 'none',
    });
    expect(resolved.config.run.on_permission_denied).toBe('fail');
    expect(config.run.on_permission_denied).toBe('auto');
  });

  it('refuse a bad value with what was expected', () => {
    const parse = (...args: string[]) =>
      addSettingFlags(new Command('run').exitOverride().configureOutput({ writeErr: () => {} })).parse(args, {
        from: 'user',
      });
    expect(() => parse('--parallel', '0')).toThrow(/expected at least 1/);
    expect(() => parse('--parallel', '1.5')).toThrow(/expected a whole number/);
    expect(() => parse('--grace', 'soon')).toThrow(/expected a duration like 90s, 30m or 2h/);
    expect(() => parse('--order', 'random')).toThrow(/expected critical-path or listed/);
  });
});
