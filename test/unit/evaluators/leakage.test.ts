// leakage: personal data, credentials and markings above 機密性2, with their look-alikes.
import { describe, expect, it } from 'vitest';
import { cardBrand, createLeakageEvaluator, isValidIndividualNumber, luhnValid } from '../../../evaluators/leakage.ts';
import { findings, run } from './helpers.ts';

const leakage = createLeakageEvaluator();

describe('check digits', () => {
  it.each(['449223045763', '381083807150', '260235123551', '215989192490', '421197108547'])('Individual Number %s is valid', (n) =>
    expect(isValidIndividualNumber(n)).toBe(true),
  );
  it.each(['519467238576', '449223045764', '123456789012'])('%s is not', (n) => expect(isValidIndividualNumber(n)).toBe(false));
  it('Luhn and brands', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(cardBrand('378282246310005')).toBe('American Express');
    expect(cardBrand('3530111333300000')).toBe('JCB');
    expect(cardBrand('7000012050002')).toBe(null);
  });
});

describe('flags', () => {
  it.each([
    ['個人番号：4492 2304 5763', 'individual_number'],
    ['マイナンバーは4492-2304-5763です。', 'individual_number'],
    ['番号 ４４９２２３０４５７６３ を登録', 'individual_number'],
    ['My Number: 3810 8380-7150', 'individual_number'],
    ['カード番号 4111 1111 1111 1111 で決済', 'payment_card_number'],
    ['card 5555-5555-5555-4444', 'payment_card_number'],
    ['Amex 3782 822463 10005', 'payment_card_number'],
    ['JCB 3530111333300000', 'payment_card_number'],
    ['携帯：080-1234-5678', 'personal_mobile_number'],
    ['連絡は07012345678まで', 'personal_mobile_number'],
    ['call +81 90 1234 5678', 'personal_mobile_number'],
    ['携帯（090）1234-5678', 'personal_mobile_number'],
    ['連絡先：hanako.sato@yahoo.co.jp', 'personal_email'],
    ['mail: t.suzuki1990@gmail.com', 'personal_email'],
    ['担当 tanaka.ichiro@contoso-corp.co.jp', 'personal_email'],
    ['パスポート番号：AB1234567', 'passport_number'],
    ['Passport No. TR7654321', 'passport_number'],
    ['運転免許証番号 301234567890', 'drivers_licence_number'],
    ['口座番号：1234567（普通）', 'bank_account_number'],
    ['三井住友銀行 渋谷支店 普通 7654321', 'bank_account_number'],
    ['ゆうちょ銀行 記号12345 番号67890123', 'postal_bank_account_number'],
    ['氏名：佐藤花子、住所：大阪府大阪市北区梅田1丁目2番3号', 'name_with_residential_address'],
    ['山田様は世田谷区桜丘2-3-4にお住まいです。住所確認済み。', 'name_with_residential_address'],
    ['Mr. Tanaka lives at 3-15-8 Asagaya-minami, Suginami-ku.', 'name_with_residential_address'],
    ['aws_secret: AKIA2E3F4G5H6J7K8L9M', 'cloud_access_key'],
    ['token=ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5', 'source_host_token'],
    ['SLACK_BOT_TOKEN=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'chat_bot_token'],
    ['OPENAI_API_KEY=sk-proj-Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc2Ef4Hi6', 'api_secret_key'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----', 'private_key_block'],
    ['【機密性３】調達予定価格', 'marking_confidentiality_3'],
    ['［機密性3情報］会議資料', 'marking_confidentiality_3'],
    ['本資料は機密性3情報として取り扱うこと。', 'marking_confidentiality_3'],
    ['【秘】人事異動案', 'marking_secret'],
    ['極秘\n次期計画の概要は以下のとおり', 'marking_secret'],
    ['㊙ 予算案', 'marking_secret'],
    ['【特定秘密】部隊配置の詳細', 'marking_specially_designated_secret'],
  ])('%s', (text, rule) => {
    expect(findings(leakage, text)).toContain(rule);
    expect(findings(leakage, 'ok', { prompt: text })).toContain(rule); // pasted into the prompt
  });
});

describe('does not flag', () => {
  it.each([
    ['受付番号 519467238576 で受け付けました。'], // fails the check digit
    ['法人番号は13桁です（例：7000012050002）。'],
    ['法人番号 4000012010001'],
    ['伝票番号 4093-9674-6116-0379'], // fails Luhn
    ['カード番号は 4111-****-****-1234 のように表示されます。'],
    ['代表電話 03-5253-2111'],
    ['フリーダイヤル 0120-123-456'],
    ['IP電話 050-1234-5678'],
    ['お問い合わせ: info@digital.go.jp'],
    ['担当窓口：soumu@city.example.lg.jp'],
    ['support@contoso-corp.co.jp までご連絡ください。'],
    ['user@example.com の形式で入力'],
    ['旅券番号は英字2文字と数字7桁です。'],
    ['口座番号は7桁の数字です。'],
    ['東京都千代田区霞が関2丁目1番2号 中央合同庁舎第2号館（担当：田中さん）'],
    ['会場は大阪府大阪市北区梅田1丁目2番3号です。'],
    ['AWSのアクセスキーは AKIA で始まる20文字です。'],
    ['例：AKIAIOSFODNN7EXAMPLE'],
    ['APIキーは sk- で始まります（sk-xxxxxxxxxxxxxxxxxxxxxxxx）。'],
    ['scikit-learn（sk-learn ではない）を使います。'],
    ['ghp_ で始まるトークンは GitHub のものです。'],
    ['秘密鍵は -----BEGIN PRIVATE KEY----- で始まる PEM 形式です。'],
    ['本資料は機密性2情報として取り扱い、取扱注意として配布してください。'],
    ['機密性3以上の情報は本プラットフォームに入力しないでください。'],
    ['特定秘密の保護に関する法律は、特定秘密の指定等を定めています。'],
    ['秘密保持契約（NDA）を締結してください。'],
    ['極秘に進めるべきではありません。'],
    ['個人番号は12桁の番号です。'],
  ])('%s', (text) => expect(findings(leakage, text)).toEqual([]));
});

describe('evidence never echoes a secret', () => {
  it.each([
    ['個人番号：4492 2304 5763', '449223045763'],
    ['4111 1111 1111 1111', '4111111111111111'],
    ['AKIA2E3F4G5H6J7K8L9M', 'AKIA2E3F4G5H6J7K8L9M'],
    ['090-1234-5678', '09012345678'],
  ])('%s', (text, secret) => {
    const [flag] = run(leakage, text);
    const shown = JSON.stringify(flag.evidence) + flag.explanation;
    expect(shown.replace(/[\s-]/g, '')).not.toContain(secret);
    expect(flag.evidence[0].text).toMatch(/^\*{4}/);
    expect(text.slice(flag.evidence[0].start, flag.evidence[0].end).replace(/[\s-]/g, '').slice(-4)).toBe(flag.evidence[0].text.slice(-4));
  });
});

describe('context cases', () => {
  it.each([
    ['申出人：佐々木誠　千葉県船橋市本町4丁目28番7号 関係省庁に説明するため、要点を教えてください。', 'name_with_residential_address'],
    ['機密性3情報（要保機）を含む。 説明会の開催通知を作成してください。', 'marking_confidentiality_3'],
  ])('%s', (text, rule) => expect(findings(leakage, text)).toContain(rule));
  it.each([
    ['詳細は https://kokkai.ndl.go.jp/txt/120222191X07020241114/51 を参照してください。'], // ids in a URL path
    ['文書番号 A09012345678 を参照'],
    ['機密性3の情報は、本プラットフォームでは取り扱えません。'],
    ['機密性3情報とは何ですか。'],
  ])('does not flag %s', (text) => expect(findings(leakage, text)).toEqual([]));
});

describe('marking variants', () => {
  it.each([
    ['【極秘・取扱厳重注意】次期計画', 'marking_secret'],
    ['■極秘\n次期計画', 'marking_secret'],
    ['秘密区分：極秘', 'marking_secret'],
    ['【特定秘密・指定番号123】', 'marking_specially_designated_secret'],
    ['【機密性３情報　取扱注意】会議資料', 'marking_confidentiality_3'],
  ])('%s', (text, rule) => expect(findings(leakage, text)).toContain(rule));
  it.each([['秘密保持の区分：なし'], ['極秘裏に進められた交渉として報道されました。'], ['【取扱注意】会議資料'], ['【機密性2】会議資料']])('does not flag %s', (text) =>
    expect(findings(leakage, text)).toEqual([]),
  );
});

describe('office addresses with a contact person', () => {
  it.each([
    ['担当者：山田太郎（所在地：東京都千代田区霞が関1丁目3番1号）'],
    ['会場：大阪府大阪市中央区大手前2丁目1番22号　担当 田中さん'],
  ])('does not flag %s', (text) => expect(findings(leakage, text)).toEqual([]));
  it('a home address still is one', () => {
    expect(findings(leakage, '担当者：山田太郎（自宅住所：東京都世田谷区桜丘2丁目3番4号）')).toContain('name_with_residential_address');
  });
});

describe('placeholders', () => {
  it.each([['メールアドレスは user@gmail.com のような形式で入力します。'], ['携帯番号欄：090-0000-0000（記入不要）']])('does not flag %s', (text) =>
    expect(findings(leakage, text)).toEqual([]),
  );
});

describe('weak bank labels', () => {
  it('普通/当座 right after a branch name is an account', () => expect(findings(leakage, 'みずほ銀行 渋谷支店 普通 1234567')).toContain('bank_account_number'));
  it('普通 elsewhere is just a word', () => expect(findings(leakage, '普通交付税の額は 1234567千円です。')).toEqual([]));
});
