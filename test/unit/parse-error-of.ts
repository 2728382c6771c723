import { expect } from 'vitest';
import { ParseError } from '../../src/checks/probes/parse-error.js';

/** Runs fn and returns the ParseError it throws (failing the test when it does not). */
export function parseErrorOf(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  return expect.unreachable('no ParseError thrown');
}
