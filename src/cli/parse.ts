// Option parsers for commander: each checks its value when the command line is read, before any
// work, and commander's message names the option (`option '--layers <n>' argument '0' is
// invalid. expected an integer of at least 1.`). Only plain decimal text is a number here:
// Number() alone would take '' as 0 and '0x10' as 16.

import { InvalidArgumentError } from 'commander';

const DECIMAL_INT = /^\+?\d+$/;

/** An option's flag from its camelCase name, as commander names it: dModel → --d-model. */
export const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** An integer ≥ min. */
export function integer(min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!DECIMAL_INT.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer of at least ${min}.`);
    return n;
  };
}

/** Comma-separated integers, each ≥ min ('1,2,4' → [1, 2, 4]). */
export function integerList(min: number): (v: string) => number[] {
  const one = integer(min);
  return (v) => v.split(',').map((x) => one(x.trim()));
}

/** Comma-separated decimal numbers, each in the range of `decimal` ('0.001,0.0002' → [0.001, 0.0002]). */
export function decimalList(range: { min?: number; above?: number; max?: number } = {}): (v: string) => number[] {
  const one = decimal(range);
  return (v) => v.split(',').map((x) => one(x.trim()));
}

/** A finite decimal number in a range; `above` excludes the lower bound, `max` is included. */
export function decimal(range: { min?: number; above?: number; max?: number } = {}): (v: string) => number {
  const { min, above, max } = range;
  const wanted =
    min !== undefined ? `a number of at least ${min}` : above !== undefined ? `a number above ${above}` : 'a number';
  const upTo = max !== undefined ? ` and at most ${max}` : '';
  return (v) => {
    const n = Number(v);
    const ok = DECIMAL.test(v.trim()) && Number.isFinite(n) && (min === undefined || n >= min) && (above === undefined || n > above) && (max === undefined || n <= max);
    if (!ok) throw new InvalidArgumentError(`expected ${wanted}${upTo}.`);
    return n;
  };
}
