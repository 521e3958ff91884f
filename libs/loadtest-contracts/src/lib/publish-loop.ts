/**
 * How devices pace their publishes (ADR 0019):
 * - `open`: a fixed input rate on the phase schedule whatever the system answers; what does not
 *   keep up shows as failures (drop/failure behaviour).
 * - `closed`: the same schedule as a ceiling, but a device sends only while fewer than `window`
 *   of its publishes await their ack (PUBACK/PUBCOMP): the offered load follows the system, and
 *   the achieved rate says where it saturated.
 */
export const PUBLISH_LOOPS = ['open', 'closed'] as const;
export type PublishLoop = (typeof PUBLISH_LOOPS)[number];

export const PUBLISH_LOOP_DEFAULTS = { loop: 'open' as PublishLoop, window: 1 } as const;

/** In-flight publishes per device: lean clients have 65535 packet ids, 1000 is plenty for a test. */
export const WINDOW_LIMITS = { min: 1, max: 1000 } as const;

/**
 * Below this share of the target rate a closed loop counts as saturated: the acks, not the
 * schedule, set the pace. 5 % covers the start and end of the window where the ceiling binds.
 */
export const CLOSED_LOOP_SATURATED_BELOW = 0.95;
