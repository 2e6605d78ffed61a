import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ApiClient } from './entities/api-client.entity.js';
import { allScopes } from './scopes.js';
import { hashSecret } from './secret-hash.js';

const CLIENT_ID = /^[A-Za-z0-9._-]{3,100}$/;

export class ClientRegistrationError extends Error {}

/**
 * Registers an OAuth 2.0 client (or, with `rotate`, gives an existing one a new secret) and returns
 * the secret, which is stored only as a scrypt hash and cannot be shown again. Operators reach it
 * through `npm run client:create` (create-client.cli.ts): the API has no client-management route,
 * so no token can mint clients.
 */
export async function registerClient(
  dataSource: DataSource,
  input: { clientId: string; scopes: string[]; name?: string; rotate?: boolean },
): Promise<{ clientId: string; clientSecret: string; scopes: string[] }> {
  if (!CLIENT_ID.test(input.clientId)) {
    throw new ClientRegistrationError('client id: 3–100 letters, digits, ".", "_" or "-"');
  }
  const known = allScopes();
  const unknown = input.scopes.filter((s) => !known.includes(s));
  if (input.scopes.length === 0 || unknown.length > 0) {
    throw new ClientRegistrationError(`scopes: one or more of ${known.join(', ')}; unknown: ${unknown.join(', ')}`);
  }
  const clientSecret = randomBytes(24).toString('base64url');
  const secretHash = await hashSecret(clientSecret);
  const scopes = [...new Set(input.scopes)];
  const now = new Date();
  const repository = dataSource.getRepository(ApiClient);
  const existing = await repository.findOneBy({ clientId: input.clientId });
  if (existing && !input.rotate) {
    throw new ClientRegistrationError(`client ${input.clientId} exists; pass --rotate to give it a new secret`);
  }
  if (!existing && input.rotate) throw new ClientRegistrationError(`client ${input.clientId} does not exist`);
  if (existing) {
    await repository.update({ clientId: input.clientId }, { secretHash, scopes: scopes.join(' '), updatedAt: now });
  } else {
    await repository.insert({
      clientId: input.clientId,
      name: input.name ?? input.clientId,
      secretHash,
      scopes: scopes.join(' '),
      createdAt: now,
      updatedAt: now,
    });
  }
  return { clientId: input.clientId, clientSecret, scopes };
}
