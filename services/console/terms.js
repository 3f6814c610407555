// terms.js - the words an order is written in (issue 77, item 3): its
// route and its frequency as dosage sends them (the prescriber's code,
// "oral", "iv", "bid", "q6h"), written as the screen's language writes
// them.  en-GB shows the code as the prescriber wrote it; zh-CN writes
// what Chinese charts write (口服, 每日两次), from ROUTES_ZH and
// FREQUENCIES_ZH in strings-zh.js.  A code neither table knows shows as
// it is, so that nothing the prescriber wrote is hidden.
import { getLocale } from './messages.js';
import { NOTE_PROBLEMS_ZH, NOTE_REACTIONS_ZH, NOTE_TERMS_ZH } from './note-terms-zh.js';
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

// noteTermText: what the note reader found (issue 77, item 3), the
// concept of a suggestion: on a zh-CN screen a substance or class by
// dosage's code and a problem by its ICD-10 code in Chinese, from the
// knowledge tables (note-terms-zh.js, generated); a code they do not
// name shows as the reader named it.
export function noteTermText(c) {
  if (!c) return '';
  // app.js's conceptText, kept here so that terms.js needs no screen
  const text = c.text || ((c.coding || []).map((x) => x.display || x.code).find(Boolean)) || '';
  if (getLocale() !== 'zh-CN') return text;
  for (const x of c.coding || []) {
    const zh = NOTE_TERMS_ZH[x.code] || NOTE_PROBLEMS_ZH[x.code];
    if (zh) return zh;
  }
  return text;
}

// reactionText: the reaction the reader kept with an allergy ("rash"),
// in Chinese on a zh-CN screen (a Chinese note's is Chinese already).
export function reactionText(s) {
  const r = String(s || '');
  if (getLocale() !== 'zh-CN') return r;
  return NOTE_REACTIONS_ZH[r.toLowerCase()] || r;
}
