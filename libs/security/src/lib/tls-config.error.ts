/** Why a TLS file set was refused at boot. */
export type TlsConfigErrorCode =
  | 'TLS_FILE_UNREADABLE'
  | 'TLS_NOT_PEM'
  | 'TLS_EXPIRED'
  | 'TLS_HALF_PAIR'
  | 'TLS_KEY_MISMATCH';

/** A TLS file problem found before any connection, naming the variable and the path. */
export class TlsConfigError extends Error {
  constructor(
    readonly code: TlsConfigErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TlsConfigError';
  }
}
