// What the inbox stores and hands out (webhook-inbox.service.ts).

export interface NewInboxEvent {
  /** `ignored` when no handler exists for the type: stored finished, never dispatched. */
  status?: 'pending' | 'ignored';
  source: string;
  externalEventId: string;
  type: string;
  body: Buffer;
  headers: Record<string, string>;
  signedAt?: Date;
}

/** An event a worker holds the lease of. */
export interface ClaimedEvent {
  id: string;
  source: string;
  externalEventId: string;
  type: string;
  /** This attempt, from 1. */
  attempts: number;
  body: Buffer;
  headers: Record<string, string>;
  receivedAt: Date;
}

export interface DueEvent {
  id: string;
  status: 'pending' | 'retrying' | 'processing';
  attempts: number;
}

export interface Backlog {
  pending: number;
  retrying: number;
  processing: number;
  dead: number;
  oldestPendingAt: Date | null;
}

/** An event the receiver acknowledged: the stored row's id, and whether it was stored before. */
export interface StoredEvent {
  eventId: string;
  duplicate: boolean;
}
