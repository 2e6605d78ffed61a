/** An HTTP Basic Authorization header value for client credentials (RFC 6749 §2.3.1: form-encoded first). */
export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
