import { ApiProperty, PartialType } from '@nestjs/swagger';
import { Text, type TextOptions } from '../../../common/http/text-field.js';
import type { User } from '../entities/user.entity.js';

export const USER_FIELDS = ['userId', 'name', 'email', 'createdAt', 'updatedAt'] as const;
export const USER_SORTABLE = ['name', 'email', 'createdAt', 'updatedAt'] as const;

/** The field rules of a user, shared by the bodies and the list filters. */
export const USER_NAME: TextOptions = { maxLength: 100, example: '山田太郎', description: 'display name, one line' };
export const USER_EMAIL: TextOptions = { maxLength: 254, format: 'email', example: 'yamada@example.com' };

export class UserDto {
  @ApiProperty({
    example: '01JEXAMPLE0000000000000000',
    description: 'string id (ULID)',
    maxLength: 40,
    pattern: '^[0-9A-Za-z_-]+$',
  })
  userId!: string;

  @ApiProperty({ example: '山田太郎', maxLength: 100, pattern: '^.+$' })
  name!: string;

  @ApiProperty({ example: 'yamada@example.com', format: 'email', maxLength: 254 })
  email!: string;

  @ApiProperty({ example: '2024-01-01T00:00:00.000Z', format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ example: '2024-01-01T00:00:00.000Z', format: 'date-time' })
  updatedAt!: string;

  static from(user: User): UserDto {
    return {
      userId: user.id,
      name: user.name,
      email: user.email,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    };
  }
}

/** The seed's profile example: the user as shown to others, served from the cache. */
export class UserProfileDto {
  @ApiProperty({ example: '01JEXAMPLE0000000000000000', maxLength: 40, pattern: '^[0-9A-Za-z_-]+$' })
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

export class CreateUserDto {
  @Text(USER_NAME)
  name!: string;

  @Text(USER_EMAIL)
  email!: string;
}

/** PUT replaces the whole resource: the same required properties as creation. */
export class ReplaceUserDto extends CreateUserDto {}

/**
 * PATCH (JSON merge patch): only the properties given change. A null would remove a required
 * property, so null is validated (400) rather than skipped like an absent property.
 */
export class UpdateUserDto extends PartialType(CreateUserDto, { skipNullProperties: false }) {}
