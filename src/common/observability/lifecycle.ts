import { Injectable } from '@nestjs/common';

/** Start-up and draining state read by the readiness probe. */
@Injectable()
export class Lifecycle {
  private state: 'starting' | 'ready' | 'draining' = 'starting';

  markReady(): void {
    if (this.state === 'starting') this.state = 'ready';
  }

  markDraining(): void {
    this.state = 'draining';
  }

  get current(): 'starting' | 'ready' | 'draining' {
    return this.state;
  }
}
