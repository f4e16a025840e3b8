import { registerErrorStatuses } from '../http/errors.js';

/** HTTP status for each error code the fill and office modules raise. */
registerErrorStatuses({
  TEMPLATE_ERROR: 422,
  TEMPLATE_DATA_INVALID: 422,
  TEMPLATE_NOT_FOUND: 404,
  INVALID_TEMPLATE_NAME: 400,
  NOT_DOCX: 415,
  ZIP_TOO_LARGE: 413,
  CONVERT_QUEUE_FULL: 503,
  CONVERT_TIMEOUT: 504,
  CONVERT_FAILED: 500,
  POOL_CLOSED: 503,
});
