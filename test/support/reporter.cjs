'use strict';
// Mocha's spec reporter, plus the closing line CI reads: "N passed, N failed".
const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class AcodeReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = this.stats;
      if (pending) process.stdout.write(`\n${pending} pending\n`);
      process.stdout.write(`\n${passes} passed, ${failures} failed\n`);
    });
  }
}

module.exports = AcodeReporter;
