import i18next, { type TFunction } from 'i18next';
import { en, ja } from './problem-texts.js';

export type Language = 'en' | 'ja';
const SUPPORTED: Language[] = ['en', 'ja'];

const instance = i18next.createInstance();
void instance.init({
  initAsync: false,
  resources: { en: { translation: en }, ja: { translation: ja } },
  fallbackLng: 'en',
  supportedLngs: SUPPORTED,
  interpolation: { escapeValue: false },
  returnNull: false,
});

const fixed: Record<Language, TFunction> = {
  en: instance.getFixedT('en'),
  ja: instance.getFixedT('ja'),
};

/** Picks `ja` or `en` from an Accept-Language header by q-value; English by default. */
export function pickLanguage(header: string | string[] | undefined): Language {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return 'en';
  let best: Language = 'en';
  let bestQ = -1;
  for (const part of value.split(',')) {
    const [tag, ...params] = part.trim().split(';');
    const q = Number(
      params
        .find((p) => p.trim().startsWith('q='))
        ?.trim()
        .slice(2) ?? '1',
    );
    const primary = tag.trim().toLowerCase().split('-')[0] as Language;
    if (SUPPORTED.includes(primary) && q > bestQ && q > 0) {
      best = primary;
      bestQ = q;
    }
  }
  return best;
}

/** A catalogue of texts: `problems.<slug>.title|detail` and `validation.<constraint>`. */
export interface Messages {
  problems?: Record<string, { title: string; detail?: string }>;
  validation?: Record<string, string>;
}

/** Adds a module's own texts (declared in its manifest) to the catalogues of problem-texts.ts. */
export function addMessages(lang: Language, messages: Messages): void {
  instance.addResourceBundle(lang, 'translation', messages, true, false);
}

export function translate(lang: Language, key: string, params?: Record<string, unknown>, fallback?: string): string {
  if (!instance.exists(key, { lng: lang })) return fallback ?? key;
  return fixed[lang](key, params ?? {});
}
