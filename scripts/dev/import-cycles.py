#!/usr/bin/env python3
"""Lists import cycles between the modules (files) of server/src.

A module is a file: server/src/auth/sessions.rs is `auth::sessions`,
server/src/chat/mod.rs is `chat`. An edge A -> B is any `crate::B...` or
`super::...` path in A that resolves to B. Cycles are the strongly connected
components with more than one module. Used to measure issue 10's
"no import circle" and kept so it stays true:

    python3 scripts/dev/import-cycles.py [server/src]
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'server', 'src')
root = os.path.normpath(root)

modules = {}
for dirpath, _, files in os.walk(root):
    for f in files:
        if not f.endswith('.rs'):
            continue
        rel = os.path.relpath(os.path.join(dirpath, f), root)[:-3].split(os.sep)
        if rel[-1] == 'mod':
            rel = rel[:-1]
        if rel in (['lib'], ['main']):
            continue
        modules['::'.join(rel)] = os.path.join(dirpath, f)


def strip_tests(text):
    # Test modules may reach anywhere; they are not part of the layering.
    i = text.find('#[cfg(test)]')
    return text if i < 0 else text[:i]


def resolve(path):
    parts = path.split('::')
    while parts:
        name = '::'.join(parts)
        if name in modules:
            return name
        parts = parts[:-1]
    return None


edges = {m: set() for m in modules}
for mod, file in modules.items():
    text = strip_tests(open(file, encoding='utf-8').read())
    text = re.sub(r'//[^\n]*', '', text)
    # Expand `use crate::{a, b::{c, d}}` groups into paths.
    paths = []
    for m in re.finditer(r'\bcrate::((?:[A-Za-z_][A-Za-z0-9_]*::)*)(\{[^;]*?\}|[A-Za-z_][A-Za-z0-9_]*)', text):
        prefix, tail = m.group(1), m.group(2)
        if tail.startswith('{'):
            for item in re.findall(r'([A-Za-z_][A-Za-z0-9_:]*)', tail):
                paths.append(prefix + item)
        else:
            paths.append(prefix + tail)
    own = mod.split('::')
    is_dir_module = os.path.basename(file) == 'mod.rs'
    parent = own if is_dir_module else own[:-1]
    for m in re.finditer(r'\bsuper::((?:[A-Za-z_][A-Za-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)', text):
        base = parent[:-1] if is_dir_module else parent
        paths.append('::'.join(base + [m.group(1)]))
    for p in paths:
        target = resolve(p)
        if target and target != mod and not mod.startswith(target + '::') and not target.startswith(mod + '::'):
            edges[mod].add(target)

# Tarjan's strongly connected components.
index, low, on_stack, stack, sccs, counter = {}, {}, set(), [], [], [0]


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on_stack.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on_stack:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on_stack.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))


sys.setrecursionlimit(10000)
for v in sorted(modules):
    if v not in index:
        visit(v)

print(f'{len(modules)} modules, {sum(len(e) for e in edges.values())} edges, {len(sccs)} import cycle(s)')
for comp in sccs:
    print('  cycle:', ' <-> '.join(comp))
    for a in comp:
        inside = sorted(b for b in edges[a] if b in comp)
        print(f'    {a} -> {", ".join(inside)}')
sys.exit(1 if sccs else 0)
