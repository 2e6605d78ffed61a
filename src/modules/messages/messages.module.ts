import { FeatureModule } from '../../common/resource/module-manifest.js';
import { IntegrationsModule } from '../integrations/index.js';
import { EmailMessagesController, EmailMessagesService } from './email-messages.js';
import { EmailMessage } from './entities/email-message.entity.js';
import { SmsMessage } from './entities/sms-message.entity.js';
import { MessageClient } from './message.clients.js';
import { SmsMessagesController, SmsMessagesService } from './sms-messages.js';

/** `/api/v1/email-messages` and `/api/v1/sms-messages` through the email and SMS services (message.integrations.ts). */
@FeatureModule({
  // Its tables came with the payments table in one migration from before the split (migrations/); its scope
  // predates the manifests (auth/scopes.ts).
  manifest: {
    entities: [EmailMessage, SmsMessage],
    apiTags: {
      messages: 'Email and SMS sent through the external email and SMS services, and the record of what was sent.',
    },
  },
  imports: [IntegrationsModule],
  controllers: [EmailMessagesController, SmsMessagesController],
  providers: [MessageClient, EmailMessagesService, SmsMessagesService],
  exports: [EmailMessagesService, SmsMessagesService],
})
export class MessagesModule {}
