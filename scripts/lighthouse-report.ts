/** The Lighthouse report's shape and its Markdown (scripts/lighthouse.ts writes both; a unit test checks them). */

export const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const
export type Category = (typeof CATEGORIES)[number]
export type Scores = Record<Category, number>

/** The issue's targets; SEO has none. */
export const TARGETS: Partial<Scores> = { performance: 95, accessibility: 100, 'best-practices': 95 }

export interface PageResult {
  name: string
  path: string
  /** Median of each category over the runs (0-100). */
  scores: Scores
  runs: Scores[]
  /** Medians, in ms (CLS: unitless). */
  metrics: Record<string, number>
  /** Audits that did not pass in the run with the median performance score. */
  flagged: { id: string; title: string; score: number | null; displayValue?: string }[]
}

export interface LighthouseReport {
  date: string
  lighthouse: string
  browser: string
  profile: string
  runsPerPage: number
  targets: Partial<Scores>
  pages: PageResult[]
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const LABELS: Record<Category, string> = { performance: 'Performance', accessibility: 'Accessibility', 'best-practices': 'Best practices', seo: 'SEO' }

function cell(score: number, target: number | undefined): string {
  if (target === undefined) return String(score)
  return score >= target ? `${score}` : `**${score}** (below ${target})`
}

function ms(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—'
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`
}

export function lighthouseMarkdown(r: LighthouseReport): string {
  const missed = r.pages.flatMap((p) => CATEGORIES.filter((c) => r.targets[c] !== undefined && p.scores[c] < r.targets[c]!).map((c) => `${p.name} ${LABELS[c]}`))
  const lines = [
    '# Lighthouse scores of the storefront',
    '',
    `Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC by \`npm run lighthouse\` (scripts/lighthouse.ts): Lighthouse ${r.lighthouse}, ${r.browser} headless, ${r.profile}; `
      + `the embedded shop (\`npm start\`, 2,000 demo products) on loopback. Each page ${r.runsPerPage} time${r.runsPerPage === 1 ? '' : 's'}; the median of each score. `
      + `Targets: ${CATEGORIES.filter((c) => r.targets[c] !== undefined).map((c) => `${LABELS[c]} ${r.targets[c] === 100 ? '100' : `>= ${r.targets[c]}`}`).join(', ')}. `
      + 'The cart page is measured with one item in a guest cart.',
    '',
    `| page | ${CATEGORIES.map((c) => LABELS[c]).join(' | ')} | runs (performance) |`,
    `|---|${CATEGORIES.map(() => '---:').join('|')}|---|`,
    ...r.pages.map((p) => `| ${p.name} (\`${p.path}\`) | ${CATEGORIES.map((c) => cell(p.scores[c], r.targets[c])).join(' | ')} | ${p.runs.map((s) => s.performance).join(', ')} |`),
    '',
    missed.length === 0 ? 'Every target is met on every page.' : `Below target: ${missed.join(', ')}.`,
    '',
    '| page | First Contentful Paint | Largest Contentful Paint | Total Blocking Time | Cumulative Layout Shift | Speed Index |',
    '|---|---:|---:|---:|---:|---:|',
    ...r.pages.map(
      (p) =>
        `| ${p.name} | ${ms(p.metrics['first-contentful-paint'])} | ${ms(p.metrics['largest-contentful-paint'])} | ${ms(p.metrics['total-blocking-time'])} | ${(p.metrics['cumulative-layout-shift'] ?? NaN).toFixed(3)} | ${ms(p.metrics['speed-index'])} |`,
    ),
    '',
    '## What Lighthouse still flags (the median run of each page)',
    '',
    ...r.pages.flatMap((p) => [
      `- **${p.name}**: ${p.flagged.length === 0 ? 'nothing' : p.flagged.map((a) => `${a.title} (\`${a.id}\`${a.displayValue ? `, ${a.displayValue}` : ''})`).join('; ')}`,
    ]),
    '',
  ]
  return lines.join('\n')
}
