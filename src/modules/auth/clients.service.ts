import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AppConfig } from '../../config/app.config.js';
import { ApiClient } from './entities/api-client.entity.js';
import { allScopes } from './scopes.js';
import { hashSecret, verifySecret } from './secret-hash.js';

@Injectable()
export class ClientsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClientsService.name);

  constructor(
    @InjectRepository(ApiClient) private readonly clients: Repository<ApiClient>,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  /** The bootstrap client from config has every scope; its stored hash follows the configured secret. */
  async onApplicationBootstrap(): Promise<void> {
    const { bootstrapClientId, bootstrapClientSecret } = this.config.get('auth', { infer: true });
    const existing = await this.clients.findOneBy({ clientId: bootstrapClientId });
    const scopes = allScopes().join(' ');
    if (existing && existing.scopes === scopes && (await verifySecret(bootstrapClientSecret, existing.secretHash)))
      return;
    const now = new Date();
    const secretHash = await hashSecret(bootstrapClientSecret);
    if (existing) {
      await this.clients.update({ clientId: bootstrapClientId }, { secretHash, scopes, updatedAt: now });
    } else {
      await this.clients
        .insert({ clientId: bootstrapClientId, name: 'bootstrap', secretHash, scopes, createdAt: now, updatedAt: now })
        .catch(async (error: unknown) => {
          // Another instance inserted it at the same moment: fine if it is now there.
          if (!(await this.clients.existsBy({ clientId: bootstrapClientId }))) throw error;
        });
    }
    this.logger.log(`bootstrap client "${bootstrapClientId}" ready`);
  }

  /** The client's granted scopes when id and secret match; undefined otherwise. */
  async authenticate(clientId: string, secret: string): Promise<string[] | undefined> {
    const client = await this.clients.findOneBy({ clientId });
    if (!client) {
      // Same work as a real check, so timing does not reveal which client ids exist.
      await verifySecret(secret, 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      return undefined;
    }
    if (!(await verifySecret(secret, client.secretHash))) return undefined;
    return client.scopes.split(' ').filter(Boolean);
  }
}
