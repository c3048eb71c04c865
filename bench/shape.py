#!/usr/bin/env python3
"""The shape of the source, as issue 31 measured it: the longest functions in src/ (by
brace matching, doc comments left out), the longest files, and the module graph drawn from
every `use crate::…` and `super::…` outside tests, with any circle.
Usage: python3 bench/shape.py [top N]   (from the repository root)"""
import collections, pathlib, re, sys

ROOT = pathlib.Path('src')
TOP = int(sys.argv[1]) if len(sys.argv) > 1 else 5


def functions():
    out = []
    for path in ROOT.rglob('*.rs'):
        lines = path.read_text().splitlines()
        for start, line in enumerate(lines):
            if not re.match(r'\s*(pub(\([a-z]+\))? )?(const )?(async )?(unsafe )?fn \w+', line):
                continue
            depth, opened = 0, False
            for end in range(start, len(lines)):
                text = re.sub(r'"(\\.|[^"\\])*"', '""', lines[end])
                text = re.sub(r"'(\\.|[^'\\])'", "''", text).split('//')[0]
                depth += text.count('{') - text.count('}')
                opened = opened or '{' in text
                if opened and depth == 0:
                    out.append((end - start + 1, f'{path}:{start + 1}', re.search(r'fn (\w+)', line).group(1)))
                    break
                if not opened and text.rstrip().endswith(';'):
                    break
    return sorted(out, reverse=True)


def modules():
    mods = {}
    for path in ROOT.rglob('*.rs'):
        parts = list(path.relative_to(ROOT).with_suffix('').parts)
        if parts[-1] == 'mod':
            parts = parts[:-1]
        if parts not in (['lib'], ['main'], ['cli']):
            mods['::'.join(parts)] = path
    return mods


def graph(mods):
    def resolve(name):
        parts = name.split('::')
        for k in range(len(parts), 0, -1):
            if '::'.join(parts[:k]) in mods:
                return '::'.join(parts[:k])
        return None

    edges = collections.defaultdict(set)
    for name, path in mods.items():
        text = path.read_text().split('#[cfg(test)]')[0]
        parent = name.split('::')[:-1]
        for prefix, base in [('crate', []), ('super', parent)]:
            for m in re.finditer(prefix + r'::((?:\w+::)*\w+)(?:::\{([^}]*)\})?', text):
                heads = [m.group(1)]
                if m.group(2):
                    heads = [f"{m.group(1)}::{x.strip().split(' ')[0].split('::')[0]}" for x in m.group(2).split(',') if x.strip()]
                for head in heads:
                    target = resolve('::'.join(base + [head]))
                    if target and target != name and not name.startswith(target + '::'):
                        edges[name].add(target)
    return edges


def circles(mods, edges):
    found, state, stack = [], {}, []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(edges[u]):
            if state.get(v) == 1:
                found.append(stack[stack.index(v):] + [v])
            elif v not in state:
                visit(v)
        stack.pop()
        state[u] = 2

    for u in sorted(mods):
        if u not in state:
            visit(u)
    return found


mods = modules()
edges = graph(mods)
print('longest functions:')
for n, where, name in functions()[:TOP]:
    print(f'  {n:4} {where} {name}')
print('longest files:')
sizes = sorted(((len(p.read_text().splitlines()), str(p)) for p in list(ROOT.rglob('*.rs')) + list(pathlib.Path('static').glob('*.js'))), reverse=True)
for n, path in sizes[:TOP]:
    print(f'  {n:4} {path}')
print('layers:')
layers = collections.defaultdict(set)
for u, vs in edges.items():
    for v in vs:
        if u.split('::')[0] != v.split('::')[0]:
            layers[u.split('::')[0]].add(v.split('::')[0])
for layer in sorted(layers):
    print(f'  {layer} -> {", ".join(sorted(layers[layer]))}')
print('circles:', circles(mods, edges) or 'none')
