import { FeatureModule } from '../../common/resource/module-manifest.js';
import { User } from './entities/user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@FeatureModule({
  // Its scopes and migrations predate the manifests (auth/scopes.ts, migrations/index.ts).
  manifest: { entities: [User] },
  controllers: [UsersController],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
