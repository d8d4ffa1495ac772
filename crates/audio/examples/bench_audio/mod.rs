//! The audio the benchmark examples seal: ten seconds of deterministic noise at 48 kHz stereo,
//! in 100 ms blocks (what the recorder's writer drains at a time), made before any timing
//! starts and then cycled.

/// Frames per second.
pub const RATE: u32 = 48_000;
/// Channels.
pub const CHANNELS: u16 = 2;
/// Frames in one block: 100 ms.
pub const BLOCK_FRAMES: u64 = RATE as u64 / 10;
/// Blocks before the noise repeats: ten seconds.
pub const BLOCKS: usize = 100;

/// The blocks of interleaved samples (xorshift noise, the same on every run).
pub fn blocks() -> Vec<Vec<i16>> {
    let per_block = BLOCK_FRAMES as usize * usize::from(CHANNELS);
    let mut state = 0x2545_f491_u32;
    (0..BLOCKS)
        .map(|_| {
            (0..per_block)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    (state >> 16) as i16
                })
                .collect()
        })
        .collect()
}
