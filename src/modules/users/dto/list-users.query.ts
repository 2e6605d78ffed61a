import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { FieldsParam, PageQueryDto, SortParam } from '../../../common/http/list-query.js';
import { USER_FIELDS, USER_SORTABLE } from './user.dto.js';

export class ListUsersQuery extends PageQueryDto {
  @FieldsParam(USER_FIELDS)
  fields?: string;

  @SortParam(USER_SORTABLE)
  sort?: string;

  @ApiPropertyOptional({ description: 'exact name', example: '山田太郎', maxLength: 100, pattern: '^.+$' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ description: 'exact email', example: 'yamada@example.com', maxLength: 254, format: 'email' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;
}

export class UserFieldsQuery {
  @FieldsParam(USER_FIELDS)
  fields?: string;
}

export const PROFILE_FIELDS = ['userId', 'name', 'email', 'createdAt'] as const;

export class ProfileFieldsQuery {
  @FieldsParam(PROFILE_FIELDS)
  fields?: string;
}
