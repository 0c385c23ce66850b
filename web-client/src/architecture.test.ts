/// <reference types="node" />
// The shape of the module graph, checked on every `npm test`:
//
// - no import cycle between files (type-only imports and re-exports count too:
//   a cycle is a cycle for the reader even when the compiler erases it);
// - no cycle between folders either: one folder's files may import another's,
//   but not the other way round as well (a root file such as session.ts or
//   router.ts counts as a folder of its own);
// - layers, imported downwards only: the generated types and the low-level
//   singletons (session.ts, router.ts, auth/, api/, i18n/) never import the
//   shared services above them (realtime/, users/, teams/, ui/), which never
//   import a feature folder, which never imports the shell. A new folder must
//   be given a layer here.
//
// Imports are read with TypeScript's own scanner (ts.preProcessFile), so
// comments and strings that look like imports are not mistaken for them.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

/** Lowest first. A unit is a folder directly under src/, or a file directly in it. */
const LAYERS: readonly (readonly string[])[] = [
  ['generated'],
  ['i18n', 'api', 'auth', 'session.ts', 'router.ts'],
  ['realtime', 'users', 'teams', 'ui', 'testing'],
  ['attachments', 'calls', 'chat', 'cases', 'triage', 'consults', 'referrals', 'slots', 'followups', 'admin', 'login', 'notifications', 'work', 'search', 'account'],
  ['shell', 'App.tsx', 'main.tsx'],
];

/** The specifiers a source file imports (static, type-only, re-exports, dynamic). */
function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** Every .ts/.tsx file under src/, as a path relative to src/ with `/` separators. */
function sourceFiles(dir = SRC): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(relative(SRC, path).split(sep).join('/'));
  }
  return files.sort();
}

/** Resolves a relative specifier the way the bundler does (extension and index file optional). */
function resolve(from: string, specifier: string, known: ReadonlySet<string>): string | null {
  if (!specifier.startsWith('.')) return null; // a package
  const base = join(dirname(from), specifier).split(sep).join('/');
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`]) {
    if (known.has(candidate)) return candidate;
  }
  return null;
}

type Graph = ReadonlyMap<string, readonly string[]>;

function fileGraph(): { graph: Graph; unresolved: string[] } {
  const files = sourceFiles();
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of files) {
    const deps = new Set<string>();
    for (const specifier of importSpecifiers(readFileSync(join(SRC, file), 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      // Assets (styles.css) are not modules of the graph.
      if (/\.(css|svg|png|json)$/.test(specifier)) continue;
      const target = resolve(file, specifier, known);
      if (target === null) unresolved.push(`${file} → ${specifier}`);
      else deps.add(target);
    }
    graph.set(file, [...deps]);
  }
  return { graph, unresolved };
}

/** The unit (folder directly under src/, or root file) a file belongs to. */
function unitOf(file: string): string {
  return file.split('/')[0]!;
}

/** Strongly connected components with more than one node (or a self-loop), each reported as one concrete cycle. */
function findCycles(graph: Graph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) visit(v);
  return components.map((component) => cycleWithin(graph, new Set(component)));
}

/** One cycle through the first node of a strongly connected component, found breadth-first: [a, b, …, a]. */
function cycleWithin(graph: Graph, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [v];
        for (let p = previous.get(v); p !== undefined; p = previous.get(p)) path.unshift(p);
        return [...path, start];
      }
      if (!previous.has(w) && w !== start) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...component];
}

const { graph, unresolved } = fileGraph();

describe('module graph', () => {
  it('reads every kind of import, and nothing in comments or strings', () => {
    const source = [
      "import a from './a';",
      "import type { B } from './b';",
      "export * from './c';",
      "export { d } from './d';",
      "import './e';",
      "const f = await import('./f');",
      "// import g from './g';",
      "const h = \"import h from './h'\";",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['./a', './b', './c', './d', './e', './f']);
  });

  it('finds a cycle when there is one', () => {
    const cyclic = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
    ]);
    expect(findCycles(cyclic)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    expect(findCycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });

  it('resolves every relative import to a file under src/', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(unresolved).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(findCycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    const units = new Map<string, Set<string>>();
    for (const [file, deps] of graph) {
      // A test may reach across folders to exercise what it tests; nothing imports a test.
      if (/\.test\.tsx?$/.test(file)) continue;
      const from = unitOf(file);
      const set = units.get(from) ?? new Set<string>();
      for (const dep of deps) if (unitOf(dep) !== from) set.add(unitOf(dep));
      units.set(from, set);
    }
    const unitGraph = new Map([...units].map(([unit, deps]) => [unit, [...deps]]));
    expect(findCycles(unitGraph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('gives every folder and root file a layer', () => {
    const placed = new Set(LAYERS.flat());
    const units = new Set([...graph.keys()].filter((f) => !/\.test\.tsx?$/.test(f)).map(unitOf));
    expect([...units].filter((u) => !placed.has(u)).sort()).toEqual([]);
  });

  it('imports only from its own layer or a lower one', () => {
    const layerOf = new Map<string, number>();
    LAYERS.forEach((units, layer) => units.forEach((unit) => layerOf.set(unit, layer)));
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      if (/\.test\.tsx?$/.test(file)) continue;
      const mine = layerOf.get(unitOf(file));
      for (const dep of deps) {
        const theirs = layerOf.get(unitOf(dep));
        if (mine !== undefined && theirs !== undefined && theirs > mine) upward.push(`${file} → ${dep}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
