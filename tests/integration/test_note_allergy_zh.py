"""Issue 75: how Chinese hospitals write an allergy, replayed as a ward
meets it through records and dosage.  A relative who reports the patient's
allergy ("女儿说"), an intolerance written after a comma ("服用后头晕，不能
耐受"), an intolerance of a drug the patient took before ("原服…，因腹泻不
能耐受"), Hong Kong's "藥物敏感" heading and a drug entered in the allergy
record ("记入过敏史", "已记录为不良反应") each make amoxicillin's order
refused until the suggestion is decided; a culture's susceptibility ("药敏
示对阿莫西林敏感"), a negative oral challenge ("口服激发试验阴性") or skin
test ("皮试（-）"), a writer's "not an allergy" ("副作用，非过敏", "不过敏"),
a label the writer calls recorded in error ("记录有误") or found untrue
("过敏不成立", "过敏史可排除"), a drug taken with
no adverse reaction and a plan's drug before a parenthesis that names
another allergy invent no allergy, and amoxicillin is ordered."""

import pytest

from harness import protos

from test_dose_allergy_text import (AMOXICILLIN, IBUPROFEN, SERVICES,  # noqa
                                    catalogue, order, patient,
                                    refused_order)
from test_note_allergy import (_amoxicillin_after, _drug_after, note,  # noqa
                                suggestions)

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)

PROTOS = "dosage"


def _got(st, p):
    return {(s.kind, s.code): s for s in suggestions(st, p)}


@pytest.mark.parametrize("body", [
    "女儿说患者对阿莫西林过敏，出现皮疹。",
    "阿莫西林服用后头晕，不能耐受。",
    "原服阿莫西林，因腹泻、腹胀不能耐受，已停用。",
    "家属告知：患者以前用过阿莫西林，吐得很厉害，不想再用。",
    "藥物敏感：阿莫西林。",
    "终身禁用阿莫西林，记入过敏史。",
    "阿莫西林导致严重腹泻，已记录为不良反应。",
    "病人多年前服用「安莫西林」後曾嘴唇腫起來，已請醫師加入過敏紀錄。",
    "过敏史：奶奶说孩子“对阿莫西林过敏”，皮试阳性。",
    "过敏史：母亲代述——幼时用阿莫西林后全身起风团。",
    "阿莫西林吃了拉肚子厉害，后来不敢吃。",
    "阿莫西林——上次用后全身皮疹，家属要求不再用，已记入不良反应。",
    "既往用药：阿莫西林——吃了头晕，用了一周停药，说以后不吃了。",
    "阿莫西林用后全身皮疹，停药，已記入藥物不良反應。",
    "过敏：阿莫西林——用后呕吐不止，患者拒用。",
    "以前吃过阿莫西林，吃了喉咙发紧，不想再吃。",
])
def test_a_chinese_allergy_stops_amoxicillin(st, pb, catalogue, body):
    """The allergy is the patient's: a relative's report is no family
    history, the cue after the comma names the drug before it, and the
    symptoms between are its reaction, no problem of their own."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    got = _got(st, p)
    assert (rpb.SUGGESTION_KIND_ALLERGY, "amoxicillin") in got, got
    assert (rpb.SUGGESTION_KIND_PROBLEM, "R42") not in got, got
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to amoxicillin")


@pytest.mark.parametrize("body", [
    "痰培养：金黄色葡萄球菌，药敏示对阿莫西林敏感。",
    "青霉素皮试阴性，阿莫西林口服激发试验阴性，已移除青霉素过敏标签。",
    "患者自述服用阿莫西林后胃部不适，无皮疹，属胃肠道副作用，非过敏。",
    "患者入院时诉“阿莫西林过敏”，经追问为晕针反应，非过敏反应。",
    "对阿莫西林不过敏，去年曾用无不适。",
    "2024年曾使用阿莫西林一周，无不良反应。",
    "阿莫西林：从未使用，因\"怕过敏\"不敢用。",
    "诊疗计划：阿莫西林0.5g口服tid抗感染（磺胺过敏）。",
    "过敏史：阿莫西林过敏记录有误，实为青霉胺所致皮疹。",
    "阿莫西林皮试（-），2024年曾用阿莫西林无不适。",
    "经核实，2023年用过阿莫西林无不适，阿莫西林过敏史不成立。",
    "阿莫西林皮试阴性，阿莫西林过敏史可排除。",
    "过敏史：对磺胺类过敏（皮疹），以前用过阿莫西林无问题。",
    "过敏史：磺胺类过敏（皮疹），阿莫西林未用过。",
    "过敏史：磺胺类过敏（皮疹），“青霉素”没试过。",
    "过敏史：磺胺类过敏（皮疹），可用阿莫西林。",
    "过敏史：磺胺类过敏（皮疹），建议阿莫西林。",
])
def test_susceptibility_and_a_negative_challenge_block_nothing(
        st, pb, catalogue, body):
    """A culture sensitive to amoxicillin, a challenge the patient passed,
    or a drug never taken that the patient dares not take (allergy75m)
    or that an allergy line names as never used after a comma ("，阿莫西林
    未用过", allergy75bg), or one a plan's word there advises or allows
    ("，可用阿莫西林", allergy75bg), is no allergy: nothing blocks the
    order."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    got = _got(st, p)
    A = rpb.SUGGESTION_KIND_ALLERGY
    assert (A, "amoxicillin") not in got and (A, "penicillins") not in got, \
        got
    assert order(st, pb, p, AMOXICILLIN, 500).id


def test_a_numbered_section_after_the_allergies_ends_their_list(
        st, pb, catalogue):
    """Issue 75 (allergy75e): a Chinese numeral's section alone on its
    line with no colon ("五、目前用药" right under "四、过敏史") is a
    heading and ends the allergy list: the sulfonamide allergy is
    suggested, amoxicillin on the medicines line is a medicine, not an
    allergy, and is ordered."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, "四、过敏史\n- 磺胺类：皮疹。\n五、目前用药\n"
         "阿莫西林0.5g tid；奥美拉唑20mg qd。")
    got = _got(st, p)
    assert (rpb.SUGGESTION_KIND_ALLERGY, "sulfonamides") in got, got
    assert (rpb.SUGGESTION_KIND_ALLERGY, "amoxicillin") not in got, got
    assert (rpb.SUGGESTION_KIND_MEDICINE, "amoxicillin") in got, got
    assert order(st, pb, p, AMOXICILLIN, 500).id



def test_nsaids_avoided_for_aerd_stop_ibuprofen(st, pb, catalogue):
    """Issue 75 (allergy75f): a Chinese note that names aspirin-
    exacerbated respiratory disease (AERD) and says all NSAIDs are to be
    avoided records an allergy to the class: ibuprofen is refused; with
    the disease only queried ("阿司匹林诱发哮喘？"), the avoidance is a
    precaution and aspirin alone is the allergy."""
    rpb = protos.module("records")
    A = rpb.SUGGESTION_KIND_ALLERGY
    p = patient(st, pb)
    note(st, p, "医生按：考虑阿司匹林加重性呼吸系统疾病（AERD），对所有非甾体"
         "抗炎药均需避免，可使用对乙酰氨基酚止痛。")
    got = _got(st, p)
    assert (A, "nsaids") in got, got
    refused_order(st, pb, p, IBUPROFEN, 400,
                  "a note mentions an allergy to nsaids")
    q = patient(st, pb)
    note(st, q, "过敏史：阿司匹林（2015年服用后诱发哮喘发作）。\n"
         "初步诊断：阿司匹林诱发哮喘？\n"
         "诊疗计划：镇痛用对乙酰氨基酚。避免NSAIDs。")
    got = _got(st, q)
    assert (A, "aspirin") in got and (A, "nsaids") not in got, got


def test_no_allergy_record_to_be_made_lets_amoxicillin_through(st, pb,
                                                                catalogue):
    """Issue 75 (allergy75g): an entry that ends 暂不作过敏记录 ("no allergy
    record to be made for now") de-labels its drug, as 不作为过敏 does:
    nothing suggests amoxicillin and it is ordered."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, "过敏史：\n- 阿莫西林：2025年口服时皮肤轻度瘙痒，当时未停药，"
         "过敏依据不足，暂不作过敏记录。")
    assert (rpb.SUGGESTION_KIND_ALLERGY, "amoxicillin") not in _got(st, p)
    assert order(st, pb, p, AMOXICILLIN, 500).id


@pytest.mark.parametrize("body", [
    "丈夫对阿莫西林过敏。",
    "家属（妻子）对阿莫西林过敏，与患者无关，仅作记录。",
    "表哥对阿莫西林过敏。",
])
def test_a_spouses_or_cousins_own_allergy_lets_amoxicillin_through(
        st, pb, catalogue, body):
    """Issue 75 (allergy75m): a spouse or cousin written as the subject of
    对…过敏 (丈夫, 妻子, 老伴, 爱人, 表哥 …) has the allergy, not the
    patient: nothing is suggested and amoxicillin is ordered."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    A = rpb.SUGGESTION_KIND_ALLERGY
    assert (A, "amoxicillin") not in _got(st, p)
    assert order(st, pb, p, AMOXICILLIN, 500).id


@pytest.mark.parametrize("body, blocked", [
    ("阿莫西林过敏：没有。", False),
    ("过敏史：阿莫西林过敏（皮疹），头孢：无。", True),
])
def test_a_field_answered_no_denies_its_own_allergy_only(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75o): 没有 answering a drug's allergy field after a
    colon ("阿莫西林过敏：没有") denies it, as 无 and 否认 do: amoxicillin
    is ordered.  A field's answer after a full-width comma speaks of its
    own field only: the amoxicillin allergy before it stands and the order
    is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("过敏：无药物过敏（阿莫西林口服后腹泻已记录为不耐受）。", True),
    ("诊断：1.头孢过敏标签去除 2.阿莫西林不耐受 3.慢性荨麻疹", True),
    ("她問：之前急診給的阿莫西林吃了會吐，是不是過敏？— 記錄為不耐受。", True),
    ("对阿莫西林不耐受（腹泻）——后经评估为病毒性肠炎所致，非不耐受。", False),
])
def test_an_intolerance_label_outweighs_a_denial_outside_its_entry(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75q): 不耐受 written after a drug in its own entry
    is the writer's verdict on it; a denial from outside the entry (无药物
    过敏 before the bracket, another numbered entry's de-labelling, the
    patient's question 是不是过敏) does not clear it, and amoxicillin is
    refused.  The label denied after it (非不耐受) lets amoxicillin
    through."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("若需要，首选头孢呋辛（避免阿莫西林，既往不耐受）。", True),
    ("避免使用阿莫西林（患者不耐受）。", True),
    ("避免使用阿莫西林（与甲氨蝶呤合用毒性增加）。", False),
])
def test_an_avoidance_for_the_patients_intolerance_stops_the_drug(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75q): a drug said to be avoided (避免) with the
    patient's intolerance label after it in its sentence is the patient's
    allergy, and amoxicillin is refused; avoided for another reason (an
    interaction) it is a medicine withheld, and nothing stops the order."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body", [
    "过敏：母亲说孩子吃阿莫西林起过皮疹，记为阿莫西林过敏（待评估）。",
    "阿莫西林过敏史待核实。",
])
def test_a_label_still_to_be_checked_still_stops_amoxicillin(
        st, pb, catalogue, body):
    """Issue 75 (allergy75r): an allergy still to be checked (待评估,
    待核实) is read as doubted, and a doubted allergy is still one the
    order check acts on: amoxicillin is refused until it is assessed."""
    _amoxicillin_after(st, pb, body, True)


@pytest.mark.parametrize("body", [
    "过敏史：阿莫西林过敏（小时候皮疹）。阿莫西林过敏标签可疑，建议皮试评估。",
    "过敏史：阿莫西林——4岁时出皮疹（母亲说），阿莫西林过敏真实性存疑。",
])
def test_a_label_held_in_doubt_still_stops_amoxicillin(
        st, pb, catalogue, body):
    """Issue 75 (allergy75u): a label the writer holds in doubt after it
    (标签可疑, 存疑), in its sentence or a later one, makes the note's
    allergy to that drug uncertain; a doubted allergy still refuses
    amoxicillin until it is assessed."""
    _amoxicillin_after(st, pb, body, True)


@pytest.mark.parametrize("body, blocked", [
    ("过敏史：头孢类：输注后寒战、发热、全身皮疹，当时用布洛芬后好转。", False),
    ("过敏史：布洛芬：服后全身皮疹，停用布洛芬后好转。", True),
])
def test_a_drug_after_which_the_reaction_eased_is_its_remedy(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75y): a drug given in an allergy entry's clause
    that ends "后好转" (当时用…后好转, 予…肌注后缓解) treated the reaction:
    a past medicine, and ibuprofen is ordered while the cephalosporin
    allergy stays; a drug stopped before the reaction eased (停用…后好转)
    is its cause, and ibuprofen is refused."""
    rpb = protos.module("records")
    got = _drug_after(st, pb, body, blocked, IBUPROFEN, "ibuprofen", 400)
    assert blocked or (rpb.SUGGESTION_KIND_ALLERGY, "cephalosporins") in got, \
        got


@pytest.mark.parametrize("body", [
    "藥物敏感：阿莫西林（出疹，2015）；Panadol —— 太太話佢食完「胃唔舒服」，"
    "唔係過敏，其實佢一直都有食 Panadol 止痛，冇事。",
    "过敏史：阿莫西林——3岁时吃后起皮疹，同时发热，可能为病毒疹。",
])
def test_a_later_entrys_verdict_or_a_hedged_cause_leaves_amoxicillin_stopped(
        st, pb, catalogue, body):
    """Issue 75 (allergy75x): a verdict written in the next entry of an
    allergy list, after a full-width semicolon, speaks of that entry's
    drug, taken since without harm, not of the label before it; and a
    viral rash the writer only hedges (可能为病毒疹) doubts the label
    without removing it.  Either way amoxicillin is refused."""
    _amoxicillin_after(st, pb, body, True)


@pytest.mark.parametrize("body, blocked", [
    ("过敏史：复方新诺明（磺胺）——皮疹。阿莫西林——可疑（家属说法不一）。", True),
    ("藥物過敏：Vancomycin——紅人症候群。阿莫西林——2022年吃了發燒起疹。", True),
    ("过敏史：磺胺类（皮疹）。阿莫西林：长期服用。", False),
])
def test_an_entry_told_with_a_dash_on_an_allergy_line_stops_amoxicillin(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75aa): a later sentence of a Chinese allergy line
    that opens with a drug, a dash or a colon and its reaction or doubt
    (阿莫西林——可疑, ——2022年吃了發燒起疹) is another of the line's
    allergies: amoxicillin is refused.  A drug and a remark after the
    colon (长期服用) is a medicine's remark, and nothing stops the order."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("会诊意见：药疹可能性大，可疑致敏药物：万古霉素（时间最相符）、阿莫西林。",
     True),
    ("1. DRESS，最可能致敏藥物：allopurinol；\n2. 藥物性肝損害；\n"
     "阿莫西林亦唔可以完全排除，但可能性低。", True),
    ("过敏史：儿子说老人“打阿莫西林起过疙瘩”，具体不详。", True),
    ("会诊意见：药疹可能性大，可疑致敏药物：万古霉素（时间最相符）。"
     "建议停用万古霉素，改用阿莫西林。", False),
], ids=["consult-suspect", "later-doubt", "lay-wheals", "consult-plan"])
def test_a_consults_suspect_or_lay_wheals_refuse_amoxicillin(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ac): a drug a reaction consult names after its
    culprit heading (可疑致敏药物：…), or one a later sentence of its
    paragraph keeps in doubt (可能性低), is a doubted allergy, and the lay
    word of urticaria (起过疙瘩) an allergic sign: amoxicillin is refused.
    The plan after the consult's sentence names the drug to switch to,
    and the order goes through."""
    _amoxicillin_after(st, pb, body, blocked)



@pytest.mark.parametrize("body, blocked", [
    ("曾诊断“过敏体质”，先后服用氯雷他定、阿莫西林，均无明显效果。", False),
    ("曾诊断“过敏体质”，服用阿莫西林后全身皮疹，无效。", True),
], ids=["treatment-failed", "reaction-and-failed"])
def test_a_drug_that_did_not_work_is_no_allergen(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ad): a drug the sentence says did not work
    (均无明显效果) after calling the patient "过敏体质" failed; it is no
    allergen, and amoxicillin is ordered.  A reaction written between the
    drug and the failure keeps the allergy: the order is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("过敏史：其妻补充，患者年轻时曾“对阿莫西林过敏，起过疹子”。经核实，"
     "患者已规律服用阿莫西林5年，无任何不良反应，阿莫西林过敏史不成立。",
     False),
    ("过敏史：自述对阿莫西林过敏。\n入院第2天补记：阿莫西林皮试阴性，"
     "已与患者沟通，阿莫西林过敏史可排除。", False),
    ("二、过敏史及不良反应核实\n1. 磺胺类：皮疹。\n"
     "2. 阿莫西林：服后胃痛，患者不愿再服。", True),
], ids=["label-untrue", "label-excluded", "checked-heading"])
def test_a_verdict_clears_the_label_and_a_checked_heading_lists_allergies(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75af): a verdict that finds a label untrue
    (过敏史不成立, 过敏史可排除) answers the label told in an earlier
    sentence, as a de-labelling does, and amoxicillin is ordered; a
    pharmacist's numbered heading that ends with the check made
    (过敏史及不良反应核实) heads the allergy list as 过敏史： does, and the
    intolerance under it refuses amoxicillin."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("过敏史:对磺胺类过敏(起疹子),另以前用过青霉素没问题。", False),
    ("过敏史:对磺胺类过敏(起疹子),另对青霉素也过敏。", True),
], ids=["tolerated-after-ascii-comma", "allergic-after-ascii-comma"])
def test_a_class_taken_without_harm_after_an_ascii_comma_is_ordered(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ag): a writer who types Chinese with ASCII
    punctuation ends a clause with "," as with "，": the penicillins
    "以前用过…没问题" after it are taken without harm, the allergy cue
    before it the sulfonamides', and amoxicillin is ordered.  The
    penicillins said allergic after the comma refuse it."""
    _drug_after(st, pb, body, blocked, AMOXICILLIN, "penicillins", 500)


@pytest.mark.parametrize("body, blocked", [
    ("Allergy：Bactrim（出疹，2015）。佢阿媽對「盤尼西林」敏感，佢自己冇試過。",
     False),
    ("藥物過敏：Bactrim（出疹）。女兒對 amoxicillin 敏感（哮喘）。", False),
    ("藥物過敏：Bactrim（出疹）。佢對「盤尼西林」都敏感，打針之後成身紅。",
     True),
], ids=["mother-sensitive", "daughter-sensitive", "own-sensitive"])
def test_a_relatives_sensitivity_lets_amoxicillin_through(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75aj): Hong Kong writes an allergy 敏感; a
    relative's "對X敏感" in the allergy field (阿媽, 女兒) is the
    relative's allergy, not the patient's, and amoxicillin is ordered.
    The patient's own sensitivity with its rash refuses it."""
    _drug_after(st, pb, body, blocked, AMOXICILLIN, "penicillins", 500)


@pytest.mark.parametrize("body, blocked", [
    ("过敏史：阿莫西林：否认过敏，曾用阿莫西林无反应。", False),
    ("过敏史：阿莫西林过敏，否认过敏性休克。", True),
    ("过敏史：阿莫西林：患者说\"我妈对阿莫西林过敏\"，本人未用过——"
     "不记为本人过敏。", False),
    ("上周门诊开了阿莫西林，吃后\"脖子僵硬\"，急诊说是药物反应，已停，"
     "\"以后不能用\"。", True),
])
def test_a_field_denied_or_a_ban_after_a_reaction_decides_amoxicillin(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75al): a drug's field answered 否认过敏 denies its
    allergy, and amoxicillin is ordered, while a reaction denied after the
    label (否认过敏性休克) leaves it refused; a relative's allergy the writer
    will not record as the patient's (不记为本人过敏) lets it through; a ban
    after its reaction (以后不能用) makes it the patient's allergy, and the
    order is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("过敏史：复方新诺明（起疱、脱皮）——与布洛芬同用亦需谨慎。", False),
    ("用药：甲氨蝶呤 10mg 每周一次——与布洛芬合用需监测肾功能。", False),
    ("既往服布洛芬 2年，因血肌酐升高、血压升高停用（2023年）。", False),
    ("既往服布洛芬，因胃痛、转氨酶升高停用，不愿再用。", True),
])
def test_an_interaction_or_a_test_result_lets_ibuprofen_through(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ao): a drug written as the partner of an
    interaction (与布洛芬同用, 与布洛芬合用) is taken with the other drug,
    no allergen, and a stop with a test result first among its reasons
    (因血肌酐升高、血压升高停用) is the prescriber's, no intolerance:
    ibuprofen is ordered.  A felt effect first and a refusal keep it
    refused."""
    _drug_after(st, pb, body, blocked, IBUPROFEN, "ibuprofen", 400)


def test_a_label_entered_in_error_lets_amoxicillin_through(
        st, pb, catalogue):
    """Issue 75 (allergy75ao): a label the writer finds entered in error
    (录入错误: another patient's) is removed, and amoxicillin is
    ordered."""
    _amoxicillin_after(
        st, pb, "- 阿莫西林——系统中有“阿莫西林过敏”记录，核实为上次住院"
        "录入错误（为邻床患者），已删除。", False)


@pytest.mark.parametrize("body, blocked", [
    ("过敏史：磺胺类过敏（皮疹）；布洛芬，已服多年无不适。", False),
    ("过敏史：磺胺类过敏（皮疹）；布洛芬，已服用半年无反应。", False),
    ("过敏史：磺胺类过敏（皮疹）；布洛芬，服后哮喘。", True),
], ids=["taken-for-years", "taken-no-reaction", "reacted"])
def test_a_drug_taken_since_without_harm_lets_ibuprofen_through(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75aq): a drug on the allergy line whose next
    clause tells it taken since without harm (已服多年无不适, 已服用半年无
    反应) is tolerated despite the label beside it, and ibuprofen is
    ordered.  A reaction in that clause (服后哮喘) keeps it refused."""
    _drug_after(st, pb, body, blocked, IBUPROFEN, "ibuprofen", 400)


@pytest.mark.parametrize("body, blocked", [
    ("曾在诊所服布洛芬后出现胃痛、黑便，诊断消化性溃疡，嘱以后禁用。", True),
    ("布洛芬：服后哮喘发作，已停用，列为禁用。", True),
    ("曾服布洛芬，服后剧烈呕吐，“再也不吃了”。", True),
    ("避免布洛芬（患者诉既往用后胃痛，不愿再用）。", True),
    ("肾功能不全禁用布洛芬。", False),
], ids=["ban-ordered", "ban-recorded", "never-again", "avoided-refused",
        "ban-for-disease"])
def test_a_ban_or_a_refusal_after_a_reaction_refuses_ibuprofen(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75as): a ban the doctor sets or records after
    the drug's reaction (嘱以后禁用, 列为禁用), the patient's refusal for
    good (再也不吃了) and a drug avoided with the patient's refusal after
    its reaction make it the patient's allergy, and ibuprofen is refused;
    a ban for a disease (肾功能不全禁用) is a caution, and it is
    ordered."""
    _drug_after(st, pb, body, blocked, IBUPROFEN, "ibuprofen", 400)


@pytest.mark.parametrize("body, blocked", [
    ("镇痛：对乙酰氨基酚必要时；布洛芬 暂不用（既往用后胃痛、黑便）。", True),
    ("不用布洛芬（既往皮疹？患者记不清）。", True),
    ("过敏史：布洛芬——服后胃痛，自述\"不算过敏\"，但要求记录为不耐受。", True),
    ("暂不用布洛芬（肾功能不全）。", False),
], ids=["held-back-past-effect", "held-back-doubted", "intolerance-recorded",
        "held-back-for-disease"])
def test_a_drug_held_back_or_kept_on_record_refuses_ibuprofen(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ba): a drug declined (暂不用, 不用) with the
    patient's past effect of it in the bracket after, doubted or not, and
    a "not an allergy" verdict that the same sentence overrides by keeping
    an intolerance on record (但要求记录为不耐受) make it the patient's
    allergy, and ibuprofen is refused; declined for a disease, it is
    ordered."""
    _drug_after(st, pb, body, blocked, IBUPROFEN, "ibuprofen", 400)


@pytest.mark.parametrize("body, blocked", [
    ("过敏史：布洛芬、双氯芬酸：非过敏（仅胃部不适），可再用。", False),
    ("过敏史：布洛芬（哮喘），双氯芬酸：非过敏。", True),
], ids=["list-delabelled", "own-entry-kept"])
def test_a_verdict_after_an_enumerated_list_lets_ibuprofen_through(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75at): a verdict after a list joined by 、
    (布洛芬、双氯芬酸：非过敏) de-labels every drug of the list, not only the
    last, and ibuprofen is ordered.  A drug in an entry of its own, a
    full-width comma before the next, keeps its reaction and is refused."""
    _drug_after(st, pb, body, blocked, IBUPROFEN, "ibuprofen", 400)


@pytest.mark.parametrize("body, blocked", [
    ("抗感染：磺胺类可疑过敏——经验性选择阿莫西林0.5g tid口服。", False),
    ("抗感染：磺胺类可疑过敏——选用阿莫西林0.5g tid口服。", False),
    ("过敏史：磺胺类可疑过敏——阿莫西林（皮疹）。", True),
], ids=["chosen-empirically", "chosen", "listed-with-rash"])
def test_a_drug_chosen_for_a_doubted_allergy_lets_amoxicillin_through(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75at): the drug chosen in a doubted allergen's
    place (可疑过敏——经验性选择, 选用) is the treatment, no allergen, and
    amoxicillin is ordered.  A drug listed after the doubt with its own
    reaction is refused."""
    _amoxicillin_after(st, pb, body, blocked)


def test_a_class_banned_after_a_stated_allergy_refuses_amoxicillin(
        st, pb, catalogue):
    """Issue 75 (allergy75av): a class banned right after an allergy the
    sentence states of no drug (严重过敏，禁用磺胺类抗菌药; 确定过敏，终身禁用
    青霉素类) is the patient's allergy to the class, and amoxicillin is
    refused; a class banned for a disease is a caution, and it is
    ordered."""
    rpb = protos.module("records")
    A = rpb.SUGGESTION_KIND_ALLERGY
    p = patient(st, pb)
    note(st, p, "2005年肌注后出现喉头水肿。确定过敏，终身禁用青霉素类抗生素。")
    got = _got(st, p)
    assert (A, "penicillins") in got, got
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to penicillins")
    q = patient(st, pb)
    note(st, q, "肾功能不全，禁用青霉素类。")
    assert (A, "penicillins") not in _got(st, q)
    assert order(st, pb, q, AMOXICILLIN, 500).id


@pytest.mark.parametrize("body, blocked", [
    ("过敏史：\n - 小时候被说对阿莫西林过敏。上月已服阿莫西林0.5g，没有反应，"
     "因此此标签已删除。", False),
    ("藥物敏感：阿莫西林食完肚痛，醫生已經剔除呢個敏感。", False),
    ("过敏史：\n  - 病历记载“阿莫西林过敏”。详细询问：当年服药后晕倒。"
     "考虑为血管迷走性晕厥，并非过敏。", False),
    ("过敏史：\n  - 阿莫西林过敏（皮疹）。另诉吃了中药头晕，副作用，非过敏。",
     True),
    ("曾服阿莫西林后腹泻，自述以后阿莫西林都不吃。", True),
], ids=["this-label-deleted", "sensitivity-struck-off", "verdict-after",
        "another-entrys-verdict", "all-refused"])
def test_a_label_removed_or_judged_a_sentence_later_decides_amoxicillin(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75bd): a label the line removes after the drug was
    taken without harm (此标签已删除), struck off (剔除呢个敏感) or judged
    no allergy in a sentence of its own (…。并非过敏) lets amoxicillin
    through; another entry's verdict (另诉…非过敏) leaves it refused, and
    so does the drug all refused after a reaction (…都不吃)."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("过敏史核对：\n- 阿莫西林：服后严重腹泻、头晕。", True),
    ("4. 过敏史核对（患者及儿子）：\n- 阿莫西林：服后严重腹泻、头晕。", True),
    ("过敏/不良反应记录：\n- 阿莫西林：服后严重腹泻、头晕。", True),
    ("用药核对：\n- 阿莫西林：服后严重腹泻、头晕。", False),
], ids=["checked", "checked-with-son", "record", "medicines-checked"])
def test_a_checked_allergy_heading_refuses_amoxicillin(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75bf): one allergy cue and the check made on it
    alone on the line (过敏史核对：, 过敏/不良反应记录：) heads the allergy
    list, and the drug its entry names with what it did is refused; under
    a heading of the medicines checked it is ordered."""
    _amoxicillin_after(st, pb, body, blocked)
