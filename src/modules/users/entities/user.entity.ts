import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

// The list's sort and filter keys, each with the id tie-breaker (migration 1733200000000).
@Entity({ name: 'users' })
@Index('ix_users_created_at_id', ['createdAt', 'id'])
@Index('ix_users_updated_at_id', ['updatedAt', 'id'])
@Index('ix_users_name_id', ['name', 'id'])
export class User {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 254, unique: true })
  email!: string;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
