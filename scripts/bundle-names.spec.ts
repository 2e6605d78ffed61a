import { runInNewContext } from 'node:vm';
import { stripRedundantNames } from './bundle-names.js';

// scripts/bundle-names.js blanks the `__name(…)` calls of esbuild's keepNames that set the name a
// function already has. What must hold: every function keeps the same name, calls that change a name
// or name a function nothing else would are kept, and no character moves (the source map stays true).
const BUNDLE = `
var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });
function make() {
  const handler = __name(() => 1, "handler");
  let other;
  other = __name(function () {}, "other");
  const obj = { method: __name(function () {}, "method"), arrow: __name(() => 0, "arrow") };
  function inner() {}
  __name(inner, "inner");
  class Field { cb = __name(() => 0, "cb"); }
  const named = __name(function own() {}, "own");
  return { handler, other, method: obj.method, arrow: obj.arrow, inner, cb: new Field().cb, named };
}
var User2 = class { static { __name(this, "User"); } };
function Renamed2() {}
__name(Renamed2, "Renamed");
const shadow2 = __name(() => 0, "shadow");
const iife = __name(function run() { return run.name; }, "run")();
const passed = [(x) => x].map((f) => __name(f, "identity"))[0];
const unnamed = [__name(() => 0, "listed")][0];
({ ...make(), User: User2, Renamed: Renamed2, shadow: shadow2, iife, passed, unnamed });
`;

const namesOf = (code: string) =>
  Object.fromEntries(
    Object.entries(runInNewContext(code) as Record<string, unknown>).map(([key, value]) => [
      key,
      typeof value === 'function' ? value.name : value,
    ]),
  );

describe('stripRedundantNames', () => {
  const { code, stripped } = stripRedundantNames(BUNDLE);

  it('leaves every function the name keepNames gives it', () => {
    expect(namesOf(code)).toEqual(namesOf(BUNDLE));
    expect(namesOf(code)).toMatchObject({
      handler: 'handler',
      inner: 'inner',
      User: 'User',
      shadow: 'shadow',
      iife: 'run',
    });
  });

  it('blanks the calls that set the name a function already has, and only those', () => {
    expect(stripped).toBe(7);
    for (const name of ['handler', 'other', 'method', 'arrow', 'inner', 'cb', 'own'])
      expect(code).not.toContain(`"${name}")`);
    for (const kept of ['__name(this, "User")', '__name(Renamed2, "Renamed")', '__name(() => 0, "shadow")'])
      expect(code).toContain(kept);
    // A callee, an argument, an array element: without the call the name would differ or the text parse otherwise.
    for (const kept of ['__name(function run()', '__name(f, "identity")', '__name(() => 0, "listed")'])
      expect(code).toContain(kept);
  });

  it('moves no character: same length, same line breaks', () => {
    expect(code).toHaveLength(BUNDLE.length);
    expect(code.split('\n').map((l) => l.length)).toEqual(BUNDLE.split('\n').map((l) => l.length));
  });
});
