// Strings that exist for assistive technology and keyboard users (issue 17): the skip link, names of
// controls whose visible text alone is too short, chart data tables. Kept apart from the page
// dictionaries so the accessibility work merges without touching their keys; every key has a twin.
const ja = {
  'a11y.skip': '本文へ移動',
  'a11y.lang_prefix': '表示言語を切り替え:',
  'a11y.csv_of': '（{title}）',
  'a11y.scrolls': '{title}（横にスクロールできます）',
  'a11y.chart_data': '{title}のデータを表で見る',
  'a11y.series_summary': '{label}: 最新 {last}（{last_day}）、最大 {max}（{max_day}）',
  'a11y.chart_item': '項目',
  'a11y.flag_in_incident': 'このインシデントの検知',
};

export type A11yKey = keyof typeof ja;

const en: Record<A11yKey, string> = {
  'a11y.skip': 'Skip to content',
  'a11y.lang_prefix': 'Switch the display language:',
  'a11y.csv_of': ' ({title})',
  'a11y.scrolls': '{title} (scrolls sideways)',
  'a11y.chart_data': 'Data of {title} as a table',
  'a11y.series_summary': '{label}: latest {last} ({last_day}), highest {max} ({max_day})',
  'a11y.chart_item': 'Item',
  'a11y.flag_in_incident': 'part of this incident',
};

export const a11yMessages = { ja, en } as const;
