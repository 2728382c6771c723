import { testRule } from './rule-tester.js';

const clock = (offsetMs: number) => ({ clock: { remoteEpochMs: 0, offsetMs } });

testRule('time.skew', [
  { name: 'clocks within a second pass', src: clock(-2), dst: clock(900), status: 'pass' },
  { name: 'five minutes apart fail, in seconds', src: clock(-1), dst: clock(299_999), status: 'fail', messageId: 'within.exceeds', message: 'clocks differ by 300.0 s (tolerance 1.0 s)' },
  { name: 'a clock not measured is an error', src: clock(0), dst: {}, status: 'error', message: /destination: fact clock.offsetMs was not collected/ },
  { name: 'a cold move takes no clock across: skip', src: clock(0), dst: clock(600_000), ctx: { mode: 'cold' }, status: 'skip' },
]);
