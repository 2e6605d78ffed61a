import { hash } from 'node:crypto';
import { Problems } from './problem.js';

/** A strong ETag over the exact representation bytes. */
export function etagOf(representation: string): string {
  return `"${hash('sha1', representation, 'base64url')}"`;
}

/** The ETag of a resource as GET returns it (no `fields` projection). */
export function resourceEtag(resource: unknown): string {
  return etagOf(JSON.stringify(resource));
}

function tags(header: string): string[] {
  return header.split(',').map((t) => t.trim().replace(/^W\//, ''));
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2). */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const list = tags(header);
  return list.includes('*') || list.includes(etag);
}

/** If-Match uses the strong comparison; a stale tag is 412 (RFC 9110 §13.1.1). */
export function assertIfMatch(header: string | undefined, current: unknown): void {
  if (!header) return;
  const list = header.split(',').map((t) => t.trim());
  if (list.includes('*')) return;
  if (!list.includes(resourceEtag(current))) throw Problems.preconditionFailed();
}
