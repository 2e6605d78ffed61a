import type { Messages } from '../common/http/i18n.js';

/**
 * The texts of the problems the gateway throws (upstream-errors.ts). The library registers nothing
 * itself: the module that owns the gateways lists these in its manifest.
 */
export const GATEWAY_MESSAGES: { en: Messages; ja: Messages } = {
  en: {
    problems: {
      'upstream-error': { title: 'Upstream service failed', detail: 'The {{integration}} service failed: {{reason}}' },
      'circuit-open': {
        title: 'Service unavailable',
        detail: 'The {{integration}} service is failing; calls are suspended',
      },
      'upstream-timeout': { title: 'Upstream timeout', detail: 'The {{integration}} service did not answer in time' },
    },
  },
  ja: {
    problems: {
      'upstream-error': { title: '外部サービスエラー', detail: '{{integration}} サービスが失敗しました: {{reason}}' },
      'circuit-open': {
        title: 'サービス利用不可',
        detail: '{{integration}} サービスで障害が続いているため呼び出しを停止しています',
      },
      'upstream-timeout': {
        title: '外部サービスタイムアウト',
        detail: '{{integration}} サービスが時間内に応答しませんでした',
      },
    },
  },
};
