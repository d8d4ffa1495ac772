//! The clip shared with the supervisor: an `age` key made here, the share made in the player's
//! panel, the clip decrypted with the stock `age` CLI and read as a WAV, and a share for the
//! course tutor refused.

use std::path::{Path, PathBuf};

use sessionvault_e2e::{
    click, files_under, go, look, run_program, scroll_to, set_value, type_into, wait_attr,
    wait_displayed, wait_screen, wait_text, Client, Locator,
};

use super::Recording;

/// A WAV file's format chunk values and the size of its data chunk.
struct Wav {
    channels: u16,
    rate: u32,
    bits: u16,
    data: usize,
}

fn read_wav(bytes: &[u8]) -> Wav {
    assert!(
        bytes.len() > 44 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE",
        "not a RIFF WAVE file (starts {:?})",
        &bytes[..bytes.len().min(12)]
    );
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    let (mut fmt, mut data) = (None, None);
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32_at(at + 4) as usize;
        let body = at + 8;
        if id == b"fmt " {
            fmt = Some((u16_at(body + 2), u32_at(body + 4), u16_at(body + 14)));
        } else if id == b"data" {
            data = Some(size.min(bytes.len() - body));
        }
        at = body + size + (size & 1);
    }
    let (channels, rate, bits) = fmt.expect("the WAV has a fmt chunk");
    Wav {
        channels,
        rate,
        bits,
        data: data.expect("the WAV has a data chunk"),
    }
}

/// An `age` key made for the test: its folder (removed when dropped), its file and its public key.
pub(super) struct AgeKey {
    keys: tempfile::TempDir,
    key_file: PathBuf,
    public: String,
}

/// Makes an `age` key with `age-keygen` in a folder of its own and reads its public key.
pub(super) fn age_key() -> AgeKey {
    // Back to the player: share 0:01–0:02 with the supervisor, to an age key made here.
    let keys = tempfile::tempdir().expect("a folder for the age key");
    let key_file = keys.path().join("key.txt");
    run_program("age-keygen", &["-o", key_file.to_str().unwrap()]);
    let public = std::fs::read_to_string(&key_file)
        .expect("key.txt")
        .lines()
        .find_map(|l| l.strip_prefix("# public key: ").map(str::to_owned))
        .expect("age-keygen wrote the public key");
    assert!(public.starts_with("age1"));
    AgeKey {
        keys,
        key_file,
        public,
    }
}

/// Shares 0:01–0:02 with the supervisor to `key` in the player's panel; returns the saved age file.
pub(super) async fn share_a_second_with_the_supervisor(
    client: &Client,
    row: &str,
    key: &AgeKey,
    saved: &Path,
) -> PathBuf {
    let public = &key.public;
    go(client, "library").await;
    click(client, &format!("{row} button.open-player")).await;
    wait_screen(client, "player").await;
    click(client, "#share-open").await;
    wait_displayed(client, "#share-panel").await;
    set_value(client, "#share-role", "supervisor").await;
    type_into(client, "#share-from", "0:01").await;
    type_into(client, "#share-until", "0:02").await;
    click(client, "#share-method-recipients").await;
    type_into(client, "#share-recipients", public).await;
    click(client, "#share-submit").await;
    wait_displayed(client, "#share-result").await;
    let name = wait_text(client, "#share-file-name").await;
    eprintln!("shared as {name}");
    scroll_to(client, "share-result").await;
    look(client, "transcribe-share").await;
    let shared = saved.join(name.trim());
    assert!(
        shared.is_file(),
        "{} is not in the save folder",
        shared.display()
    );
    let header = std::fs::read(&shared).expect("the shared file");
    assert!(
        header.starts_with(b"age-encryption.org/v1"),
        "not an age file"
    );
    shared
}

/// Decrypts the clip with the stock `age` CLI; checks the WAV holds exactly one second of it.
pub(super) fn the_clip_holds_exactly_one_second(
    key: &AgeKey,
    shared: &Path,
    recording: &Recording,
) {
    let (keys, key_file) = (&key.keys, &key.key_file);
    let (rate, channels) = (recording.rate, recording.channels);
    // The stock age CLI opens it; inside, exactly one second of the recording.
    let wav_path = keys.path().join("clip.wav");
    run_program(
        "age",
        &[
            "-d",
            "-i",
            key_file.to_str().unwrap(),
            "-o",
            wav_path.to_str().unwrap(),
            shared.to_str().unwrap(),
        ],
    );
    let wav = read_wav(&std::fs::read(&wav_path).expect("the decrypted WAV"));
    eprintln!(
        "WAV: {} Hz, {} channel(s), {} bits, {} data bytes",
        wav.rate, wav.channels, wav.bits, wav.data
    );
    assert_eq!(wav.rate as usize, rate, "the clip's sample rate");
    assert_eq!(wav.channels as usize, channels, "the clip's channels");
    assert_eq!(wav.bits, 16, "the clip is not 16-bit PCM");
    assert_eq!(
        wav.data,
        rate * channels * 2,
        "the clip does not hold exactly one second ({rate} frames of {channels} channel(s))"
    );
}

/// Asks for the clip for the course tutor; checks the plain-words refusal and that no file is left.
pub(super) async fn a_clip_for_the_tutor_is_refused(client: &Client, saved: &Path) {
    // A clip for the course tutor is refused: the consent's audience has no tutors.
    set_value(client, "#share-role", "tutor").await;
    click(client, "#share-submit").await;
    wait_displayed(client, "#share-problem").await;
    let refusal = wait_text(client, "#share-problem").await;
    let code = wait_attr(client, "#share-problem", "data-code").await;
    eprintln!("tutor refused ({code}): {refusal}");
    assert_eq!(code, "not_in_audience");
    assert!(
        refusal.starts_with("The client's consent") && refusal.contains("tutor"),
        "the refusal does not say why in plain words: {refusal:?}"
    );
    assert_eq!(
        client
            .find(Locator::Css("#share-problem"))
            .await
            .unwrap()
            .attr("role")
            .await
            .unwrap()
            .as_deref(),
        Some("alert")
    );
    scroll_to(client, "share-title").await;
    look(client, "transcribe-share-refused").await;
    let ages: Vec<_> = files_under(saved)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "age"))
        .collect();
    assert_eq!(ages.len(), 1, "the refused share left a file: {ages:?}");
}
