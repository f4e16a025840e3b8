/** A one-line flat ODF text document: what the pool converts to check that a worker answers. */
export const HEALTH_DOC = Buffer.from(
  `<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:body><office:text><text:p>health check 健康检查</text:p></office:text></office:body>
</office:document>
`,
  'utf8',
);
export const HEALTH_EXT = '.fodt';
