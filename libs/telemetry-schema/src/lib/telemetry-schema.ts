export function telemetrySchema(): string {
  return 'telemetry-schema';
}
