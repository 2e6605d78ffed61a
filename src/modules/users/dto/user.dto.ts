import { ApiProperty } from '@nestjs/swagger';
import type { Representation } from '../../../common/resource/define-resource.js';
import { usersResource } from '../users.resource.js';
import type { User } from '../entities/user.entity.js';
import { EXAMPLE } from '../../../common/http/openapi-examples.js';

/** A user as the API returns it. */
export type UserDto = Representation<typeof usersResource.fields>;
export const UserDto = usersResource.dto;
/** Sort keys of the list (each has an index: test/users-indexes.e2e-spec.ts). */
export const USER_SORTABLE = usersResource.sortable;

/** The seed's profile example: the user as shown to others, served from the cache. */
export class UserProfileDto {
  @ApiProperty({ example: EXAMPLE.id, maxLength: 40, pattern: '^[0-9A-Za-z_-]+$' })
  userId!: string;

  @ApiProperty({ example: '山田太郎', maxLength: 100, pattern: '^.+$' })
  name!: string;

  @ApiProperty({ example: 'yamada@example.com', format: 'email', maxLength: 254 })
  email!: string;

  @ApiProperty({ example: '2024-01-01T00:00:00.000Z', format: 'date-time' })
  createdAt!: string;

  static from(user: User): UserProfileDto {
    return { userId: user.id, name: user.name, email: user.email, createdAt: user.createdAt.toISOString() };
  }
}
