// The messages module's public surface: what other modules may import.
export { EMAIL_INTEGRATION, SMS_INTEGRATION } from './message.integrations.js';
export { MessagesModule } from './messages.module.js';
export { EmailMessagesService } from './email-messages.js';
export type { SendOptions } from './messages.service.js';
export { SmsMessagesService } from './sms-messages.js';
export { EmailMessage } from './entities/email-message.entity.js';
export { SmsMessage } from './entities/sms-message.entity.js';
