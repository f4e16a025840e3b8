// The layer rules of ARCHITECTURE.md hold for the whole tree, and the checker catches a breach.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

interface Cruise {
  modules: { source: string; dependencies: { resolved: string; coreModule: boolean; couldNotResolve: boolean }[] }[];
  summary: { violations: { rule: { name: string }; from: string; to: string }[] };
}

function cruise(cwd: string, targets: string[]): Cruise {
  const out = execFileSync(DEPCRUISE, [...targets, '--config', CONFIG, '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out) as Cruise;
}

/** Folders of src/ (files at its top count as their own) that depend on each other in a cycle. */
function folderCycles(result: Cruise): string[][] {
  const folderOf = (file: string) => file.replace(/^(src\/[^/]+)\/.*$/, '$1');
  const edges = new Map<string, Set<string>>();
  for (const module of result.modules) {
    if (!module.source.startsWith('src/')) continue;
    for (const dependency of module.dependencies) {
      if (!dependency.resolved.startsWith('src/')) continue;
      const [from, to] = [folderOf(module.source), folderOf(dependency.resolved)];
      if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  // Tarjan's strongly connected components: any component with more than one folder is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

describe('layers', () => {
  it('src/, the packages and the web component keep every layer rule, with no folder cycles', () => {
    const targets = ['src', 'plugin-ui/src', ...(fs.existsSync(path.join(ROOT, 'packages')) ? ['packages'] : [])];
    const result = cruise(ROOT, targets);
    const violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(violations).toEqual([]);
    expect(folderCycles(result)).toEqual([]);
    const unresolved = result.modules.flatMap((m) =>
      m.dependencies.filter((d) => d.couldNotResolve).map((d) => `${m.source} → ${d.resolved}`),
    );
    expect(unresolved).toEqual([]);
  });

  it('catches a library reaching into HTTP, a store calling the domain, test code in the product, wiring outside the root, and a folder cycle', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
    try {
      const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      };
      write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
      write('src/http/errors.ts', 'export const status = 400;\n');
      write('src/pdf/placement.ts', "import { status } from '../http/errors.js';\nexport const x = status;\n");
      write('src/seals/registry.ts', "import { y } from '../store/seals.js';\nexport const z = y;\n");
      write('src/store/seals.ts', "import { z } from '../seals/registry.js';\nexport const y = 1;\nexport const w = z;\n");
      write('test/sandboxes/esign.ts', 'export const sandbox = 1;\n');
      write('src/providers/esign.ts', "import { sandbox } from '../sandboxes/esign.js';\nexport const p = sandbox;\n");
      write('src/compose/storage.ts', 'export const storage = 1;\n');
      write('src/stamping/wiring.ts', "import { storage } from '../compose/storage.js';\nexport const s = storage;\n");
      write('src/routes/wiring.ts', "import { storage } from '../compose/storage.js';\nexport const r = storage;\n");
      const result = cruise(dir, ['src']);
      const rules = new Set(result.summary.violations.map((v) => v.rule.name));
      expect([...rules].sort()).toEqual([
        'composers-serve-the-root',
        'domain-knows-no-http',
        'libraries-below-the-store',
        'no-circular',
        'no-test-code-in-the-product',
        'store-below-the-domain',
      ]);
      const composing = result.summary.violations.filter((v) => v.to === 'src/compose/storage.ts').map((v) => `${v.rule.name}: ${v.from}`);
      expect(composing.sort()).toEqual([
        'composers-serve-the-root: src/routes/wiring.ts',
        'composers-serve-the-root: src/stamping/wiring.ts',
        'domain-knows-no-http: src/stamping/wiring.ts',
      ]);
      expect(folderCycles(result)).toEqual([['src/seals', 'src/store']]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
