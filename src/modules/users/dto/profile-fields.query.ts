import { FieldsParam } from '../../../common/http/list-query.js';

export const PROFILE_FIELDS = ['userId', 'name', 'email', 'createdAt'] as const;

export class ProfileFieldsQuery {
  @FieldsParam(PROFILE_FIELDS)
  fields?: string;
}
