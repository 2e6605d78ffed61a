import { Injectable } from '@nestjs/common';

/**
 * Lets feature modules contribute to /status, /debug and /health/ready without the operations
 * module knowing them: each registers a named contributor at start-up.
 */
export interface StatusContributor {
  /** Public summary for /status (no secrets). */
  status?(): Promise<unknown> | unknown;
  /** Detail for /debug (queue depths, internals; secrets masked). */
  debug?(): Promise<unknown> | unknown;
  /**
   * Throw or return false when this dependency is not usable. Shown as `degraded` in /health and /status,
   * never an outage: readiness depends on the database alone (see DependencyChecks).
   */
  ready?(): Promise<boolean> | boolean;
}

@Injectable()
export class StatusRegistry {
  private readonly contributors = new Map<string, StatusContributor>();

  register(name: string, contributor: StatusContributor): void {
    this.contributors.set(name, contributor);
  }

  entries(): [string, StatusContributor][] {
    return [...this.contributors.entries()];
  }
}
