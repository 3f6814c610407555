// messages.js - what a refusal means to a nurse (issue 51, item 2): each
// refusal the services give is keyed by its problem (the service's field
// and the rule it broke, never the English text), and the catalogue says
// what happened and what to do; the service's own words stay behind a
// "details" toggle for IT.  units() writes UCUM units as people write
// them.
//
// A refusal at the bedside (the face, the wristband, the identity check's
// age, the product scan) comes with its code in the OperationOutcome's
// issue.details (system urn:smartmed:refusal, the facade's
// write_refusal.c), which is the problem key itself.  Others are read
// from the words:
// the facade hands over a refusal as OperationOutcome diagnostics:
// "<FHIR element>: <check>: dosage refused it: <field>: <words>" (a
// write), or "<service>: <field>: <words>" (a read).  problemOf finds the
// field after the service's name and the rule among the words.
import { ZH } from './strings-zh.js';

// RULES: the problem keys, most specific first: the service's field, and
// for a field that carries several rules (dose: the hard stops) a test
// of the rule's words.
const RULES = [
  ['patient-died', (f, w) => /\bpatient (has )?died\b/.test(w)],
  ['allergies-not-assessed', (f, w) => /allergies not assessed/.test(w)],
  ['allergy', (f, w) => f === 'dose' && /\ballerg/.test(w)],
  ['interaction', (f, w) => f === 'dose' && /\binteraction\b/.test(w)],
  ['dose-not-ordered', (f, w) => (f === 'dose' && /not the ordered dose/.test(w)) || f === 'dose_deviation'],
  ['weight-missing', (f, w) => f === 'weight_kg' || /no weight is recorded/.test(w)],
  ['cosign-needed', (f) => f === 'cosign_id' || f === 'cosign_override'],
  ['identity-unconfirmed', (f, w) => f === 'identity_override' && /non-match is never an override/.test(w)],
  ['identity-not-verified', (f) => f === 'verification_token' || f === 'identity_override'],
  ['wrong-product', (f) => f === 'product_scan' || f === 'scan_override'],
  ['dose-check', (f) => f === 'dose' || f === 'dose_override'],
  ['escalation-needed', (f) => f === 'escalation_reason'],
];

// CATALOGUE: per problem, what happened and what to do (en-GB).
export const CATALOGUE = {
  'patient-died': ['The patient has died.', 'No dose is given or charted after a death. Check the patient banner and speak to the nurse in charge.'],
  'allergies-not-assessed': ['This patient\'s allergies have not been assessed, so a first dose cannot be given.',
    'Ask the prescriber or pharmacist to record the allergies (or "no known allergies"), then try again.'],
  allergy: ['The patient is allergic to this drug or its class.', 'Do not give it. Tell the prescriber: they may change the order or, if they decide to, override the stop.'],
  interaction: ['This drug interacts seriously with another drug the patient is on.', 'Do not give it. Ask the prescriber or pharmacist what to do.'],
  'dose-not-ordered': ['The dose you entered is not the ordered dose.', 'Give the ordered dose, or choose a reason for giving a different one.'],
  'weight-missing': ['No weight is recorded, and this dose depends on the weight.', 'Weigh the patient and record the weight, then try again.'],
  'cosign-needed': ['This is a high-alert drug: a second person must check the dose first.', 'Ask a second nurse or a pharmacist to co-sign, then record the dose.'],
  'identity-not-verified': ['The patient\'s identity was not confirmed for this dose.', 'Scan the wristband and check the face again (or ask the patient\'s name and date of birth), then record the dose.'],
  'wrong-product': ['The scanned product is not the drug that was ordered.', 'Do not give it. Take the ordered product and scan it.'],
  'dose-check': ['The dose checks stopped this dose.', 'Do not give it. Open the details and ask the prescriber or pharmacist.'],
  'escalation-needed': ['This is a time-critical medicine: a missed or late dose can harm the patient.',
    'Tell the prescriber now, then write who was told and what was decided under "Time-critical medicine".'],
  'face-presentation-attack': ['The camera did not see the patient in person: the photograph looks like a screen or a printed picture.',
    'Take another photograph: remove any phone, screen or printed picture, and have the patient face the camera.'],
  'face-colour-needed': ['The photograph has no colour, so it cannot be checked for a screen or a print.',
    'Take the photograph again with a colour camera, or ask the patient to say their name and date of birth.'],
  'face-copy': ['This photograph is a copy of one taken before, not a new one.',
    'Take a new photograph of the patient in the bed, not of a screen, a print or an earlier photograph.'],
  'face-unusable': ['The photograph could not be used: no single clear face was found in it.',
    'Take another photograph of the patient alone, facing the camera and close to it, or ask the patient to say their name and date of birth.'],
  'face-not-enrolled': ['No face is enrolled for this patient, so the face cannot be the second check.',
    'Ask the patient to say their name and date of birth, and check them against the wristband.'],
  'face-unavailable': ['The face check is not working on this system.',
    'Ask the patient to say their name and date of birth instead, and tell IT that the face check is down.'],
  'wristband-other-patient': ['This wristband belongs to another patient.',
    'Do not give. Check who is in the bed and whose record is open, then scan this patient\'s own wristband.'],
  'wristband-unknown': ['No patient has this wristband.',
    'Scan it again. If it is still not found, do not give: ask registration to check the wristband.'],
  'wristband-unreadable': ['The wristband scan could not be read.', 'Scan the wristband again, or type the MRN printed on it.'],
  'identity-unconfirmed': ['The last identity check did not confirm this patient (the face did not match, or the stated name or date of birth did not), so an override is not allowed.',
    'Do the stated check: ask the patient\'s name and date of birth and check them against the wristband. Only in an emergency in which the patient cannot answer is an override accepted, and it must say so.'],
  'identity-expired': ['The identity check is more than 15 minutes old.',
    'Check the wristband and the face (or the name and date of birth) again, then record the dose.'],
  'scan-unreadable': ['The product barcode could not be read.',
    'Scan it again. If it still cannot be read, tick "The pack has no barcode" and say why.'],
  offline: ['The hospital system cannot be reached. Nothing was recorded.', 'Check the network and try again.'],
  session: ['Your session has ended.', 'Sign in again.'],
  forbidden: ['Your role may not do this.', 'Ask a colleague whose role allows it.'],
  'not-found': ['The record was not found, or is not one of your patients.', 'Check the MRN or the wristband.'],
  unknown: ['The system refused this.', 'Show the details to IT.'],
};

// CATALOGUE_ZH: the same problems in Simplified Chinese (zh-CN); a key
// missing here falls back to English (test_messages.py checks none is).
export const CATALOGUE_ZH = {
  'patient-died': ['患者已死亡。', '死亡后不再给药或记录给药。请核对患者信息栏，并告知责任护士。'],
  'allergies-not-assessed': ['该患者尚未评估过敏史，因此不能给予首剂。',
    '请医生或药师记录过敏情况（或"无已知过敏"），然后重试。'],
  allergy: ['患者对该药物或其同类药物过敏。', '请勿给药。请告知开医嘱的医生：由其修改医嘱，或在其决定后解除拦截。'],
  interaction: ['该药物与患者正在使用的另一药物有严重相互作用。', '请勿给药。请询问开医嘱的医生或药师如何处理。'],
  'dose-not-ordered': ['您输入的剂量不是医嘱剂量。', '请给予医嘱剂量，或选择给予不同剂量的原因。'],
  'weight-missing': ['未记录体重，而该剂量按体重计算。', '请为患者称重并记录体重，然后重试。'],
  'cosign-needed': ['这是高警示药品：需由第二人先核对剂量。', '请另一名护士或药师双人核对签名后，再记录给药。'],
  'identity-not-verified': ['本次给药未确认患者身份。', '请扫描腕带并再次核对面部（或请患者说出姓名和出生日期），然后记录给药。'],
  'wrong-product': ['扫描的药品不是医嘱药品。', '请勿给药。请取医嘱药品并扫描。'],
  'dose-check': ['剂量核查拦截了本次给药。', '请勿给药。请展开详情并询问开医嘱的医生或药师。'],
  'escalation-needed': ['这是时间关键药物：漏用或延迟给药可能伤害患者。',
    '请立即告知开医嘱的医生，然后在"时间关键药物"一栏写明告知了谁、作何决定。'],
  'face-presentation-attack': ['摄像头看到的不是患者本人：照片像是屏幕或打印的图片。',
    '请重新拍照：移开手机、屏幕或打印图片，让患者本人面对摄像头。'],
  'face-colour-needed': ['照片没有颜色，无法判断是否为屏幕或打印图片。',
    '请用彩色摄像头重新拍照，或请患者说出姓名和出生日期。'],
  'face-copy': ['这张照片是之前拍过的照片的副本，不是新拍的。',
    '请为床上的患者本人重新拍照，不要拍屏幕、打印件或以前的照片。'],
  'face-unusable': ['照片无法使用：照片中没有找到一张清晰的人脸。',
    '请单独为患者重新拍照，让其面对并靠近摄像头；或请患者说出姓名和出生日期。'],
  'face-not-enrolled': ['该患者未登记面部信息，不能用面部作为第二项核对。',
    '请患者说出姓名和出生日期，并与腕带核对。'],
  'face-unavailable': ['本系统的面部核对目前无法使用。',
    '请改为让患者说出姓名和出生日期，并告知信息科面部核对已停用。'],
  'wristband-other-patient': ['这个腕带属于另一位患者。',
    '请勿给药。请核对床上是谁、打开的是谁的病历，然后扫描该患者本人的腕带。'],
  'wristband-unknown': ['没有患者使用这个腕带。',
    '请再扫描一次。如果仍然找不到，请勿给药：请登记处核查腕带。'],
  'wristband-unreadable': ['腕带扫描无法识别。', '请重新扫描腕带，或输入腕带上印的病历号。'],
  'identity-unconfirmed': ['上一次身份核对未能确认该患者（面部不匹配，或患者说出的姓名或出生日期不符），因此不允许越权给药。',
    '请进行口述核对：请患者说出姓名和出生日期，并与腕带核对。只有在紧急情况下患者无法回答时才接受越权给药，且必须注明这一点。'],
  'identity-expired': ['身份核对已超过 15 分钟。',
    '请重新核对腕带和面部（或姓名和出生日期），然后记录给药。'],
  'scan-unreadable': ['药品条码无法识别。',
    '请再扫描一次。如果仍无法识别，请勾选"包装上没有条码"并写明原因。'],
  offline: ['无法连接医院系统。未记录任何内容。', '请检查网络后重试。'],
  session: ['您的登录已失效。', '请重新登录。'],
  forbidden: ['您的角色无权执行此操作。', '请由有权限的同事处理。'],
  'not-found': ['未找到该记录，或该患者不是您负责的患者。', '请核对病历号或腕带。'],
  unknown: ['系统拒绝了此操作。', '请将详情告知信息科。'],
};

// --- the language of the screens (issue 51, item 6) -------------------
//
// Every string a screen shows goes through t(): its key is the en-GB
// text itself (with {name} for what is filled in), so the English
// catalogue is the keys and a missing translation reads as English.
// ZH (strings-zh.js) is the zh-CN catalogue of the screens' strings.  The locale is the
// browser's (navigator.languages) unless the user picks another; the
// choice lives in memory, like the session (nothing is kept in browser
// storage).

export const LOCALES = { 'en-GB': 'English', 'zh-CN': '简体中文' };
let locale = 'en-GB';

// localeFor: the catalogue's locale for a browser's language list.
export function localeFor(langs) {
  for (const l of langs || []) {
    const low = String(l).toLowerCase();
    if (low === 'zh' || low.startsWith('zh-cn') || low.startsWith('zh-hans') || low.startsWith('zh-sg')) return 'zh-CN';
    if (low.startsWith('en')) return 'en-GB';
  }
  return 'en-GB';
}

export function setLocale(l) {
  locale = LOCALES[l] ? l : 'en-GB';
}

export function getLocale() {
  return locale;
}

// mark: catalogue keys written where they are not yet said (a table of
// titles, codes the services send), so that the test that every key has
// its translation finds them; one key as it is, several as an array.
export function mark(...keys) {
  return keys.length === 1 ? keys[0] : keys;
}

// t: text in the user's language, {name} filled from vars.
export function t(text, vars) {
  const s = locale === 'zh-CN' && ZH[text] !== undefined ? ZH[text] : text;
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
}

// num: a number as the locale writes it.
export function num(v, opts) {
  const n = Number(v);
  if (v === '' || v === null || v === undefined || !Number.isFinite(n)) return String(v === undefined ? '' : v);
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 3, ...opts }).format(n);
}

// problemOf: the problem key of an error (a FhirError's message and
// status), and the service's field it was read from.
export function problemOf(e) {
  const status = e && e.status;
  const text = String((e && e.message) || '');
  if (status === 0) return { key: 'offline', field: '' };
  if (status === 401) return { key: 'session', field: '' };
  const m = /(?:refused it|dosage|identity|records): ([a-z_]+)[:.] ?(.*)$/s.exec(text);
  const field = m ? m[1] : '';
  const words = m ? m[2] : text;
  if (e && e.code && CATALOGUE[e.code]) return { key: e.code, field };
  for (const [key, test] of RULES) if (test(field, words)) return { key, field };
  if (status === 403) return { key: 'forbidden', field };
  if (status === 404) return { key: 'not-found', field };
  return { key: 'unknown', field };
}

// problemBox: the nurse's words for an error, headed by lead ("Not
// recorded"), with the raw detail and the problem's code behind
// "details".  An unknown problem says so, with its code for IT.
export function problemBox(e, lead) {
  const p = problemOf(e);
  const cat = locale === 'zh-CN' ? CATALOGUE_ZH : CATALOGUE;
  const [what, todo] = cat[p.key] || CATALOGUE[p.key] || cat.unknown;
  const box = document.createElement('div');
  box.setAttribute('role', 'alert');
  box.className = 'error problem';
  box.dataset.problem = p.key;
  const head = document.createElement('p');
  head.append(document.createTextNode((lead ? t('{lead}: ', { lead }) : '') + what));
  const next = document.createElement('p');
  next.append(document.createTextNode(todo));
  const more = document.createElement('details');
  const sum = document.createElement('summary');
  sum.textContent = t('Details');
  const raw = document.createElement('p');
  raw.textContent = t('Problem') + ' ' + p.key + (p.field ? ' (' + p.field + ')' : '')
    + (e && e.status !== undefined ? ', HTTP ' + e.status : '') + ': ' + String((e && e.message) || '');
  more.append(sum, raw);
  box.append(head, next, more);
  return box;
}

// UNITS: UCUM codes as a chart writes them; UNITS_ZH the words zh-CN
// writes instead (a symbol such as °C or mmHg is the same in both).
const UNITS_ZH = { units: '单位', 'units/h': '单位/小时', 'units/mL': '单位/mL', 'units/kg': '单位/kg', tablet: '片',
  ug: 'μg', meq: 'mEq' };
const UNITS = { '[iU]': 'units', '[IU]': 'units', Cel: '°C', 'mm[Hg]': 'mmHg', '/min': '/min', '%': '%',
  '[iU]/h': 'units/h', '[iU]/mL': 'units/mL', '[iU]/kg': 'units/kg', '{tbl}': 'tablet', 'kg': 'kg' };

// units: a UCUM unit as people write it ("[iU]" -> "units"); an unknown
// one as it is, its brackets dropped.
export function units(u) {
  if (!u) return '';
  const w = UNITS[u] !== undefined ? UNITS[u]
    : String(u).replace(/\[iU\]/g, 'units').replace(/\[([^\]]*)\]/g, '$1');
  return locale === 'zh-CN' && UNITS_ZH[w] !== undefined ? UNITS_ZH[w] : w;
}
