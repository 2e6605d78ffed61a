import { EmailMessage } from '../modules/integrations/messages/entities/email-message.entity.js';
import { SmsMessage } from '../modules/integrations/messages/entities/sms-message.entity.js';
import { Payment } from '../modules/integrations/payments/entities/payment.entity.js';

/**
 * Entities of modules that do not declare them in their manifest yet (the integrations). Every other
 * module's entities come from its `@FeatureModule` manifest (registeredEntities()); this list goes when
 * the integrations' modules declare theirs.
 */
export const ENTITIES = [Payment, EmailMessage, SmsMessage];
