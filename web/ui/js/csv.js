// CSV for people: a report's CSV (the API's, one line per item, amounts
// in minor units under the columns' code names) turned into the page's
// language: headers from the dictionaries (csv.<column>), amounts in major
// units ("12.90", yuan for CNY), UTF-8 with a byte order mark so that
// spreadsheet programs read Chinese. Downloaded from a Blob (no request).
import {t, has, word} from './i18n.js';
import {moneyInput} from './format.js';

const MONEY_COLUMNS = new Set(['refunded_amount']);
// Reports whose other columns hold amounts too (the compensation report's
// per form: points are counted in minor units of the currency, SPEC §11.1).
const REPORT_MONEY_COLUMNS = {compensation: new Set(['amount', 'cash', 'voucher', 'points'])};

// RFC 4180: quoted fields may hold commas, quotes ("") and line breaks.
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let value = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        value += '"';
        i += 1;
      } else if (ch === '"') {
        quoted = false;
      } else {
        value += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      row.push(value);
      value = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      row.push(value);
      rows.push(row);
      row = [];
      value = '';
    } else {
      value += ch;
    }
  }
  if (value !== '' || row.length) {
    row.push(value);
    rows.push(row);
  }
  return rows;
}

function quote(v) {
  const s = String(v ?? '');
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// A column's header: the report's own words for it (csv.<report>.<column>)
// before the shared ones (csv.<column>).
export function header(column, report) {
  if (report && has(`csv.${report}.${column}`)) return t(`csv.${report}.${column}`);
  if (has(`csv.${column}`)) return t(`csv.${column}`);
  const m = /^(count|points)_(.+)$/.exec(column);
  if (m) return t(`csv.${m[1]}_of`, {kind: word('score_kind', m[2])});
  return column;
}

// The API's CSV `text` of `report` for people; `currency` for rows without
// a currency column.
export function localiseCsv(text, currency, report) {
  const [head, ...rows] = parseCsv(text);
  if (!head) return '\ufeff';
  const currencyAt = head.indexOf('currency');
  const money = new Set([...MONEY_COLUMNS, ...(REPORT_MONEY_COLUMNS[report] || [])]);
  const isMoney = (column) => money.has(column);
  const out = [head.map((column) => header(column, report))];
  for (const r of rows) {
    out.push(r.map((v, i) => (isMoney(head[i]) && /^-?\d+$/.test(v) ? moneyInput(Number(v), currencyAt >= 0 ? r[currencyAt] : currency) : v)));
  }
  return `\ufeff${out.map((r) => r.map(quote).join(',')).join('\r\n')}\r\n`;
}

export function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], {type: 'text/csv;charset=utf-8'}));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
