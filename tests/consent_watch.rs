//! The gate asked again and again for one consent, as a running recording asks it every
//! second (`ConsentWatch`): between full checks it only looks at the date, and its answer is
//! still the full check's at every moment, whoever changed the vault and whenever the last day
//! passes.

use std::sync::{Arc, Mutex};

use sessionvault_core::clock::{Clock, SystemClock};
use sessionvault_core::consent::{self, CaseStudy, ConsentWatch, NewConsent, Purpose, SignedWith};
use sessionvault_core::course;
use sessionvault_core::store::vault::Vault;
use sessionvault_core::ErrorCode;
use time::{Date, Duration, OffsetDateTime};

use crate::common::new_vault;

const SIGNATURE_SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100"><path d="M10 80 C 40 10, 65 10, 95 80" stroke="black" fill="none" stroke-width="3"/></svg>"#;

/// A clock the test moves on.
struct MovingClock(Mutex<OffsetDateTime>);

impl Clock for MovingClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

impl MovingClock {
    fn move_on(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

/// A supervision consent for `code`, until `destroy_by`, for the course `course` if given.
fn grant(vault: &mut Vault, code: &str, destroy_by: Option<Date>, course: Option<&str>) -> String {
    consent::grant(
        vault,
        &NewConsent {
            client_code: code,
            course_id: course,
            destroy_by,
            purposes: vec![Purpose::Supervision],
            audience: vec![],
            case_study: CaseStudy::None,
            client_name: "Élodie Ó Briain-Nakamura",
            signed_with: SignedWith::Drawn(SIGNATURE_SVG.as_bytes()),
            counsellor_name: "A Counsellor",
        },
    )
    .unwrap()
    .id
    .to_string()
}

#[test]
fn a_withdrawal_by_another_sessionvault_is_seen_at_the_next_check() {
    let (_tmp, dir, _) = new_vault();
    let mut vault = Vault::open(&dir, Arc::new(SystemClock)).unwrap();
    let today = vault.now().date();
    let id = grant(&mut vault, "C-701", Some(today + Duration::days(30)), None);
    let mut watch = ConsentWatch::new(&id);
    watch.check(&vault).unwrap();
    watch.check(&vault).unwrap();

    // Another SessionVault on the same vault (its own connection), as the command line beside
    // the window.
    let mut beside = Vault::open(&dir, Arc::new(SystemClock)).unwrap();
    consent::withdraw(&mut beside, &id, "I would rather not, after all").unwrap();
    let refused = watch.check(&vault).unwrap_err();
    assert_eq!(refused.code(), "consent_withdrawn", "{refused}");
    assert_eq!(
        consent::verify(&vault, &id).unwrap_err().code(),
        "consent_withdrawn"
    );
}

#[test]
fn a_withdrawal_through_the_watching_vault_itself_is_seen_too() {
    let (_tmp, dir, _) = new_vault();
    let mut vault = Vault::open(&dir, Arc::new(SystemClock)).unwrap();
    let today = vault.now().date();
    let id = grant(&mut vault, "C-702", Some(today + Duration::days(30)), None);
    let mut watch = ConsentWatch::new(&id);
    watch.check(&vault).unwrap();
    consent::withdraw(&mut vault, &id, "Said in the room: stop").unwrap();
    assert_eq!(watch.check(&vault).unwrap_err().code(), "consent_withdrawn");
}

#[test]
fn the_last_day_passing_is_seen_with_nothing_written() {
    let (_tmp, dir, _) = new_vault();
    let start = OffsetDateTime::now_utc();
    let clock = Arc::new(MovingClock(Mutex::new(start)));
    let mut vault = Vault::open(&dir, clock.clone()).unwrap();
    let today = start.date();
    let dated = grant(&mut vault, "C-703", Some(today + Duration::days(1)), None);
    let short = course::add(&mut vault, "A short course", today + Duration::days(3)).unwrap();
    let for_course = grant(&mut vault, "C-704", None, Some(&short.id.to_string()));
    let mut dated_watch = ConsentWatch::new(&dated);
    let mut course_watch = ConsentWatch::new(&for_course);
    dated_watch.check(&vault).unwrap();
    course_watch.check(&vault).unwrap();

    // The last day itself still holds; the day after does not.
    clock.move_on(Duration::days(1));
    dated_watch.check(&vault).unwrap();
    clock.move_on(Duration::days(1));
    assert_eq!(
        dated_watch.check(&vault).unwrap_err().code(),
        "consent_expired"
    );
    course_watch.check(&vault).unwrap();
    clock.move_on(Duration::days(2));
    assert_eq!(
        course_watch.check(&vault).unwrap_err().code(),
        "course_ended"
    );
    // As the full check says.
    assert_eq!(
        consent::verify(&vault, &for_course).unwrap_err().code(),
        "course_ended"
    );
}

#[test]
fn a_consent_that_does_not_exist_is_not_found_each_time() {
    let (_tmp, dir, _) = new_vault();
    let vault = Vault::open(&dir, Arc::new(SystemClock)).unwrap();
    let mut watch = ConsentWatch::new("5f0c9d7e-0000-4000-8000-000000000000");
    for _ in 0..2 {
        assert_eq!(watch.check(&vault).unwrap_err().code(), "consent_not_found");
    }
}
