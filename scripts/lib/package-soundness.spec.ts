import { packageOfSpecifier, packageProblems, sourceOfExport, specifiersIn } from './package-soundness';

describe('package soundness (npm run package)', () => {
  it.each([
    ['./dist/libs/transcode/src/index.js', 'libs/transcode/src/index.ts'],
    ['./dist/packages/nest/src/index.js', 'packages/nest/src/index.ts'],
  ])('builds the export %s from %s', (target, source) => {
    expect(sourceOfExport(target)).toBe(source);
  });

  it.each([
    ['@nestjs/common', '@nestjs/common'],
    ['@nestjs/common/decorators', '@nestjs/common'],
    ['hls-parser', 'hls-parser'],
    ['rxjs/operators', 'rxjs'],
    ['@app/common', '@app/common'],
    ['./clock', null],
    ['../../ffmpeg/src/index.js', null],
    ['/abs/path', null],
    ['node:fs', null],
    ['fs', null],
    ['child_process', null],
  ])('reads the specifier %s as the package %s', (specifier, name) => {
    expect(packageOfSpecifier(specifier)).toBe(name);
  });

  it('finds what emitted JS requires and what declarations import', () => {
    const js = 'const common_1 = require("@nestjs/common");\nconst x = await Promise.resolve().then(() => require(\'hls-parser\'));';
    const dts = 'import { Request } from "express";\nexport * from "./clock";\ntype T = import("rxjs").Observable<1>;\nimport "reflect-metadata";';
    expect(specifiersIn(js).sort()).toEqual(['@nestjs/common', 'hls-parser']);
    expect(specifiersIn(dts).sort()).toEqual(['./clock', 'express', 'reflect-metadata', 'rxjs']);
  });

  const declared = { '@nestjs/common': '^11.2.10', 'hls-parser': '^0.16.1', '@types/express': '^5.0.6' };
  const app = { '@nestjs/common': '^11.2.10', 'hls-parser': '^0.16.1', '@types/express': '^5.0.6' };

  it.each<[string, { path: string; text: string }[], Record<string, string>, string[]]>([
    ['a sound package', [{ path: 'dist/a.js', text: 'require("@nestjs/common"); require("node:fs"); require("./b")' }], app, []],
    [
      'a path alias left',
      [{ path: 'dist/a.js', text: 'require("@app/common")' }],
      app,
      ['dist/a.js still names a path alias (@app/...)', 'dist/a.js needs "@app/common", which packages/nest/package.json does not declare'],
    ],
    [
      'an undeclared package',
      [{ path: 'dist/a.js', text: 'require("cookie")' }],
      app,
      ['dist/a.js needs "cookie", which packages/nest/package.json does not declare'],
    ],
    [
      'a declaration naming a package for its types, whose @types is declared',
      [{ path: 'dist/a.d.ts', text: 'import type { Request } from "express";' }],
      app,
      [],
    ],
    [
      'JS requiring a package only its @types is declared for',
      [{ path: 'dist/a.js', text: 'require("express")' }],
      app,
      ['dist/a.js needs "express", which packages/nest/package.json does not declare'],
    ],
    ['a version the app does not use', [], { ...app, 'hls-parser': '^0.15.0' }, ['packages/nest/package.json asks hls-parser@^0.16.1, the app uses ^0.15.0']],
  ])('%s', (_name, files, appVersions, problems) => {
    expect(packageProblems(files, declared, appVersions)).toEqual(problems);
  });
});
