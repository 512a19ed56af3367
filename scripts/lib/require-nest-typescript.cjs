/**
 * A require hook for scripts that build Nest modules from source (`node -r` this): tsx
 * compiles with esbuild, which writes no decorator metadata, so Nest could not inject by type.
 * This compiles each .ts file with TypeScript itself (one file at a time, the tsconfig's
 * options, as ts-jest does for the tests) and resolves the `@app/<lib>` aliases to libs/<lib>/src.
 */
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const ts = require('typescript');

const ROOT = join(__dirname, '..', '..');
const configFile = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
const compilerOptions = { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: true, inlineSources: true };

const LIB_ALIAS = /^@app\/([a-z-]+)(\/.*)?$/;
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const alias = LIB_ALIAS.exec(request);
  const resolved = alias ? join(ROOT, 'libs', alias[1], 'src', alias[2] ?? '') : request;
  return resolveFilename.call(this, resolved, ...rest);
};

require.extensions['.ts'] = (module, fileName) => {
  const { outputText } = ts.transpileModule(readFileSync(fileName, 'utf8'), { compilerOptions, fileName });
  module._compile(outputText, fileName);
};
