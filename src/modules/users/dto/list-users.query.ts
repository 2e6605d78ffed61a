import { FieldsParam, PageQueryDto, SortParam } from '../../../common/http/list-query.js';
import { Text } from '../../../common/http/text-field.js';
import { USER_EMAIL, USER_FIELDS, USER_NAME, USER_SORTABLE } from './user.dto.js';

export class ListUsersQuery extends PageQueryDto {
  @FieldsParam(USER_FIELDS)
  fields?: string;

  @SortParam(USER_SORTABLE)
  sort?: string;

  // The filters take the rules of the properties they match: a value no user can have is a 400, not [].
  @Text({ ...USER_NAME, optional: true, description: 'exact name' })
  name?: string;

  @Text({ ...USER_EMAIL, optional: true, description: 'exact email' })
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
