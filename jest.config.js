/** Unit specs live beside the code; e2e specs in test/ run the real app with real ffmpeg. */
const moduleNameMapper = {
  '^@app/(auth|client|cluster|common|ffmpeg|front-door|metrics|recordings|transcode)$': '<rootDir>/libs/$1/src',
  '^@app/(auth|client|cluster|common|ffmpeg|front-door|metrics|recordings|transcode)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const transform = {
  // Type checking is `npm run typecheck`'s job; here ts-jest only transpiles, which is fast.
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
};
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  transform,
  // `npm run package` stages the npm package in build/: a second package.json of the same name.
  modulePathIgnorePatterns: ['<rootDir>/build/'],
};

/**
 * The quick tier (`npm run test:quick`, TEST_TIER=quick): every unit spec, and the e2e specs that
 * run the app in this process (no build needed) in a few seconds each. The rest (the built app,
 * Chromium, the cluster, the camera zoo, the limits under load) run in `npm test`.
 */
const QUICK_E2E = [
  'auth',
  'cameras',
  'edges',
  'frigate-db-source',
  'frigate-vod-source',
  'front-door-auth',
  'hardware-fallback',
  'hostile-recordings',
  'metrics',
  'mp4-fuzz',
  'openapi-document',
  'remux',
  'transcode',
  'transcode-cleanup',
  'transcode-failures',
  'transcode-module',
  'transcode-sources',
  'typed-client',
];
const e2eMatch = process.env.TEST_TIER === 'quick' ? QUICK_E2E.map((name) => `<rootDir>/test/${name}.e2e-spec.ts`) : ['<rootDir>/test/**/*.e2e-spec.ts'];

module.exports = {
  // e2e tests wait on real ffmpeg; their own deadlines (waitFor) fail them long before this.
  testTimeout: 90000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts'],
      // Nest's console logger off: the output is the results (a spec that checks a log line spies on it).
      setupFiles: ['<rootDir>/test/support/quiet-nest-logger.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: e2eMatch,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
