/** Unit specs live beside the code; e2e specs in test/ run the real app with real ffmpeg. */
const moduleNameMapper = {
  '^@app/(auth|cluster|common|ffmpeg|front-door|metrics|recordings|transcode)$': '<rootDir>/libs/$1/src',
  '^@app/(auth|cluster|common|ffmpeg|front-door|metrics|recordings|transcode)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const transform = {
  // Type checking is `npm run typecheck`'s job; here ts-jest only transpiles, which is fast.
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
};
const common = { rootDir: __dirname, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'], moduleNameMapper, transform };

module.exports = {
  // e2e tests wait on real ffmpeg; their own deadlines (waitFor) fail them long before this.
  testTimeout: 90000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
      // Nest's console logger off: the output is the results (a spec that checks a log line spies on it).
      setupFiles: ['<rootDir>/test/support/quiet-nest-logger.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
