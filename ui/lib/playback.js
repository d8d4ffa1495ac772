// What a player's position reports mean, for every player in the window (the library's player
// and the transcript editor's): where it is, whether it plays, at what speed.

/**
 * Takes the position report `message` from the shell into `player` (`position`, `playing`,
 * `speed`, `ended`). After a seek (`player.seekTarget`, set at `player.seekAt`), reports of the
 * old place may still arrive for a moment: the place sought stays shown until a report near it
 * comes, or 1.5 s have passed.
 */
export function takeReport(player, message) {
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
