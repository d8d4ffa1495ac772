// A recording's state in words, as the lists of recordings show it (home, library, a client's
// page); the record screen says it its own way in the summary after a recording.

/** Each state the core reports for a recording, in the order the library's filter offers them. */
export const RECORDING_STATE_TEXT = {
  complete: "Complete",
  recovered: "Recovered",
  faulted: "Stopped by a fault",
  recording: "Recording now",
};
