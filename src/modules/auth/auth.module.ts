import { Global } from '@nestjs/common';
import { FeatureModule } from '../../common/resource/module-manifest.js';
import { AuthGuard } from './auth.guard.js';
import { ClientsService } from './clients.service.js';
import { ApiClient } from './entities/api-client.entity.js';
import { TokenController } from './token.controller.js';
import { TokenService } from './token.service.js';

@Global()
@FeatureModule({
  // Its scopes and migrations predate the manifests (scopes.ts, migrations/index.ts).
  manifest: {
    entities: [ApiClient],
    apiTags: {
      auth: 'Access tokens: the OAuth 2.0 client credentials grant (`POST /oauth/token`). Swagger UI does it for you in **Authorize**.',
    },
  },
  controllers: [TokenController],
  providers: [TokenService, ClientsService, AuthGuard],
  exports: [TokenService, AuthGuard],
})
export class AuthModule {}
