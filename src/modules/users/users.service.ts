import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Cache } from 'cache-manager';
import { Repository, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { ulid } from 'ulid';
import { assertIfMatch } from '../../common/http/etag.js';
import { Page, parseSort } from '../../common/http/list-query.js';
import { Problems } from '../../common/http/problem.js';
import { CacheMetrics } from '../../common/observability/cache-metrics.js';
import { PrimaryKeyReader } from '../../database/primary-key-reader.js';
import { User } from './entities/user.entity.js';
import { UserDto, UserProfileDto, type CreateUserDto, type UpdateUserDto } from './dto/user.dto.js';
import type { ListUsersQuery } from './dto/list-users.query.js';

const SORT_COLUMNS: Record<string, keyof User> = {
  name: 'name',
  email: 'email',
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
};
const profileKey = (id: string) => `user-profile:${id}`;

@Injectable()
export class UsersService {
  private readonly byId: PrimaryKeyReader<User>;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    private readonly cacheMetrics: CacheMetrics,
  ) {
    this.byId = new PrimaryKeyReader(users);
  }

  async list(query: ListUsersQuery): Promise<Page<UserDto>> {
    const where: FindOptionsWhere<User> = {};
    if (query.name !== undefined) where.name = query.name;
    if (query.email !== undefined) where.email = query.email.toLowerCase();
    const order = Object.fromEntries(
      Object.entries(parseSort(query.sort, { createdAt: 'ASC' })).map(([k, dir]) => [SORT_COLUMNS[k], dir]),
    );
    // A unique tie-breaker keeps offset paging stable when sort keys repeat.
    order.id ??= 'ASC';
    const [rows, total] = await this.users.findAndCount({ where, order, skip: query.offset, take: query.limit });
    return new Page(rows.map(UserDto.from), total, query.offset, query.limit);
  }

  async get(id: string): Promise<UserDto> {
    return UserDto.from(await this.find(id));
  }

  async create(input: CreateUserDto): Promise<UserDto> {
    const now = new Date();
    const user = this.users.create({
      id: ulid(),
      name: input.name,
      email: input.email.toLowerCase(),
      createdAt: now,
      updatedAt: now,
    });
    await this.users.insert(user);
    return UserDto.from(user);
  }

  /** PUT and PATCH: If-Match is checked against the locked row, in the write's transaction. */
  async update(id: string, input: UpdateUserDto, ifMatch: string | undefined): Promise<UserDto> {
    const updated = await this.lockedWrite(id, ifMatch, async (manager, user) => {
      if (input.name !== undefined) user.name = input.name;
      if (input.email !== undefined) user.email = input.email.toLowerCase();
      user.updatedAt = new Date(Math.max(Date.now(), user.updatedAt.getTime() + 1));
      await manager.update(User, { id }, { name: user.name, email: user.email, updatedAt: user.updatedAt });
      return user;
    });
    await this.cache.del(profileKey(id));
    return UserDto.from(updated);
  }

  async remove(id: string, ifMatch: string | undefined): Promise<void> {
    await this.lockedWrite(id, ifMatch, (manager) => manager.delete(User, { id }));
    await this.cache.del(profileKey(id));
  }

  /**
   * Runs `write` in a transaction that first locks the row, then compares If-Match with what the
   * lock now protects: of N writers carrying one ETag exactly one wins and the others see 412.
   * Locking by a no-op UPDATE (not SELECT … FOR UPDATE) works on both drivers: PostgreSQL takes
   * the row lock and re-reads committed data after waiting; SQLite takes its write lock.
   */
  private lockedWrite<T>(
    id: string,
    ifMatch: string | undefined,
    write: (manager: EntityManager, user: User) => Promise<T>,
  ): Promise<T> {
    return this.users.manager.transaction(async (manager) => {
      await manager
        .createQueryBuilder()
        .update(User)
        // Naming updatedAt keeps TypeORM from stamping the @UpdateDateColumn, which would change the ETag.
        .set({ id: () => 'id', updatedAt: () => 'updated_at' })
        .where('id = :id', { id })
        .execute();
      const user = await this.byId.find(id, manager);
      if (!user) throw Problems.notFound('user', id);
      assertIfMatch(ifMatch, UserDto.from(user));
      return write(manager, user);
    });
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
    const profile = UserProfileDto.from(await this.find(id));
    await this.cache.set(key, profile);
    return profile;
  }

  /** For other modules' transactions (e.g. a webhook handler): the user read through `manager`. */
  async findInTransaction(manager: EntityManager, id: string): Promise<UserDto | undefined> {
    const user = await this.byId.find(id, manager);
    return user ? UserDto.from(user) : undefined;
  }

  private async find(id: string): Promise<User> {
    const user = await this.byId.find(id);
    if (!user) throw Problems.notFound('user', id);
    return user;
  }
}
