import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

/** A class of the sources, as the structure rules see it. */
export interface ClassShape {
  name: string;
  /** Its file, relative to the root. */
  file: string;
  /** Lines from `class` to its closing brace (decorators left out). */
  lines: number;
  /** Parameters of its constructor (0 without one): its dependencies, for an injectable. */
  constructorParameters: number;
}

/** The source files under a folder (specs left out), their imports of each other, and their classes. */
export interface SourceStructure {
  root: string;
  /** Paths relative to the root, sorted. */
  files: string[];
  /** file → the files under the root it imports (type-only imports and re-exports included). */
  imports: Map<string, string[]>;
  classes: ClassShape[];
}

/**
 * Reads every `.ts` file under `root` (not `*.spec.ts`) with the TypeScript compiler's parser.
 * An import counts whatever it imports, types included: a circle of type imports still makes
 * two files that cannot be read, moved or tested one without the other.
 */
export function readSourceStructure(root: string): SourceStructure {
  const absoluteRoot = resolve(root);
  const files = listSources(absoluteRoot).map((path) => relative(absoluteRoot, path));
  const imports = new Map<string, string[]>();
  const classes: ClassShape[] = [];
  for (const file of files) {
    const path = join(absoluteRoot, file);
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
    const targets = new Set<string>();
    for (const statement of source.statements) {
      const specifier = moduleSpecifierOf(statement);
      if (!specifier?.startsWith('.')) continue;
      const target = resolveRelative(dirname(path), specifier);
      if (target) targets.add(relative(absoluteRoot, target));
    }
    imports.set(file, [...targets].sort());
    classes.push(...classesOf(source, file));
  }
  return { root: absoluteRoot, files, imports, classes };
}

/** Pure: the import circles (each a strongly connected set of two or more files, or a file that imports itself). */
export function importCircles(imports: ReadonlyMap<string, readonly string[]>): string[][] {
  return stronglyConnected(imports).filter((component) => component.length > 1 || (imports.get(component[0]) ?? []).includes(component[0]));
}

/**
 * Pure: how many floors deep the imports go: the most files on one chain of imports, a file
 * above each file it imports (the files of a circle count as one floor, since no order of them
 * exists), and that chain.
 */
export function importDepth(imports: ReadonlyMap<string, readonly string[]>): { depth: number; chain: string[] } {
  const components = stronglyConnected(imports);
  const componentOf = new Map<string, number>();
  components.forEach((component, index) => component.forEach((file) => componentOf.set(file, index)));
  const memo = new Map<number, string[]>();
  const deepest = (index: number): string[] => {
    const known = memo.get(index);
    if (known) return known;
    let below: string[] = [];
    for (const file of components[index]) {
      for (const target of imports.get(file) ?? []) {
        const next = componentOf.get(target);
        if (next === undefined || next === index) continue;
        const chain = deepest(next);
        if (chain.length > below.length) below = chain;
      }
    }
    const chain = [components[index][0], ...below];
    memo.set(index, chain);
    return chain;
  };
  let longest: string[] = [];
  for (let index = 0; index < components.length; index += 1) {
    const chain = deepest(index);
    if (chain.length > longest.length) longest = chain;
  }
  return { depth: longest.length, chain: longest };
}

/** A piece of text written in a source file's code: a string, a template's text or a regular expression (comments are not code). */
export interface SourceLiteral {
  /** Its file, relative to the root. */
  file: string;
  line: number;
  text: string;
}

/** Every literal under `root` (specs left out): strings, the text of templates, regular expressions. */
export function readSourceLiterals(root: string): SourceLiteral[] {
  const absoluteRoot = resolve(root);
  const literals: SourceLiteral[] = [];
  for (const path of listSources(absoluteRoot)) {
    const file = relative(absoluteRoot, path);
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node) || ts.isRegularExpressionLiteral(node)) {
        literals.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, text: node.getText(source) });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return literals;
}

/** Tarjan's algorithm over the files that appear in `imports`, each component sorted. */
function stronglyConnected(imports: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of imports.get(file) ?? []) {
      if (!imports.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    components.push(component.sort());
  };
  for (const file of imports.keys()) if (!index.has(file)) visit(file);
  return components;
}

function listSources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSources(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found.sort();
}

function moduleSpecifierOf(statement: ts.Statement): string | undefined {
  if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
    return statement.moduleSpecifier.text;
  }
  return undefined;
}

function resolveRelative(fromDir: string, specifier: string): string | undefined {
  const base = resolve(fromDir, specifier);
  return [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
}

function classesOf(source: ts.SourceFile, file: string): ClassShape[] {
  const classes: ClassShape[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      const constructor = node.members.find(ts.isConstructorDeclaration);
      // From the `class` keyword (past any decorators) to the closing brace.
      const first = source.getLineAndCharacterOfPosition(classKeywordPosition(node, source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      classes.push({
        name: node.name?.text ?? '(anonymous)',
        file,
        lines: last - first + 1,
        constructorParameters: constructor?.parameters.length ?? 0,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return classes;
}

function classKeywordPosition(node: ts.ClassLikeDeclaration, source: ts.SourceFile): number {
  const keyword = node.getChildren(source).find((child) => child.kind === ts.SyntaxKind.ClassKeyword);
  return keyword ? keyword.getStart(source) : node.getStart(source);
}
