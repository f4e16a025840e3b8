import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Settings written to `<profile>/user/registrymodifications.xcu` before a worker's first start.
 *
 * What each one is for (checked against LibreOffice 7.4):
 * - Security/Scripting MacroSecurityLevel=3 (very high: only signed macros from trusted locations, of
 *   which there are none) and DisableMacrosExecution=true: no document macro ever runs. The loader also
 *   passes MacroExecutionMode=NEVER_EXECUTE.
 * - Security/Scripting BlockUntrustedRefererLinks=true: links from a document outside a trusted location
 *   (all of ours) are not followed. This is the setting that stops a DOCX image with
 *   `TargetMode="External"` (`<a:blip r:link>`) from being fetched over http or read from a local file;
 *   without it LibreOffice 7.4 fetches the URL during import and embeds the image. Writer's link update
 *   mode alone (below) does NOT prevent that fetch.
 * - Writer Content/Update/Link=2 (never; 0 always, 1 on request) and Calc Content/Update/Link=1
 *   (never; 0 always, 2 on request): linked sections, DDE and OLE links are not refreshed. The loader also
 *   passes UpdateDocMode=NO_UPDATE.
 * - No update check, no autosave, no recovery information (a killed worker leaves nothing to "recover").
 */
const SETTINGS: Array<[path: string, name: string, value: string]> = [
  ['/org.openoffice.Office.Common/Security/Scripting', 'MacroSecurityLevel', '3'],
  ['/org.openoffice.Office.Common/Security/Scripting', 'DisableMacrosExecution', 'true'],
  ['/org.openoffice.Office.Common/Security/Scripting', 'BlockUntrustedRefererLinks', 'true'],
  ['/org.openoffice.Office.Common/Security/Scripting', 'WarnAlienFormat', 'false'],
  ['/org.openoffice.Office.Writer/Content/Update', 'Link', '2'],
  ['/org.openoffice.Office.Calc/Content/Update', 'Link', '1'],
  ['/org.openoffice.Office.Common/Save/Document', 'AutoSave', 'false'],
  ['/org.openoffice.Office.Common/Save/Document', 'CreateBackup', 'false'],
  ['/org.openoffice.Office.Recovery/RecoveryInfo', 'Enabled', 'false'],
  ['/org.openoffice.Office.Recovery/AutoSave', 'Enabled', 'false'],
  ["/org.openoffice.Office.Jobs/Jobs/org.openoffice.Office.Jobs:Job['UpdateCheck']/Arguments", 'AutoCheckEnabled', 'false'],
  ['/org.openoffice.Office.Common/Misc', 'FirstRun', 'false'],
  ['/org.openoffice.Office.Common/Misc', 'ShowTipOfTheDay', 'false'],
];

export function registryModifications(): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const items = SETTINGS.map(
    ([p, name, value]) =>
      `<item oor:path="${esc(p)}"><prop oor:name="${esc(name)}" oor:op="fuse"><value>${esc(value)}</value></prop></item>`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    ...items,
    '</oor:items>',
    '',
  ].join('\n');
}

/**
 * A fresh hardened profile directory (anything left from an earlier run is removed, so stale settings
 * never survive a code change). Returns the `file://` URL for `-env:UserInstallation`.
 */
export async function prepareProfile(dir: string): Promise<string> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(path.join(dir, 'user'), { recursive: true });
  await fs.writeFile(path.join(dir, 'user', 'registrymodifications.xcu'), registryModifications());
  return pathToFileURL(path.resolve(dir)).href;
}
