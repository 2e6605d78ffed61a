// The payments module's public surface: what other modules may import.
export { PAYMENT_INTEGRATION } from './payment.integration.js';
export { PaymentsModule } from './payments.module.js';
export { PaymentsService } from './payments.service.js';
export { PaymentReconciler } from './payment-reconciler.js';
export { Payment } from './entities/payment.entity.js';
