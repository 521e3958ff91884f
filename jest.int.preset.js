// Shared settings of every project's integration tests (`nx run <project>:int-test`): real
// containers via @sousvide/testing, one suite at a time.
const base = require('./jest.preset.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
  // Container start (and a possible image pull) dominates; each start has its own 60 s budget.
  testTimeout: 180000,
  // One suite at a time: they share dockerd and two cores with every other task.
  maxWorkers: 1,
  // The suites start app processes and containers: one a failed test left running must not hold
  // jest open. Without it a lane waits forever and CI ends at its time limit without a result
  // (CI of 2df6fe3: sim-coordinator and sim-agent lacked it); tools/int-lanes.sh reports and ends
  // what a project leaves running.
  forceExit: true,
};
