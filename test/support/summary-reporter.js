/** Prints one closing line, "Tests: N passed, N failed", that CI reads whatever the runner. */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    if (results.numFailedTests > 0) {
      // The apps' logs are kept out of the output (they go to files); where to read them when something failed.
      process.stdout.write(`\nLogs of the apps under test: ${require('node:path').join(__dirname, '..', 'artifacts', 'logs')}\n`);
    }
    process.stdout.write(`\nTests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
module.exports = SummaryReporter;
