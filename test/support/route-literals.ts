import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** The first segment of each path of the document (`/api/v1/users/{userId}` → `users`): the modules' routes. */
export function routeSegments(paths: string[]): string[] {
  const segments = paths.map((path) => {
    const parts = path.split('/').filter((part) => part && !part.startsWith('{'));
    return (parts[0] === 'api' && /^v\d+$/.test(parts[1] ?? '') ? parts.slice(2) : parts)[0];
  });
  return [...new Set(segments.filter(Boolean))].sort();
}

/** The texts of the string and template literals of a source file, import and export specifiers left out. */
function literalsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const texts: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) texts.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return texts;
}

/** The literals of the TypeScript sources under `dir` (specs left out) naming a path under one of `segments`. */
export function routeLiterals(dir: string, segments: string[]): string[] {
  const named = new RegExp(`/(${segments.join('|')})(?![\\w-])`);
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'),
  );
  return files.flatMap((file) =>
    literalsOf(join(dir, file))
      .filter((text) => named.test(text))
      .map((text) => `${file}: ${text}`),
  );
}
