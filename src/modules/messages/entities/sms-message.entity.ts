import { MessageRecord, MessageTable } from './message-table.js';

/** A text message handed to the SMS service, with the service's id and status. */
@MessageTable('sms_messages', { recipientLength: 16, content: { body: { type: 'varchar', length: 1600 } } })
export class SmsMessage extends MessageRecord {
  body!: string;
}
