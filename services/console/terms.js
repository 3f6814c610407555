// terms.js - the words an order is written in (issue 77, item 3): its
// route and its frequency as dosage sends them (the prescriber's code,
// "oral", "iv", "bid", "q6h"), written as the screen's language writes
// them.  en-GB shows the code as the prescriber wrote it; zh-CN writes
// what Chinese charts write (口服, 每日两次), from ROUTES_ZH and
// FREQUENCIES_ZH in strings-zh.js.  A code neither table knows shows as
// it is, so that nothing the prescriber wrote is hidden.
import { getLocale } from './messages.js';
import { FREQUENCIES_ZH, ROUTES_ZH } from './strings-zh.js';

// routeText: an order's route (a code or the text of a concept).
export function routeText(code) {
  const c = String(code || '').trim();
  if (getLocale() !== 'zh-CN') return c;
  return ROUTES_ZH[c.toLowerCase()] || c;
}

// frequencyText: an order's frequency; "qNh" (every N hours) is read by
// its number, the named ones from the table.
export function frequencyText(code) {
  const c = String(code || '').trim();
  if (getLocale() !== 'zh-CN') return c;
  const every = /^q(\d{1,2})h$/i.exec(c);
  if (every) return FREQUENCIES_ZH['q{n}h'].replace('{n}', String(Number(every[1])));
  return FREQUENCIES_ZH[c.toLowerCase()] || c;
}
