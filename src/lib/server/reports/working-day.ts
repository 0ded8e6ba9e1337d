// The first working day of a month for Japan's government offices: not a weekend, not a national
// holiday (the @holiday-jp data set, substitute holidays included), and not a day of the year-end
// closure (12/29–1/3, 行政機関の休日に関する法律).
import holidayJp from '@holiday-jp/holiday_jp';

export function isGovernmentWorkingDay(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  const dow = d.getUTCDay();
  if (dow === 0 || dow === 6) return false;
  const md = day.slice(5);
  if (md >= '12-29' || md <= '01-03') return false;
  return !holidayJp.isHoliday(day); // by the day string: a Date would be read in the process time zone
}

/** The first working day of the month of `day` (YYYY-MM-DD). */
export function firstWorkingDay(month: string): string {
  const [y, m] = month.split('-').map(Number);
  for (let i = 1; i <= 31; i++) {
    const d = new Date(Date.UTC(y, m - 1, i));
    if (d.getUTCMonth() !== m - 1) break;
    const day = d.toISOString().slice(0, 10);
    if (isGovernmentWorkingDay(day)) return day;
  }
  throw new Error(`no working day in ${month}`);
}
