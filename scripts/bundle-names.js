// esbuild's `keepNames` keeps names that bundling would change (a class renamed `User2` because two
// modules declare `User` still reports `User`: Swagger schema names, Nest injection tokens and log
// contexts depend on it). It does so by wrapping every function and class in `__name(fn, "name")`,
// which is `Object.defineProperty(fn, "name", …)`: for a closure created on every request (Fastify's,
// Nest's, ours) that is a property redefinition per request, and it moves the closure off V8's fast
// object shapes. Measured under callgrind (`BENCH_SUITES=instructions`): ~100 k instructions per
// request of the profile route, a fifth of all it runs.
//
// Most of those calls set the name the function already has: `x = __name(() => …, "x")` — JavaScript
// names an anonymous function after the variable, property or field it is assigned to — and
// `function f() {} __name(f, "f")`. stripRedundantNames blanks exactly those (the call's own text
// becomes spaces, so every other character keeps its line and column and the source map stays true);
// a call that changes a name (`__name(User2, "User")`) or names a function nothing else would is kept.
// esbuild has no option for this (keepNames is all or nothing), hence this pass over its output.
import { parse } from 'acorn';
import { ancestor } from 'acorn-walk';

const FUNCTION = new Set(['FunctionExpression', 'ArrowFunctionExpression', 'ClassExpression']);

/** The name a plain function expression takes from where it stands, or undefined (ECMAScript NamedEvaluation). */
function inferredName(parent, node) {
  const keyName = (key) =>
    key.type === 'Identifier' ? key.name : key.type === 'Literal' ? String(key.value) : undefined;
  switch (parent.type) {
    case 'VariableDeclarator':
      return parent.init === node && parent.id.type === 'Identifier' ? parent.id.name : undefined;
    case 'AssignmentExpression':
      return parent.right === node && parent.operator === '=' && parent.left.type === 'Identifier'
        ? parent.left.name
        : undefined;
    case 'Property':
      return parent.value === node && parent.kind === 'init' && !parent.computed ? keyName(parent.key) : undefined;
    case 'PropertyDefinition':
      return parent.value === node && !parent.computed ? keyName(parent.key) : undefined;
    default:
      return undefined;
  }
}

/** Functions and classes declared directly in a body, by name. */
function declaredIn(body) {
  const names = new Set();
  for (const statement of body)
    if ((statement.type === 'FunctionDeclaration' || statement.type === 'ClassDeclaration') && statement.id)
      names.add(statement.id.name);
  return names;
}

/** Is the `__name(target, name)` call `call` (its ancestors `path`) one that changes nothing? */
function redundant(call, path) {
  const [target, literal] = call.arguments;
  if (call.arguments.length !== 2 || literal.type !== 'Literal' || typeof literal.value !== 'string') return false;
  const name = literal.value;
  if (FUNCTION.has(target.type)) {
    // Only where the call is a whole value being bound (`x = …`, `{ x: … }`): elsewhere, taking the
    // wrapper away could change how the text parses (`__name(function f() {}, "f")()` would become a
    // declaration). There an anonymous function takes its name from its place; a named one has its own.
    const bound = inferredName(path[path.length - 2], call);
    if (bound === undefined) return false;
    return (target.id ? target.id.name : bound) === name;
  }
  if (target.type === 'Identifier' && target.name === name) {
    // `__name(f, "f")` beside `function f` (or `class f`) in the same body: f's name is already "f".
    for (let i = path.length - 2; i >= 0; i--) {
      const body = path[i].type === 'Program' || path[i].type === 'BlockStatement' ? path[i].body : undefined;
      if (body) return declaredIn(body).has(name);
    }
  }
  return false;
}

/** The bundle with every redundant `__name(…)` blanked to its argument; the count blanked. */
export function stripRedundantNames(code) {
  const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'module' });
  const blanks = [];
  ancestor(ast, {
    CallExpression(call, _state, path) {
      if (call.callee.type !== 'Identifier' || call.callee.name !== '__name' || !redundant(call, path)) return;
      const target = call.arguments[0];
      blanks.push([call.start, target.start], [target.end, call.end]);
    },
  });
  blanks.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [from, to] of blanks) {
    out += code.slice(at, from) + code.slice(from, to).replace(/[^\n]/g, ' ');
    at = to;
  }
  return { code: out + code.slice(at), stripped: blanks.length / 2 };
}
