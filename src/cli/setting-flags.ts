/**
 * The flags that take a setting's place for one command (`wg run --parallel 8`), declared
 * from the settings table: their value names, their help with the default from the table,
 * and their parsers.
 */
import { Option, type Command } from 'commander';
import type { SettingOverride } from '../config/run-settings.js';
import { flaggedSettings, SETTINGS, type FlaggedSetting, type Setting } from '../config/settings.js';
import { asFlagParser } from './flag-parsers.js';

/** `--budget-usd` → `budgetUsd`, commander's key for the flag's value. */
export function flagKey(name: string): string {
  return name.replace(/^--/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** What the setting is when config.toml does not set it, as the help says it. */
function defaultText(setting: Setting): string {
  const value = setting.default;
  if (value === undefined) return (setting.unset ?? 'none').replaceAll('`', '');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The flag's help: what it does, then where its default comes from. */
export function flagHelp({ section, key, setting, flag }: FlaggedSetting): string {
  return `${flag.help} (${SETTINGS[section].table} ${key}; default: ${defaultText(setting)})`;
}

function option(flagged: FlaggedSetting): Option {
  return new Option(`${flagged.flag.name} ${flagged.flag.value}`, flagHelp(flagged)).argParser(
    asFlagParser(flagged.flag.parse),
  );
}

/** Add a flag for every setting the table gives one, in the table's order. */
export function addSettingFlags(command: Command): Command {
  for (const flagged of flaggedSettings()) command.addOption(option(flagged));
  return command;
}

/** The setting flags given on the command line, as overrides of their settings. */
export function settingOverrides(flags: Record<string, unknown>): SettingOverride[] {
  return flaggedSettings().flatMap(({ section, key, flag }) => {
    const value = flags[flagKey(flag.name)];
    return value === undefined ? [] : [{ section, key, value }];
  });
}
