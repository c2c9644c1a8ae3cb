/**
 * Simple product pictures for the demo shop, drawn as SVG (no photos to
 * license or ship): one drawing per leaf category of the demo catalog, in two
 * colourways. Our own trusted SVG: uploads never take this path. No text, so
 * no font is needed.
 */
export interface Palette {
  name: string
  back: string
  main: string
  accent: string
  dark: string
}

export const PALETTES: readonly Palette[] = [
  { name: 'coral', back: '#fdf1ec', main: '#f06f52', accent: '#f6c64f', dark: '#34313a' },
  { name: 'teal', back: '#eaf6f5', main: '#2a9d8f', accent: '#e9c46a', dark: '#264653' },
  { name: 'indigo', back: '#eef0fb', main: '#5a67d8', accent: '#f687b3', dark: '#2d3748' },
  { name: 'forest', back: '#eef5ea', main: '#4f8a3c', accent: '#d9a441', dark: '#2f3b2a' },
  { name: 'sand', back: '#f7f3ea', main: '#c2956b', accent: '#6b8fc2', dark: '#3b342c' },
  { name: 'graphite', back: '#f0f1f3', main: '#6c7a89', accent: '#ef8354', dark: '#22262b' },
]

type Draw = (c: Palette) => string

const DRAWINGS: Record<string, Draw> = {
  laptops: (c) => `
    <rect x="330" y="190" width="540" height="350" rx="18" fill="${c.dark}"/>
    <rect x="352" y="212" width="496" height="306" rx="6" fill="${c.main}"/>
    <path d="M352 518 L848 212 L848 518 Z" fill="#fff" opacity=".12"/>
    <path d="M250 560 L950 560 L1000 620 L200 620 Z" fill="${c.accent}"/>
    <rect x="530" y="575" width="140" height="22" rx="8" fill="${c.dark}" opacity=".35"/>`,
  phones: (c) => `
    <rect x="470" y="140" width="260" height="500" rx="40" fill="${c.dark}"/>
    <rect x="488" y="190" width="224" height="400" rx="14" fill="${c.main}"/>
    <circle cx="600" cy="166" r="9" fill="${c.accent}"/>
    <rect x="560" y="608" width="80" height="14" rx="7" fill="${c.accent}"/>`,
  audio: (c) => `
    <path d="M390 500 A210 210 0 0 1 810 500" fill="none" stroke="${c.dark}" stroke-width="38" stroke-linecap="round"/>
    <rect x="330" y="440" width="120" height="200" rx="50" fill="${c.main}"/>
    <rect x="750" y="440" width="120" height="200" rx="50" fill="${c.main}"/>
    <rect x="360" y="470" width="60" height="140" rx="30" fill="${c.accent}"/>
    <rect x="780" y="470" width="60" height="140" rx="30" fill="${c.accent}"/>`,
  cameras: (c) => `
    <rect x="410" y="240" width="170" height="80" rx="14" fill="${c.dark}"/>
    <rect x="320" y="290" width="560" height="330" rx="44" fill="${c.dark}"/>
    <circle cx="600" cy="455" r="135" fill="${c.main}"/>
    <circle cx="600" cy="455" r="95" fill="${c.dark}"/>
    <circle cx="600" cy="455" r="55" fill="${c.accent}"/>
    <circle cx="570" cy="425" r="16" fill="#fff" opacity=".6"/>
    <rect x="760" y="320" width="70" height="34" rx="8" fill="${c.accent}"/>`,
  cookware: (c) => `
    <rect x="700" y="448" width="380" height="46" rx="23" fill="${c.accent}"/>
    <circle cx="500" cy="470" r="230" fill="${c.dark}"/>
    <circle cx="500" cy="470" r="188" fill="${c.main}"/>
    <ellipse cx="440" cy="410" rx="80" ry="40" fill="#fff" opacity=".18"/>`,
  furniture: (c) => `
    <rect x="440" y="180" width="320" height="260" rx="30" fill="${c.main}"/>
    <rect x="410" y="430" width="380" height="70" rx="18" fill="${c.main}"/>
    <rect x="430" y="500" width="34" height="190" rx="10" fill="${c.dark}"/>
    <rect x="736" y="500" width="34" height="190" rx="10" fill="${c.dark}"/>
    <rect x="470" y="220" width="260" height="20" rx="10" fill="${c.accent}"/>`,
  bedding: (c) => `
    <rect x="270" y="270" width="660" height="360" rx="150" fill="${c.main}"/>
    <rect x="320" y="315" width="560" height="270" rx="115" fill="none" stroke="#fff" stroke-width="8" stroke-dasharray="22 16" opacity=".7"/>
    <circle cx="600" cy="450" r="36" fill="${c.accent}"/>`,
  lighting: (c) => `
    <path d="M600 250 L850 600 L350 600 Z" fill="${c.accent}" opacity=".25"/>
    <ellipse cx="600" cy="690" rx="170" ry="30" fill="${c.dark}"/>
    <rect x="588" y="300" width="24" height="390" fill="${c.dark}"/>
    <path d="M470 330 L520 170 L680 170 L730 330 Z" fill="${c.main}"/>`,
  shoes: (c) => `
    <path d="M290 570 L290 420 Q290 370 350 370 L520 370 Q570 450 680 470 L870 500 Q930 512 930 570 Z" fill="${c.main}"/>
    <rect x="275" y="560" width="670" height="58" rx="24" fill="#fff" stroke="${c.dark}" stroke-width="6"/>
    <path d="M430 390 L520 420 M450 420 L540 450 M470 450 L560 475" stroke="${c.accent}" stroke-width="14" stroke-linecap="round"/>`,
  jackets: (c) => `
    <path d="M450 200 L600 250 L750 200 L910 320 L850 430 L790 395 L790 700 L410 700 L410 395 L350 430 L290 320 Z" fill="${c.main}"/>
    <path d="M600 250 L600 700" stroke="${c.dark}" stroke-width="10"/>
    <path d="M450 200 L600 330 L750 200" fill="none" stroke="${c.dark}" stroke-width="12"/>
    <rect x="450" y="520" width="100" height="16" rx="8" fill="${c.accent}"/>
    <rect x="650" y="520" width="100" height="16" rx="8" fill="${c.accent}"/>`,
  bags: (c) => `
    <path d="M500 270 Q500 160 600 160 Q700 160 700 270" fill="none" stroke="${c.dark}" stroke-width="28"/>
    <rect x="410" y="250" width="380" height="450" rx="80" fill="${c.main}"/>
    <rect x="465" y="470" width="270" height="170" rx="34" fill="${c.accent}"/>
    <rect x="520" y="500" width="160" height="14" rx="7" fill="${c.dark}"/>`,
  watches: (c) => `
    <rect x="535" y="130" width="130" height="640" rx="34" fill="${c.dark}"/>
    <circle cx="600" cy="450" r="160" fill="${c.accent}"/>
    <circle cx="600" cy="450" r="130" fill="#fff"/>
    <path d="M600 450 L600 350 M600 450 L670 490" stroke="${c.dark}" stroke-width="14" stroke-linecap="round"/>
    <circle cx="600" cy="450" r="12" fill="${c.main}"/>
    <rect x="760" y="430" width="30" height="40" rx="6" fill="${c.accent}"/>`,
  camping: (c) => `
    <path d="M260 670 L600 210 L940 670 Z" fill="${c.main}"/>
    <path d="M600 210 L510 670 L690 670 Z" fill="${c.dark}"/>
    <path d="M600 210 L600 150" stroke="${c.dark}" stroke-width="10"/>
    <path d="M600 150 L660 170 L600 190 Z" fill="${c.accent}"/>
    <rect x="200" y="666" width="800" height="12" rx="6" fill="${c.dark}" opacity=".4"/>`,
  fitness: (c) => `
    <rect x="380" y="428" width="440" height="44" rx="12" fill="${c.dark}"/>
    <rect x="300" y="330" width="80" height="240" rx="16" fill="${c.main}"/>
    <rect x="250" y="365" width="50" height="170" rx="12" fill="${c.accent}"/>
    <rect x="820" y="330" width="80" height="240" rx="16" fill="${c.main}"/>
    <rect x="900" y="365" width="50" height="170" rx="12" fill="${c.accent}"/>`,
  cycling: (c) => `
    <circle cx="380" cy="530" r="140" fill="none" stroke="${c.dark}" stroke-width="24"/>
    <circle cx="820" cy="530" r="140" fill="none" stroke="${c.dark}" stroke-width="24"/>
    <path d="M380 530 L520 330 L740 330 L820 530 M520 330 L600 530 L740 330 M600 530 L380 530" fill="none" stroke="${c.main}" stroke-width="22" stroke-linejoin="round"/>
    <rect x="470" y="290" width="110" height="26" rx="13" fill="${c.accent}"/>
    <path d="M740 330 L720 260 L790 250" fill="none" stroke="${c.dark}" stroke-width="18" stroke-linecap="round"/>`,
  books: (c) => `
    <rect x="330" y="560" width="540" height="90" rx="10" fill="${c.main}"/>
    <rect x="360" y="460" width="480" height="100" rx="10" fill="${c.accent}"/>
    <rect x="310" y="370" width="520" height="90" rx="10" fill="${c.dark}"/>
    <rect x="350" y="395" width="300" height="14" rx="7" fill="${c.accent}"/>
    <rect x="400" y="495" width="260" height="14" rx="7" fill="${c.dark}"/>
    <rect x="370" y="590" width="320" height="14" rx="7" fill="#fff" opacity=".7"/>`,
  games: (c) => `
    <path d="M380 330 L820 330 Q940 330 950 470 L970 600 Q980 680 900 680 Q850 680 800 600 L400 600 Q350 680 300 680 Q220 680 230 600 L250 470 Q260 330 380 330 Z" fill="${c.dark}"/>
    <rect x="375" y="430" width="110" height="34" rx="8" fill="${c.main}"/>
    <rect x="413" y="392" width="34" height="110" rx="8" fill="${c.main}"/>
    <circle cx="760" cy="420" r="22" fill="${c.accent}"/>
    <circle cx="810" cy="465" r="22" fill="${c.main}"/>
    <circle cx="710" cy="465" r="22" fill="${c.main}"/>
    <circle cx="760" cy="510" r="22" fill="${c.accent}"/>`,
}

/** For a category without a drawing of its own: a parcel. */
const parcel: Draw = (c) => `
    <path d="M600 200 L880 320 L600 440 L320 320 Z" fill="${c.accent}"/>
    <path d="M320 320 L600 440 L600 720 L320 600 Z" fill="${c.main}"/>
    <path d="M880 320 L600 440 L600 720 L880 600 Z" fill="${c.dark}"/>
    <path d="M460 260 L740 380 L740 460" fill="none" stroke="#fff" stroke-width="16" opacity=".6"/>`

export const DEMO_CATEGORIES = Object.keys(DRAWINGS)

/** A 1200 x 900 picture of a `category` (a leaf slug of the demo catalog) in a palette. */
export function drawProduct(category: string, palette: Palette): string {
  const draw = DRAWINGS[category] ?? parcel
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="900" viewBox="0 0 1200 900">
  <rect width="1200" height="900" fill="${palette.back}"/>
  <circle cx="600" cy="430" r="390" fill="#fff" opacity=".55"/>
  <ellipse cx="600" cy="780" rx="400" ry="38" fill="${palette.dark}" opacity=".12"/>
  <g transform="translate(600 440) scale(1.18) translate(-600 -440)">${draw(palette)}</g>
</svg>`
}
