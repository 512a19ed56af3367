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
import { join, relative } from 'node:path';
import { packageProblems, sourceOfExport } from './lib/package-soundness';

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

/** No alias left; every package the emitted files name declared, at the version the app itself is built and tested with. */
function checkSoundness(manifest: PackageJson, app: PackageJson): void {
  const files = filesUnder(join(STAGE, 'dist')).map((path) => ({ path: relative(STAGE, path), text: readFileSync(path, 'utf8') }));
  const problems = packageProblems(files, { ...manifest.peerDependencies, ...manifest.dependencies }, { ...app.dependencies, ...app.devDependencies });
  if (problems.length > 0) fail(`the package is not sound:\n  ${problems.join('\n  ')}`);
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
  checkSoundness(manifest, app);

  writeFileSync(join(STAGE, 'package.json'), `${JSON.stringify({ ...manifest, exports: exportsMap }, null, 2)}\n`);
  cpSync(join(SOURCE, 'README.md'), join(STAGE, 'README.md'));
  cpSync(join(ROOT, 'LICENSE'), join(STAGE, 'LICENSE'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', BUILD], STAGE)) as { filename: string }[];
  process.stdout.write(`${join(BUILD, packed[0].filename)}\n`);
}

if (require.main === module) main();
