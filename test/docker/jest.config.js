/** `npm run test:docker` only (scripts/test-docker.sh builds the image first): never part of `npm test`. */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/docker/**/*.docker-spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }] },
  testTimeout: 300000,
  reporters: ['default'],
};
