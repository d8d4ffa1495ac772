//! Taking a client's consent through the wizard on the Clients screen: what it says
//! ([`ConsentSpec`]), moving from step to step, signing and countersigning.

use fantoccini::{Client, Locator};

use crate::clock::date_in_days;
use crate::elements::{click, draw_signature, go, set_checked, set_value, type_into};
use crate::look::maybe_look;
use crate::wait::{poll, wait_attr, wait_for, wait_screen, wait_text};

/// What a consent taken in the wizard says.
#[derive(Clone, Debug)]
pub struct ConsentSpec<'a> {
    /// The client's code, as typed in the first step.
    pub client_code: &'a str,
    /// The course it is for, or `None` with a `destroy_by` date.
    pub course_id: Option<&'a str>,
    /// The date by which everything must be destroyed (`YYYY-MM-DD`), when no course is chosen.
    pub destroy_by: Option<&'a str>,
    /// The purposes ticked (the form's values, e.g. `supervision`).
    pub purposes: &'a [&'a str],
    /// Who may hear the recordings (the form's values, e.g. `supervisor`).
    pub audience: &'a [&'a str],
    /// The answer about case studies (the form's value).
    pub case_study: &'a str,
    /// The client's name, typed where the client signs.
    pub client_name: &'a str,
    /// The counsellor's name, typed where the counsellor signs.
    pub counsellor_name: &'a str,
    /// Signs with the keyboard alternative (`#signature-from-name`: the typed name made into
    /// the signature) instead of drawing with the mouse.
    pub typed_signature: bool,
}

/// The wizard's current step (`#consent-step[data-step]`).
pub async fn consent_step(client: &Client) -> String {
    wait_attr(client, "#consent-step", "data-step").await
}

/// Clicks `#consent-next` and waits until the wizard shows another step; returns it.
pub async fn consent_next(client: &Client) -> String {
    let before = consent_step(client).await;
    click(client, "#consent-next").await;
    poll(
        client,
        &format!("the wizard to leave step {before}"),
        || async {
            let now = client
                .find(Locator::Css("#consent-step"))
                .await
                .map_err(|e| e.to_string())?
                .attr("data-step")
                .await
                .map_err(|e| e.to_string())?
                .unwrap_or_default();
            if !now.is_empty() && now != before {
                Ok(now)
            } else {
                Err(format!("still on {now:?}"))
            }
        },
    )
    .await
}

/// Opens the consent wizard from Clients and fills its first step.
pub async fn start_consent(client: &Client, spec: &ConsentSpec<'_>, shots: Option<&str>) {
    go(client, "clients").await;
    maybe_look(client, shots, "clients").await;
    click(client, "#consent-new").await;
    wait_screen(client, "consent").await;
    wait_for(client, "#consent-step", Some("data-step"), "setup").await;
    type_into(client, "#consent-client-code", spec.client_code).await;
    set_value(client, "#consent-course", spec.course_id.unwrap_or("")).await;
    if let Some(date) = spec.destroy_by {
        set_value(client, "#consent-destroy-by", date).await;
    }
    maybe_look(client, shots, "consent-setup").await;
}

/// Takes a consent through the whole wizard, the client's signature drawn with the mouse, and
/// returns the signed record's id (`#consent-result-id`).
pub async fn grant_consent(client: &Client, spec: &ConsentSpec<'_>, shots: Option<&str>) -> String {
    start_consent(client, spec, shots).await;
    let mut step = consent_next(client).await;
    while step.starts_with("form-") {
        maybe_look(client, shots, &format!("consent-{step}")).await;
        step = consent_next(client).await;
    }
    assert_eq!(
        step, "choices",
        "after the form's sections comes the choices step"
    );
    for purpose in spec.purposes {
        set_checked(
            client,
            &format!("input[name=purpose][value={purpose}]"),
            true,
        )
        .await;
    }
    for audience in spec.audience {
        set_checked(
            client,
            &format!("input[name=audience][value={audience}]"),
            true,
        )
        .await;
    }
    set_checked(
        client,
        &format!("input[name=case-study][value={}]", spec.case_study),
        true,
    )
    .await;
    maybe_look(client, shots, "consent-choices").await;
    let step = consent_next(client).await;
    assert_eq!(step, "sign");
    type_into(client, "#client-name", spec.client_name).await;
    if spec.typed_signature {
        click(client, "#signature-from-name").await;
    } else {
        draw_signature(client, "#signature-pad").await;
    }
    maybe_look(client, shots, "consent-sign").await;
    let step = consent_next(client).await;
    assert_eq!(step, "countersign", "the signature was not taken");
    type_into(client, "#counsellor-name", spec.counsellor_name).await;
    maybe_look(client, shots, "consent-countersign").await;
    click(client, "#consent-submit").await;
    wait_for(client, "#consent-result", Some("data-state"), "granted").await;
    let id = wait_text(client, "#consent-result-id")
        .await
        .trim()
        .to_owned();
    maybe_look(client, shots, "consent-done").await;
    id
}

/// Grants, through the consent screens, a consent for `client_code` (signed as `client_name`)
/// to be recorded for supervision only, to be destroyed in 90 days; returns its id.
pub async fn supervision_consent(client: &Client, client_code: &str, client_name: &str) -> String {
    let destroy_by = date_in_days(client, 90).await;
    grant_consent(
        client,
        &ConsentSpec {
            client_code,
            course_id: None,
            destroy_by: Some(&destroy_by),
            purposes: &["supervision"],
            audience: &["supervisor"],
            case_study: "none",
            client_name,
            counsellor_name: "Morgan Ellery",
            typed_signature: false,
        },
        None,
    )
    .await
}
