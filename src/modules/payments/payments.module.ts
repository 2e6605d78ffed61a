import { FeatureModule } from '../../common/resource/module-manifest.js';
import { IntegrationsModule } from '../integrations/index.js';
import { MessagesModule } from '../messages/index.js';
import { UsersModule } from '../users/index.js';
import { WebhooksModule } from '../webhooks/index.js';
import { Payment } from './entities/payment.entity.js';
import { PaymentReconcile1733300000000 } from './migrations/1733300000000-payment-reconcile.js';
import { PaymentClient } from './payment.client.js';
import { PaymentEventsHandler } from './payment-events.handler.js';
import { PaymentReconciler } from './payment-reconciler.js';
import { PaymentsController } from './payments.controller.js';
import { PAYMENTS_MESSAGES } from './payments.messages.js';
import { PaymentsService } from './payments.service.js';

/**
 * `/api/v1/payments` through the payment service (payment.integration.ts), settled by its webhooks
 * (PaymentEventsHandler, which also emails the user) or, when they do not come, by the reconciler.
 */
@FeatureModule({
  // Its scopes predate the manifests (auth/scopes.ts); its table's migration predates the split (migrations/).
  manifest: {
    entities: [Payment],
    migrations: [PaymentReconcile1733300000000],
    messages: PAYMENTS_MESSAGES,
    apiTags: {
      payments:
        'Payments through the external payment service: stored `pending`, settled by its webhook. A payment needs an ' +
        'existing user (create one under **users** first).',
    },
  },
  imports: [IntegrationsModule, MessagesModule, UsersModule, WebhooksModule],
  controllers: [PaymentsController],
  providers: [PaymentClient, PaymentsService, PaymentEventsHandler, PaymentReconciler],
  exports: [PaymentsService],
})
export class PaymentsModule {}
