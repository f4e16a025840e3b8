import { Resvg } from '@resvg/resvg-js';
import { escapeHtml as escapeXml } from '../util/html.js';
import { cjkFontFile } from '../pdf/fonts.js';

const RED = '#d7141a';
const FONT = "'Noto Serif CJK SC'";

/** Points of a five-pointed star centred on (cx, cy). */
function star(cx: number, cy: number, outer: number): string {
  const inner = outer * 0.382;
  const points: string[] = [];
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? outer : inner;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    points.push(`${(cx + radius * Math.cos(angle)).toFixed(2)},${(cy + radius * Math.sin(angle)).toFixed(2)}`);
  }
  return points.join(' ');
}

/**
 * A red round official seal (公章): double ring, the organisation's name along the upper arc, a star
 * in the centre, and the seal's kind (e.g. 合同专用章) along the bottom.
 */
export function officialSealSvg(options: { organization: string; kind?: string }): string {
  const chars = [...options.organization];
  const span = Math.min(280, 40 + chars.length * 21); // degrees of arc the name covers
  const size = chars.length > 11 ? 20 : 26;
  const letters = chars
    .map((char, i) => {
      const angle = -span / 2 + (chars.length === 1 ? span / 2 : (i * span) / (chars.length - 1));
      return `<text x="100" y="${(100 - 64).toFixed(1)}" transform="rotate(${angle.toFixed(2)} 100 100)" text-anchor="middle" dominant-baseline="central" font-size="${size}">${escapeXml(char)}</text>`;
    })
    .join('');
  const kind = options.kind
    ? `<text x="100" y="148" text-anchor="middle" dominant-baseline="central" font-size="17">${escapeXml(options.kind)}</text>`
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">
<g fill="${RED}" font-family="${FONT}" font-weight="bold">
<circle cx="100" cy="100" r="94" fill="none" stroke="${RED}" stroke-width="6"/>
<polygon points="${star(100, 100, 30)}"/>
${letters}${kind}
</g></svg>`;
}

/** A red square personal name seal (个人签名): the name in a 2×2 grid, read right column first, with 之印/印 to fill. */
export function personalSealSvg(options: { name: string }): string {
  let chars = [...options.name].slice(0, 4);
  if (chars.length === 1) chars = [chars[0], '印'];
  if (chars.length === 2) chars = [...chars, '之', '印'];
  if (chars.length === 3) chars = [...chars, '印'];
  // Traditional order: top-right, bottom-right, top-left, bottom-left.
  const cells = [
    [140, 62],
    [140, 138],
    [60, 62],
    [60, 138],
  ];
  const letters = chars
    .map(
      (char, i) =>
        `<text x="${cells[i][0]}" y="${cells[i][1]}" text-anchor="middle" dominant-baseline="central" font-size="68">${escapeXml(char)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">
<g fill="${RED}" font-family="${FONT}" font-weight="bold">
<rect x="6" y="6" width="188" height="188" rx="10" fill="none" stroke="${RED}" stroke-width="10"/>
${letters}
</g></svg>`;
}

/** Renders an SVG to a PNG with transparency, `widthPx` wide, with the installed Noto CJK fonts. */
export async function rasterizeSvg(svg: string, widthPx: number): Promise<Uint8Array> {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: widthPx },
    font: {
      loadSystemFonts: false,
      fontFiles: [cjkFontFile('NotoSerifCJK-Bold.ttc'), cjkFontFile('NotoSansCJK-Regular.ttc')],
      defaultFontFamily: 'Noto Serif CJK SC',
    },
  });
  return new Uint8Array(resvg.render().asPng());
}
