import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Cache } from 'cache-manager';
import type { EntityManager, Repository } from 'typeorm';
import { Problems } from '../../common/http/problem.js';
import { ResourceService } from '../../common/resource/resource.service.js';
import { CacheMetrics } from '../../common/observability/cache-metrics.js';
import { User } from './entities/user.entity.js';
import { UserProfileDto, type UserDto } from './dto/user.dto.js';
import { usersResource } from './users.resource.js';

const profileKey = (id: string) => `user-profile:${id}`;

/** The kit's list/get/create/PUT/PATCH/DELETE of users, plus the cached profile. */
@Injectable()
export class UsersService extends ResourceService<typeof usersResource.fields> {
  constructor(
    @InjectRepository(User) users: Repository<User>,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    private readonly cacheMetrics: CacheMetrics,
  ) {
    super(users, usersResource);
  }

  /** A write changes what the profile shows: the cached copy goes. */
  protected override async afterWrite(id: string): Promise<void> {
    await this.cache.del(profileKey(id));
  }

  /** The seed's cache flow: cache first; on a miss read the database and store the profile. */
  async profile(id: string): Promise<UserProfileDto> {
    const key = profileKey(id);
    const cached = await this.cache.get<UserProfileDto>(key);
    if (cached) {
      this.cacheMetrics.hit('user-profile');
      return cached;
    }
    this.cacheMetrics.miss('user-profile');
    const user = await this.findRow(id);
    if (!user) throw Problems.notFound('user', id);
    const profile = UserProfileDto.from(user);
    await this.cache.set(key, profile);
    return profile;
  }

  /** For other modules' transactions (e.g. a webhook handler): the user read through `manager`. */
  async findInTransaction(manager: EntityManager, id: string): Promise<UserDto | undefined> {
    const user = await this.findRow(id, manager);
    return user ? usersResource.represent(user) : undefined;
  }
}
