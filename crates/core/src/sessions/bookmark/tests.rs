use super::*;
use crate::ErrorCode;

fn secs(s: u64, nanos: u32) -> Duration {
    Duration::new(s, nanos)
}

#[test]
fn times_are_read_in_the_one_grammar() {
    for (text, want) in [
        ("90.5", secs(90, 500_000_000)),
        ("2s", secs(2, 0)),
        ("1.5m", secs(90, 0)),
        ("1h", secs(3600, 0)),
        ("1:02:03.5", secs(3723, 500_000_000)),
    ] {
        assert_eq!(parse_time(text).unwrap(), want, "{text:?}");
    }
    for bad in ["", "abc", "1:30s", "2ms", "-5"] {
        let e = parse_time(bad).unwrap_err();
        assert!(matches!(e, BookmarkError::Time(_)), "{bad:?}: {e:?}");
        assert_eq!(e.code(), "invalid_time");
        assert!(e.to_string().contains(timecode::FORMS), "{e}");
    }
    for ms in [0u64, 1, 999, 59_999, 3_600_000, 86_400_123] {
        let at = Duration::from_millis(ms);
        assert_eq!(parse_time(&format_time(at)).unwrap(), at, "{ms} ms");
    }
}

#[test]
fn a_time_must_fall_within_the_recording() {
    assert_eq!(frame_in(secs(2, 0), 96_000, 48_000), Some(96_000));
    assert_eq!(frame_in(secs(0, 0), 96_000, 48_000), Some(0));
    // Within half a frame of the end rounds onto it.
    assert_eq!(frame_in(secs(2, 10_000), 96_000, 48_000), Some(96_000));
    for beyond in [secs(2, 20_834), secs(3, 0), Duration::MAX] {
        assert_eq!(frame_in(beyond, 96_000, 48_000), None, "{beyond:?}");
    }
    let e = BookmarkError::BeyondEnd {
        recording_id: "r".to_owned(),
        at: format_time(secs(3, 0)),
        length: format_time(secs(2, 0)),
    };
    assert_eq!(e.code(), "invalid_time");
    assert_eq!(
        e.to_string(),
        "0:03.000 is after the end of recording r, which is 0:02.000 long"
    );
}

#[test]
fn notes_are_trimmed_and_checked_without_echoing_them() {
    assert_eq!(
        validate_note("  pause before\n\tthe reply \n").unwrap(),
        "pause before\n\tthe reply"
    );
    let longest = "é".repeat(MAX_NOTE_CHARS);
    assert_eq!(validate_note(&longest).unwrap(), longest);
    for (note, problem) in [
        ("", TextProblem::Empty),
        (" \n\t ", TextProblem::Empty),
        ("bell\u{7}", TextProblem::ControlCharacter),
        ("esc \u{1b}[2J", TextProblem::ControlCharacter),
    ] {
        let e = validate_note(note).unwrap_err();
        assert!(
            matches!(e, BookmarkError::InvalidNote(p) if p == problem),
            "{note:?}: {e:?}"
        );
        assert_eq!(e.code(), "invalid_note");
    }
    let secret = format!("secretword {}", "x".repeat(MAX_NOTE_CHARS));
    let e = validate_note(&secret).unwrap_err();
    assert!(matches!(
        e,
        BookmarkError::InvalidNote(TextProblem::TooLong(2011))
    ));
    assert!(!e.to_string().contains("secretword"));
    assert!(!format!("{e:?}").contains("secretword"));
}

#[test]
fn the_debug_form_leaves_the_note_out() {
    let b = Bookmark {
        id: "b".to_owned(),
        recording_id: "r".to_owned(),
        at_seconds: 1.5,
        at_frame: 72_000,
        note: "secretword".to_owned(),
        created_at: String::new(),
        updated_at: String::new(),
    };
    let debug = format!("{b:?}");
    assert!(!debug.contains("secretword"), "{debug}");
    assert!(debug.contains("<10 chars>"), "{debug}");
}

#[test]
fn recording_errors_keep_their_codes() {
    assert_eq!(
        BookmarkError::from(RecordError::NotFound("x".to_owned())).code(),
        "recording_not_found"
    );
    assert_eq!(
        BookmarkError::from(RecordError::StillRecording("x".to_owned())).code(),
        "still_recording"
    );
    assert_eq!(
        BookmarkError::NotFound("x".to_owned()).code(),
        "bookmark_not_found"
    );
}
