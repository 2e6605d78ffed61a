import type { Messages } from '../../common/http/i18n.js';
import { GATEWAY_MESSAGES } from '../../gateway/index.js';

/** The gateway's problem texts (this module owns the gateways) and this module's own. */
export const INTEGRATIONS_MESSAGES: { en: Messages; ja: Messages } = {
  en: {
    problems: {
      ...GATEWAY_MESSAGES.en.problems,
      'integration-not-configured': {
        title: 'Service unavailable',
        detail: 'The {{integration}} service is not configured on this server',
      },
    },
  },
  ja: {
    problems: {
      ...GATEWAY_MESSAGES.ja.problems,
      'integration-not-configured': {
        title: 'サービス利用不可',
        detail: '{{integration}} サービスはこのサーバーで設定されていません',
      },
    },
  },
};
