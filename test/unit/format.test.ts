import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/graph/duration.js';
import { formatDuration, formatElapsed, formatHours, formatUsd } from '../../src/graph/format.js';

describe('formatDuration', () => {
  it('writes a span in the largest units that keep it exact enough', () => {
    expect([250, 1000, 1500, 60_000, 123_000, 3_600_000, 3_900_000].map((ms) => formatDuration(ms))).toEqual([
      '250ms',
      '1s',
      '1.5s',
      '1m',
      '2m3s',
      '1h',
      '1h5m',
    ]);
  });

  it('writes what parseDuration reads back', () => {
    for (const ms of [250, 1000, 1500, 123_000, 3_900_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('formatElapsed', () => {
  it('reads a clock in whole seconds, never below zero', () => {
    expect([-5, 0, 999, 1999, 123_456, 3_900_999].map((ms) => formatElapsed(ms))).toEqual([
      '0s',
      '0s',
      '0s',
      '1s',
      '2m3s',
      '1h5m',
    ]);
  });
});

describe('formatHours and formatUsd', () => {
  it('round hours to two places and dollars to cents, or four places below a cent', () => {
    expect([1.5, 1.4999999999, 2].map((hours) => formatHours(hours))).toEqual(['1.5h', '1.5h', '2h']);
    expect([0, 0.004, 0.01, 12.345].map((usd) => formatUsd(usd))).toEqual(['$0.00', '$0.0040', '$0.01', '$12.35']);
  });
});
