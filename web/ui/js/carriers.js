// Carriers: the usual ones of Chinese e-commerce, stored as short codes
// (what shops and carrier APIs use) and shown in the page's language.
// A carrier typed in by hand, or stored by name before the codes, is
// shown as it was written (known English names get their words too).
import {t, has} from './i18n.js';

export const CARRIERS = ['SF', 'JD', 'ZTO', 'YTO', 'STO', 'YUNDA', 'EMS', 'JTSD', 'DBL'];

const NAMES = {
  'sf express': 'SF', 'jd logistics': 'JD', 'zto express': 'ZTO', 'yto express': 'YTO', 'sto express': 'STO',
  yunda: 'YUNDA', ems: 'EMS', 'j&t express': 'JTSD', deppon: 'DBL',
};

export function carrierCode(value) {
  const text = String(value || '');
  if (CARRIERS.includes(text)) return text;
  return NAMES[text.toLowerCase()] || null;
}

export function carrierName(value) {
  const code = carrierCode(value);
  return code && has(`carrier.${code}`) ? t(`carrier.${code}`) : String(value || '—');
}
