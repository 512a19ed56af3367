/**
 * `npm run structure [folder]`: how a library's sources are laid out (default libs/transcode/src):
 * files and how many sit flat in the folder, how deep the imports go, the import circles, and
 * the largest classes by lines and by constructor parameters.
 */
import { importCircles, importDepth, readSourceStructure } from './lib/source-structure';

const root = process.argv[2] ?? 'libs/transcode/src';
const structure = readSourceStructure(root);
const flat = structure.files.filter((file) => !file.includes('/'));
const folders = new Map<string, number>();
for (const file of structure.files) {
  const folder = file.includes('/') ? file.slice(0, file.indexOf('/')) : '.';
  folders.set(folder, (folders.get(folder) ?? 0) + 1);
}
const { depth, chain } = importDepth(structure.imports);
const circles = importCircles(structure.imports);
const byLines = [...structure.classes].sort((a, b) => b.lines - a.lines).slice(0, 8);
const byParameters = [...structure.classes].sort((a, b) => b.constructorParameters - a.constructorParameters).slice(0, 8);

console.log(`${root}: ${structure.files.length} source files, ${flat.length} flat in the folder`);
console.log(`folders: ${[...folders].map(([folder, count]) => `${folder} ${count}`).join(', ')}`);
console.log(`import depth: ${depth} floors: ${chain.join(' → ')}`);
console.log(`import circles: ${circles.length}${circles.map((circle) => `\n  ${circle.join(' ⇄ ')}`).join('')}`);
console.log('largest classes (lines):');
for (const shape of byLines) console.log(`  ${shape.lines} ${shape.name} (${shape.file})`);
console.log('most constructor parameters:');
for (const shape of byParameters) console.log(`  ${shape.constructorParameters} ${shape.name} (${shape.file})`);
