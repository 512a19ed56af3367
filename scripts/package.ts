/**
 * `npm run package`: builds the libs that make TranscodeModule (transcode, recordings, auth,
 * ffmpeg, common) into the npm package @nvr-transcoder/nest and packs it into build/ (git-ignored).
 *
 * The package is a build of the same sources the app is built from: tsc emits JS and .d.ts for
 * the entries packages/nest/package.json exports, tsc-alias turns the `@app/*` path aliases into
 * relative paths, and the build fails if an alias is left, or if the emitted code needs a package
 * that the package.json does not declare (or declares at another version than the app uses).
 * Prints the tarball's path on its last line.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
const SOURCE = join(ROOT, 'packages', 'nest');
const BUILD = join(ROOT, 'build');
const STAGE = join(BUILD, 'nest-package');
const GENERATED_TSCONFIG = join(BUILD, 'nest-package.tsconfig.json');

/**
 * Subpaths listed in the package.json that are built only when their lib exists: `./client`
 * is the typed OpenAPI client (libs/client), which lands separately. Any other listed entry
 * whose source is missing is an error.
 */
const OPTIONAL_ENTRIES = new Set(['./client']);

interface PackageJson {
  name: string;
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
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

/** The module specifiers a file of emitted JS (`require("x")`) or declarations (`from "x"`, `import("x")`) names. */
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

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

function run(command: string, args: string[], cwd = ROOT): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function fail(message: string): never {
  process.stderr.write(`[package] ${message}\n`);
  process.exit(1);
}

/** Which of the listed exports are built now: every entry whose source exists. */
function builtExports(manifest: PackageJson): PackageJson['exports'] {
  const built: PackageJson['exports'] = {};
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target === 'string') {
      built[subpath] = target;
      continue;
    }
    if (existsSync(join(ROOT, sourceOfExport(target.default)))) built[subpath] = target;
    else if (OPTIONAL_ENTRIES.has(subpath)) process.stdout.write(`[package] ${subpath} left out: ${sourceOfExport(target.default)} does not exist yet\n`);
    else fail(`${subpath} exports ${target.default}, but ${sourceOfExport(target.default)} does not exist`);
  }
  return built;
}

/** Every package the emitted files name must be declared, at the version the app itself is built and tested with. */
function checkDependencies(manifest: PackageJson, app: PackageJson): void {
  const declared = { ...manifest.peerDependencies, ...manifest.dependencies };
  const appVersions = { ...app.dependencies, ...app.devDependencies };
  const problems: string[] = [];
  for (const file of filesUnder(join(STAGE, 'dist'))) {
    const text = readFileSync(file, 'utf8');
    if (text.includes('@app/')) problems.push(`${relative(STAGE, file)} still names a path alias (@app/...)`);
    for (const name of specifiersIn(text).map(packageOfSpecifier)) {
      if (name === null || name in declared) continue;
      // A declaration file may name a package for its types only (express): its @types package must then be declared.
      if (file.endsWith('.d.ts') && `@types/${name}` in declared) continue;
      problems.push(`${relative(STAGE, file)} needs "${name}", which packages/nest/package.json does not declare`);
    }
  }
  for (const [name, range] of Object.entries(declared)) {
    if (appVersions[name] !== range) problems.push(`packages/nest/package.json asks ${name}@${range}, the app uses ${appVersions[name] ?? 'none'}`);
  }
  if (problems.length > 0) fail(`the package is not sound:\n  ${[...new Set(problems)].join('\n  ')}`);
}

function main(): void {
  const manifest = JSON.parse(readFileSync(join(SOURCE, 'package.json'), 'utf8')) as PackageJson;
  const app = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  const exportsMap = builtExports(manifest);

  rmSync(STAGE, { recursive: true, force: true });
  mkdirSync(STAGE, { recursive: true });
  const entries = Object.values(exportsMap)
    .filter((target) => typeof target !== 'string')
    .map((target) => join(ROOT, sourceOfExport(target.default)));
  writeFileSync(GENERATED_TSCONFIG, JSON.stringify({ extends: join(SOURCE, 'tsconfig.json'), files: entries }, null, 2));

  process.stdout.write(`[package] compiling ${entries.length} entries\n`);
  run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', GENERATED_TSCONFIG]);
  run(join(ROOT, 'node_modules', '.bin', 'tsc-alias'), ['-p', GENERATED_TSCONFIG]);
  checkDependencies(manifest, app);

  writeFileSync(join(STAGE, 'package.json'), `${JSON.stringify({ ...manifest, exports: exportsMap }, null, 2)}\n`);
  cpSync(join(SOURCE, 'README.md'), join(STAGE, 'README.md'));
  cpSync(join(ROOT, 'LICENSE'), join(STAGE, 'LICENSE'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', BUILD], STAGE)) as { filename: string }[];
  process.stdout.write(`${join(BUILD, packed[0].filename)}\n`);
}

if (require.main === module) main();
