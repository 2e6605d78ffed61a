import { FeatureModule } from '../../common/resource/module-manifest.js';
import { User } from './entities/user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@FeatureModule({
  // Its scopes and migrations predate the manifests (auth/scopes.ts, migrations/index.ts).
  manifest: {
    entities: [User],
    apiTags: {
      users:
        'The users of the API: create, read, list (filter, sort, page, `fields`), replace, merge-patch and delete. ' +
        'Writes take an optional `If-Match` with the ETag of a full GET (412 when stale).',
    },
  },
  controllers: [UsersController],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
