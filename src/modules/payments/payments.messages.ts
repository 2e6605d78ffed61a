import type { Messages } from '../../common/http/i18n.js';

export const PAYMENTS_MESSAGES: { en: Messages; ja: Messages } = {
  en: {
    problems: {
      'idempotency-key-reused': {
        title: 'Idempotency key reused',
        detail: 'This Idempotency-Key was already used with a different request body',
      },
      'unknown-reference': {
        title: 'Unprocessable content',
        detail: '{{resource}} {{id}} does not exist',
      },
    },
  },
  ja: {
    problems: {
      'idempotency-key-reused': {
        title: '冪等キーの再利用',
        detail: 'この Idempotency-Key は別のリクエスト本文で使用済みです',
      },
      'unknown-reference': { title: '処理できない内容', detail: '{{resource}} {{id}} は存在しません' },
    },
  },
};
