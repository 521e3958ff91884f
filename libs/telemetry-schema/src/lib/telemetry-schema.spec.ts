import { telemetrySchema } from './telemetry-schema';

describe('telemetrySchema', () => {
  it('should work', () => {
    expect(telemetrySchema()).toEqual('telemetry-schema');
  });
});
