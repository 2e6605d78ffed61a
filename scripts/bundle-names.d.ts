/** Types of bundle-names.js (plain JavaScript, run by `npm run build`) for its spec. */
export function stripRedundantNames(code: string): { code: string; stripped: number };
