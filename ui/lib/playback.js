// What a player's position reports mean, for every player in the window (the library's player
// and the transcript editor's): where it is, whether it plays, at what speed.

/**
 * Takes a message from a player's channel into `player`. Gives "failed" when playback stopped
 * on its own (a damaged recording, the output device gone; `player.playing` is then false),
 * "report" for a position report, and null for anything that is not this player's message (one
 * from the channel of a player closed since).
 */
export function takeMessage(player, message, channel) {
  if (channel !== player.channel || !message || typeof message !== "object") return null;
  if (message.event === "failed") {
    player.playing = false;
    return "failed";
  }
  takeReport(player, message);
  return "report";
}

/**
 * Takes the position report `message` from the shell into `player` (`position`, `playing`,
 * `speed`, `ended`). After a seek (`player.seekTarget`, set at `player.seekAt`), reports of the
 * old place may still arrive for a moment: the place sought stays shown until a report near it
 * comes, or 1.5 s have passed.
 */
function takeReport(player, message) {
  const seconds = Number(message.seconds);
  if (Number.isFinite(seconds)) {
    if (player.seekTarget !== null) {
      const settled = Math.abs(seconds - player.seekTarget) < 1.5 || performance.now() - player.seekAt > 1500;
      if (settled) player.seekTarget = null;
    }
    if (player.seekTarget === null) player.position = seconds;
  }
  if (typeof message.playing === "boolean") player.playing = message.playing;
  if (Number.isFinite(Number(message.speed))) player.speed = Number(message.speed);
  player.ended = Boolean(message.ended);
}

/**
 * Shows a seek to `seconds` (kept within the recording) at once, before the shell confirms it,
 * and gives the place sought.
 */
export function startSeek(player, seconds) {
  const target = Math.min(player.duration, Math.max(0, Number(seconds) || 0));
  player.seekTarget = target;
  player.seekAt = performance.now();
  player.ended = false;
  return target;
}
