import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app.config.js';

/**
 * "Can this instance store data now?", for readiness. A SELECT 1 says the connection works, not that a
 * write would succeed: a full disk, a read-only file system or a standby answer reads and fail writes.
 * So the probe commits a write that changes nothing and needs no table of its own: PostgreSQL assigns
 * a transaction id (its commit is a WAL flush; refused on a standby or a read-only session); SQLite
 * rewrites its header's user_version with the value it has (refused when the file or the connection is
 * read-only, or another process holds the write lock past busy_timeout). As SQLite reuses file space a
 * write can succeed on a full disk until the file must grow, so a SQLite file is also refused when its
 * file system has less than `minFreeBytes` available.
 */
@Injectable()
export class DatabaseProbe {
  private readonly sqliteDir: string | null;
  private readonly minFreeBytes: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService<AppConfig, true>,
  ) {
    const database = config.get('database', { infer: true });
    this.sqliteDir =
      database.type === 'better-sqlite3' && database.sqlitePath !== ':memory:' ? dirname(database.sqlitePath) : null;
    this.minFreeBytes = database.minFreeMb * 1024 * 1024;
  }

  /** Resolves when a write can be committed; rejects with the reason otherwise. */
  async writable(): Promise<void> {
    if (this.dataSource.options.type === 'postgres') {
      await this.dataSource.query('SELECT txid_current()');
      return;
    }
    // One statement, no transaction: on the shared SQLite connection a transaction of our own could
    // collide with a running one.
    const [row] = await this.dataSource.query<{ user_version: number }[]>('PRAGMA user_version');
    await this.dataSource.query(`PRAGMA user_version = ${Math.trunc(Number(row.user_version))}`);
    if (this.sqliteDir) {
      const fs = await statfs(this.sqliteDir);
      const free = fs.bavail * fs.bsize;
      if (free < this.minFreeBytes) {
        throw new Error(
          `${Math.floor(free / 1048576)} MiB free for the database, below ${this.minFreeBytes / 1048576}`,
        );
      }
    }
  }
}
