import { defineResource } from '../../common/resource/define-resource.js';
import { text } from '../../common/resource/fields.js';

/** The user resource: one declaration per field (column, body and filter rules, OpenAPI). */
export const usersResource = defineResource({
  name: 'user',
  plural: 'users',
  fields: {
    name: text({ maxLength: 100, example: '山田太郎', description: 'display name, one line' }),
    // Stored and compared in lower case: one address, one user.
    email: text({
      maxLength: 254,
      format: 'email',
      example: 'yamada@example.com',
      unique: true,
      normalize: (v) => v.toLowerCase(),
    }),
  },
  // The list's sort and filter keys, each with the id tie-breaker (migration 1733200000000).
  indexes: [
    { name: 'ix_users_created_at_id', columns: ['createdAt', 'id'] },
    { name: 'ix_users_updated_at_id', columns: ['updatedAt', 'id'] },
    { name: 'ix_users_name_id', columns: ['name', 'id'] },
    // The name filter in the default order (migration 1733400000000).
    { name: 'ix_users_name_created_at_id', columns: ['name', 'createdAt', 'id'] },
  ],
  // The unfiltered list's total is the count the database keeps (migration 1733300000000).
  trackedTotal: true,
});
