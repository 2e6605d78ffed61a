import type { Messages } from '../../common/http/i18n.js';

export const GEOCODE_MESSAGES: { en: Messages; ja: Messages } = {
  en: { problems: { 'address-not-found': { title: 'Not found', detail: 'The maps service knows no such address' } } },
  ja: { problems: { 'address-not-found': { title: '見つかりません', detail: '地図サービスはこの住所を知りません' } } },
};
