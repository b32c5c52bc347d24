// error.js: RvfError, the one error type of the JavaScript API. code is the C rvf_status (a
// negative number, STATUS in js/gen/rvf_constants.mjs), name its symbolic name
// ("DIMENSION_MISMATCH"), message the C library's text plus the call's detail.
import { STATUS_MESSAGE, STATUS_NAME } from '../gen/rvf_constants.mjs';

export class RvfError extends Error {
  /**
   * @param {number} code an rvf_status
   * @param {string} [detail] what went wrong, in this call (rvf_last_error_detail or the wrapper's)
   */
  constructor(code, detail = '') {
    const text = STATUS_MESSAGE.get(code) ?? `unknown status ${code}`;
    super(detail ? `${text} (${detail})` : text);
    this.code = code;
    this.name = STATUS_NAME.get(code) ?? 'UNKNOWN_STATUS';
    this.detail = detail;
  }
}
