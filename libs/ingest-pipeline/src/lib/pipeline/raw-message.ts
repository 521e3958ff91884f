/** A message as the broker delivered it, before parsing. */
export interface RawMessage {
  topic: string;
  payload: Buffer;
  receivedAt: number;
}
