// Where a callgrind dump's instructions go, by JavaScript function and by component. callgrind knows
// the names of native code only; JIT-compiled JavaScript shows as bare addresses, which the perf map
// that `node --perf-basic-prof` writes (/tmp/perf-<pid>.map: start, size, name) turns back into
// functions. Native code (V8's runtime and builtins, libuv, the C library) is charged to the nearest
// JavaScript caller, split by the instructions each caller spent in it, as a sampling profiler would.
// Written by hand: no maintained tool reads callgrind's format together with V8's perf maps.
import { readFileSync } from 'node:fs';

/** Sorted [start, end, name] of the perf map, for lookups by address. */
function perfMap(path) {
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      const from = parseInt(start, 16);
      return [from, from + parseInt(size, 16), name.join(' ')];
    });
  return entries.sort((a, b) => a[0] - b[0]);
}

function lookup(map, address) {
  let lo = 0;
  let hi = map.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (map[mid][1] <= address) lo = mid + 1;
    else if (map[mid][0] > address) hi = mid - 1;
    else return map[mid][2];
  }
  return undefined;
}

/**
 * Self cost per function and the call edges (caller → callee → inclusive cost) of one dump.
 * Names are compressed in the format (`fn=(12) name` once, `fn=(12)` after); a cost line right after
 * `calls=` is the callee's inclusive cost, every other cost line is the current function's own.
 */
export function parseDump(path) {
  const names = new Map();
  const self = new Map();
  const edges = new Map();
  let fn;
  let callee;
  let inCall = false;
  const name = (spec) => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    if (!m) return spec;
    if (m[2] !== undefined) names.set(m[1], m[2]);
    return names.get(m[1]);
  };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) fn = name(line.slice(3));
    else if (line.startsWith('cfn=')) callee = name(line.slice(4));
    else if (line.startsWith('calls=')) inCall = true;
    else if (/^[+\-*\d]/.test(line) && fn !== undefined) {
      const cost = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (inCall) {
        const out = edges.get(fn) ?? new Map();
        out.set(callee, (out.get(callee) ?? 0) + cost);
        edges.set(fn, out);
        inCall = false;
      } else self.set(fn, (self.get(fn) ?? 0) + cost);
    }
  }
  return { self, edges };
}

/**
 * Instructions charged to each JavaScript function (perf map name, e.g. `JS:*onSend file:///…:12:3`),
 * natives folded into their callers; what reaches no JavaScript caller stays under its native name.
 */
export function attribute(dumpPath, perfMapPath) {
  const map = perfMap(perfMapPath);
  const { self, edges } = parseDump(dumpPath);
  const jsName = (fn) => (/^0x[0-9a-f]+$/.test(fn) ? lookup(map, parseInt(fn, 16)) : undefined);
  const callers = new Map();
  for (const [from, out] of edges)
    for (const [to, cost] of out) {
      const list = callers.get(to) ?? [];
      list.push([from, cost]);
      callers.set(to, list);
    }
  const charged = new Map();
  const charge = (key, cost) => charged.set(key, (charged.get(key) ?? 0) + cost);
  let pending = new Map(self);
  // Each pass moves native cost one call level up; what still floats after 30 levels (deep native
  // recursion) is left where it is.
  for (let pass = 0; pass < 30 && pending.size > 0; pass++) {
    const next = new Map();
    for (const [fn, cost] of pending) {
      const js = jsName(fn);
      const up = callers.get(fn)?.filter(([from]) => from !== fn) ?? [];
      const total = up.reduce((sum, [, c]) => sum + c, 0);
      if (js || fn.startsWith('0x') || total === 0 || pass === 29) {
        charge(js ?? fn, cost);
        continue;
      }
      for (const [from, c] of up) next.set(from, (next.get(from) ?? 0) + (cost * c) / total);
    }
    pending = next;
  }
  return charged;
}

/** `JS:*name file:///…/x.js:1:2` → { functionName, url } as the CPU profile's call frames name them. */
export function frameOf(name) {
  const m = /^[A-Za-z]+:[~^+*]?(.*?) ?((?:file:|node:|\/)[^ ]*?)(?::\d+:\d+)?$/.exec(name);
  return m ? { functionName: m[1], url: m[2] } : { functionName: name, url: '' };
}
