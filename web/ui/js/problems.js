// The server's problems (application/problem+json) in the UI's language.
// The server writes its `detail` and field messages in English for
// programs; the person reads the words of the dictionaries, chosen by the
// problem's `code` and by the shape of each field message, and sees the
// server's own text only as a detail in small print.
import {t, word, has} from './i18n.js';
import {money} from './format.js';

// Field message patterns → text keys (with parameters taken from the match).
const FIELD_MESSAGES = [
  [/^is required|^must not be empty|is required$/, 'fielderr.required'],
  [/must be (\d+) to (\d+) bytes/, 'fielderr.length', (m) => ({min: m[1], max: m[2]})],
  [/must be at most (\d+) bytes/, 'fielderr.too_long', (m) => ({max: m[1]})],
  [/must be at least (\d+) bytes/, 'fielderr.too_short', (m) => ({min: m[1]})],
  [/^no active user/, 'fielderr.no_active_user'],
  [/^unknown field/, 'fielderr.unknown_field'],
  [/RFC 3339/, 'fielderr.date'],
  [/must not be in the future/, 'fielderr.future'],
  [/^must be one of|^unknown (role|reason|reject reason|state|type)/, 'fielderr.one_of'],
  [/must be between (-?\d+) and (-?\d+)/, 'fielderr.between', (m) => ({min: m[1], max: m[2]})],
  [/must be (true or false|an integer|a string|an array|a JSON object)|within range/, 'fielderr.type'],
  [/control characters/, 'fielderr.control'],
  [/must match \[A-Za-z0-9._-\]/, 'fielderr.id'],
  [/is listed twice/, 'fielderr.twice'],
  [/absolute http or https URL/, 'fielderr.url'],
  [/must be fail when/, 'action_form.must_fail'],
  [/a refund_only case never takes the goods back/, 'action_form.refund_only_no_return'],
  [/grant of money is at least 1/, 'fielderr.grant_min'],
  [/an exchange requests 0/, 'fielderr.exchange_zero'],
  [/cannot disable their own/, 'fielderr.self_disable'],
  [/is not part of this case|more units of .* received/, 'fielderr.lines'],
  [/only agents and supervisors have an approval limit/, 'fielderr.no_limit_for_role'],
  [/a buyer needs an external_id/, 'fielderr.buyer_external_id'],
  [/must name at least one/, 'fielderr.at_least_one'],
  [/^name must be 1 to 128 bytes/, 'fielderr.length', () => ({min: 1, max: 128})],
];

// One field error {field, message} as words: [field label, text].
export function fieldMessage(fe) {
  const message = String(fe.message || '');
  for (const [re, key, params] of FIELD_MESSAGES) {
    const m = re.exec(message);
    if (m) return t(key, params ? params(m) : undefined);
  }
  return t('fielderr.invalid');
}

export function fieldLabel(name) {
  const base = String(name || '').replace(/\[\d+\]$/, '');
  return word('field', base);
}

// The problem's headline: the code's words, made precise where the detail
// carries a figure (the refundable amount, in the case's currency).
export function problemTitle(error, {currency} = {}) {
  const code = error && error.code ? error.code : 'unknown';
  const detail = (error && error.problem && error.problem.detail) || '';
  if (code === 'amount_exceeds_refundable') {
    const m = /refundable (\d+)/.exec(detail);
    if (m) return t('error.amount_exceeds_refundable_n', {amount: money(Number(m[1]), currency || 'CNY')});
  }
  if (code === 'approval_limit_exceeded') {
    const m = /limit (?:of )?(\d+)/.exec(detail);
    if (m) return t('error.approval_limit_exceeded_n', {limit: money(Number(m[1]), currency || 'CNY')});
  }
  return has(`error.${code}`) ? t(`error.${code}`) : t('error.unknown');
}
