/**
 * What `npm run package` checks in the built package before it packs it, as pure functions of
 * the emitted files and the two package.json files: no `@app/*` alias is left, every package the
 * code names is declared, and at the version the app itself is built and tested with.
 */
import { builtinModules } from 'node:module';

export interface EmittedFile {
  /** Relative to the package's folder, e.g. `dist/libs/transcode/src/index.js`. */
  path: string;
  text: string;
}

/** `./dist/libs/transcode/src/index.js` → `libs/transcode/src/index.ts`: the source an export is built from. */
export function sourceOfExport(target: string): string {
  return target.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts');
}

/** The package a bare specifier names (`@nestjs/common/x` → `@nestjs/common`), or null for a relative path or a Node builtin. */
export function packageOfSpecifier(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return builtinModules.includes(name) ? null : name;
}

/** The module specifiers a file of emitted JS (`require("x")`) or declarations (`from "x"`, `import("x")`, `import "x"`) names. */
export function specifiersIn(text: string): string[] {
  const found = new Set<string>();
  for (const pattern of [
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
    /\bfrom\s+["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /^\s*import\s+["']([^"']+)["']/gm,
  ]) {
    for (const match of text.matchAll(pattern)) found.add(match[1]);
  }
  return [...found];
}

/**
 * Why the package may not be packed, one line each (none: it may). `declared` is the package's
 * dependencies and peer dependencies, `appVersions` the app's dependencies and devDependencies.
 */
export function packageProblems(files: EmittedFile[], declared: Record<string, string>, appVersions: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    if (text.includes('@app/')) problems.push(`${path} still names a path alias (@app/...)`);
    for (const name of specifiersIn(text).map(packageOfSpecifier)) {
      if (name === null || name in declared) continue;
      // A declaration file may name a package for its types only (express): its @types package must then be declared.
      if (path.endsWith('.d.ts') && `@types/${name}` in declared) continue;
      problems.push(`${path} needs "${name}", which packages/nest/package.json does not declare`);
    }
  }
  for (const [name, range] of Object.entries(declared)) {
    if (appVersions[name] !== range) problems.push(`packages/nest/package.json asks ${name}@${range}, the app uses ${appVersions[name] ?? 'none'}`);
  }
  return [...new Set(problems)];
}
