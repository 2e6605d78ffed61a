import { Init1732400000000 } from './1732400000000-init.js';
import { Integrations1733100000000 } from './1733100000000-integrations.js';
import { WebhookEvents1733000000000 } from './1733000000000-webhook-events.js';
import { UsersListIndexes1733200000000 } from './1733200000000-users-list-indexes.js';
import { UsersRowCount1733300000000 } from './1733300000000-users-row-count.js';
import { UsersNameCreatedAtIndex1733400000000 } from './1733400000000-users-name-created-at-index.js';

/**
 * The migrations of the modules that predate module manifests, and the payments and messages tables'
 * migration from before those two were split, in order; feature modules list their own
 * (module-manifest.ts). One set valid on SQLite and PostgreSQL (QueryRunner API).
 */
export const MIGRATIONS = [
  Init1732400000000,
  WebhookEvents1733000000000,
  Integrations1733100000000,
  UsersListIndexes1733200000000,
  UsersRowCount1733300000000,
  UsersNameCreatedAtIndex1733400000000,
];
