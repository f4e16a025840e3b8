import fs from 'node:fs';
import path from 'node:path';

const FONT_DIRS = ['/usr/share/fonts/opentype/noto', '/usr/share/fonts/truetype/noto', '/usr/share/fonts/opentype', '/usr/share/fonts'];

/** Finds an installed CJK font file (fonts-noto-cjk), e.g. `NotoSerifCJK-Bold.ttc`; throws a clear error when missing. */
export function cjkFontFile(fileName: string): string {
  for (const dir of FONT_DIRS) {
    const candidate = path.join(dir, fileName);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`The CJK font ${fileName} is not installed (Debian package fonts-noto-cjk; scripts/setup.sh installs it).`);
}
