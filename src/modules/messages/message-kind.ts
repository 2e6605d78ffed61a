import type { Type } from '@nestjs/common';
import type { MessageRecord } from './entities/message-table.js';

/** The content of a message: its recipient and the kind's own fields (what the provider gets). */
export interface MessageContent {
  to: string;
}

/** What the API answers for a message: our id, the provider's id and status, the content, ISO times. */
export type MessageView<C extends MessageContent> = {
  messageId: string;
  providerMessageId: string;
  status: string;
  createdAt: string;
  updatedAt: string;
} & C;

/**
 * One kind of message (email, SMS): what differs between them. The service (messages.service.ts) and the
 * routes (messages.controller.ts) are made of it.
 */
export interface MessageKind<E extends MessageRecord & C, C extends MessageContent> {
  /** The collection's URL segment, `email-messages`; the operation ids are made of it (`sendEmailMessage`). */
  path: string;
  /** The name of one in problem texts (a 404's `resource`). */
  label: string;
  /** The integration that delivers it (message.integrations.ts). */
  integration: string;
  entity: Type<E>;
  /** The content fields, in the order the provider gets them. */
  content: readonly (keyof C & string)[];
  /** The representation, the body of a send, the list's query and GET by id's `fields`. */
  dto: Type<unknown>;
  createDto: Type<unknown>;
  listQuery: Type<unknown>;
  fieldsQuery: Type<unknown>;
  /** The words of the document: one message and several (`email`, `emails`), the service and its auth. */
  words: { one: string; many: string; service: string; auth: string };
}

/** Only the kind's content fields of `input`, in the kind's order. */
export function contentOf<C extends MessageContent>(kind: { content: readonly (keyof C & string)[] }, input: C): C {
  const picked: Partial<C> = {};
  for (const key of kind.content) picked[key] = input[key];
  return picked as C;
}

/** The representation of a row (the DTO's properties, in its order). */
export function represent<C extends MessageContent>(kind: MessageKind<MessageRecord & C, C>, row: MessageRecord & C) {
  return {
    messageId: row.id,
    providerMessageId: row.providerMessageId,
    status: row.status,
    ...contentOf<C>(kind, row),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  } as MessageView<C>;
}
