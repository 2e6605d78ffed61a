import { describeResourceConventions } from './support/resource-conventions.js';

// users on the kit pass the same contract suite as every generated resource.
describeResourceConventions({
  path: '/api/v1/users',
  idName: 'userId',
  scopes: { read: 'users:read', write: 'users:write' },
  sample: (i) => ({
    name: `Name ${String(i).padStart(3, '0')}`,
    email: `user${String(i).padStart(3, '0')}@example.com`,
  }),
  sortable: ['name', 'email', 'createdAt', 'updatedAt'],
  filters: ['name', 'email'],
  unique: ['email'],
});
