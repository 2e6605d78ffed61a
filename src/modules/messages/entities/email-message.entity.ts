import { MessageRecord, MessageTable } from './message-table.js';

/** An email handed to the email service, with the service's id and status. */
@MessageTable('email_messages', {
  recipientLength: 254,
  content: { subject: { type: 'varchar', length: 998 }, text: { name: 'body_text', type: 'text' } },
})
export class EmailMessage extends MessageRecord {
  subject!: string;
  text!: string;
}
