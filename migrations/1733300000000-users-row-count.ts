import type { MigrationInterface, QueryRunner } from 'typeorm';
import { trackRowCount, untrackRowCount } from '../src/database/row-counts.js';

/**
 * The exact count of `users`, kept by triggers (src/database/row-counts.ts): the unfiltered list's true
 * `total` without counting the table on every request (docs/benchmarks.md, "Scale of data").
 */
export class UsersRowCount1733300000000 implements MigrationInterface {
  name = 'UsersRowCount1733300000000';

  async up(runner: QueryRunner): Promise<void> {
    await trackRowCount(runner, 'users');
  }

  async down(runner: QueryRunner): Promise<void> {
    await untrackRowCount(runner, 'users');
  }
}
