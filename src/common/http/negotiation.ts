export const JSON_TYPE = 'application/json';
export const CSV_TYPE = 'text/csv';
export const MERGE_PATCH_TYPE = 'application/merge-patch+json';

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => {
      const [range, ...params] = part.trim().split(';');
      const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
      const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const q = qParam ? Number(qParam.slice(2)) : 1;
      return { type, subtype, q: Number.isFinite(q) ? q : 0 };
    })
    .filter((r) => r.type !== '');
}

function matches(range: MediaRange, mediaType: string): number {
  const [type, subtype] = mediaType.split('/');
  if (range.type === type && range.subtype === subtype) return 3;
  if (range.type === type && range.subtype === '*') return 2;
  if (range.type === '*' && range.subtype === '*') return 1;
  return 0;
}

/**
 * Picks the best of `offered` (in server preference order) for an Accept header; undefined when
 * none is acceptable (406). `application/problem+json` and `application/*+json` count as JSON.
 */
export function negotiate(accept: string | undefined, offered: readonly string[]): string | undefined {
  if (!accept || accept.trim() === '') return offered[0];
  const ranges = parseAccept(accept);
  let best: string | undefined;
  let bestQ = 0;
  for (const mediaType of offered) {
    let q = 0;
    let specificity = 0;
    for (const range of ranges) {
      const jsonFamily = mediaType === JSON_TYPE && range.type === 'application' && range.subtype.endsWith('+json');
      const m = jsonFamily ? 3 : matches(range, mediaType);
      if (m > specificity) {
        specificity = m;
        q = range.q;
      }
    }
    if (q > bestQ) {
      best = mediaType;
      bestQ = q;
    }
  }
  return best;
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}
