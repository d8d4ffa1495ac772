// The playback speeds offered, the same on the player screen and in the transcript editor: from
// half speed to double in quarter steps, as the core plays them with the pitch kept.

/** The speeds, slowest first (1 is normal speed). */
export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
