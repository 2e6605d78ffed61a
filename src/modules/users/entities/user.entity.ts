import { usersResource } from '../users.resource.js';

/** The `users` table, declared by the resource's fields (users.resource.ts). */
export const User = usersResource.entity;
export type User = InstanceType<typeof User>;
