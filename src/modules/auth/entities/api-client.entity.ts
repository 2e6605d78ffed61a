import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An OAuth 2.0 client of this API; the secret is stored only as a scrypt hash. */
@Entity({ name: 'api_clients' })
export class ApiClient {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 100 })
  clientId!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'secret_hash', type: 'varchar', length: 255 })
  secretHash!: string;

  /** Space-separated scopes (RFC 6749 §3.3). */
  @Column({ type: 'text' })
  scopes!: string;

  // Plain columns, as the migration creates them (no database default): the writers set both.
  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}
