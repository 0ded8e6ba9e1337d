// Prompt and answer templates per app. Answers here are correct and grounded; planted risks are
// added afterwards (plants.ts) so the ground truth knows exactly what was planted where.
import type { Source } from '../../../contracts/events.ts';
import type { Rng } from '../prng.ts';
import type { SimApp } from '../profiles.ts';
import { correctCitation, egovUrl, formatArticle, lawByTitle, withNumber, KNOWN_PROVISIONS } from './laws.ts';
import {
  AUDIENCES, COMMITTEES, DIVISIONS, MINISTER_TITLES, MINISTRY_DOMAINS, THEMES, fill, personName, reiwaDate, type Theme,
} from './vocab.ts';
import { officeLandline } from '../numbers.ts';

export interface Draft {
  prompt: string;
  response: string;
  sources: Source[];
  language: string;
}

export interface DraftContext {
  ministry: string;
  ministryName: string;
  /** JST calendar date of the request */
  year: number;
  month: number;
  day: number;
  english: boolean;
}

export function buildDraft(app: SimApp, rng: Rng, ctx: DraftContext): Draft {
  switch (app) {
    case 'chat':
      return ctx.english ? chatEnglish(rng) : chat(rng, ctx);
    case 'drafting':
      return drafting(rng, ctx);
    case 'translation':
      return translation(rng);
    case 'proofreading':
      return proofreading(rng);
    case 'diet_response_search':
      return dietSearch(rng, ctx);
    case 'legal_research':
      return ctx.english ? legalEnglish(rng) : legal(rng);
  }
}

const POINTS = [
  '関係部局との役割分担を明確にすること', '対象者への周知を早めに行うこと', 'スケジュールに余裕を持たせること',
  '費用対効果を定量的に示すこと', '既存の制度との整合性を確認すること', 'リスクと対応策をあらかじめ整理すること',
  '利用者の声を継続的に把握すること', '成果指標（KPI）を設定して進捗を確認すること', '地方公共団体との連携を図ること',
  '個人情報の取扱いに留意すること', '説明資料は一枚にまとめること', '過去の類似事例を参照すること',
];

function points(rng: Rng, n: number): string[] {
  const chosen = new Set<string>();
  while (chosen.size < n) chosen.add(rng.pick(POINTS));
  return [...chosen];
}

function chat(rng: Rng, ctx: DraftContext): Draft {
  const theme = rng.pick(THEMES);
  const audience = rng.pick(AUDIENCES);
  const kind = rng.int(0, 4);
  if (kind === 0) {
    const ps = points(rng, 3);
    return ja(
      fill(rng.pick(['{t}について、{a}向けに要点を3つにまとめてください。', '{a}に説明するため、{t}のポイントを簡潔に教えてください。', '{t}の概要を{a}にも分かるように整理して。']), { t: theme.ja, a: audience }),
      `${theme.ja}について、${audience}向けの要点は次の3点です。\n1. ${ps[0]}\n2. ${ps[1]}\n3. ${ps[2]}\nいずれも所管部局の最新の方針を確認のうえでご活用ください。`,
    );
  }
  if (kind === 1) {
    const minutes = `本日の打合せでは${theme.ja}の進め方を議論した。${rng.pick(POINTS)}が必要との意見があった。次回は${ctx.month}月中に開催予定。`;
    return ja(
      `次の議事メモを3行で要約してください。\n${minutes}`,
      `・${theme.ja}の進め方について議論した。\n・${rng.pick(POINTS)}が課題として挙げられた。\n・次回は${ctx.month}月中に開催する予定である。`,
    );
  }
  if (kind === 2) {
    const tasks = [
      ['Excelで重複した行を削除する方法', '「データ」タブの「重複の削除」を使うと、選択した列の値が同じ行をまとめて削除できます。削除前に元データのコピーを保存しておくと安全です。'],
      ['メールで資料の再送を丁寧に依頼する書き方', '「お手数をおかけしますが、先日お送りいただいた資料を再度お送りいただけますでしょうか。」のように、理由を添えて依頼すると丁寧です。'],
      ['会議の日程調整を効率よく進めるコツ', '候補日を3つ程度に絞って提示し、回答期限を明記すると調整がスムーズです。'],
      ['PowerPointで図表を見やすくするポイント', '1枚に伝えたいことを1つに絞り、色に頼らず凡例やラベルで区別すると読みやすくなります。'],
    ];
    const [q, a] = rng.pick(tasks);
    return ja(`${q}を教えてください。`, a);
  }
  if (kind === 3) {
    // A legal question asked in chat: answered with a correct citation.
    const p = rng.pick(KNOWN_PROVISIONS);
    const law = lawByTitle(p.title);
    return ja(
      `${p.gist}について定めている条文はどれですか。`,
      `${withNumber(rng, law)}${formatArticle(rng, p.article)}が該当します。同条は${p.gist}について規定しています。具体的な適用にあたっては所管部局にご確認ください。`,
    );
  }
  const ps = points(rng, 2);
  return ja(
    `${theme.ja}を進めるうえでの留意点は？`,
    `${theme.ja}を進めるうえでは、${ps[0]}、また${ps[1]}が重要です。${rng.pick(['必要に応じて関係省庁とも調整してください。', '前例のない取組は小さく試行してから拡大するのが有効です。', '進捗は定期的に幹部へ報告することをおすすめします。'])}`,
  );
}

function chatEnglish(rng: Rng): Draft {
  const theme = rng.pick(THEMES);
  const templates: Array<[string, string]> = [
    [`Summarize the key points of ${theme.en} in three bullets.`, `Key points of ${theme.en}:\n- Clarify roles among the divisions involved.\n- Set measurable targets and review progress regularly.\n- Communicate early with the people affected.`],
    [`Draft a short opening remark for an international meeting on ${theme.en}.`, `Thank you all for joining today. Japan attaches great importance to ${theme.en}, and we look forward to a frank and productive exchange of views.`],
    [`What should I check before publishing a report on ${theme.en}?`, `Check the figures against the original statistics, confirm that no personal data is included, and have the responsible division review the conclusions.`],
  ];
  const [prompt, response] = rng.pick(templates);
  return { prompt, response, sources: [], language: 'en' };
}

function drafting(rng: Rng, ctx: DraftContext): Draft {
  const theme = rng.pick(THEMES);
  const division = rng.pick(DIVISIONS);
  const domain = MINISTRY_DOMAINS[ctx.ministry] ?? 'digital.go.jp';
  const contact = `${ctx.ministryName}${division}　電話：${officeLandline(rng)}（内線${rng.int(2000, 7999)}）　メール：${rng.pick(['info', 'soumu', 'kikaku', 'koho', 'jinji', 'seisaku'])}-${rng.int(1, 99)}@${domain}`;
  const eventDay = Math.min(28, ctx.day + rng.int(3, 14));
  const date = reiwaDate(ctx.year, ctx.month, eventDay);
  const kind = rng.int(0, 3);
  if (kind === 0) {
    return ja(
      `${theme.ja}に関する説明会の開催通知を作成してください。日時は${date}、対象は${rng.pick(AUDIENCES)}です。`,
      `件名：${theme.ja}に関する説明会の開催について\n\n標記について、下記のとおり説明会を開催しますので、御出席くださいますようお願いいたします。\n\n記\n1. 日時　${date}　${rng.int(10, 16)}時00分から\n2. 場所　${ctx.ministryName}${rng.int(1, 12)}階 第${rng.int(1, 9)}会議室（オンライン併用）\n3. 内容　${theme.ja}の現状と今後の進め方\n\n（問い合わせ先）\n${contact}`,
    );
  }
  if (kind === 1) {
    return ja(
      `${theme.ja}についての意見募集（パブリックコメント）の案内文を作ってください。`,
      `${theme.ja}に関する意見募集について\n\n${ctx.ministryName}では、${theme.ja}に関する案を取りまとめましたので、広く国民の皆様から御意見を募集します。\n募集期間：${date}まで\n提出方法：e-Govの意見募集ページから御提出ください。\n\n（担当）\n${contact}`,
    );
  }
  if (kind === 2) {
    const ps = points(rng, 2);
    return ja(
      `${theme.ja}について、局長説明用の1枚紙の骨子を作成してください。`,
      `【${theme.ja}について（骨子）】\n1. 現状：${theme.ja}は政府の重点課題として位置付けられている。\n2. 課題：${ps[0]}。\n3. 対応方針：${ps[1]}を中心に取組を進める。\n4. 今後の予定：${date}までに関係省庁と調整する。`,
    );
  }
  return ja(
    `${theme.ja}の会議での挨拶文を、${rng.pick(['300字程度', '短め', '丁寧な調子'])}でお願いします。`,
    `本日は御多忙の中、お集まりいただき誠にありがとうございます。${theme.ja}は、${ctx.ministryName}にとって重要な課題の一つです。本日の議論が、今後の取組を前に進める契機となることを期待しております。どうぞよろしくお願いいたします。`,
  );
}

/** Parallel sentences: the translation is faithful by construction. */
const PARALLEL: ReadonlyArray<[string, string]> = [
  ['政府は、生成AIの安全な利活用に向けたガイドラインを策定した。', 'The Government has formulated guidelines for the safe use of generative AI.'],
  ['本事業の申請期限は来月末までです。', 'The application deadline for this program is the end of next month.'],
  ['会議資料は事前に関係者へ共有してください。', 'Please share the meeting materials with the relevant parties in advance.'],
  ['我が国は、自由で開かれたインド太平洋の実現に取り組んでいます。', 'Japan is working toward a free and open Indo-Pacific.'],
  ['災害時には、地方公共団体と緊密に連携して対応します。', 'In the event of a disaster, we will respond in close cooperation with local governments.'],
  ['本件に関する問い合わせは担当課までお願いします。', 'Please direct inquiries about this matter to the division in charge.'],
  ['デジタル庁は、行政手続のオンライン化を推進しています。', 'The Digital Agency is promoting the digitalization of administrative procedures.'],
  ['訪日外国人旅行者数は過去最高を記録しました。', 'The number of international visitors to Japan reached a record high.'],
  ['引き続き、関係国と緊密に意思疎通を図ってまいります。', 'We will continue to communicate closely with the countries concerned.'],
  ['農林水産物の輸出額は前年を上回りました。', 'Exports of agricultural, forestry and fishery products exceeded the previous year.'],
  ['本日の会合では、サプライチェーンの強靱化について議論しました。', "Today's meeting discussed strengthening the resilience of supply chains."],
  ['新制度は来年四月から施行される予定です。', 'The new system is scheduled to take effect next April.'],
];

function translation(rng: Rng): Draft {
  const count = rng.int(1, 3);
  const pairs = Array.from({ length: count }, () => rng.pick(PARALLEL));
  const jaText = pairs.map((p) => p[0]).join('');
  const enText = pairs.map((p) => p[1]).join(' ');
  if (rng.chance(0.7)) {
    return { prompt: `${rng.pick(['次の文章を英語に翻訳してください。', '以下を自然な英語にしてください。', '英訳をお願いします。'])}\n\n${jaText}`, response: enText, sources: [], language: 'en' };
  }
  return { prompt: `${rng.pick(['Translate into Japanese:', '次の英文を日本語に翻訳してください。'])}\n\n${enText}`, response: jaText, sources: [], language: 'ja' };
}

/** Common slips against the 公用文 style rules: wrong form, right form, why, and a sentence using it. */
const STYLE_FIXES: ReadonlyArray<[string, string, string, string]> = [
  ['行なう', '行う', '送り仮名は「行う」とするのが公用文の標準です。', '{t}の説明会を{w}予定です。'],
  ['出来る', 'できる', '可能の意味では平仮名で表記します。', '{t}の資料は来週中に提出{w}見込みです。'],
  ['下さい', 'ください', '補助動詞は平仮名で表記します。', '内容を御確認{w}。'],
  ['致します', 'いたします', '補助動詞は平仮名で表記します。', '{t}について御説明{w}。'],
  ['予め', 'あらかじめ', '副詞は平仮名で表記するのが一般的です。', '{w}御了承願います。'],
  ['但し', 'ただし', '接続詞は平仮名で表記します。', '{w}、締切後の提出は受け付けません。'],
  ['更に', 'さらに', '接続詞として用いる場合は平仮名で表記します。', '{w}、{t}の効果を検証します。'],
  ['有難う', 'ありがとう', '平仮名で表記します。', '御協力{w}ございます。'],
  ['御願い', 'お願い', '「お」は平仮名で表記します。', '期限内の回答を{w}します。'],
  ['様々な', 'さまざまな', '読みやすさのため平仮名表記が推奨されます。', '{w}観点から{t}を検討しました。'],
];

function proofreading(rng: Rng): Draft {
  const theme = rng.pick(THEMES);
  const first = rng.int(0, STYLE_FIXES.length - 1);
  const second = (first + rng.int(1, STYLE_FIXES.length - 1)) % STYLE_FIXES.length;
  const fixes = rng.chance(0.3) ? [STYLE_FIXES[first]] : [STYLE_FIXES[first], STYLE_FIXES[second]];
  const original = fixes.map(([wrong, , , frame]) => fill(frame, { t: theme.ja, w: wrong })).join('');
  const corrected = fixes.map(([, right, , frame]) => fill(frame, { t: theme.ja, w: right })).join('');
  const notes = fixes.map(([wrong, right, why]) => `・「${wrong}」→「${right}」：${why}`).join('\n');
  return ja(
    `${rng.pick(['次の文章を公用文のルールに沿って校正してください。', '以下の文の表記を直してください。', '校正をお願いします。'])}\n\n${original}`,
    `校正後：${corrected}\n\n修正点：\n${notes}`,
  );
}

function dietSearch(rng: Rng, ctx: DraftContext): Draft {
  const theme: Theme = rng.pick(THEMES);
  const n = rng.int(1, 3);
  const sources: Source[] = [];
  const sentences: string[] = [];
  for (let i = 0; i < n; i++) {
    const session = rng.int(211, 219);
    const year = 2023 + Math.floor((session - 211) / 3);
    const committee = rng.pick(COMMITTEES);
    const speaker = rng.pick(MINISTER_TITLES);
    const quote = rng.pick([
      `${theme.ja}については、関係省庁と緊密に連携しながら着実に取り組んでまいります`,
      `${theme.ja}は政府の最重要課題の一つであり、スピード感を持って対応してまいります`,
      `${theme.ja}に関しては、現場の声を丁寧に伺いながら検討を進めてまいりたいと考えております`,
      `${theme.ja}について、必要な予算の確保に努めてまいります`,
      `${theme.ja}の効果を検証し、その結果を踏まえて制度の見直しを検討いたします`,
    ]);
    const meeting = rng.int(1, 20);
    const month = rng.int(1, 12);
    const day = rng.int(1, 28);
    const id = `kokkai-${session}-${meeting}-${rng.hex(3)}`;
    sources.push({
      id,
      title: `第${session}回国会 ${committee} 第${meeting}号（${reiwaDate(year, month, day)}）`,
      url: `https://kokkai.ndl.go.jp/txt/1${session}${rng.int(10000, 99999)}X0${String(meeting).padStart(2, '0')}${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}/${rng.int(5, 120)}`,
      excerpt: `○${speaker}　お答えいたします。${quote}。以上でございます。`,
    });
    sentences.push(`第${session}回国会の${committee}において、${speaker}は「${quote}」と答弁しています[${i + 1}]。`);
  }
  void ctx;
  return {
    prompt: rng.pick([`${theme.ja}に関する過去の国会答弁を探してください。`, `${theme.ja}について大臣が答弁した例はありますか。`, `${theme.ja}の答弁例を出典付きで示して。`]),
    response: `${theme.ja}に関する主な答弁は次のとおりです。\n${sentences.join('\n')}`,
    sources,
    language: 'ja',
  };
}

function legal(rng: Rng): Draft {
  const cite = correctCitation(rng);
  const source: Source = {
    id: `egov-${cite.law.number ?? 0}-${cite.article}`,
    title: `${cite.law.title}（e-Gov法令検索）`,
    url: egovUrl(rng, cite.law),
    excerpt: `${cite.law.title} 第${cite.article}条 …（条文抜粋）`,
  };
  const lead = rng.pick(['根拠条文としては、', '関係する規定は', '結論から申し上げると、', '']);
  const tail = rng.pick(['が参考になります', 'が該当します', 'を確認してください', 'を根拠として整理できます']);
  const body = cite.text.endsWith('定めています') ? `${lead}${cite.text}[1]。` : `${lead}${cite.text}${tail}[1]。`;
  return {
    prompt: rng.pick([
      `${cite.law.title}の関係条文を教えてください。`,
      `${rng.pick(THEMES).ja}に関係する法令上の根拠を調べて。`,
      `${cite.law.title}で定められている内容を確認したい。`,
    ]),
    response: `${body}\n${rng.pick(['改正の有無は最新の法令データで御確認ください。', '解釈に迷う場合は法令審査担当に御相談ください。', '施行令・施行規則もあわせて御確認ください。'])}`,
    sources: [source],
    language: 'ja',
  };
}

function legalEnglish(rng: Rng): Draft {
  const cite = correctCitation(rng, true);
  return {
    prompt: `Which provision of ${cite.law.title_en} should I look at?`,
    response: `You may refer to ${cite.text} [1]. Please check the latest amendments on e-Gov.`,
    sources: [{ id: `egov-${cite.law.number ?? 0}`, title: cite.law.title_en, url: egovUrl(rng, cite.law), excerpt: `${cite.law.title_en}, Article ${cite.article}` }],
    language: 'en',
  };
}

function ja(prompt: string, response: string): Draft {
  return { prompt, response, sources: [], language: 'ja' };
}

/** What a model says when it declines (status `refused`). */
export function refusal(rng: Rng, english: boolean): string {
  if (english) return rng.pick(['I am sorry, but I cannot help with that request.', 'I cannot provide an answer to this question.']);
  return rng.pick([
    '申し訳ありませんが、その内容にはお答えできません。',
    'この質問には回答を控えさせていただきます。別の表現でお試しください。',
    '個人の特定につながるおそれがあるため、お答えできません。',
  ]);
}
