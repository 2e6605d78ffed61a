import { ApiClient } from '../modules/auth/entities/api-client.entity.js';
import { EmailMessage } from '../modules/messages/entities/email-message.entity.js';
import { SmsMessage } from '../modules/messages/entities/sms-message.entity.js';
import { Payment } from '../modules/payments/entities/payment.entity.js';
import { User } from '../modules/users/entities/user.entity.js';
import { WebhookEvent } from '../modules/webhooks/entities/webhook-event.entity.js';

/** Every entity of every module; a new module adds its own here (and a migration). */
export const ENTITIES = [User, ApiClient, WebhookEvent, Payment, EmailMessage, SmsMessage];
